"""Baking motion into per-take actions on the NLA: keys, values, takes, rollback, save/reload."""

from __future__ import annotations

import numpy as np
import pytest

import bpy
from blender_addon import axes, bake, compat, emotion_track, rig as rig_mod, takes

from . import synthetic

EMOTIONS = ("neutral", "happy", "sad")


def make_request(*, frames=60, takes_=2, first_frame=12.0, frame_count=None, clip="line", seed=7):
    motion = synthetic.make_motion(takes_, frames, 24.0, seed=seed)
    track = np.random.default_rng(seed).dirichlet(np.ones(3), size=3)  # 3 seconds x 3 emotions
    return bake.BakeRequest(
        clip=clip, exp=motion["exp"], jaw=motion["jaw"], seeds=tuple(range(seed, seed + takes_)), fps=24.0,
        first_frame=first_frame, frame_count=frame_count or frames, frame_step=1.0, knobs={"alpha": 0.5},
        emotions=EMOTIONS, emotion_track=track,
        emotion_summary=emotion_track.summarize(EMOTIONS, track, np.zeros(8)))


def fcurve_keys(take, target, data_path, index=0):
    """(frames, values) of one channel of a take (one action with slots, or one action per ID on 4.2)."""
    fcurve = compat.find_fcurve(take.actions, target, data_path, index)
    co = np.empty(2 * len(fcurve.keyframe_points), dtype=np.float32)
    fcurve.keyframe_points.foreach_get("co", co)
    return co[0::2], co[1::2]


def snapshot(rig) -> dict:
    """Names and values that a bake may touch."""
    key = rig_mod.shape_keys_of(rig)
    return {
        "actions": sorted(a.name for a in bpy.data.actions),
        "tracks": [(t.name, t.mute) for target in (rig, key) if target.animation_data
                   for t in target.animation_data.nla_tracks],
        "props": sorted(rig.keys()),
    }


def test_keys_land_on_timeline_frames_with_npz_values(rig):
    request = make_request(frame_count=50)
    outcome = bake.bake(rig, request)
    bake.commit(outcome)
    key = rig_mod.shape_keys_of(rig)
    clip_takes = takes.strip_takes(rig, "line")
    assert [t.action.name for t in clip_takes] == ["line.take1.seed7", "line.take2.seed8"]
    assert {a.name for t in clip_takes for a in t.actions} == {a.name for a in outcome.actions}
    for take_index, take in enumerate(clip_takes):
        assert take.action["deeptalk_seed"] == 7 + take_index and take.action["deeptalk_alpha"] == 0.5
        for component in (0, 13, 49):
            frames, values = fcurve_keys(take, key, f'key_blocks["exp{component:03d}"].value')
            assert np.array_equal(frames, 12 + np.arange(50))  # frame_count clips the 60 samples
            assert np.allclose(values, request.exp[take_index, :50, component])
        quat = np.stack([fcurve_keys(take, rig, 'pose.bones["jaw"].rotation_quaternion', i)[1]
                         for i in range(4)], -1)
        jaw = axes.bone_quaternion_to_flame_jaw(quat, rig_mod.jaw_rest(rig))
        assert np.allclose(jaw, request.jaw[take_index, :50], atol=1e-5)
        point = compat.find_fcurve(take.actions, key, 'key_blocks["exp000"].value').keyframe_points[3]
        assert point.interpolation == "LINEAR"


def test_evaluated_rig_follows_the_active_take_and_use_take_switches(rig):
    request = make_request()
    bake.commit(bake.bake(rig, request))
    scene, key = bpy.context.scene, rig_mod.shape_keys_of(rig)
    scene.frame_set(12 + 30)
    assert key.key_blocks["exp005"].value == pytest.approx(request.exp[0, 30, 5], abs=1e-5)
    jaw = axes.bone_quaternion_to_flame_jaw(np.array([rig.pose.bones["jaw"].rotation_quaternion]),
                                            rig_mod.jaw_rest(rig))[0]
    assert np.allclose(jaw, request.jaw[0, 30], atol=1e-5)
    takes.use_take(rig, "line", 2)
    scene.frame_set(12 + 30)
    assert key.key_blocks["exp005"].value == pytest.approx(request.exp[1, 30, 5], abs=1e-5)
    assert [t.active for t in takes.strip_takes(rig, "line")] == [False, True]
    scene.frame_set(200)  # outside the clip: neutral face (the rest track), not Blender's default 1.0
    assert key.key_blocks["exp005"].value == 0.0
    with pytest.raises(KeyError):
        takes.use_take(rig, "line", 3)


