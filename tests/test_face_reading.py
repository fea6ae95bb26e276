"""What the face shows (the FER on each take) and the expression intensity, on real models and real subprocesses."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deeptalk import face_reading
from deeptalk.flame import semantics, semantics_v2
from deeptalk.model_dir import read_manifest, write_manifest
from deeptalk.motion_io import read_motion
from deeptalk.pipeline import Pipeline
from deeptalk.protocol import AnimateRequest, ResultReply, decode_reply, encode

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROOT = Path(__file__).resolve().parents[1]
DEEPTALK = Path(sys.executable).with_name("deeptalk")
TIMEOUT = 180


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    return (0.1 * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2) * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def pipeline(tiny_model_dir: Path) -> Pipeline:
    return Pipeline.load(tiny_model_dir, device="cpu")


def test_each_take_gets_a_face_reading_that_sums_to_one(pipeline: Pipeline) -> None:
    assert pipeline.face_reader is not None
    result = pipeline.animate(speech_like(2.0), alpha=0.5, temperature_top=1.0, takes=3, seed=1)
    face = result.face_emotion
    assert face is not None and face.shape == (3, len(pipeline.emotions)) and face.dtype == np.float32
    assert np.allclose(face.sum(axis=1), 1.0, atol=1e-5) and (face >= 0).all()
    expected = face_reading.read_face(pipeline.face_reader, result.motion)  # the FER on exactly this motion
    assert np.allclose(face, expected, atol=1e-6)


def test_a_model_without_a_usable_fer_omits_the_face_reading(tiny_model_dir: Path, tmp_path: Path) -> None:
    no_fer = shutil.copytree(tiny_model_dir, tmp_path / "no-fer")
    (no_fer / "fer.pt").unlink()
    assert Pipeline.load(no_fer, device="cpu").animate(speech_like(1.0)).face_emotion is None
    untrained = shutil.copytree(tiny_model_dir, tmp_path / "untrained-fer")  # converted official weights
    manifest = read_manifest(untrained)
    write_manifest(untrained, type(manifest)(**{**manifest.__dict__,
                                                 "info": {**manifest.info, "untrained_parts": ["lipreader", "fer"]}}))
    assert face_reading.load_face_reader(untrained, list(manifest.emotions)) is None
    assert Pipeline.load(untrained, device="cpu").animate(speech_like(1.0)).face_emotion is None


def test_intensity_scales_expression_towards_rest_and_keeps_lips_jaw_and_blinks(pipeline: Pipeline) -> None:
    audio = speech_like(2.0, seed=4)
    full = pipeline.animate(audio, seed=2).motion
    none = pipeline.animate(audio, seed=2, emotion_intensity=0.0).motion
    half = pipeline.animate(audio, seed=2, emotion_intensity=0.5).motion
    expression = list(face_reading.expression_channels("standin-v1"))
    kept = [c for c in range(53) if c not in expression]
    assert np.abs(full[..., expression]).max() > 1e-3
    assert np.allclose(none[..., expression], 0.0) and np.array_equal(none[..., kept], full[..., kept])
    assert np.allclose(half[..., expression], 0.5 * full[..., expression], atol=1e-6)
    assert np.array_equal(half[..., kept], full[..., kept])
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="emotion_intensity"):
            pipeline.animate(audio, emotion_intensity=bad)


def test_intensity_is_refused_for_a_basis_without_named_channels() -> None:
    motion = np.ones((1, 4, 53), np.float32)
    assert face_reading.scale_expression(motion, 1.0, "flame2020") is motion
    with pytest.raises(ValueError, match="basis 'flame2020'"):
        face_reading.scale_expression(motion, 0.5, "flame2020")


def test_channel_tables_match_the_addon_copy() -> None:
    spec = importlib.util.spec_from_file_location("addon_expression_channels",
                                                  ROOT / "blender_addon" / "expression_channels.py")
    addon = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = addon  # dataclasses look their module up while the class is built
    spec.loader.exec_module(addon)
    for basis, source in (("standin-v1", semantics.ARTICULATION_CHANNELS),
                          ("standin-v2", semantics_v2.ARTICULATION_CHANNELS_V2)):
        split = addon.SPLITS[basis]
        assert split.articulation == tuple(c for c in source if c < 50)
        assert split.blinks == face_reading.CHANNEL_TABLES[basis][1]
        assert split.expression == face_reading.expression_channels(basis)
    assert set(addon.SPLITS) == set(face_reading.CHANNEL_TABLES)


def test_protocol_fields_are_optional_and_checked() -> None:
    reply = ResultReply(id="a", path="/x.npz", frames=2, fps=25.0, seeds=[0], duration_s=0.1, emotions=["a", "b"],
                        face_emotion=[[0.25, 0.75]])
    assert decode_reply(encode(reply)) == reply
    old = json.loads(encode(reply))
    del old["face_emotion"]  # an older backend's reply still decodes
    assert decode_reply(json.dumps(old)).face_emotion == []
    assert AnimateRequest(id="r", audio_path="a.wav").emotion_intensity == 1.0
    with pytest.raises(ValueError, match="emotion_intensity"):
        AnimateRequest(id="r", audio_path="a.wav", emotion_intensity=2.0)


def test_cli_json_and_npz_carry_the_face_reading(tiny_model_dir: Path, speech_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.npz"
    done = subprocess.run([str(DEEPTALK), "animate", str(speech_wav), "-o", str(out), "--model-dir",
                           str(tiny_model_dir), "--device", "cpu", "--threads", "1", "--takes", "2", "--emotion",
                           "happy", "--emotion-intensity", "0.25", "--json", "--no-progress"],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    face = np.array(result["face_emotion"])
    assert face.shape == (2, len(result["emotions"])) and np.allclose(face.sum(axis=1), 1.0, atol=1e-4)
    motion = read_motion(out)
    assert np.allclose(motion.face_emotion, face, atol=1e-5)
    assert len(result["emotion_track"]) >= 1  # the voice's reading stays beside it


def test_serve_reply_carries_the_face_reading(tiny_model_dir: Path, speech_wav: Path, tmp_path: Path) -> None:
    from deeptalk.serve_client import ServeClient

    with ServeClient.start(model_dir=tiny_model_dir, device="cpu", args=["--threads", "1"]) as client:
        assert "face_emotion" in client.hello(timeout=TIMEOUT).capabilities
        result = client.animate(AnimateRequest(id="a", audio_path=str(speech_wav), takes=2,
                                               output_path=str(tmp_path / "served.npz")), timeout=TIMEOUT)
    face = np.array(result.face_emotion)
    assert face.shape == (2, len(result.emotions)) and np.allclose(face.sum(axis=1), 1.0, atol=1e-4)
    assert np.allclose(read_motion(tmp_path / "served.npz").face_emotion, face, atol=1e-5)


def test_a_long_clip_is_read_on_strided_frames_close_to_all_of_them(pipeline: Pipeline) -> None:
    import torch

    t = np.arange(1500)[:, None] / 25.0  # a minute of smooth motion
    motion = (0.3 * np.sin(2 * np.pi * t * np.linspace(0.1, 2.0, 53)[None])).astype(np.float32)[None]
    with torch.inference_mode():
        full = torch.softmax(pipeline.face_reader(torch.from_numpy(motion)).mean(dim=1), dim=-1).numpy()
    assert np.abs(face_reading.read_face(pipeline.face_reader, motion) - full).max() < 0.02
