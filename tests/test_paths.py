"""Asset paths: the stand-in head of each basis, and the default head following the model's manifest."""

from __future__ import annotations

import json

import pytest

from deeptalk.flame.basis import basis_of_flame_path, standin_for_motion
from deeptalk.flame.loading import load_flame
from deeptalk.paths import (assets_dir, default_model_dir, default_standin_dir, manifest_flame_basis,
                            standin_flame_dir, standin_for_basis)


def test_each_stand_in_folder_holds_the_head_of_its_basis():
    for basis in ("standin-v1", "standin-v2"):
        assert basis_of_flame_path(standin_flame_dir(basis) / "standin.npz") == basis
        assert load_flame(standin_for_basis(basis)).basis == basis
    assert standin_flame_dir() == assets_dir() / "flame" / "standin"  # no basis: head v1's folder
    assert standin_for_basis("flame2020") == "standin"
    with pytest.raises(ValueError, match="flame2020"):
        standin_flame_dir("flame2020")


def test_the_default_head_follows_the_models_manifest(tmp_path, monkeypatch):
    embedded = manifest_flame_basis()
    assert embedded == json.loads((default_model_dir() / "manifest.json").read_text()).get("flame_basis", "standin-v1")
    assert default_standin_dir() == standin_flame_dir(embedded)
    for basis, folder in (("standin-v2", "standin-v2"), ("standin-v1", "standin"), ("flame2020", "standin")):
        model = tmp_path / basis
        model.mkdir()
        (model / "manifest.json").write_text(json.dumps({"model_id": "m", "flame_basis": basis}))
        assert manifest_flame_basis(model) == basis
        assert default_standin_dir(model) == assets_dir() / "flame" / folder
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text('{"model_id": "m"}')
    assert manifest_flame_basis(tmp_path / "old") == manifest_flame_basis(tmp_path / "none") == "standin-v1"
    monkeypatch.setenv("DEEPTALK_MODEL_DIR", str(tmp_path / "standin-v2"))
    assert default_standin_dir() == standin_flame_dir("standin-v2")


def test_a_motion_file_names_the_stand_in_of_its_basis(tmp_path):
    import numpy as np

    from deeptalk.motion_io import MotionFile, write_motion

    for basis, head in (("standin-v2", "standin-v2"), ("standin-v1", "standin"), ("", "standin")):
        path = tmp_path / f"m{basis}.npz"
        write_motion(path, MotionFile(exp=np.zeros((1, 3, 50)), jaw=np.zeros((1, 3, 3)), fps=25.0, seeds=(0,),
                                      model_id="m", protocol=1, duration_s=0.12, flame_basis=basis))
        assert standin_for_motion(path) == head
    assert standin_for_motion(tmp_path / "missing.npz") == "standin"
