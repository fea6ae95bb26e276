"""The idle layer baked onto takes, through the operators and the real backend, and on its own."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
import soundfile

import bpy
from blender_addon import (backend_locator, bake, compat, emotion_track, farm, idle_bake, idle_channels, idle_motion,
                           operators_animate, preferences, rig as rig_mod, takes)

from . import synthetic
from .scene_state import scene_state

DEMO = backend_locator.assets_dir() / "audio" / "demo_line.wav"
FPS = 25
BLINK_CHANNELS = idle_channels.channels_for(synthetic.MODEL_BASIS).blink  # the synthetic rig speaks the model's basis
BLINK_L, BLINK_R = (f'key_blocks["{rig_mod.EXPRESSION_KEYS[i]}"].value' for i in BLINK_CHANNELS)
EYE_L = 'pose.bones["eye_L"].rotation_quaternion'
NECK = 'pose.bones["neck"].rotation_quaternion'


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    """A 20 s line (the demo line twice around a 2.4 s pause) and 8.8 s of speech then 12 s of silence."""
    folder = tmp_path_factory.mktemp("idle_lines")
    audio, rate = soundfile.read(DEMO, dtype="float32")
    paths = {"twenty": folder / "twenty.wav", "pause": folder / "pause.wav"}
    soundfile.write(paths["twenty"], np.concatenate([audio, np.zeros(int(2.4 * rate), np.float32), audio]), rate)
    soundfile.write(paths["pause"], np.concatenate([audio, np.zeros(12 * rate, np.float32)]), rate)
    return paths, len(audio) / rate


def animate_line(path, *, name="line", seed=3, **idle) -> takes.Take:
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    strip = compat.find_strip(scene, name) or compat.new_sound_strip(scene, name=name, filepath=str(path),
                                                                      channel=1, frame_start=1)
    scene.sequence_editor.active_strip = strip
    scene.deeptalk.seed = seed
    for layer, value in idle.items():
        setattr(scene.deeptalk, f"idle_{layer}", value)
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}, bpy.context.window_manager.deeptalk_status.message
    return takes.active_take(properties_rig(), name)


def properties_rig():
    return bpy.context.scene.deeptalk.rig


def keys(actions, target, data_path, index=0):
    fcurve = compat.find_fcurve(actions, target, data_path, index)
    assert fcurve is not None, data_path
    co = np.empty(2 * len(fcurve.keyframe_points), dtype=np.float32)
    fcurve.keyframe_points.foreach_get("co", co)
    return co[0::2].astype(np.float64), co[1::2].astype(np.float64)


def blink_frames(take, key) -> np.ndarray:
    """Timeline frames where the blink curve is fully closed (one per blink: the first closed key)."""
    frames, values = keys(take.idle_actions, key, BLINK_L)
    closed = values > 0.5
    return frames[closed & ~np.concatenate([[False], closed[:-1]])]


def idle_by_layer(take) -> dict:
    return {str(action[takes.IDLE_PROP]): (target, track, action)
            for (target, track), action in zip(take.idle_tracks, take.idle_actions)}


@pytest.mark.needs_audio
def test_idle_layer_on_a_20s_line(rig, backend, lines):
    paths, _ = lines
    take = animate_line(paths["twenty"])
    key = rig_mod.shape_keys_of(rig)
    layers = idle_by_layer(take)
    assert sorted(layers) == ["blinks", "eyes", "head"]
    assert layers["blinks"][0] == key and layers["blinks"][1].strips[0].blend_type == "ADD"
    for layer in ("eyes", "head"):
        assert layers[layer][0] == rig and layers[layer][1].strips[0].blend_type == "COMBINE"
    for layer, (target, track, action) in layers.items():
        assert track.name == f"DEEPTalk line take 1 {layer}" and action["deeptalk_seed"] == 3
        assert action["deeptalk_idle_energy"] == "speech_energy"  # the backend sent its speech energy
        tracks = list(target.animation_data.nla_tracks)
        assert tracks.index(track) > max(tracks.index(t) for tg, t in take.tracks if tg == target)  # above the take
    # blinks: both lids, a natural rate, 100-400 ms each
    closed = blink_frames(take, key)
    duration_s = take.action["deeptalk_frames"] / FPS
    assert duration_s == pytest.approx(20.0, abs=0.1)
    assert 8 <= len(closed) / duration_s * 60 <= 30, closed
    frames_l, values_l = keys(take.idle_actions, key, BLINK_L)
    assert np.array_equal((frames_l, values_l), keys(take.idle_actions, key, BLINK_R))
    starts, ends = frames_l[1:-1][0::4], frames_l[1:-1][3::4]
    assert np.all((ends - starts) / FPS <= 0.4) and np.all((ends - starts) / FPS >= 0.1)
    # eyes and head: their own curves, a few degrees; the take's action has none of them
    for path in (EYE_L, 'pose.bones["eye_R"].rotation_quaternion', NECK):
        quat = np.stack([keys(take.idle_actions, rig, path, i)[1] for i in range(4)], -1)
        angles = np.degrees(2 * np.arccos(np.clip(np.abs(quat[:, 0]), 0, 1)))
        assert 0.2 < angles.max() < (14 if "eye" in path else 6), (path, angles.max())
        assert compat.find_fcurve(take.actions, rig, path, 0) is None
    eye_l = np.stack([keys(take.idle_actions, rig, EYE_L, i)[1] for i in range(4)], -1)
    eye_r = np.stack([keys(take.idle_actions, rig, 'pose.bones["eye_R"].rotation_quaternion', i)[1]
                      for i in range(4)], -1)
    assert np.allclose(eye_l, eye_r, atol=1e-6)  # both eyes look the same way (same rest on this rig)


@pytest.mark.needs_audio
def test_more_blinks_in_a_pause_than_in_speech(rig, backend, lines):
    paths, speech_s = lines
    take = animate_line(paths["pause"], seed=5)
    closed = blink_frames(take, rig_mod.shape_keys_of(rig)) - 1  # frames from the clip's start
    in_speech = np.sum(closed < speech_s * FPS)
    in_pause = np.sum(closed >= (speech_s + 0.5) * FPS)
    assert in_pause / 11.5 > in_speech / speech_s, (in_speech, in_pause)
    assert in_pause >= 2


@pytest.mark.needs_audio
def test_same_seed_same_idle_keys_other_seed_other_keys(rig, backend, lines):
    paths, _ = lines
    key = rig_mod.shape_keys_of(rig)
    channels = ((key, BLINK_L, 0), (rig, EYE_L, 1), (rig, NECK, 1))
    scene = bpy.context.scene
    scene.deeptalk.replace_takes = True
    first = animate_line(paths["pause"], seed=9)
    first_keys = [keys(first.idle_actions, target, path, index) for target, path, index in channels]
    replayed = animate_line(paths["pause"], seed=9)  # replaces take 1 with the same seed
    assert replayed.seed == first.seed == 9
    scene.deeptalk.replace_takes = False
    other = animate_line(paths["pause"], seed=9)  # Animate again: a new take, a new seed
    assert other.seed != replayed.seed
    for (target, path, index), (a_frames, a_values) in zip(channels, first_keys):
        b_frames, b_values = keys(replayed.idle_actions, target, path, index)
        c_frames, c_values = keys(other.idle_actions, target, path, index)
        assert np.array_equal(a_frames, b_frames) and np.array_equal(a_values, b_values)  # same seed, same layer
        assert not (len(a_frames) == len(c_frames) and np.allclose(a_values, c_values))
    # only the active take's idle layer plays
    states = {t.number: [track.mute for _, track in t.idle_tracks] for t in takes.strip_takes(rig, "line")}
    assert states == {replayed.number: [True] * 3, other.number: [False] * 3}
    assert bpy.ops.deeptalk.use_take(clip="line", number=replayed.number) == {"FINISHED"}
    chosen = next(t for t in takes.strip_takes(rig, "line") if t.number == replayed.number)
    assert [track.mute for _, track in chosen.idle_tracks] == [False] * 3


@pytest.mark.needs_audio
def test_all_layers_off_keys_nothing(rig, backend, lines):
    paths, _ = lines
    take = animate_line(paths["pause"], blinks=False, eyes=False, head=False)
    assert take.idle_tracks == [] and take.idle_actions == []
    assert not [a for a in bpy.data.actions if takes.IDLE_PROP in a.keys()]
    for action in bpy.data.actions:
        assert not [f for f in compat.iter_fcurves(action) if "eye_" in f.data_path or "neck" in f.data_path]
    only_blinks = animate_line(paths["pause"], blinks=True)
    assert sorted(idle_by_layer(only_blinks)) == ["blinks"]


@pytest.mark.needs_audio
def test_muting_the_idle_tracks_leaves_the_take_unchanged(rig, backend, lines):
    paths, _ = lines
    take = animate_line(paths["pause"], seed=5)
    key = rig_mod.shape_keys_of(rig)
    frame = int(blink_frames(take, key)[0])
    scene = bpy.context.scene
    block, neck = key.key_blocks[rig_mod.EXPRESSION_KEYS[BLINK_CHANNELS[0]]], rig.pose.bones["neck"]
    take_value = compat.find_fcurve(take.actions, key, BLINK_L).evaluate(frame)
    scene.frame_set(frame)
    assert block.value == pytest.approx(take_value + keys(take.idle_actions, key, BLINK_L)[1].max(), abs=0.1)
    for _, track in take.idle_tracks:
        track.mute = True
    assert takes.active_take(rig, "line") is not None  # a muted idle layer does not deactivate its take
    scene.frame_set(frame + 1)
    scene.frame_set(frame)
    assert block.value == pytest.approx(take_value, abs=1e-5)
    assert np.allclose(tuple(neck.rotation_quaternion), (1, 0, 0, 0), atol=1e-6)
    assert np.allclose(tuple(rig.pose.bones["eye_L"].rotation_quaternion), (1, 0, 0, 0), atol=1e-6)


@pytest.mark.needs_audio
def test_modal_path_bakes_the_idle_layer(rig, backend):
    """The modal operator's timer ticks and its finish_run (what the UI runs) bake the same layer."""
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    strip = compat.new_sound_strip(scene, name="modal_line", filepath=str(DEMO), channel=1, frame_start=1)
    scene.deeptalk.idle_strength = 0.5
    run, clips = operators_animate.prepare_run(bpy.context, [strip])
    while not operators_animate.tick(bpy.context, run):
        time.sleep(0.02)
    assert operators_animate.finish_run(bpy.context, run, clips, lambda kind, text: None) == {"FINISHED"}
    layers = idle_by_layer(takes.active_take(rig, "modal_line"))
    assert sorted(layers) == ["blinks", "eyes", "head"]
    assert all(action["deeptalk_idle_strength"] == 0.5 for _, _, action in layers.values())


