"""Headless batch entry: animate every strip of .blend files with their stored settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import bpy
from blender_addon import compat, farm, rig as rig_mod, takes

from .test_operators_animate import DEMO


def make_shot(path, rig_file, *, strips: int, fps=(24, 1.0), render_dir=None) -> None:
    """A .blend with a rig, `strips` sound strips and stored animation settings."""
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    assert bpy.ops.deeptalk.add_flame_head(filepath=str(rig_file)) == {"FINISHED"}
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = fps
    scene.deeptalk.seed, scene.deeptalk.takes, scene.deeptalk.alpha = 21, 1, 0.3
    for index in range(strips):
        strip = compat.new_sound_strip(scene, name=f"line{index}", filepath=str(DEMO), channel=1 + index,
                                       frame_start=1 + 300 * index)
        strip.frame_offset_end = strip.frame_duration - 40  # keep 40 frames
    if render_dir is not None:
        camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
        scene.collection.objects.link(camera)
        camera.location, camera.rotation_euler = (0.0, -0.6, 0.0), (1.5708, 0.0, 0.0)
        scene.camera = camera
        scene.render.engine = "CYCLES"
        scene.cycles.samples = 1
        scene.render.resolution_x = scene.render.resolution_y = 16
        scene.frame_start, scene.frame_end = 10, 11
        scene.render.filepath = str(render_dir) + "/frame_"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))


@pytest.mark.needs_audio
def test_farm_animates_saves_and_renders(backend, flame_npz, tmp_path, capsys):
    first, second = tmp_path / "shot1.blend", tmp_path / "shot2.blend"
    make_shot(first, flame_npz, strips=2, render_dir=tmp_path / "frames1")
    make_shot(second, flame_npz, strips=1, fps=(30, 1.001), render_dir=tmp_path / "frames2")
    code = farm.main([str(first), str(second), "--render", "--model-dir", backend.model_dir, "--device", "cpu"])
    assert code == 0
    report = capsys.readouterr().err
    assert f"OK {first}: Scene: 2 strip(s), 2 take(s)" in report, report  # takes, not actions (2 per take on 4.2)
    for path, count in ((first, 2), (second, 1)):
        bpy.ops.wm.open_mainfile(filepath=str(path))
        rig = rig_mod.find_rigs(bpy.context.scene)[0]
        strips = compat.sound_strips(bpy.context.scene)
        assert len(strips) == count
        for strip in strips:
            (take,) = takes.strip_takes(rig, strip.name)
            assert take.seed == 21 and take.action["deeptalk_alpha"] == pytest.approx(0.3)
            assert take.action["deeptalk_frames"] == strip.frame_final_duration == 40
            assert take.action["deeptalk_first_frame"] == strip.frame_final_start
    for frames in ("frames1", "frames2"):
        assert sorted(p.name for p in (tmp_path / frames).iterdir()) == ["frame_0010.png", "frame_0011.png"]


@pytest.mark.needs_audio
def test_farm_reads_arguments_after_double_dash(backend, flame_npz, tmp_path, monkeypatch):
    """`blender -b shot.blend --python-expr "...farm.main()" -- --no-save`: the open file, no save."""
    shot = tmp_path / "open.blend"
    make_shot(shot, flame_npz, strips=1)
    before = shot.read_bytes()
    monkeypatch.setattr(sys, "argv", ["blender", "-b", str(shot), "--python-expr", "...", "--", "--no-save",
                                      "--model-dir", backend.model_dir, "--device", "cpu"])
    assert farm.main() == 0
    rig = rig_mod.find_rigs(bpy.context.scene)[0]
    assert len(takes.strip_takes(rig, "line0")) == 1  # animated in memory
    assert shot.read_bytes() == before  # --no-save
    code = farm.main([str(shot), "--render", "--model-dir", backend.model_dir, "--device", "cpu"])
    assert code == 1  # saved first, then the render fails: no camera
    bpy.ops.wm.open_mainfile(filepath=str(shot))
    assert len(takes.strip_takes(rig_mod.find_rigs(bpy.context.scene)[0], "line0")) == 1


def test_farm_module_runs_as_a_command_with_the_bpy_module(tmp_path):
    """`python -m blender_addon.farm FILE` in a fresh process (a file with nothing to animate)."""
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "empty.blend"))
    env = {**os.environ, "BLENDER_USER_RESOURCES": str(tmp_path / "user")}
    proc = subprocess.run([sys.executable, "-m", "blender_addon.farm", str(tmp_path / "empty.blend"), "--no-save"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=farm.__file__.rsplit("/", 2)[0])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "nothing to animate" in proc.stderr


@pytest.mark.needs_audio
def test_farm_reports_a_failing_file_and_leaves_it_unsaved(backend, flame_npz, tmp_path):
    audio = tmp_path / "line.wav"
    audio.write_bytes(DEMO.read_bytes())
    shot = tmp_path / "broken.blend"
    make_shot(shot, flame_npz, strips=1)
    strip = compat.sound_strips(bpy.context.scene)[0]
    strip.sound.filepath = str(audio)
    bpy.ops.wm.save_mainfile()
    audio.write_bytes(b"RIFF....WAVE" + bytes(200))  # the audio breaks after the shot was set up
    before = shot.read_bytes()
    code = farm.main([str(shot), "--model-dir", backend.model_dir, "--device", "cpu"])
    assert code == 1
    assert shot.read_bytes() == before
