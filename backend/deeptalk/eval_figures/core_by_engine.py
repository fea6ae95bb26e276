"""The core figures of `deeptalk.evaluate` again per synthesis engine (`name@engine`).

Only when the measured clips come from several engines. Per clip the loop hands over its
lip vertex error (and the mean-pose baseline's), jaw angles, FER hit, and where the clip
has viseme labels its lip-reading errors; DEE retrieval is redone within each engine's clips
(a smaller gallery than the pooled one, so R@1 there reads a little higher by chance).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from deeptalk import metrics
from deeptalk.eval_figures.engines import by_engine
from deeptalk.models.dee_loss import retrieval_recall_at_1
from deeptalk.models.gaussian import GaussianEmbedding


def core_by_engine(engines: Sequence[str], *, lve: Sequence[float], lve_mean: Sequence[float],
                   jaw_pred: Sequence[np.ndarray], jaw_true: Sequence[np.ndarray], fer_hits: Sequence[bool],
                   reading: dict[int, tuple[float, float, float]], audio_emb: GaussianEmbedding,
                   motion_emb: GaussianEmbedding, labels: torch.Tensor) -> dict[str, float]:
    """`reading`: {clip index: (generated, ground truth, thvqvae) lip-reading error}."""
    groups = by_engine(list(engines))
    out: dict[str, float] = {}
    if len(groups) < 2:
        return out
    for engine, rows in groups.items():
        tag = f"@{engine}"
        out[f"lip_vertex_error_ratio{tag}"] = float(np.mean([lve[i] for i in rows])
                                                    / max(1e-12, np.mean([lve_mean[i] for i in rows])))
        out[f"jaw_correlation{tag}"] = metrics.pearson(np.concatenate([jaw_pred[i] for i in rows]),
                                                       np.concatenate([jaw_true[i] for i in rows]))
        out[f"emotion_accuracy_generated{tag}"] = float(np.mean([fer_hits[i] for i in rows]))
        labelled = [reading[i] for i in rows if i in reading]
        if labelled:
            generated, truth, prior = (float(np.mean(v)) for v in zip(*labelled))
            out[f"lipreading_error_generated{tag}"] = generated
            out[f"lipreading_error_ground_truth{tag}"] = truth
            out[f"lipreading_error_thvqvae{tag}"] = prior
            out[f"lipreading_error_ratio{tag}"] = generated / max(1e-9, truth)
        index = torch.tensor(rows)
        out[f"dee_r1_emotion{tag}"] = retrieval_recall_at_1(
            GaussianEmbedding(audio_emb.mean[index], audio_emb.logvar[index]),
            GaussianEmbedding(motion_emb.mean[index], motion_emb.logvar[index]), labels[index])
    return out
