"""eval_figures.alpha_takes on a tiny untrained model and the tiny corpus (real torch)."""

from __future__ import annotations

import numpy as np

from deeptalk.eval_figures.alpha_takes import alpha_takes, reading_error
from deeptalk.eval_figures.face_offsets import FaceOffsets
from deeptalk.eval_figures.face_points import expression_face_ids
from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.loading import load_flame
from deeptalk.model_dir import load_network, read_manifest
from deeptalk.pipeline import Pipeline


def test_alpha_one_takes_differ_and_their_lip_reading_is_compared(tiny_model_dir, test_clips, one_torch_thread):
    pipeline = Pipeline.load(tiny_model_dir, device="cpu")
    lipreader = load_network(tiny_model_dir, read_manifest(tiny_model_dir), "lipreader").eval()
    head = load_flame("standin")
    faces = FaceOffsets(FlameLayer(head), expression_face_ids(head))
    figures = alpha_takes(pipeline, lipreader, faces, test_clips[:2], ["espeak-ng", "espeak-ng"], takes=3)
    assert figures["alpha_takes_clips"] == 2
    assert 0.0 < figures["alpha_takes_difference_mm"] < 100.0
    assert 0.0 < figures["alpha_takes_lipreading_ratio_mean"] <= figures["alpha_takes_lipreading_ratio"] < 100.0
    assert not any("@" in k for k in figures)  # one engine: no per-engine repeats
    clip = test_clips[0]
    assert reading_error(lipreader, np.zeros((len(clip.visemes), 53), np.float32), clip.visemes) >= 0.0
