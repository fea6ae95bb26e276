"""An animate request with `arkit: true` through the real pipeline writes ARKit weights beside the motion."""

from __future__ import annotations

import numpy as np

from deeptalk.jobs import run_animate
from deeptalk.motion_io import read_motion
from deeptalk.pipeline import Pipeline
from deeptalk.protocol import AnimateRequest
from deeptalk.retarget.motion import arkit_weights
from deeptalk.retarget.names import ARKIT_NAMES


def test_arkit_request_writes_weights_matching_the_motion(tiny_model_dir, speech_wav, tmp_path, one_torch_thread):
    pipeline = Pipeline.load(tiny_model_dir, device="cpu")
    out = tmp_path / "out.npz"
    request = AnimateRequest(id="a", audio_path=str(speech_wav), output_path=str(out), takes=2, fps=30, arkit=True)
    result = run_animate(pipeline, request, output_path=out, max_seconds=60)
    motion = read_motion(result.path)
    assert motion.arkit.shape == (2, result.frames, 52) and motion.arkit_names == ARKIT_NAMES
    assert np.allclose(motion.arkit, arkit_weights(motion.exp, motion.jaw), atol=1e-5)
    plain = run_animate(pipeline, AnimateRequest(id="b", audio_path=str(speech_wav), output_path=str(tmp_path / "p.npz")),
                        output_path=tmp_path / "p.npz", max_seconds=60)
    assert read_motion(plain.path).arkit.size == 0


def test_a_head_v2_model_gets_its_arkit_weights_on_head_v2(tiny_model_dir, speech_wav, tmp_path, one_torch_thread):
    import shutil
    from dataclasses import replace

    from deeptalk.model_dir import read_manifest, write_manifest

    model = shutil.copytree(tiny_model_dir, tmp_path / "v2model")
    write_manifest(model, replace(read_manifest(model), flame_basis="standin-v2"))
    pipeline = Pipeline.load(model, device="cpu")
    out = tmp_path / "v2.npz"
    request = AnimateRequest(id="a", audio_path=str(speech_wav), output_path=str(out), takes=1, fps=25, arkit=True)
    motion = read_motion(run_animate(pipeline, request, output_path=out, max_seconds=60).path)
    assert motion.flame_basis == "standin-v2"
    assert np.allclose(motion.arkit, arkit_weights(motion.exp, motion.jaw, "standin-v2"), atol=1e-5)
