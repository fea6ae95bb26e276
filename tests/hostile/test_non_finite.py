"""Issue 21, class 3: NaN and infinity are stopped at every boundary, with one clear error.

- audio in: float samples far beyond full scale (which made the model's emotion NaN) are refused;
- weights at load: NaN/inf in dee.pt, generator.pt or thvqvae.pt is one model error naming the file;
- results before writing: a model with finite but overflowing weights never writes its NaN/inf
  result (an earlier result at the same path stays byte-identical);
- files on import: the add-on refuses a motion .npz holding NaN/inf, and the scene is unchanged.
The server's worker survives each of these and answers the next request.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deeptalk.motion_io import read_motion
from deeptalk.protocol import AnimateRequest, ErrorReply, HelloRequest
from deeptalk.serve_client import RemoteError, ServeClient

from .audio_files import tone
from .files import cli_animate, copy_model, edit_checkpoint, no_traceback, snapshot

TIMEOUT = 120.0
WEIGHT_FILES = ("dee.pt", "generator.pt", "thvqvae.pt")


def extreme_audio(folder: Path, value: float = 1e30) -> Path:
    """A float WAV of speech-like tone with a burst of huge (finite) samples."""
    x = tone(16000, 1.5).astype(np.float32)
    x[8000:8100] = value
    path = folder / "extreme.wav"
    sf.write(str(path), x, 16000, subtype="FLOAT")
    return path


def poison(model_dir: Path, name: str, value: float = float("nan")) -> str:
    """Put `value` into the first floating-point weight of `name` (hashes re-recorded); the key."""
    chosen: list[str] = []

    def edit(payload: dict) -> None:
        key = next(k for k, v in payload["state_dict"].items() if v.is_floating_point() and v.numel())
        payload["state_dict"][key].view(-1)[0] = value
        chosen.append(key)

    edit_checkpoint(model_dir / name, edit)
    return chosen[0]


@pytest.fixture(scope="module")
def overflowing_model(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Finite weights whose output layer overflows float32: every result holds inf/NaN."""
    model = copy_model(tiny_model_dir, tmp_path_factory.mktemp("overflow") / "model")

    def edit(payload: dict) -> None:  # max float32 plus anything positive and large is inf
        payload["state_dict"]["out_conv.weight"] *= 1e38
        payload["state_dict"]["out_conv.bias"].fill_(float(np.finfo(np.float32).max))

    edit_checkpoint(model / "thvqvae.pt", edit)
    return model


# ----------------------------------------------------------------------------- the CLI


def test_cli_refuses_extreme_samples(tiny_model_dir: Path, tmp_path: Path) -> None:
    audio = extreme_audio(tmp_path)
    out = tmp_path / "extreme.npz"
    out.write_bytes(b"an earlier result")
    before = snapshot(tmp_path)
    done = cli_animate(tiny_model_dir, audio, "-o", out)
    assert done.returncode == 1, done.stderr
    assert "audio_invalid" in done.stderr and "far beyond full scale" in done.stderr and audio.name in done.stderr
    assert "export the audio again" in done.stderr
    no_traceback(done.stderr)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", WEIGHT_FILES)
def test_cli_names_the_weight_file_holding_nan(name: str, tiny_model_dir: Path, speech_wav: Path,
                                               tmp_path: Path) -> None:
    model = copy_model(tiny_model_dir, tmp_path / "model")
    key = poison(model, name)
    out = tmp_path / "out.npz"
    done = cli_animate(model, speech_wav, "-o", out)
    assert done.returncode == 2, done.stderr
    assert "model_error" in done.stderr and f"{model / name}: weights hold NaN or infinite values in {key}" \
        in done.stderr, done.stderr
    no_traceback(done.stderr)
    assert not out.exists()


def test_cli_never_writes_a_non_finite_result(overflowing_model: Path, speech_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "line.npz"
    out.write_bytes(b"the result of yesterday")
    before = snapshot(tmp_path)
    done = cli_animate(overflowing_model, speech_wav, "-o", out)
    assert done.returncode == 1, done.stderr
    assert "model_error: the model produced NaN or infinite values" in done.stderr
    assert "nothing was written" in done.stderr
    no_traceback(done.stderr)
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path) -> Iterator[ServeClient]:
    client = ServeClient.start(model_dir=tiny_model_dir, device="cpu", args=["--threads", "1", "--no-warmup"])
    client.hello(timeout=TIMEOUT)
    yield client
    assert client.stray_lines == []
    assert client.close() == 0


@pytest.mark.parametrize("value", [1e30, 3.0e38, -1e6])
def test_server_refuses_extreme_samples_and_serves_on(value: float, server: ServeClient, speech_wav: Path,
                                                     tmp_path: Path) -> None:
    audio = extreme_audio(tmp_path, value)
    with pytest.raises(RemoteError) as info:
        server.animate(AnimateRequest(id="extreme", audio_path=str(audio), output_path=str(tmp_path / "x.npz")),
                       timeout=TIMEOUT)
    assert info.value.code == "audio_invalid" and "far beyond full scale" in info.value.message
    assert not (tmp_path / "x.npz").exists()
    result = server.animate(AnimateRequest(id="next", audio_path=str(speech_wav),
                                           output_path=str(tmp_path / "ok.npz")), timeout=TIMEOUT)
    assert np.isfinite(read_motion(result.path).emotion_mean).all()


