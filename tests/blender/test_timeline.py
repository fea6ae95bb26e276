"""Sound strip -> audio slice and timeline frames, at 24 and 29.97 fps."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

import bpy
from blender_addon import compat, timeline


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "line.wav"
    soundfile.write(path, np.zeros(16000 * 3, dtype=np.float32), 16000)  # 3.0 s
    return path


def set_fps(fps: int, base: float) -> float:
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = fps, base
    return timeline.scene_fps(scene)


def test_scene_fps_uses_fps_base():
    assert set_fps(24, 1.0) == 24.0
    assert set_fps(30, 1.001) == pytest.approx(29.97002997)


@pytest.mark.needs_audio
@pytest.mark.parametrize("fps,base", [(24, 1.0), (30, 1.001)])
def test_trimmed_strip_maps_to_slice_and_frames(wav, fps, base):
    rate = set_fps(fps, base)
    strip = compat.new_sound_strip(bpy.context.scene, name="line", filepath=str(wav), channel=1, frame_start=17)
    strip.frame_offset_start, strip.frame_offset_end = 6, 9
    timing = timeline.strip_timing(strip, rate)
    assert timing.first_frame == strip.frame_final_start == 23
    assert timing.frame_count == strip.frame_final_duration
    assert timing.start_s == pytest.approx(6 / rate)
    assert timing.end_s == pytest.approx((6 + strip.frame_final_duration) / rate)
    assert timing.fps == rate


def test_sound_offset_shifts_the_slice_and_negative_offset_delays_the_keys():
    forward = timeline.timing_from_values(frame_final_start=10, frame_final_end=58, frame_offset_start=0,
                                          sound_offset=0.5, fps=24.0)
    assert (forward.first_frame, forward.frame_count, forward.start_s) == (10, 48, 0.5)
    assert forward.end_s == pytest.approx(2.5)
    delayed = timeline.timing_from_values(frame_final_start=10, frame_final_end=58, frame_offset_start=0,
                                          sound_offset=-0.25, fps=24.0)
    assert delayed.first_frame == pytest.approx(16.0) and delayed.start_s == 0.0
    assert delayed.frame_count == 42 and delayed.end_s == pytest.approx(1.75)
    with pytest.raises(timeline.StripError):
        timeline.timing_from_values(frame_final_start=10, frame_final_end=20, frame_offset_start=0,
                                    sound_offset=-5.0, fps=24.0)


@pytest.mark.needs_audio
def test_relative_path_after_save_and_packed_sound(wav, tmp_path):
    scene = bpy.context.scene
    strip = compat.new_sound_strip(scene, name="line", filepath=str(wav), channel=1, frame_start=1)
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "shot.blend"), relative_remap=True)
    strip = compat.find_strip(bpy.context.scene, "line")
    assert strip.sound.filepath.startswith("//")
    assert timeline.strip_audio_path(strip, tmp_path / "scratch") == str(wav)
    strip.sound.pack()
    wav.unlink()
    unpacked = timeline.strip_audio_path(strip, tmp_path / "scratch")
    data, rate = soundfile.read(unpacked)
    assert rate == 16000 and len(data) == 16000 * 3


@pytest.mark.needs_audio
def test_missing_audio_and_non_sound_strips_are_refused(tmp_path):
    scene = bpy.context.scene
    editor = scene.sequence_editor_create()
    strips = editor.strips if hasattr(editor, "strips") else editor.sequences  # 4.5+ / 4.2
    length = {"length": 10} if "length" in strips.bl_rna.functions["new_effect"].parameters else {"frame_end": 11}
    color = strips.new_effect("c", "COLOR", 2, 1, **length)  # 5.0 takes a length, 4.2-4.5 an end frame
    with pytest.raises(timeline.StripError, match="not a sound strip"):
        timeline.strip_timing(color, 24.0)
    wav = tmp_path / "gone.wav"
    soundfile.write(wav, np.zeros(1600, dtype=np.float32), 16000)
    strip = compat.new_sound_strip(scene, name="gone", filepath=str(wav), channel=1, frame_start=1)
    wav.unlink()
    with pytest.raises(timeline.StripError, match="not found"):
        timeline.strip_audio_path(strip, tmp_path)
