"""`model_integrity`: manifest sha256s, finite weights, configs that fit their weights (checked unallocated)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from deeptalk.model_dir import ModelDirError, load_inference_models, read_manifest
from deeptalk.model_integrity import (ModelIntegrityError, check_checkpoint, file_sha256, verify_sha256,
                                      weight_hashes)
from deeptalk.model_presets import preset_configs
from deeptalk.models.generator import Generator


def test_builders_record_hashes_that_match(tiny_model_dir: Path) -> None:
    manifest = read_manifest(tiny_model_dir)
    names = [*manifest.files.values(), manifest.prototypes]
    assert dict(manifest.sha256) == weight_hashes(tiny_model_dir, names)
    data = (tiny_model_dir / "dee.pt").read_bytes()
    assert manifest.sha256["dee.pt"] == hashlib.sha256(data).hexdigest() == file_sha256(tiny_model_dir / "dee.pt")


def test_the_shipped_default_model_records_its_hashes() -> None:
    root = Path(__file__).resolve().parents[1] / "assets" / "models" / "default"
    manifest = json.loads((root / "manifest.json").read_text())
    for name, digest in manifest["sha256"].items():
        assert file_sha256(root / name) == digest, name


def test_verify_and_the_unhashed_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "w.pt"
    path.write_bytes(b"weights")
    verify_sha256(path, {"w.pt": hashlib.sha256(b"weights").hexdigest()})
    with pytest.raises(ModelIntegrityError, match="changed or swapped"):
        verify_sha256(path, {"w.pt": hashlib.sha256(b"other").hexdigest()})
    with caplog.at_level(logging.INFO, logger="deeptalk.model_integrity"):
        verify_sha256(path, {})
    assert "no sha256 recorded" in caplog.text


def test_load_names_a_swapped_file(tiny_model_dir: Path, tmp_path: Path) -> None:
    import shutil

    model = Path(shutil.copytree(tiny_model_dir, tmp_path / "m"))
    with (model / "lipreader.pt").open("ab") as handle:  # not used for inference: loads fine
        handle.write(b"\0")
    load_inference_models(model)
    with (model / "generator.pt").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelDirError, match="generator.pt: its contents differ"):
        load_inference_models(model)


def test_absurd_sizes_and_non_finite_weights_are_refused_unallocated() -> None:
    config = preset_configs("tiny", num_emotions=5).generator
    state = Generator(config).state_dict()
    check_checkpoint("g.pt", Generator, config, state)
    with pytest.raises(ModelIntegrityError, match="asks for .* weights but the file holds"):
        check_checkpoint("g.pt", Generator, replace(config, ff_dim=10**9, codes_top=10**7), state)
    bad = dict(state)
    key = next(k for k, v in bad.items() if v.is_floating_point())
    bad[key] = torch.full_like(bad[key], float("nan"))
    with pytest.raises(ModelIntegrityError, match=f"weights hold NaN or infinite values in {key}"):
        check_checkpoint("g.pt", Generator, config, bad)
