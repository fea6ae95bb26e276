"""Alpha: do takes sampled from the speech's emotion Gaussian look different, and stay in sync?

For each chosen clip, `takes` takes at alpha 1 (both temperatures 0, seeds seed..seed+K-1) and
the alpha-0 take:
- `alpha_takes_difference_mm`: 95th percentile over take pairs, frames and non-lip face
  vertices of the per-vertex distance between two takes (mm; target >= 2);
- `alpha_takes_lipreading_ratio`: the worst take's lip-reading error (token error rate of
  the model's lip-reader, averaged over clips) over the alpha-0 take's (target <= 1.2), and
  `_mean` over takes. Clips without viseme labels leave the ratio out.
With clips from several engines the two figures repeat per engine (`...@engine`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from deeptalk import metrics
from deeptalk.eval_figures.engines import by_engine
from deeptalk.eval_figures.face_offsets import FaceOffsets, p95_distance
from deeptalk.pipeline import Pipeline
from deeptalk.train.clipbank import IGNORE, Clip

ALPHA = 1.0


def reading_error(lipreader: torch.nn.Module, motion: np.ndarray, visemes: np.ndarray) -> float:
    t = min(len(motion), len(visemes))
    with torch.inference_mode():
        guess = lipreader(torch.from_numpy(np.ascontiguousarray(motion[:t], np.float32))[None])[0].argmax(-1)
    return metrics.token_error_rate(visemes[:t], guess.numpy())


def _group(per_clip: list[dict], rows: list[int], suffix: str) -> dict[str, float]:
    out = {f"alpha_takes_difference_mm{suffix}": p95_distance([o for i in rows for o in per_clip[i]["pairs"]])}
    labelled = [i for i in rows if per_clip[i]["errors"] is not None]
    if labelled:
        base = float(np.mean([per_clip[i]["base_error"] for i in labelled]))
        takes = np.mean([per_clip[i]["errors"] for i in labelled], axis=0)  # (K,)
        out[f"alpha_takes_lipreading_ratio{suffix}"] = float(takes.max() / max(base, 1e-9))
        out[f"alpha_takes_lipreading_ratio_mean{suffix}"] = float(takes.mean() / max(base, 1e-9))
    return out


def alpha_takes(pipeline: Pipeline, lipreader: torch.nn.Module, faces: FaceOffsets, clips: Sequence[Clip],
                engines: Sequence[str], *, takes: int = 4, seed: int = 11) -> dict[str, float]:
    """Figures of the module docstring over `clips`."""
    if not clips or takes < 2:
        return {}
    per_clip = []
    for clip in clips:
        sampled = pipeline.animate(clip.audio, alpha=ALPHA, takes=takes, seed=seed).motion  # (K, T, 53)
        base = pipeline.animate(clip.audio).motion[0]
        pairs = [faces.offsets(sampled[k], sampled[m]) for k in range(takes) for m in range(k + 1, takes)]
        labelled = (clip.visemes != IGNORE).any()
        per_clip.append({
            "pairs": pairs,
            "base_error": reading_error(lipreader, base, clip.visemes) if labelled else None,
            "errors": [reading_error(lipreader, take, clip.visemes) for take in sampled] if labelled else None,
        })
    out = _group(per_clip, list(range(len(per_clip))), "")
    groups = by_engine(list(engines))
    if len(groups) > 1:
        for engine, rows in groups.items():
            out.update(_group(per_clip, rows, f"@{engine}"))
    out["alpha_takes_clips"] = float(len(per_clip))
    return out
