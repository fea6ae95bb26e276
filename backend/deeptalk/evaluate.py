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
- diversity: mean std over 5 takes at alpha in {0, 0.5, 1} and temperatures in {0, 0.5, 1};
- issue 20's figures (`deeptalk.eval_figures`): bilabial closure, emotion override visibility /
  distinctness / FER / monotonicity, alpha-1 take differences and their lip sync, and the
  emotion heard in the speech with per-engine confusion matrices; the lip-reader's frame accuracy per
  viseme class (`viseme_reading`: which mouth shapes the prior or the generator loses).
Motion is posed on the head of the model's `flame_basis` (`eval_figures.selection`).
The judges (FER classifier and lip-reader) are the model's own unless `critics` names another
model folder: each run trains its own, so only the same critics compare two runs' figures.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from deeptalk import metrics
from deeptalk.eval_figures.alpha_takes import alpha_takes
from deeptalk.eval_figures.bilabial import BilabialCollector
from deeptalk.eval_figures.core_by_engine import core_by_engine
from deeptalk.eval_figures.emotion_control import emotion_control
from deeptalk.eval_figures.engines import clip_engines
from deeptalk.eval_figures.face_offsets import FaceOffsets
from deeptalk.eval_figures.face_points import expression_face_ids, lip_edges
from deeptalk.eval_figures.selection import head_for_basis, round_robin, spread
from deeptalk.eval_figures.speech_emotion import HeardCollector
from deeptalk.eval_figures.viseme_reading import VisemeReadingCollector
from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.loading import load_flame
from deeptalk.model_dir import load_network, read_manifest
from deeptalk.models.dee_loss import retrieval_recall_at_1
from deeptalk.models.gaussian import GaussianEmbedding
from deeptalk.lip_seal import apply_seal
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
    engine: str | None = None       # only the clips of this synthesis engine
    emotion_clips: int = 20         # clips for the emotion-override figures (10 generations each)
    alpha_clips: int = 4            # clips for the alpha-1 take figures
    alpha_takes: int = 4
    critics: Path | None = None     # a model folder whose FER and lip-reader judge (default: the model's)


QUICK = dict(max_clips=20, diversity_clips=2, diversity_takes=3, emotion_clips=5, alpha_clips=2)


