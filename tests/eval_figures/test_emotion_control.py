"""eval_figures.emotion_control on a tiny untrained model and the tiny corpus (real torch)."""

from __future__ import annotations

import numpy as np
import torch

from deeptalk.eval_figures.emotion_control import emotion_control
from deeptalk.eval_figures.face_offsets import FaceOffsets
from deeptalk.eval_figures.face_points import expression_face_ids
from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.loading import load_flame
from deeptalk.model_dir import load_network, read_manifest
from deeptalk.pipeline import Pipeline


def test_every_class_gets_finite_figures_in_range(tiny_model_dir, test_clips, one_torch_thread):
    pipeline = Pipeline.load(tiny_model_dir, device="cpu")
    fer = load_network(tiny_model_dir, read_manifest(tiny_model_dir), "fer").eval()
    head = load_flame("standin")
    faces = FaceOffsets(FlameLayer(head), expression_face_ids(head))
    clips = test_clips[:2]
    figures = emotion_control(pipeline, fer, faces, clips, ["espeak-ng", "flite"])
    assert figures["emotion_control_clips"] == 2
    for cls in ("happy", "sad", "angry", "surprised"):
        assert 0.0 < figures[f"emotion_visible_mm_{cls}"] < 100.0  # random weights still move the face
        assert 0.0 <= figures[f"emotion_weight_mm_{cls}_w0.5"] and np.isfinite(figures[f"emotion_weight_mm_{cls}_w1"])
        assert np.isfinite(figures[f"emotion_visible_mm_{cls}@flite"])
    for cls in pipeline.emotions:
        assert 0.0 <= figures[f"emotion_override_fer_{cls}"] <= 1.0
    assert figures["emotion_visible_mm_min"] == min(figures[f"emotion_visible_mm_{c}"]
                                                    for c in ("happy", "sad", "angry", "surprised"))
    assert -1.0 <= figures["emotion_pattern_cosine_max"] <= 1.0 + 1e-9
    assert figures["emotion_weight_monotone"] in (0.0, 1.0)
    # the reference is real inference: the neutral override at weight 1, seeded and argmax, repeats exactly
    again = pipeline.animate(clips[0].audio, emotion="neutral", emotion_weight=1.0).motion[0]
    first = pipeline.animate(clips[0].audio, emotion="neutral", emotion_weight=1.0).motion[0]
    assert np.array_equal(again, first) and torch.get_num_threads() == 1
