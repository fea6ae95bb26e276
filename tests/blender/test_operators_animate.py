"""Animate strips through the operators against the real backend subprocess (`deeptalk serve`)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import soundfile

import bpy
from blender_addon import (animate, animate_job, axes, backend_locator, backend_session, compat, emotion_track,
                           operators_animate, preferences, properties, rig as rig_mod, takes)
from blender_addon.batch import BatchRun

from .scene_state import scene_state

DEMO = backend_locator.assets_dir() / "audio" / "demo_line.wav"
pytestmark = pytest.mark.needs_audio  # every test here animates sound strips


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    """Three short real-speech clips cut from the demo line, and a long one (~3 min)."""
    folder = tmp_path_factory.mktemp("speech")
    audio, rate = soundfile.read(DEMO, dtype="float32")
    clips = {}
    for index, (start, end) in enumerate([(0.0, 3.0), (3.0, 5.5), (5.5, 8.8)]):
        clips[f"clip{index}"] = folder / f"clip{index}.wav"
        soundfile.write(clips[f"clip{index}"], audio[int(start * rate):int(end * rate)], rate)
    clips["long"] = folder / "long.wav"
    soundfile.write(clips["long"], np.tile(audio, 20), rate)
    return clips


def set_fps(fps: int, base: float = 1.0) -> None:
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = fps, base


def add_strip(path, *, name="line", frame_start=17, trim=(6, 9), channel=1):
    strip = compat.new_sound_strip(bpy.context.scene, name=name, filepath=str(path), channel=channel,
                                   frame_start=frame_start)
    strip.frame_offset_start, strip.frame_offset_end = trim
    bpy.context.scene.sequence_editor.active_strip = strip
    return strip


def reference_motion(strip, seed: int):
    """The npz the backend writes for the same strip and settings at `seed` (same seed -> same motion;
    prepare_strip itself would move past the seeds the strip's takes already used)."""
    clip = animate.prepare_strip(bpy.context.scene, strip)
    clip.params["seed"] = seed
    job = animate_job.AnimateJob(client=backend_session.acquire(preferences.backend_settings()), params=clip.params)
    job.run_blocking(poll_s=0.05)
    assert job.state is animate_job.JobState.DONE, job.error
    motion = backend_locator.motion_io().read_motion(job.result.path)
    clip.output_path.unlink()
    return clip, motion


def keys(take, target, data_path, index=0):
    """(frames, values) of one channel of a take (one action with slots, or one action per ID on 4.2)."""
    fcurve = compat.find_fcurve(take.actions, target, data_path, index)
    co = np.empty(2 * len(fcurve.keyframe_points), dtype=np.float32)
    fcurve.keyframe_points.foreach_get("co", co)
    return co[0::2].astype(np.float64), co[1::2].astype(np.float64)


@pytest.mark.parametrize("fps,base", [(24, 1.0), (30, 1.001)])
def test_animate_selected_strip_keys_match_strip_and_npz(rig, backend, speech, fps, base):
    set_fps(fps, base)
    strip = add_strip(speech["clip0"])
    scene = bpy.context.scene
    scene.deeptalk.seed = 11
    assert bpy.ops.deeptalk.animate_strip("INVOKE_DEFAULT") == {"FINISHED"}  # background: blocking path
    (take,) = takes.strip_takes(rig, "line")
    assert take.active and take.seed == 11 and take.action.name == "line.take1.seed11"
    key = rig_mod.shape_keys_of(rig)
    frames, values = keys(take, key, 'key_blocks["exp000"].value')
    assert len(frames) == strip.frame_final_duration  # one key per frame of the trimmed strip
    assert np.array_equal(frames, strip.frame_final_start + np.arange(strip.frame_final_duration))
    clip = animate.prepare_strip(scene, strip)
    assert clip.params["fps"] == pytest.approx(fps / base) and clip.params["start_s"] == pytest.approx(6 / (fps / base))
    assert clip.params["end_s"] == pytest.approx((6 + strip.frame_final_duration) / (fps / base))
    clip, motion = reference_motion(strip, take.seed)  # the same request again: same seed, same motion
    assert motion.frames >= len(frames) and motion.fps == pytest.approx(fps / base)
    for component in (0, 1, 17, 49):
        _, values = keys(take, key, f'key_blocks["exp{component:03d}"].value')
        assert np.allclose(values, motion.exp[0, :len(frames), component], atol=1e-6)
    quat = np.stack([keys(take, rig, 'pose.bones["jaw"].rotation_quaternion', i)[1] for i in range(4)], -1)
    assert np.allclose(axes.bone_quaternion_to_flame_jaw(quat, rig_mod.jaw_rest(rig)), motion.jaw[0, :len(frames)],
                       atol=1e-5)
    assert take.action["deeptalk_alpha"] == pytest.approx(0.5) and take.action["deeptalk_fps"] == pytest.approx(fps / base)
    # emotion track: one curve per model emotion on the rig, summary for the panel
    names = tuple(motion.emotions)
    assert names and scene.deeptalk.known_emotions == ",".join(names)
    for column, name in enumerate(names):
        _, track = keys(take, rig, f'["{emotion_track.property_name(name)}"]')
        assert np.allclose(track, motion.emotion_track[:, column], atol=1e-6)
    assert take.action["deeptalk_dominant_emotion"] in names


def test_two_takes_make_two_actions_with_different_seeds(rig, backend, speech):
    set_fps(24)
    add_strip(speech["clip1"], name="second", frame_start=1, trim=(0, 0))
    bpy.context.scene.deeptalk.takes = 2
    bpy.context.scene.deeptalk.seed = 5
    bpy.context.scene.deeptalk.temperature_top = 1.0     # sampling on: seeds must matter
    bpy.context.scene.deeptalk.temperature_bottom = 1.0
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    clip_takes = takes.strip_takes(rig, "second")
    assert [(t.number, t.seed, t.active) for t in clip_takes] == [(1, 5, True), (2, 6, False)]
    assert [t.action.name for t in clip_takes] == ["second.take1.seed5", "second.take2.seed6"]
    key = rig_mod.shape_keys_of(rig)
    first = keys(clip_takes[0], key, 'key_blocks["exp003"].value')[1]
    second = keys(clip_takes[1], key, 'key_blocks["exp003"].value')[1]
    assert not np.allclose(first, second)  # different seeds, different motion
    assert bpy.ops.deeptalk.use_take(clip="second", number=2) == {"FINISHED"}
    assert [t.active for t in takes.strip_takes(rig, "second")] == [False, True]


def test_emotion_override_is_sent_and_stored(rig, backend, speech):
    set_fps(25)
    add_strip(speech["clip2"], name="angry_line", frame_start=3, trim=(0, 0))
    settings = bpy.context.scene.deeptalk
    names = properties.model_emotions(bpy.context)  # read from the model's manifest.json
    assert len(names) >= 2, names
    emotion = names[1]
    settings.emotion = emotion
    settings.emotion_weight = 0.8
    settings.lip_seal = 0.4
    assert settings.emotion_name == emotion
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    action = takes.strip_takes(rig, "angry_line")[0].action
    assert action["deeptalk_emotion"] == emotion and action["deeptalk_emotion_weight"] == pytest.approx(0.8)
    assert action["deeptalk_lip_seal"] == pytest.approx(0.4)  # sent with the request, kept on the take
    settings.lip_seal = 1.0


def test_invalid_audio_leaves_the_scene_untouched(rig, backend, speech, tmp_path):
    set_fps(24)
    add_strip(speech["clip0"], name="good", frame_start=1, trim=(0, 0))
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    broken = tmp_path / "broken.wav"
    broken.write_bytes((speech["clip1"]).read_bytes())
    strip = add_strip(broken, name="broken", frame_start=200, trim=(0, 0))
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 10)  # corrupt after adding the strip
    before = scene_state(rig)
    with pytest.raises(RuntimeError, match="audio"):
        bpy.ops.deeptalk.animate_strip(strip_name=strip.name)
    assert scene_state(rig) == before
    assert backend_session.current() is not None  # a bad request does not stop the backend


