"""Emotion override: visible, distinct, readable and monotone in its weight?

For each chosen clip: the neutral override at weight 1 is the reference; every other class
at weight 1 is measured against it on the non-lip face (alpha 0, both temperatures 0, so
every difference is the override's).
- `emotion_visible_mm_C`: 95th percentile over frames and vertices of the displacement (mm)
  of class C at weight 1; `_min` over the non-neutral classes (target >= 3 mm);
- `emotion_pattern_cosine_max`: the per-class mean offset patterns (offsets averaged over
  frames, then clips, flattened) compared pairwise; the largest cosine (target < 0.9). The
  neutral class is the reference, so its pattern is zero and it is not in the pairs;
- `emotion_override_fer_C`: the fraction of clips whose override-C motion the model's FER
  critic reads as C (clip-mean logits), neutral included; `_min` over classes (target >= 0.9);
- `emotion_weight_mm_C_w0.5` / `_w1`: the same displacement of class C at weights 0.5 and 1
  measured from the speech's own emotion (weight 0, so weight 0 is 0 mm by construction);
  `emotion_weight_monotone` = 1 when it rises 0 < 0.5 < 1 for every class. (From the neutral
  override it need not rise: a sad line at weight 0 is already far from neutral.)
With clips from several engines the visibility, cosine and FER figures repeat per engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from deeptalk.eval_figures.engines import by_engine
from deeptalk.eval_figures.face_offsets import FaceOffsets, max_pairwise_cosine, p95_distance
from deeptalk.pipeline import Pipeline
from deeptalk.train.clipbank import Clip

NEUTRAL = "neutral"
PARTIAL_WEIGHT = 0.5


def fer_class(fer: torch.nn.Module, motion: np.ndarray) -> int:
    with torch.inference_mode():
        return int(fer(torch.from_numpy(np.ascontiguousarray(motion, np.float32))[None])[0].mean(0).argmax())


def _group_figures(per_clip: list[dict], rows: list[int], emotions: Sequence[str], suffix: str) -> dict[str, float]:
    others = [e for e in emotions if e != NEUTRAL]
    out: dict[str, float] = {}
    for cls in others:
        out[f"emotion_visible_mm_{cls}{suffix}"] = p95_distance([per_clip[i]["offsets"][cls] for i in rows])
    out[f"emotion_visible_mm_min{suffix}"] = min(out[f"emotion_visible_mm_{c}{suffix}"] for c in others)
    patterns = [np.mean([per_clip[i]["offsets"][c].mean(axis=0) for i in rows], axis=0) for c in others]
    out[f"emotion_pattern_cosine_max{suffix}"] = max_pairwise_cosine(patterns)
    for cls in emotions:
        out[f"emotion_override_fer_{cls}{suffix}"] = float(np.mean([per_clip[i]["fer"][cls] for i in rows]))
    out[f"emotion_override_fer_min{suffix}"] = min(out[f"emotion_override_fer_{c}{suffix}"] for c in emotions)
    return out


def emotion_control(pipeline: Pipeline, fer: torch.nn.Module, faces: FaceOffsets, clips: Sequence[Clip],
                    engines: Sequence[str]) -> dict[str, float]:
    """Figures of the module docstring over `clips` (their engines alongside)."""
    emotions = list(pipeline.emotions)
    if NEUTRAL not in emotions or not clips:
        return {}
    others = [e for e in emotions if e != NEUTRAL]
    per_clip = []
    for clip in clips:
        def make(emotion: str | None, weight: float) -> np.ndarray:
            return pipeline.animate(clip.audio, emotion=emotion, emotion_weight=weight).motion[0]

        reference = make(NEUTRAL, 1.0)
        full = {cls: make(cls, 1.0) for cls in others}
        half = {cls: make(cls, PARTIAL_WEIGHT) for cls in others}
        speech = make(None, 0.0)
        index = {cls: emotions.index(cls) for cls in emotions}
        per_clip.append({
            "offsets": {cls: faces.offsets(reference, full[cls]) for cls in others},
            "half": {cls: faces.offsets(speech, half[cls]) for cls in others},
            "full_from_speech": {cls: faces.offsets(speech, full[cls]) for cls in others},
            "fer": {NEUTRAL: fer_class(fer, reference) == index[NEUTRAL],
                    **{cls: fer_class(fer, full[cls]) == index[cls] for cls in others}},
        })
    rows = list(range(len(per_clip)))
    out = _group_figures(per_clip, rows, emotions, "")
    monotone = True
    for cls in others:
        half_mm = p95_distance([c["half"][cls] for c in per_clip])
        full_mm = p95_distance([c["full_from_speech"][cls] for c in per_clip])
        out[f"emotion_weight_mm_{cls}_w0.5"] = half_mm
        out[f"emotion_weight_mm_{cls}_w1"] = full_mm
        monotone &= 0.0 < half_mm < full_mm
    out["emotion_weight_monotone"] = float(monotone)
    groups = by_engine(list(engines))
    if len(groups) > 1:
        for engine, members in groups.items():
            out.update(_group_figures(per_clip, members, emotions, f"@{engine}"))
    out["emotion_control_clips"] = float(len(per_clip))
    return out