def evaluate(model_dir: Path, dataset: Path, config: EvalConfig = EvalConfig()) -> dict[str, float]:
    pipeline = Pipeline.load(model_dir, device=config.device)
    manifest = read_manifest(model_dir)
    fer, lipreader = load_critics(config.critics or model_dir, manifest.emotions)
    train = ClipBank.load(dataset, ("train",), limit=200)
    engine_of = clip_engines(dataset, config.split)
    one_engine = config.engine is None and len(set(engine_of.values())) <= 1  # the first clips will do
    test = ClipBank.load(dataset, (config.split,), limit=config.max_clips if one_engine else None)
    chosen = [c for c in test.clips if config.engine is None or engine_of.get(c.id) == config.engine]
    if not chosen:
        raise ValueError(f"no {config.split} clips of engine {config.engine!r} in {dataset}")
    chosen = [chosen[i] for i in round_robin(chosen, [engine_of.get(c.id, "unknown") for c in chosen],
                                             config.max_clips)]
    test = ClipBank(chosen, test.emotions, test.speakers)
    engines = [engine_of.get(c.id, "unknown") for c in test.clips]
    head = load_flame(head_for_basis(manifest.flame_basis, config.flame))
    layer = FlameLayer(head)
    edges = lip_edges(head)
    bilabial, heard, viseme_reading = BilabialCollector(), HeardCollector(tuple(pipeline.emotions)), VisemeReadingCollector()
    lips = layer.masks.get("lips", layer.masks.get("mouth"))
    mean_pose = torch.from_numpy(train.all_frames().mean(0))  # (53,)
    out: dict[str, float] = {"clips": float(len(test))}
    lve, lve_mean, vq_lve = [], [], []
    jaw_pred, jaw_true, ter_pred, ter_true, ter_vq, fer_hits = [], [], [], [], [], []
    audio_means, audio_logvars, used_t, used_b = [], [], set(), set()
    reading: dict[int, tuple[float, float, float]] = {}  # clip index -> lip-reading errors (for per-engine figures)
    with torch.inference_mode():
        for clip, engine in zip(test.clips, engines):
            gt = torch.from_numpy(clip.motion)  # (T, 53)
            result = pipeline.animate(clip.audio, lip_seal=0.0)  # the generator's own motion ...
            raw = result.motion[0]  # (T', 53)
            if result.lip_seal_weights is not None and pipeline.lip_seal is not None:  # ... and what users get
                result = replace(result, motion=apply_seal(result.motion, result.lip_seal_weights, pipeline.lip_seal,
                                                           1.0))
            pred = torch.from_numpy(result.motion[0])  # (T', 53)
            heard.add(clip.emotion, engine, result.emotion_track)
            t = min(len(gt), len(pred))
            gt, pred = gt[:t], pred[:t]
            v_gt, v_pred = layer(gt).numpy(), layer(pred).numpy()
            lve.append(metrics.lip_vertex_error(v_pred, v_gt, lips.numpy()))
            lve_mean.append(metrics.lip_vertex_error(layer(mean_pose.expand(t, -1)).numpy(), v_gt, lips.numpy()))
            recon = pipeline.thvqvae(gt[None])[0][0][:t]
            v_recon = layer(recon).numpy()
            vq_lve.append(metrics.lip_vertex_error(v_recon, v_gt, lips.numpy()))
            apertures = {"ground_truth": edges.aperture_mm(v_gt), "thvqvae": edges.aperture_mm(v_recon),
                         "generated": edges.aperture_mm(v_pred)}
            if pipeline.lip_seal is not None:
                apertures["generated_unsealed"] = edges.aperture_mm(layer(torch.from_numpy(raw[:t])).numpy())
            bilabial.add(clip.visemes[:t], engine, apertures)
            codes_t, codes_b = pipeline.thvqvae.encode(gt[None])
            used_t.update(codes_t.flatten().tolist())
            used_b.update(codes_b.flatten().tolist())
            jaw_pred.append(metrics.jaw_angle(pred.numpy()))
            jaw_true.append(metrics.jaw_angle(gt.numpy()))
            visemes = clip.visemes[:t]
            if (visemes != IGNORE).any():
                read = {name: lipreader(m[None])[0].argmax(-1).numpy()
                        for name, m in (("generated", pred), ("ground_truth", gt), ("thvqvae", recon))}
                ter_pred.append(metrics.token_error_rate(visemes, read["generated"]))
                ter_true.append(metrics.token_error_rate(visemes, read["ground_truth"]))
                ter_vq.append(metrics.token_error_rate(visemes, read["thvqvae"]))
                viseme_reading.add(visemes, read)
                reading[len(lve) - 1] = (ter_pred[-1], ter_true[-1], ter_vq[-1])
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
    out.update(core_by_engine(engines, lve=lve, lve_mean=lve_mean, jaw_pred=jaw_pred, jaw_true=jaw_true,
                              fer_hits=fer_hits, reading=reading, audio_emb=audio_emb, motion_emb=motion_emb,
                              labels=labels))
    started = time.monotonic()
    out.update(diversity(pipeline, test, config))
    out.update(bilabial.figures())
    out.update(viseme_reading.figures())
    if pipeline.emotions:
        out.update(heard.figures())
    faces = FaceOffsets(layer, expression_face_ids(head))
    picks = spread(test.clips, config.emotion_clips)
    log.info("diversity took %.0f s; emotion override figures on %d clips", time.monotonic() - started, len(picks))
    started = time.monotonic()
    out.update(emotion_control(pipeline, fer, faces, [test.clips[i] for i in picks], [engines[i] for i in picks]))
    picks = spread(test.clips, config.alpha_clips)
    log.info("emotion override took %.0f s; alpha takes on %d clips", time.monotonic() - started, len(picks))
    started = time.monotonic()
    out.update(alpha_takes(pipeline, lipreader, faces, [test.clips[i] for i in picks], [engines[i] for i in picks],
                           takes=config.alpha_takes))
    log.info("alpha takes took %.0f s", time.monotonic() - started)
    return out


def load_critics(folder: Path, emotions: tuple[str, ...]) -> tuple[torch.nn.Module, torch.nn.Module]:
    """(FER classifier, lip-reader) of a model folder; its emotion classes must be the model's."""
    manifest = read_manifest(folder)
    if manifest.emotions != emotions:
        raise ValueError(f"the critics in {folder} know the emotions {list(manifest.emotions)}, the model "
                         f"{list(emotions)}: use critics trained on the same classes")
    return load_network(folder, manifest, "fer").eval(), load_network(folder, manifest, "lipreader").eval()


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
