"""Import a CLI motion .npz onto a rig; export the rig's animation back to .npz."""

from __future__ import annotations

import numpy as np
import pytest

import bpy
from blender_addon import backend_locator, compat, rig as rig_mod, takes

from . import synthetic


def write_cli_npz(path, *, takes_=2, frames=48, fps=24.0, seeds=(3, 4)):
    motion_io = backend_locator.motion_io()
    arrays = synthetic.make_motion(takes_, frames, fps)
    motion_io.write_motion(path, motion_io.MotionFile(
        exp=arrays["exp"], jaw=arrays["jaw"], fps=fps, seeds=seeds[:takes_], model_id="test-model", protocol=1,
        duration_s=frames / fps, emotions=("calm", "angry"),
        emotion_track=np.array([[0.9, 0.1], [0.2, 0.8]], dtype=np.float32)))
    return arrays


def test_import_then_export_round_trip(rig, tmp_path):
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    source = tmp_path / "cli.npz"
    arrays = write_cli_npz(source)
    scene.frame_current = 30
    assert bpy.ops.deeptalk.import_motion(filepath=str(source)) == {"FINISHED"}
    clip_takes = takes.strip_takes(rig, "import:cli")
    assert [(t.number, t.seed, t.active) for t in clip_takes] == [(1, 3, True), (2, 4, False)]
    assert clip_takes[0].action["deeptalk_model_id"] == "test-model"
    out = tmp_path / "export.npz"
    assert bpy.ops.deeptalk.export_motion(filepath=str(out)) == {"FINISHED"}
    exported = backend_locator.motion_io().read_motion(out)
    assert exported.fps == 24.0 and exported.frames == 48 and exported.seeds == (3,)
    assert np.allclose(exported.exp[0], arrays["exp"][0], atol=1e-5)
    assert np.allclose(exported.jaw[0], arrays["jaw"][0], atol=1e-5)
    assert exported.emotions == ("calm", "angry")
    assert np.allclose(exported.emotion_track, [[0.9, 0.1], [0.2, 0.8]], atol=1e-5)  # sampled mid-second
    assert scene.frame_current == 30  # export restores the current frame


def test_import_keeps_timing_at_another_frame_rate(rig, tmp_path):
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 30, 1.001
    source = tmp_path / "cli25.npz"
    write_cli_npz(source, takes_=1, frames=25, fps=25.0)
    assert bpy.ops.deeptalk.import_motion(filepath=str(source), frame_start=1) == {"FINISHED"}
    take = takes.strip_takes(rig, "import:cli25")[0]
    fcurve = compat.find_fcurve(take.actions, rig_mod.shape_keys_of(rig), 'key_blocks["exp000"].value')
    times = [p.co[0] for p in fcurve.keyframe_points]
    assert len(times) == 25
    assert times[-1] - times[0] == pytest.approx(24 * (30 / 1.001) / 25, abs=1e-3)  # 0.96 s of scene frames


def test_import_of_a_broken_file_changes_nothing(rig, tmp_path):
    broken = tmp_path / "broken.npz"
    np.savez(broken, exp=np.zeros((1, 5, 50)))  # no jaw, fps, seeds ...
    actions = len(bpy.data.actions)
    with pytest.raises(RuntimeError, match="missing key"):
        bpy.ops.deeptalk.import_motion(filepath=str(broken))
    not_npz = tmp_path / "text.npz"
    not_npz.write_text("hello")
    with pytest.raises(RuntimeError, match="not a readable motion file"):
        bpy.ops.deeptalk.import_motion(filepath=str(not_npz))
    assert len(bpy.data.actions) == actions and takes.all_takes(rig) == []


def test_operators_need_a_rig(tmp_path):
    source = tmp_path / "cli.npz"
    write_cli_npz(source)
    with pytest.raises(RuntimeError, match="no target rig"):
        bpy.ops.deeptalk.import_motion(filepath=str(source))
    assert rig_mod.find_rigs(bpy.context.scene) == []
