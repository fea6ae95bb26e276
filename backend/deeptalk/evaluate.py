"""`deeptalk eval`: a model directory against the held-out split of a dataset.

Generated motion comes from the real inference path (`Pipeline.animate`, alpha 0 and
argmax codes unless stated). Figures:
- lip vertex error (LVE, metres) of generated motion, and of always predicting the
  training split's mean pose (the baseline the target compares against);
- jaw-opening Pearson correlation over all test frames;
- lip-reading error: viseme token error rate of the frozen motion lip-reader on the
  generated motion, beside its rate on the ground-truth motion (no rendering) and on the
  TH-VQVAE's reconstruction of it (what the generator can reach through its prior);
- emotion accuracy of generated motion under the FER classifier (clip-mean logits);
- DEE speech -> motion retrieval R@1 (a hit shares the query's emotion label) and with
  exact pairs;
- TH-VQVAE reconstruction LVE and the share of each codebook used on the test motion;
- diversity: mean std over 5 takes at alpha in {0, 0.5, 1} and temperatures in {0, 0.5, 1}.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from deeptalk import metrics
from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.loading import load_flame
from deeptalk.model_dir import load_network, read_manifest
from deeptalk.models.dee_loss import retrieval_recall_at_1
from deeptalk.models.gaussian import GaussianEmbedding
from deeptalk.paths import standin_for_basis
from deeptalk.pipeline import Pipeline
from deeptalk.train.clipbank import IGNORE, ClipBank

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalConfig:
    split: str = "test"
    max_clips: int = 60
    diversity_clips: int = 4
    diversity_takes: int = 5
    device: str = "cpu"
    flame: str | None = None


def evaluate(model_dir: Path, dataset: Path, config: EvalConfig = EvalConfig()) -> dict[str, float]:
    pipeline = Pipeline.load(model_dir, device=config.device)
    manifest = read_manifest(model_dir)
    fer = load_network(model_dir, manifest, "fer").eval()
    lipreader = load_network(model_dir, manifest, "lipreader").eval()
    train = ClipBank.load(dataset, ("train",), limit=200)
    test = ClipBank.load(dataset, (config.split,), limit=config.max_clips)
    layer = FlameLayer(load_flame(config.flame or standin_for_basis(manifest.flame_basis)))
    lips = layer.masks.get("lips", layer.masks.get("mouth"))
    mean_pose = torch.from_numpy(train.all_frames().mean(0))  # (53,)
    out: dict[str, float] = {"clips": float(len(test))}
    lve, lve_mean, vq_lve = [], [], []
    jaw_pred, jaw_true, ter_pred, ter_true, ter_vq, fer_hits = [], [], [], [], [], []
    audio_means, audio_logvars, used_t, used_b = [], [], set(), set()
    with torch.inference_mode():
        for clip in test.clips:
            gt = torch.from_numpy(clip.motion)  # (T, 53)
            pred = torch.from_numpy(pipeline.animate(clip.audio).motion[0])  # (T', 53)
            t = min(len(gt), len(pred))
            gt, pred = gt[:t], pred[:t]
            v_gt, v_pred = layer(gt).numpy(), layer(pred).numpy()
            lve.append(metrics.lip_vertex_error(v_pred, v_gt, lips.numpy()))
            lve_mean.append(metrics.lip_vertex_error(layer(mean_pose.expand(t, -1)).numpy(), v_gt, lips.numpy()))
            recon = pipeline.thvqvae(gt[None])[0][0][:t]
            vq_lve.append(metrics.lip_vertex_error(layer(recon).numpy(), v_gt, lips.numpy()))
            codes_t, codes_b = pipeline.thvqvae.encode(gt[None])
            used_t.update(codes_t.flatten().tolist())
            used_b.update(codes_b.flatten().tolist())
            jaw_pred.append(metrics.jaw_angle(pred.numpy()))
            jaw_true.append(metrics.jaw_angle(gt.numpy()))
            visemes = clip.visemes[:t]
            if (visemes != IGNORE).any():
                ter_pred.append(metrics.token_error_rate(visemes, lipreader(pred[None])[0].argmax(-1).numpy()))
                ter_true.append(metrics.token_error_rate(visemes, lipreader(gt[None])[0].argmax(-1).numpy()))
                ter_vq.append(metrics.token_error_rate(visemes, lipreader(recon[None])[0].argmax(-1).numpy()))
            fer_hits.append(int(fer(pred[None])[0].mean(0).argmax()) == clip.emotion)
            emb = pipeline.dee.encode_audio(torch.from_numpy(clip.audio[:160000])[None])
            audio_means.append(emb.mean)
            audio_logvars.append(emb.logvar)
        motion_emb = pipeline.dee.encode_motion(torch.nn.utils.rnn.pad_sequence(
            [torch.from_numpy(c.motion) for c in test.clips], batch_first=True),
            torch.tensor([len(c.motion) for c in test.clips]))
    audio_emb = GaussianEmbedding(torch.cat(audio_means), torch.cat(audio_logvars))
    labels = torch.tensor([c.emotion for c in test.clips])
    out.update({
        "lip_vertex_error_m": float(np.mean(lve)),
        "lip_vertex_error_mean_pose_m": float(np.mean(lve_mean)),
        "lip_vertex_error_ratio": float(np.mean(lve) / max(1e-12, np.mean(lve_mean))),
        "jaw_correlation": metrics.pearson(np.concatenate(jaw_pred), np.concatenate(jaw_true)),
        "lipreading_error_generated": float(np.mean(ter_pred)) if ter_pred else float("nan"),
        "lipreading_error_ground_truth": float(np.mean(ter_true)) if ter_true else float("nan"),
        "lipreading_error_thvqvae": float(np.mean(ter_vq)) if ter_vq else float("nan"),
        "emotion_accuracy_generated": float(np.mean(fer_hits)),
        "dee_r1_emotion": retrieval_recall_at_1(audio_emb, motion_emb, labels),
        "dee_r1_exact": retrieval_recall_at_1(audio_emb, motion_emb),
        "thvqvae_lip_vertex_error_m": float(np.mean(vq_lve)),
        "codebook_usage_top": len(used_t) / pipeline.thvqvae.config.codes_top,
        "codebook_usage_bottom": len(used_b) / pipeline.thvqvae.config.codes_bottom,
    })
    out["lipreading_error_ratio"] = out["lipreading_error_generated"] / max(1e-9, out["lipreading_error_ground_truth"])
    out.update(diversity(pipeline, test, config))
    return out


def diversity(pipeline: Pipeline, bank: ClipBank, config: EvalConfig) -> dict[str, float]:
    """Mean std across takes, for alpha sweeps (argmax codes) and temperature sweeps (alpha 0)."""
    clips = bank.clips[:config.diversity_clips]
    settings = {**{f"diversity_alpha_{a:g}": dict(alpha=a) for a in (0.0, 0.5, 1.0)},
                **{f"diversity_temperature_{t:g}": dict(temperature_top=t, temperature_bottom=t)
                   for t in (0.0, 0.5, 1.0)}}
    result = {}
    for name, knobs in settings.items():
        values = [metrics.take_diversity(pipeline.animate(c.audio, takes=config.diversity_takes, seed=11,
                                                          **knobs).motion) for c in clips]
        result[name] = float(np.mean(values))
    return result