@pytest.mark.needs_audio
def test_farm_path_bakes_the_idle_layer(rig, backend, lines):
    paths, _ = lines
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    compat.new_sound_strip(scene, name="farm_line", filepath=str(paths["pause"]), channel=1, frame_start=1)
    scene.deeptalk.idle_eyes = False
    report = farm.animate_scene(scene, preferences.backend_settings())
    take = takes.active_take(rig, "farm_line")
    assert report is not None and report.takes == 1  # idle actions are not counted as takes
    assert report.actions == len(take.actions)  # the take's own datablocks (expression layer included)
    assert sorted(idle_by_layer(take)) == ["blinks", "head"]


def synthetic_request(frames=200, seed=4) -> bake.BakeRequest:
    motion = synthetic.make_motion(1, frames, 25.0, seed=seed)
    return bake.BakeRequest(clip="line", exp=motion["exp"], jaw=motion["jaw"], seeds=(seed,), fps=25.0,
                            first_frame=1.0, frame_count=frames, frame_step=1.0, knobs={},
                            emotions=(), emotion_track=np.zeros((0, 0)),
                            emotion_summary=emotion_track.summarize((), np.zeros((0, 0)), np.zeros(0)),
                            idle=idle_motion.IdleOptions())


def test_a_flame2020_rig_gets_eyes_and_head_but_no_blinks(rig):
    rig[idle_channels.BASIS_PROP] = "flame2020"
    outcome = bake.bake(rig, synthetic_request())
    bake.commit(outcome)
    take = takes.active_take(rig, "line")
    assert sorted(idle_by_layer(take)) == ["eyes", "head"]
    assert idle_by_layer(take)["head"][2]["deeptalk_idle_energy"] == "jaw"  # no speech energy: from the jaw
    assert {a.name for a in outcome.actions} == {a.name for a in take.actions}  # idle actions are not take actions
    assert sorted(a.name for a in outcome.idle_actions) == ["FLAME.idle_rest", "line.take1.seed4.eyes",
                                                            "line.take1.seed4.head"]


