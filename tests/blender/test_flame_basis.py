"""Basis safety in real bpy: rigs record their FLAME expression basis, and a result made by a model
in another basis is refused with a sentence saying what to do, leaving the scene unchanged."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import bpy
from blender_addon import animate, backend_locator, flame_basis, flame_file
from blender_addon.batch import PreparedClip

from .scene_state import scene_state


def with_basis(src, dst, basis_id):
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["basis_id"] = np.str_(basis_id)
    np.savez(dst, **arrays)
    return dst


def add_head(path):
    assert bpy.ops.deeptalk.add_flame_head(filepath=str(path)) == {"FINISHED"}
    rig = bpy.context.view_layer.objects.active  # the new head (the scene's target is the first one)
    bpy.context.scene.deeptalk.rig = rig
    return rig


def motion_file(tmp_path, basis, frames=20):
    io = backend_locator.motion_io()
    rng = np.random.default_rng(0)
    motion = io.MotionFile(exp=rng.normal(0, 0.3, (1, frames, 50)).astype(np.float32),
                           jaw=np.zeros((1, frames, 3), np.float32), fps=24.0, seeds=(0,), model_id="m",
                           protocol=1, duration_s=frames / 24.0, flame_basis=basis)
    return io.write_motion(tmp_path / f"take-{basis or 'none'}.npz", motion)


def clip_for(path):
    return PreparedClip(clip="line", params={"output_path": str(path), "fps": 24.0}, first_frame=1.0,
                        frame_count=20, knobs={"seed": 0})


def test_rigs_record_their_basis(flame_npz, tmp_path):
    flame = add_head(with_basis(flame_npz, tmp_path / "real.npz", "flame2020"))
    assert flame[flame_basis.RIG_PROPERTY] == "flame2020"
    standin = add_head(with_basis(flame_npz, tmp_path / "standin.npz", "standin-v1"))
    assert standin[flame_basis.RIG_PROPERTY] == "standin-v1"
    committed = flame_file.load_flame_npz(backend_locator.assets_dir() / "flame" / "standin" / "standin.npz")
    assert committed.basis == "standin-v1"  # the committed stand-in has no id: the default


def test_mismatched_result_is_refused_and_scene_unchanged(flame_npz, tmp_path):
    bpy.context.scene.render.fps = 24
    rig = add_head(with_basis(flame_npz, tmp_path / "standin.npz", "standin-v1"))
    before = scene_state(rig)
    path = motion_file(tmp_path, "flame2020")
    with pytest.raises(ValueError, match=r"flame2020 expression basis but rig .* standin-v1 head.*FLAME 2020"):
        animate.apply_results(bpy.context.scene, rig, [clip_for(path)], replace=False)
    assert scene_state(rig) == before
    del rig[flame_basis.RIG_PROPERTY]  # rigs made before the property existed are stand-in v1 heads
    with pytest.raises(ValueError, match="standin-v1 head"):
        animate.apply_results(bpy.context.scene, rig, [clip_for(path)], replace=False)
    # same basis, and results that record none (older backends, imports), bake as before
    assert animate.apply_results(bpy.context.scene, rig, [clip_for(motion_file(tmp_path, "standin-v1"))],
                                 replace=False)
    assert animate.apply_results(bpy.context.scene, rig, [clip_for(motion_file(tmp_path, ""))], replace=False)


@pytest.mark.needs_audio
def test_backend_model_in_another_basis_is_refused_end_to_end(flame_npz, model_dir, tmp_path, speech_wav):
    """The real backend serving a model whose manifest says flame2020, on a stand-in rig."""
    from blender_addon import compat
    from .conftest import addon_preferences

    model = tmp_path / "model"
    shutil.copytree(model_dir, model)
    manifest = json.loads((model / "manifest.json").read_text())
    manifest["flame_basis"] = "flame2020"
    (model / "manifest.json").write_text(json.dumps(manifest))
    prefs = addon_preferences()
    prefs.model_dir, prefs.device = str(model), "cpu"
    bpy.context.scene.render.fps = 24
    rig = add_head(with_basis(flame_npz, tmp_path / "standin.npz", "standin-v1"))
    strip = compat.new_sound_strip(bpy.context.scene, name="line", filepath=str(speech_wav), channel=1,
                                   frame_start=1)
    bpy.context.scene.sequence_editor.active_strip = strip
    before = scene_state(rig)
    with pytest.raises(RuntimeError, match="flame2020 expression basis"):
        bpy.ops.deeptalk.animate_strip()
    assert scene_state(rig) == before
