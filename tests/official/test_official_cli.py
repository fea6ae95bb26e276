"""The converted official model through the user's commands: `deeptalk animate --reference` (the demo's
motion, basis recorded, --flame warning) and emotion prototypes from labelled clips."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile
import torch

from deeptalk.model_dir import load_network, read_manifest
from deeptalk.motion_io import read_motion
from deeptalk.official.loading import ConvertError
from deeptalk.official.prototypes import labelled_clips, prototypes_builder
from deeptalk.paths import standin_flame_dir
from deeptalk.pipeline import Pipeline, PipelineConfig

STANDIN = standin_flame_dir("standin-v1") / "standin.npz"  # head v1, whatever the default model


def test_animate_reference_cli(converted_official, golden_inputs, golden_outputs, tmp_path):
    root, _ = converted_official
    wav = tmp_path / "line.wav"
    soundfile.write(wav, golden_inputs["wave"], 16000, subtype="FLOAT")
    out = tmp_path / "line.npz"
    proc = subprocess.run([sys.executable, "-m", "deeptalk", "animate", str(wav), "-o", str(out), "--reference",
                           "--style", "0", "--model-dir", str(root), "--device", "cpu", "--threads", "2",
                           "--no-progress", "--fps", "25", "--flame", str(STANDIN)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "standin-v1 head but the model speaks the flame2020 expression basis" in proc.stderr
    motion = read_motion(out)
    assert motion.flame_basis == "flame2020" and motion.emotions == ()
    golden = golden_outputs["gen_a/motion"][0, :80]
    np.testing.assert_allclose(motion.exp[0], golden[:, :50], atol=1e-4, rtol=0)
    np.testing.assert_allclose(motion.jaw[0], golden[:, 50:], atol=1e-4, rtol=0)
    refused = subprocess.run([sys.executable, "-m", "deeptalk", "animate", str(wav), "-o", str(tmp_path / "x.npz"),
                              "--model-dir", str(root), "--device", "cpu", "--emotion", "happy", "--no-progress"],
                             capture_output=True, text=True, timeout=600)
    assert refused.returncode != 0 and "no emotion prototypes" in refused.stderr
    assert "--prototype-clips" in refused.stderr and not (tmp_path / "x.npz").exists()
    assert "loaded model" not in refused.stderr  # refused from the manifest, before ~1 GB of weights load


def test_prototypes_from_labelled_clips(converted_official, golden_inputs, tmp_path):
    root, _ = converted_official
    with pytest.raises(ConvertError, match="not MEAD emotions"):
        (tmp_path / "bad" / "excited").mkdir(parents=True)
        labelled_clips(tmp_path / "bad")
    wave = golden_inputs["wave"]
    clips = tmp_path / "clips"
    for emotion, gain, shift in (("neutral", 0.5, 0), ("happy", 1.0, 3000), ("angry", 1.0, 9000)):
        (clips / emotion).mkdir(parents=True)
        for k in range(2):
            soundfile.write(clips / emotion / f"{k}.wav", gain * np.roll(wave, shift + 500 * k), 16000,
                            subtype="FLOAT")
    manifest = read_manifest(root)
    dee = load_network(root, manifest, "dee")
    protos = prototypes_builder(clips)(dee)
    assert protos.emotions == ("neutral", "happy", "angry") and protos.mean.shape == (3, 128)
    assert np.allclose(np.linalg.norm(protos.mean, axis=1), 1.0, atol=1e-5)
    pipe = Pipeline(model_id="official", emotions=list(protos.emotions), dee=dee,
                    thvqvae=load_network(root, manifest, "thvqvae"),
                    generator=load_network(root, manifest, "generator"), prototypes=protos,
                    device=torch.device("cpu"), config=PipelineConfig(), reference=True, flame_basis="flame2020")
    plain = pipe.animate(wave)
    steered = pipe.animate(wave, emotion="angry", emotion_weight=1.0)
    assert plain.emotion_track.shape == (4, 3) and np.allclose(plain.emotion_track.sum(1), 1.0, atol=1e-5)
    assert not np.allclose(plain.motion, steered.motion)  # the override changes the motion