def test_modal_shell_ticks_to_the_same_result(rig, backend, speech):
    """What the modal operator does on each timer event (tick) and at the end (finish_run)."""
    set_fps(24)
    strip = add_strip(speech["clip2"], name="modal", frame_start=4, trim=(3, 3))
    run, clips = operators_animate.prepare_run(bpy.context, [strip])
    stages, reports = set(), []
    while not operators_animate.tick(bpy.context, run):
        stages.add(bpy.context.window_manager.deeptalk_status.stage)
        time.sleep(0.02)
    assert stages and bpy.context.window_manager.deeptalk_status.fraction == 1.0
    result = operators_animate.finish_run(bpy.context, run, clips, lambda kind, text: reports.append((kind, text)))
    assert result == {"FINISHED"} and reports == [({"INFO"}, "Animated 1 strip(s): 1 take(s)")]
    (take,) = takes.strip_takes(rig, "modal")
    assert take.action["deeptalk_frames"] == strip.frame_final_duration
    assert not clips[0].output_path.exists()  # the result file is consumed


def test_cancel_stops_the_request_and_keeps_the_backend(rig, backend, speech):
    """Esc in the modal operator: cancel, keep ticking until the backend confirms; nothing changes."""
    set_fps(24)
    strip = add_strip(speech["long"], name="long", frame_start=1, trim=(0, 0))
    before = scene_state(rig)
    run, clips = operators_animate.prepare_run(bpy.context, [strip])
    run = BatchRun(settings=run.settings, clips=clips, cancel_grace_s=120.0)  # a loaded machine may be slow to
    # react to cancel: don't let the kill-after-grace path decide this test
    while not operators_animate.tick(bpy.context, run) and run.stage in ("starting backend", "backend ready"):
        time.sleep(0.01)
    assert not run.finished  # the request is queued or running (3 minutes of audio)
    run.cancel()
    while not operators_animate.tick(bpy.context, run):
        time.sleep(0.01)
    reports = []
    result = operators_animate.finish_run(bpy.context, run, clips, lambda kind, text: reports.append((kind, text)))
    assert result == {"CANCELLED"} and reports[0][0] == {"WARNING"} and "cancelled" in reports[0][1]
    assert run.state is animate_job.JobState.CANCELLED and scene_state(rig) == before
    assert backend_session.current() is not None  # cancelled cleanly: the warm backend is reused


