"""Animator controls on the FLAME rig: strength, region gains, smoothing and key reduction at bake time."""

from __future__ import annotations

import numpy as np
import pytest

from blender_addon import axes, bake, backend_locator, rig as rig_mod, takes

from .test_bake import fcurve_keys, make_request

SEMANTICS = backend_locator.flame_semantics()


def component(name):
    return f'key_blocks["exp{SEMANTICS.COMPONENT_INDEX[name]:03d}"].value'


def test_defaults_bake_the_motion_unchanged(rig):
    rig["deeptalk_flame_basis"] = "standin-v1"  # head v1's component names below
    request = make_request(frames=40, takes_=1)
    bake.bake(rig, request)
    (take,) = takes.strip_takes(rig, "line")
    _, values = fcurve_keys(take, rig_mod.shape_keys_of(rig), component("smile"))
    assert np.allclose(values, request.exp[0, :, SEMANTICS.COMPONENT_INDEX["smile"]], atol=1e-6)


def test_strength_region_gains_smoothing_and_key_reduction(rig):
    rig["deeptalk_flame_basis"] = "standin-v1"  # head v1's component names below
    settings = rig.deeptalk_controls
    settings.strength, settings.brows, settings.eyes, settings.mouth = 0.5, 2.0, 0.0, 1.0
    request = make_request(frames=80, takes_=1)
    bake.bake(rig, request)
    (take,) = takes.strip_takes(rig, "line")
    key = rig_mod.shape_keys_of(rig)
    exp = request.exp[0]
    for name, gain in (("brow_raise", 1.0), ("blink_left", 0.0), ("lips_part", 0.5)):
        _, values = fcurve_keys(take, key, component(name))
        assert np.allclose(values, gain * exp[:, SEMANTICS.COMPONENT_INDEX[name]], atol=1e-6), name
    quat = np.stack([fcurve_keys(take, rig, 'pose.bones["jaw"].rotation_quaternion', i)[1] for i in range(4)], -1)
    assert np.allclose(axes.bone_quaternion_to_flame_jaw(quat, rig_mod.jaw_rest(rig)), 0.5 * request.jaw[0],
                       atol=1e-5)

    settings.strength, settings.brows, settings.eyes = 1.0, 1.0, 1.0
    settings.smoothing_s, settings.key_tolerance = 0.08, 0.01
    bake.bake(rig, make_request(frames=80, takes_=1, clip="smooth"))
    (take,) = takes.strip_takes(rig, "smooth")
    index = SEMANTICS.COMPONENT_INDEX["smile"]
    frames, values = fcurve_keys(take, key, component("smile"))
    full = np.arange(80) + 12.0
    assert len(frames) < 80 and frames[0] == full[0] and frames[-1] == full[-1]
    smoothed = backend_locator.arkit_controls().smooth(exp[:, index:index + 1], 0.08 * 24.0)[:, 0]
    assert np.abs(np.interp(full, frames, values) - smoothed).max() <= 0.01 + 1e-6  # the stated error
    assert np.abs(np.diff(smoothed)).mean() < np.abs(np.diff(exp[:, index])).mean()


def test_unnamed_basis_takes_strength_only(rig):
    rig["deeptalk_flame_basis"] = "flame2020"
    rig.deeptalk_controls.brows = 0.0
    rig.deeptalk_controls.strength = 2.0
    request = make_request(frames=20, takes_=1)
    bake.bake(rig, request)
    (take,) = takes.strip_takes(rig, "line")
    _, values = fcurve_keys(take, rig_mod.shape_keys_of(rig), component("brow_raise"))
    assert np.allclose(values, 2.0 * request.exp[0, :, SEMANTICS.COMPONENT_INDEX["brow_raise"]], atol=1e-6)


def test_head_v2_rigs_get_brow_and_eye_gains_by_component_name(rig):
    v2 = backend_locator.flame_semantics_v2()
    rig["deeptalk_flame_basis"] = "standin-v2"
    settings = rig.deeptalk_controls
    settings.strength, settings.brows, settings.eyes, settings.mouth = 1.0, 2.0, 0.0, 0.5
    request = make_request(frames=30, takes_=1)
    bake.bake(rig, request)
    (take,) = takes.strip_takes(rig, "line")
    key = rig_mod.shape_keys_of(rig)
    for name, gain in (("brow_inner_up_L", 2.0), ("brow_down_R", 2.0), ("blink_L", 0.0), ("eye_wide_R", 0.0),
                       ("lid_tighten_L", 0.0), ("cheek_squint_R", 0.0), ("smile_L", 0.5), ("tongue_up", 0.5)):
        index = v2.INDEX_V2[name]
        _, values = fcurve_keys(take, key, f'key_blocks["exp{index:03d}"].value')  # the synthetic rig's keys
        assert np.allclose(values, gain * request.exp[0, :, index], atol=1e-6), name