def test_loud_but_sane_float_audio_still_animates(server: ServeClient, tmp_path: Path) -> None:
    audio = extreme_audio(tmp_path, 40.0)  # +32 dBFS: mis-scaled, but sound
    result = server.animate(AnimateRequest(id="loud", audio_path=str(audio), output_path=str(tmp_path / "l.npz")),
                            timeout=TIMEOUT)
    motion = read_motion(result.path)
    assert np.isfinite(motion.exp).all() and np.isfinite(motion.emotion_mean).all()


def test_server_with_overflowing_weights_writes_nothing_and_serves_on(overflowing_model: Path, speech_wav: Path,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "keep.npz"
    out.write_bytes(b"the result of yesterday")
    before = snapshot(tmp_path)
    with ServeClient.start(model_dir=overflowing_model, device="cpu",
                           args=["--threads", "1", "--no-warmup"]) as client:
        client.hello(timeout=TIMEOUT)
        for attempt in range(2):  # the worker survives the first failure and takes the next job
            with pytest.raises(RemoteError) as info:
                client.animate(AnimateRequest(id=f"nan{attempt}", audio_path=str(speech_wav), output_path=str(out)),
                               timeout=TIMEOUT)
            assert info.value.code == "model_error" and "NaN or infinite" in info.value.message
        client.send(HelloRequest(id="still"))
        assert client.wait_for("still", TIMEOUT).model_id == "untrained-tiny"  # type: ignore[union-attr]
        assert client.stray_lines == []
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", WEIGHT_FILES)
def test_server_with_nan_weights_answers_model_error(name: str, tiny_model_dir: Path, speech_wav: Path,
                                                     tmp_path: Path) -> None:
    model = copy_model(tiny_model_dir, tmp_path / "model")
    poison(model, name, float("inf"))
    with ServeClient.start(model_dir=model, device="cpu", args=["--threads", "1", "--no-warmup"]) as client:
        client.send(HelloRequest(id="h"))
        reply = client.wait_for("h", TIMEOUT)
        assert isinstance(reply, ErrorReply) and reply.code == "model_error"
        assert f"{name}: weights hold NaN or infinite values" in reply.message
        with pytest.raises(RemoteError) as info:  # requests are answered, not dropped
            client.animate(AnimateRequest(id="a", audio_path=str(speech_wav), output_path=str(tmp_path / "o.npz")),
                           timeout=TIMEOUT)
        assert info.value.code == "model_error"
        assert client.process.poll() is None


# ----------------------------------------------------------------------------- the add-on's import


def _motion_arrays(frames: int = 30) -> dict[str, np.ndarray]:
    t = np.arange(frames) / 25.0
    exp = np.zeros((1, frames, 50), np.float32)
    exp[..., 0] = np.sin(t)
    return {"exp": exp, "jaw": np.zeros((1, frames, 3), np.float32), "fps": np.float64(25.0),
            "seeds": np.array([0]), "model_id": np.str_("m"), "protocol": np.int64(1),
            "duration_s": np.float64(frames / 25.0), "emotions": np.array(["calm", "angry"]),
            "emotion_mean": np.zeros(4, np.float32), "emotion_logvar": np.zeros(4, np.float32),
            "emotion_track": np.full((2, 2), 0.5, np.float32)}


@pytest.mark.parametrize("field, value", [("emotion_mean", np.nan), ("emotion_logvar", np.inf),
                                          ("emotion_track", np.nan), ("exp", np.nan), ("jaw", -np.inf),
                                          ("duration_s", np.nan)])
def test_addon_refuses_motion_files_with_nan(field: str, value: float, rig, tmp_path: Path) -> None:
    import bpy

    from blender.scene_state import scene_state

    arrays = _motion_arrays()
    if arrays[field].ndim:
        arrays[field].reshape(-1)[0] = value
    else:
        arrays[field] = np.float64(value)
    path = tmp_path / f"hostile-{field}.npz"
    np.savez(path, **arrays)
    before, file_before = scene_state(rig), snapshot(tmp_path)
    with pytest.raises(RuntimeError) as info:
        bpy.ops.deeptalk.import_motion(filepath=str(path))
    message = str(info.value)
    assert path.name in message and field in message and "NaN" in message and "the scene is unchanged" in message
    assert scene_state(rig) == before
    assert snapshot(tmp_path) == file_before
    good = tmp_path / "good.npz"
    np.savez(good, **_motion_arrays())
    assert bpy.ops.deeptalk.import_motion(filepath=str(good)) == {"FINISHED"}  # the add-on still imports


def test_addon_animate_of_extreme_audio_leaves_the_scene(rig, backend, tmp_path: Path) -> None:
    import bpy

    from blender.scene_state import scene_state
    from blender_addon import backend_session, compat

    audio = extreme_audio(tmp_path)
    compat.new_sound_strip(bpy.context.scene, name="loud", filepath=str(audio), channel=1, frame_start=1)
    before = scene_state(rig)
    with pytest.raises(RuntimeError) as info:
        bpy.ops.deeptalk.animate_strip(strip_name="loud")
    assert "far beyond full scale" in str(info.value) and "export the audio again" in str(info.value)
    assert scene_state(rig) == before
    client = backend_session.current()
    assert client is not None and client.alive  # the same backend serves on
    good = shutil.copy(audio.with_name("extreme.wav"), tmp_path / "copy.wav")
    sf.write(good, tone(16000, 1.0), 16000, subtype="PCM_16")
    compat.new_sound_strip(bpy.context.scene, name="fine", filepath=str(good), channel=2, frame_start=40)
    assert bpy.ops.deeptalk.animate_strip(strip_name="fine") == {"FINISHED"}
    assert backend_session.current() is client