def test_animate_all_strips_handles_three_strips(rig, backend, speech):
    set_fps(30, 1.001)
    strips = [add_strip(speech["clip0"], name="a", frame_start=5, trim=(2, 3), channel=1),
              add_strip(speech["clip1"], name="b", frame_start=150, trim=(0, 10), channel=2),
              add_strip(speech["clip2"], name="c", frame_start=260, trim=(4, 0), channel=1)]
    assert bpy.ops.deeptalk.animate_all() == {"FINISHED"}
    key = rig_mod.shape_keys_of(rig)
    for strip in strips:
        (take,) = takes.strip_takes(rig, strip.name)
        frames, _ = keys(take, key, 'key_blocks["exp010"].value')
        assert frames[0] == strip.frame_final_start and len(frames) == strip.frame_final_duration
        for target in (rig, key):
            nla = next(t for tgt, t in take.tracks if tgt == target)
            assert nla.strips[0].frame_start == strip.frame_final_start
    assert len({t.action.name for t in takes.all_takes(rig)}) == 3


def test_animate_refuses_without_rig_or_strip(backend, speech, rig):
    with pytest.raises(RuntimeError, match="no sound strip"):
        bpy.ops.deeptalk.animate_strip()
    bpy.context.scene.deeptalk.rig = None
    bpy.data.objects.remove(rig_mod.face_of(rig))
    bpy.data.objects.remove(rig)
    add_strip(speech["clip0"])
    with pytest.raises(RuntimeError, match="no target rig"):
        bpy.ops.deeptalk.animate_strip()


def test_save_reload_keeps_takes_settings_and_emotions(rig, backend, speech, tmp_path):
    set_fps(24)
    add_strip(speech["clip0"], name="kept", frame_start=10, trim=(0, 0))
    settings = bpy.context.scene.deeptalk
    settings.alpha, settings.temperature_top, settings.seed, settings.takes = 0.8, 0.6, 42, 2
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    before = scene_state(rig)
    path = tmp_path / "shot.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.open_mainfile(filepath=str(path))
    reloaded = rig_mod.find_rigs(bpy.context.scene)[0]
    assert scene_state(reloaded) == before
    settings = bpy.context.scene.deeptalk
    assert (settings.alpha, settings.temperature_top, settings.seed, settings.takes) == (
        pytest.approx(0.8), pytest.approx(0.6), 42, 2)
    assert settings.rig == reloaded
    assert [(t.seed, t.active) for t in takes.strip_takes(reloaded, "kept")] == [(42, True), (43, False)]


# last: it kills the warm backend, so the next request pays for a fresh start
def test_killed_backend_leaves_existing_animation_untouched(rig, backend, speech):
    set_fps(24)
    add_strip(speech["clip0"], name="kept", frame_start=1, trim=(0, 0))
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    before = scene_state(rig)
    strip = add_strip(speech["long"], name="long", frame_start=300, trim=(0, 0))
    client = backend_session.current()
    assert client is not None

    def kill_soon() -> None:
        time.sleep(0.3)
        client.kill()

    killer = threading.Thread(target=kill_soon)
    killer.start()
    try:
        with pytest.raises(RuntimeError, match="backend exited"):
            bpy.ops.deeptalk.animate_strip(strip_name=strip.name)
    finally:
        killer.join()
    assert scene_state(rig) == before
    assert backend_session.current() is None  # the dead process is dropped; the next request starts afresh
