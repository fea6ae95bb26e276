"""Issue 21, class 6: a model folder is loaded only when it is what its manifest says.

- weights swapped in from another model of the same sizes are refused (sha256 in the manifest),
  naming the file; a manifest without hashes still loads, saying so in the log;
- absurd config sizes (a codebook of 50 million codes, a 10^9-wide feed-forward layer) are
  refused before anything is allocated (the CLI runs under an address-space limit far below
  what they would take, and still gives the clear message);
through the real CLI, the real `deeptalk serve` (which keeps answering) and the add-on (scene
unchanged).
"""

from __future__ import annotations

import json
import resource
import shutil
from pathlib import Path

import pytest

from deeptalk.model_dir import build_untrained_model_dir
from deeptalk.protocol import AnimateRequest, ErrorReply, HelloRequest
from deeptalk.serve_client import RemoteError, ServeClient

from .files import cli_animate, copy_model, edit_checkpoint, no_traceback, snapshot

TIMEOUT = 120.0
ADDRESS_SPACE = 8 << 30  # far below the tens of GB the absurd configs would allocate


@pytest.fixture(scope="module")
def other_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another tiny model: same file sizes and shapes, other weights."""
    return build_untrained_model_dir(tmp_path_factory.mktemp("other") / "tiny", preset="tiny", seed=7)


def swapped(tiny_model_dir: Path, other_model: Path, folder: Path, name: str) -> Path:
    model = copy_model(tiny_model_dir, folder / "model")
    shutil.copy(other_model / name, model / name)
    return model


@pytest.mark.parametrize("name", ["generator.pt", "emotion_prototypes.npz"])  # dee.pt: the add-on test
def test_cli_refuses_swapped_weights(name: str, tiny_model_dir: Path, other_model: Path, speech_wav: Path,
                                     tmp_path: Path) -> None:
    model = swapped(tiny_model_dir, other_model, tmp_path, name)
    out = tmp_path / "out.npz"
    done = cli_animate(model, speech_wav, "-o", out)
    assert done.returncode == 2, done.stderr
    assert f"{model / name}: its contents differ from the model's manifest.json" in done.stderr
    assert "changed or swapped" in done.stderr and "restore the model folder" in done.stderr
    no_traceback(done.stderr)
    assert not out.exists()


def test_server_refuses_swapped_weights_and_keeps_answering(tiny_model_dir: Path, other_model: Path,
                                                            speech_wav: Path, tmp_path: Path) -> None:
    model = swapped(tiny_model_dir, other_model, tmp_path, "generator.pt")
    with ServeClient.start(model_dir=model, device="cpu", args=["--threads", "1", "--no-warmup"]) as client:
        for attempt in range(2):
            client.send(HelloRequest(id=f"h{attempt}"))
            reply = client.wait_for(f"h{attempt}", TIMEOUT)
            assert isinstance(reply, ErrorReply) and reply.code == "model_error"
            assert "generator.pt: its contents differ" in reply.message
        with pytest.raises(RemoteError) as info:
            client.animate(AnimateRequest(id="a", audio_path=str(speech_wav), output_path=str(tmp_path / "o.npz")),
                           timeout=TIMEOUT)
        assert info.value.code == "model_error" and not (tmp_path / "o.npz").exists()
        assert client.process.poll() is None and client.stray_lines == []


def test_a_manifest_without_hashes_still_loads_and_says_so(tiny_model_dir: Path, speech_wav: Path,
                                                           tmp_path: Path) -> None:
    model = copy_model(tiny_model_dir, tmp_path / "model")
    manifest = json.loads((model / "manifest.json").read_text())
    assert set(manifest["sha256"]) == {"dee.pt", "thvqvae.pt", "generator.pt", "fer.pt", "lipreader.pt",
                                       "emotion_prototypes.npz"}
    del manifest["sha256"]  # an older model folder
    (model / "manifest.json").write_text(json.dumps(manifest))
    done = cli_animate(model, speech_wav, "-o", tmp_path / "out.npz")
    assert done.returncode == 0, done.stderr
    assert "generator.pt: no sha256 recorded in manifest.json; loading it unchecked" in done.stderr


def test_a_malformed_hash_table_is_named(tiny_model_dir: Path, speech_wav: Path, tmp_path: Path) -> None:
    model = copy_model(tiny_model_dir, tmp_path / "model")
    manifest = json.loads((model / "manifest.json").read_text())
    manifest["sha256"]["dee.pt"] = "not a digest"
    (model / "manifest.json").write_text(json.dumps(manifest))
    done = cli_animate(model, speech_wav, "-o", tmp_path / "out.npz")
    assert done.returncode == 2 and "'sha256' must map file names to sha256 hex digests" in done.stderr


ABSURD = {
    "thvqvae_codebook": ("thvqvae.pt", "codes_bottom", 50_000_000),
    "generator_ff": ("generator.pt", "ff_dim", 1_000_000_000),
    "dee_width": ("dee.pt", "ff_dim", 2_000_000_000),
}


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.parametrize("case", sorted(ABSURD))
def test_absurd_config_sizes_are_refused_before_allocating(case: str, tiny_model_dir: Path, speech_wav: Path,
                                                           tmp_path: Path) -> None:
    name, field, value = ABSURD[case]
    model = copy_model(tiny_model_dir, tmp_path / "model")
    edit_checkpoint(model / name, lambda payload: payload["config"].__setitem__(field, value))  # hashes re-recorded
    done = cli_animate(model, speech_wav, "-o", tmp_path / "out.npz", preexec=_limit_address_space)
    assert done.returncode == 2, done.stderr
    assert f"{model / name}: its config asks for" in done.stderr and "nothing was allocated" in done.stderr
    no_traceback(done.stderr)


def test_addon_reports_a_swapped_model_file_and_leaves_the_scene(rig, backend, tiny_model_dir: Path,
                                                                 other_model: Path, tmp_path: Path) -> None:
    import bpy
    import soundfile as sf

    from blender.scene_state import scene_state
    from blender_addon import backend_session, compat

    from .audio_files import tone

    model = swapped(tiny_model_dir, other_model, tmp_path, "dee.pt")
    backend.model_dir = str(model)
    audio = tmp_path / "line.wav"
    sf.write(str(audio), tone(16000, 1.0), 16000, subtype="PCM_16")
    compat.new_sound_strip(bpy.context.scene, name="line", filepath=str(audio), channel=1, frame_start=1)
    before, files_before = scene_state(rig), snapshot(model)
    try:
        with pytest.raises(RuntimeError) as info:
            bpy.ops.deeptalk.animate_strip(strip_name="line")
        assert "dee.pt: its contents differ from the model's manifest.json" in str(info.value)
        assert "the scene is unchanged" in str(info.value)
        assert scene_state(rig) == before and snapshot(model) == files_before
    finally:
        backend_session.shutdown()  # the next test gets a backend on its own model
