"""Model directories: layout, weights-only reload, and a clear error for each kind of damage."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from deeptalk.emotion_track import EmotionPrototypes
from deeptalk.model_dir import (ModelDirError, build_untrained_model_dir, load_inference_models, load_network,
                                read_manifest, write_model_dir)
from deeptalk.model_presets import preset_configs
from deeptalk.models.thvqvae import ThVqvae


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return build_untrained_model_dir(tmp_path_factory.mktemp("pristine"), "tiny", emotions=("calm", "joy", "rage"))


@pytest.fixture
def model_dir(pristine, tmp_path):
    return shutil.copytree(pristine, tmp_path / "model")


def test_layout_and_manifest(pristine):
    data = json.loads((pristine / "manifest.json").read_text())
    assert data["format"] == 1 and data["model_id"] == "untrained-tiny" and data["flame"] == "standin"
    assert data["emotions"] == ["calm", "joy", "rage"]
    assert data["files"] == {"dee": "dee.pt", "thvqvae": "thvqvae.pt", "generator": "generator.pt",
                             "fer": "fer.pt", "lipreader": "lipreader.pt"}
    assert data["prototypes"] == "emotion_prototypes.npz"
    assert data["info"]["trained"] is False
    for name in [*data["files"].values(), data["prototypes"]]:
        assert (pristine / name).is_file()
    manifest = read_manifest(pristine)
    assert manifest.emotions == ("calm", "joy", "rage") and manifest.files == data["files"]


def test_every_checkpoint_loads_with_weights_only_and_rebuilds(pristine):
    manifest = read_manifest(pristine)
    for key, name in manifest.files.items():
        blob = torch.load(pristine / name, map_location="cpu", weights_only=True)
        assert set(blob) >= {"config", "state_dict"}
        net = load_network(pristine, manifest, key)
        reloaded = net.state_dict()
        for param, value in blob["state_dict"].items():
            assert torch.equal(reloaded[param], value), (key, param)
    models = load_inference_models(pristine)
    assert models.generator.config.emotion_dim == models.dee.embed_dim == models.prototypes.dim
    assert models.prototypes.emotions == ("calm", "joy", "rage")
    assert models.thvqvae.quantize_t.live_codes() > 0


def test_write_model_dir_round_trips_a_modified_network(model_dir, tmp_path):
    models = load_inference_models(model_dir)
    with torch.no_grad():
        models.thvqvae.out_conv.bias.add_(1.0)
    manifest = read_manifest(model_dir)
    nets = {k: load_network(model_dir, manifest, k) for k in ("fer", "lipreader")}
    out = write_model_dir(tmp_path / "copy", model_id="copy-1", emotions=manifest.emotions, dee=models.dee,
                          thvqvae=models.thvqvae, generator=models.generator, prototypes=models.prototypes,
                          info={"note": "test"}, **nets)
    again = load_inference_models(out)
    assert again.manifest.model_id == "copy-1" and again.manifest.info == {"note": "test"}
    assert torch.equal(again.thvqvae.out_conv.bias, models.thvqvae.out_conv.bias)
    with pytest.raises(ValueError):
        write_model_dir(tmp_path / "bad", model_id="no spaces allowed", emotions=manifest.emotions, dee=models.dee,
                        thvqvae=models.thvqvae, generator=models.generator, prototypes=models.prototypes, **nets)


def _expect(model_dir, *needles):
    with pytest.raises(ModelDirError) as info:
        load_inference_models(model_dir)
    message = str(info.value)
    for needle in needles:
        assert needle in message, message
    return message


def test_missing_directory_and_manifest(tmp_path, model_dir):
    _expect(tmp_path / "nowhere", "no such model directory")
    (model_dir / "manifest.json").unlink()
    _expect(model_dir, "manifest.json", "missing")


@pytest.mark.parametrize("edit, needle", [
    (lambda d: "{not json", "not JSON"),
    (lambda d: json.dumps({**d, "format": 2}), "update deeptalk"),
    (lambda d: json.dumps({**d, "emotions": []}), "'emotions'"),
    (lambda d: json.dumps({**d, "files": {**d["files"], "dee": "../dee.pt"}}), "plain file name"),
    (lambda d: json.dumps({k: v for k, v in d.items() if k != "files"}), "'files'"),
    (lambda d: json.dumps([1, 2]), "JSON object"),
    (lambda d: json.dumps({**d, "lip_seal": {"viseme": 1, "channels": [99], "pose": [0.1]}}), "'lip_seal'"),
    (lambda d: json.dumps({**d, "lip_seal": "closed"}), "'lip_seal'"),
])
def test_bad_manifests(model_dir, edit, needle):
    path = model_dir / "manifest.json"
    path.write_text(edit(json.loads(path.read_text())))
    _expect(model_dir, "manifest.json", needle)


def test_missing_corrupt_and_foreign_checkpoints(model_dir):
    (model_dir / "generator.pt").rename(model_dir / "moved.pt")
    _expect(model_dir, "generator.pt", "missing")
    (model_dir / "generator.pt").write_bytes(b"this is not a checkpoint")
    _expect(model_dir, "generator.pt", "not a usable Generator checkpoint")
    shutil.copy(model_dir / "fer.pt", model_dir / "generator.pt")
    _expect(model_dir, "generator.pt", "FerClassifier")


def test_mismatched_networks_are_named(model_dir):
    default_prior = ThVqvae(preset_configs("default", num_emotions=3).thvqvae)
    from deeptalk.models.checkpoint import save_checkpoint
    save_checkpoint(model_dir / "thvqvae.pt", default_prior, default_prior.config)
    _expect(model_dir, "generator.pt", "does not fit thvqvae.pt")


def test_bad_prototypes(model_dir):
    path = model_dir / "emotion_prototypes.npz"
    path.write_bytes(b"junk")
    _expect(model_dir, "emotion_prototypes.npz", "not an emotion prototype file")
    EmotionPrototypes(("calm", "joy", "rage"), np.ones((3, 4)), np.zeros((3, 4))).save(path)
    _expect(model_dir, "emotion_prototypes.npz", "4-d")
    EmotionPrototypes(("a", "b", "c"), np.ones((3, 16)), np.zeros((3, 16))).save(path)
    _expect(model_dir, "emotion_prototypes.npz", "differ from the manifest")


def test_unknown_preset(tmp_path):
    with pytest.raises(ValueError):
        build_untrained_model_dir(tmp_path, "enormous")


def test_a_lip_seal_round_trips_through_the_manifest(model_dir):
    from dataclasses import replace

    from deeptalk.lip_seal import LipSealPose
    from deeptalk.model_dir import write_manifest

    assert read_manifest(model_dir).lip_seal is None  # older folders have none
    pose = LipSealPose(viseme=1, channels=(0, 8, 50), pose=(-0.14, 0.84, 0.03))
    write_manifest(model_dir, replace(read_manifest(model_dir), lip_seal=pose))
    assert json.loads((model_dir / "manifest.json").read_text())["lip_seal"]["channels"] == [0, 8, 50]
    assert read_manifest(model_dir).lip_seal == pose
    assert load_inference_models(model_dir).manifest.lip_seal == pose