def test_second_bake_adds_takes_and_replace_removes_old_ones(rig):
    bake.commit(bake.bake(rig, make_request(takes_=1, seed=1)))
    bake.commit(bake.bake(rig, make_request(takes_=1, seed=2)))
    clip_takes = takes.strip_takes(rig, "line")
    assert [(t.number, t.seed, t.active) for t in clip_takes] == [(1, 1, False), (2, 2, True)]
    bake.commit(bake.bake(rig, make_request(takes_=1, seed=3), replace=True))
    assert [(t.number, t.seed, t.active) for t in takes.strip_takes(rig, "line")] == [(3, 3, True)]
    remaining = {a.name for a in bpy.data.actions if "deeptalk_clip" in a}
    assert remaining == {a.name for t in takes.strip_takes(rig, "line") for a in t.actions}  # old actions deleted


def test_rollback_restores_everything(rig):
    bake.commit(bake.bake(rig, make_request(takes_=1, seed=1)))
    before = snapshot(rig)
    outcome = bake.bake(rig, make_request(takes_=2, seed=5))
    assert snapshot(rig) != before
    bake.rollback(outcome)
    assert snapshot(rig) == before


def test_invalid_motion_is_refused_before_touching_the_rig(rig):
    before = snapshot(rig)
    motion = synthetic.make_motion(1, 10, 24.0)
    motion["exp"][0, 3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        bake.BakeRequest(clip="x", exp=motion["exp"], jaw=motion["jaw"], seeds=(0,), fps=24.0, first_frame=1,
                         frame_count=10, frame_step=1.0, knobs={})
    request = make_request()
    rig_mod.face_of(rig).shape_key_remove(rig_mod.shape_keys_of(rig).key_blocks["exp049"])
    with pytest.raises(ValueError, match="expression shape keys"):
        bake.bake(rig, request)
    assert snapshot(rig)["actions"] == before["actions"]


def test_emotion_track_curves_on_the_rig(rig):
    request = make_request(frames=72)  # 3 s at 24 fps
    bake.commit(bake.bake(rig, request))
    take = takes.strip_takes(rig, "line")[0]
    for column, name in enumerate(EMOTIONS):
        prop = emotion_track.property_name(name)
        assert prop in rig.keys()
        frames, values = fcurve_keys(take, rig, f'["{prop}"]')
        assert np.allclose(frames, 12 + (np.arange(3) + 0.5) * 24)
        assert np.allclose(values, request.emotion_track[:, column])
    action = take.action
    summary = request.emotion_summary
    assert action["deeptalk_dominant_emotion"] == summary.dominant
    assert action["deeptalk_emotion_confidence"] == pytest.approx(max(summary.mean_probs))
    bpy.context.scene.frame_set(12 + 36)  # middle of second 1
    assert rig[emotion_track.property_name("happy")] == pytest.approx(request.emotion_track[1, 1], abs=1e-6)


def test_summary_dominant_and_uncertainty():
    track = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]])
    summary = emotion_track.summarize(EMOTIONS, track, np.log(np.full(4, 0.25)))
    assert summary.dominant == "neutral" and summary.confidence == pytest.approx(0.6)
    assert 0 < summary.entropy < 1 and summary.sigma == pytest.approx(0.5)
    uniform = emotion_track.summarize(EMOTIONS, np.full((2, 3), 1 / 3), np.zeros(0))
    assert uniform.entropy == pytest.approx(1.0) and np.isnan(uniform.sigma)
    assert emotion_track.property_name("Very Happy!") == "deeptalk_emotion_very_happy"


def test_takes_survive_save_and_reload(rig, tmp_path):
    request = make_request()
    bake.commit(bake.bake(rig, request))
    takes.use_take(rig, "line", 2)
    path = tmp_path / "baked.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.open_mainfile(filepath=str(path))
    reloaded = rig_mod.find_rigs(bpy.context.scene)[0]
    assert [(t.number, t.seed, t.active) for t in takes.strip_takes(reloaded, "line")] == [(1, 7, False), (2, 8, True)]
    bpy.context.scene.frame_set(12 + 20)
    key = rig_mod.shape_keys_of(reloaded)
    assert key.key_blocks["exp001"].value == pytest.approx(request.exp[1, 20, 1], abs=1e-5)
    assert reloaded[emotion_track.property_name("sad")] == pytest.approx(
        np.interp(20, (np.arange(3) + 0.5) * 24, request.emotion_track[:, 2]), abs=1e-5)
