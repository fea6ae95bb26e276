"""Add FLAME Head with no file builds the stand-in in the basis of the model the add-on uses."""

from __future__ import annotations

import json

import bpy
from blender_addon import backend_locator, flame_basis, flame_file, rig as rig_mod

from .conftest import addon_preferences


def added_rig():
    assert bpy.ops.deeptalk.add_flame_head() == {"FINISHED"}
    return bpy.context.scene.deeptalk.rig


def test_the_default_head_is_the_embedded_models():
    basis = backend_locator.model_flame_basis()
    rig = added_rig()
    assert flame_basis.rig_basis(rig) == basis  # the embedded model drives it without a basis refusal
    model = flame_file.load_flame_npz(backend_locator.standin_flame_file(basis))
    assert len(rig_mod.face_of(rig).data.vertices) == model.vertex_count


def test_the_default_head_follows_the_model_folder_in_the_preferences(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    for basis, head in (("standin-v2", "standin-v2"), ("standin-v1", "standin")):
        (folder / "manifest.json").write_text(json.dumps({"model_id": "m", "flame_basis": basis}))
        addon_preferences().model_dir = str(folder)
        rig = added_rig()
        assert flame_basis.rig_basis(rig) == basis
        model = flame_file.load_flame_npz(backend_locator.assets_dir() / "flame" / head / "standin.npz")
        assert len(rig_mod.face_of(rig).data.vertices) == model.vertex_count
        bpy.context.scene.deeptalk.rig = None
