"""The stand-in head: geometry, rig and that each expression does what its name says."""

import numpy as np
import pytest
import torch

from deeptalk.flame.semantics import COMPONENT_INDEX, EXPRESSION_COMPONENTS, JAW_JOINT
from deeptalk.flame.standin import build_standin


def _pose(layer, **values) -> np.ndarray:
    motion = torch.zeros(1, 53)
    for name, value in values.items():
        if name == "jaw":
            motion[0, 50] = value
        else:
            motion[0, COMPONENT_INDEX[name]] = value
    return layer(motion)[0].numpy().astype(np.float64)


def _lip_gap(standin, v) -> float:
    up, low = standin.masks["lip_upper_edge"], standin.masks["lip_lower_edge"]
    return float(np.linalg.norm(v[up] - v[low], axis=1).max())


def _lid_gap(standin, v, ids=slice(None)) -> float:
    up, low = standin.masks["eyelid_upper_edge"][ids], standin.masks["eyelid_lower_edge"][ids]
    return float((v[up, 1] - v[low, 1]).max())


def test_committed_asset_is_what_the_generator_builds(standin):
    fresh = build_standin()
    for name in ("v_template", "f", "exprdirs", "posedirs", "J_regressor", "weights", "shapedirs"):
        np.testing.assert_array_equal(getattr(fresh, name), getattr(standin, name), err_msg=name)


def test_geometry_is_a_head_of_flame_size(standin):
    v = standin.v_template.astype(np.float64)
    assert 3000 < standin.num_vertices < 9000
    assert 0.18 < np.ptp(v[:, 1]) < 0.36 and 0.12 < np.ptp(v[:, 0]) < 0.2
    faces = standin.f
    signed = np.einsum("ij,ij->i", v[faces[:, 0]], np.cross(v[faces[:, 1]], v[faces[:, 2]])).sum() / 6
    assert signed > 0.003  # outward-facing, closed-ish volume of a head (m^3)
    mirrored = v * [-1, 1, 1]
    assert np.abs(np.sort(mirrored[:, 0]) - np.sort(-v[:, 0])).max() < 1e-9
    joints = standin.joints()
    assert joints[3, 0] > 0 > joints[4, 0] and joints[JAW_JOINT, 1] < joints[3, 1]
    nose_tip = v[standin.masks["nose"], 2].max()
    assert nose_tip == pytest.approx(v[:, 2].max(), abs=1e-9)  # the nose is the frontmost point


def test_zero_is_the_template_and_jaw_opens_the_mouth(standin, standin_layer):
    rest = _pose(standin_layer)
    np.testing.assert_allclose(rest, standin.v_template, atol=1e-7)
    closed = _lip_gap(standin, rest)
    assert closed < 0.0015  # closed lips: edges within 1.5 mm
    gaps = [_lip_gap(standin, _pose(standin_layer, jaw=a)) for a in (0.05, 0.15, 0.3)]
    assert closed < gaps[0] < gaps[1] < gaps[2] and gaps[2] > 0.02
    chin = standin.masks["lip_lower_edge"]
    opened = _pose(standin_layer, jaw=0.2)
    assert (opened[chin, 1] < rest[chin, 1] - 0.005).all()  # lower lip goes down
    upper = standin.masks["lip_upper_edge"]
    assert np.abs(opened[upper] - rest[upper]).max() < 0.002  # upper lip stays


def test_expressions_do_what_their_names_say(standin, standin_layer):
    rest = _pose(standin_layer)
    x = standin.v_template[:, 0]
    up, low = standin.masks["lip_upper_edge"], standin.masks["lip_lower_edge"]
    corners = np.array([int(np.argmax(np.where(np.isin(np.arange(len(x)), standin.masks["lips"]), s * x, -1)))
                        for s in (1, -1)])
    forehead = standin.masks["forehead"]
    assert _lip_gap(standin, _pose(standin_layer, lips_part=1.0)) > 0.005
    assert (_pose(standin_layer, smile=1.0)[corners, 1] - rest[corners, 1] > 0.003).all()
    assert (_pose(standin_layer, frown=1.0)[corners, 1] - rest[corners, 1] < -0.003).all()
    assert (_pose(standin_layer, lip_pucker=1.0)[up, 2] - rest[up, 2]).mean() > 0.004
    assert np.abs(_pose(standin_layer, lip_stretch=1.0)[corners, 0]).mean() > np.abs(rest[corners, 0]).mean() + 0.003
    assert (_pose(standin_layer, brow_raise=1.0)[forehead, 1] - rest[forehead, 1]).max() > 0.005
    assert (_pose(standin_layer, brow_lower=1.0)[forehead, 1] - rest[forehead, 1]).min() < -0.003
    open_gap = _lid_gap(standin, rest)
    assert _lid_gap(standin, _pose(standin_layer, eyes_close=1.0)) < 0.15 * open_gap
    assert _lid_gap(standin, _pose(standin_layer, eyes_wide=1.0)) > open_gap + 0.001
    half = len(standin.masks["eyelid_upper_edge"]) // 2  # left eye (+X) first
    blink = _pose(standin_layer, blink_left=1.0)
    assert _lid_gap(standin, blink, slice(0, half)) < 0.15 * open_gap
    assert _lid_gap(standin, blink, slice(half, None)) == pytest.approx(open_gap, abs=1e-6)
    assert (_pose(standin_layer, mouth_left=1.0)[up, 0] - rest[up, 0]).mean() > 0.003
    assert (_pose(standin_layer, mouth_right=1.0)[up, 0] - rest[up, 0]).mean() < -0.003
    assert _pose(standin_layer, upper_lip_raise=1.0)[up, 1].mean() > rest[up, 1].mean() + 0.002
    assert _pose(standin_layer, lower_lip_depress=1.0)[low, 1].mean() < rest[low, 1].mean() - 0.002
    assert (_pose(standin_layer, lower_lip_tuck=1.0)[low, 2] - rest[low, 2]).mean() < -0.003


def test_left_and_right_components_mirror_each_other(standin):
    basis = standin.exprdirs
    v = standin.v_template.astype(np.float64)
    key = lambda a: np.round(a * 1e6).astype(np.int64)  # noqa: E731
    index = {tuple(k): i for i, k in enumerate(key(v))}
    mirror = np.array([index[tuple(k)] for k in key(v * [-1, 1, 1])])
    flip = np.array([-1.0, 1.0, 1.0])
    for left, right in (("smile_left", "smile_right"), ("blink_left", "blink_right"),
                        ("brow_raise_left", "brow_raise_right"), ("mouth_left", "mouth_right")):
        a = basis[:, :, COMPONENT_INDEX[left]]
        b = basis[mirror, :, COMPONENT_INDEX[right]] * flip
        np.testing.assert_allclose(a, b, atol=1e-6, err_msg=left)


def test_every_component_moves_and_details_are_small(standin):
    norms = np.linalg.norm(standin.exprdirs[:, :, :50], axis=1).max(axis=0)
    assert (norms > 5e-4).all()
    details = [i for i, n in enumerate(EXPRESSION_COMPONENTS) if n.startswith("detail_")]
    assert norms[details].max() < 0.002 < norms[:30].min() + 0.002
    assert np.abs(standin.exprdirs[:, :, 50:]).max() == 0
    eyes = np.concatenate([standin.masks["left_eyeball"], standin.masks["right_eyeball"]])
    assert np.abs(standin.exprdirs[eyes]).max() == 0
    assert np.allclose(standin.weights.sum(axis=1), 1.0, atol=1e-5)