def test_rollback_and_remove_take_the_idle_layer_too(rig):
    bake.rollback(bake.bake(rig, dataclasses.replace(synthetic_request(), idle=None)))  # a bake leaves animation data
    before = scene_state(rig)
    outcome = bake.bake(rig, synthetic_request())
    assert len(outcome.idle_actions) == 4  # blinks, eyes, head and the rig's idle rest
    bake.rollback(outcome)
    assert scene_state(rig) == before
    bake.commit(bake.bake(rig, synthetic_request()))
    takes.remove_takes(rig, takes.strip_takes(rig, "line"))
    assert not [a for a in bpy.data.actions if takes.CLIP_PROP in a.keys()]
    key = rig_mod.shape_keys_of(rig)
    names = [t.name for target in (rig, key) if target.animation_data for t in target.animation_data.nla_tracks]
    assert not [n for n in names if n.endswith(idle_motion.LAYERS)], names
    assert idle_bake.POSE_REST_TRACK in names  # the rig's rest stays, like the shape keys' rest


def test_muted_idle_layer_plays_the_bare_take_without_a_backend(rig):
    bake.commit(bake.bake(rig, synthetic_request(frames=400, seed=2)))  # 16 s: blinks are certain
    take = takes.active_take(rig, "line")
    key = rig_mod.shape_keys_of(rig)
    frame = int(blink_frames(take, key)[0])
    block, scene = key.key_blocks[rig_mod.EXPRESSION_KEYS[BLINK_CHANNELS[0]]], bpy.context.scene
    bare = compat.find_fcurve(take.actions, key, BLINK_L).evaluate(frame)
    scene.frame_set(frame)
    assert block.value - bare == pytest.approx(keys(take.idle_actions, key, BLINK_L)[1].max(), abs=0.02)
    scene.frame_set(200)
    for bone in ("neck", "eye_L"):  # mid-clip the layer turns the head and the eyes
        assert not np.allclose(tuple(rig.pose.bones[bone].rotation_quaternion), (1, 0, 0, 0), atol=1e-5), bone
    for _, track in take.idle_tracks:
        track.mute = True
    scene.frame_set(frame)
    assert block.value == pytest.approx(bare, abs=1e-5)
    for bone in ("neck", "eye_L", "eye_R"):
        assert np.allclose(tuple(rig.pose.bones[bone].rotation_quaternion), (1, 0, 0, 0), atol=1e-6)
