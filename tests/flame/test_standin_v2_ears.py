"""Head v2's ears (`standin_v2/ears.py`) and its smile and cheek raiser (`basis_mouth.smile`, `basis_upper.cheek_squint`)."""

import numpy as np
import pytest
import torch

from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.semantics import EXPRESSION_DIM, JAW_JOINT
from deeptalk.flame.semantics_v2 import INDEX_V2
from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin_v2 import standin_v2_model
from deeptalk.flame.standin_v2.ears import EAR, lateral_height
from deeptalk.flame.standin_v2.rig import NECK_JOINT

from .mesh_checks import self_intersections


@pytest.fixture(scope="module")
def head():
    return standin_v2_model()


def _ear_faces(head, side: str) -> np.ndarray:
    inside = np.zeros(head.num_vertices, bool)
    inside[head.masks[f"{side}_ear"]] = True
    return head.f[inside[head.f].all(axis=1)]


def _posed(head, **values) -> np.ndarray:
    motion = torch.zeros(1, 53)
    for name, value in values.items():
        motion[0, INDEX_V2[name]] = value
    return FlameLayer(head)(motion)[0].numpy().astype(np.float64)


def test_each_ear_is_a_closed_outward_shell_mirroring_the_other(head):
    v = head.v_template
    left, right = head.masks["left_ear"], head.masks["right_ear"]
    assert len(left) == len(right) > 1000 and not np.intersect1d(left, right).size
    assert (v[left, 0] > 0.04).all() and (v[right, 0] < -0.04).all()
    mirrored = v[right] * np.array([-1.0, 1.0, 1.0])
    assert np.abs(np.sort(mirrored, axis=0) - np.sort(v[left], axis=0)).max() < 1e-6
    for side in ("left", "right"):
        faces = _ear_faces(head, side)
        edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
        _, counts = np.unique(edges, axis=0, return_counts=True)
        assert (counts == 2).all()  # closed: every edge between two triangles
        a, b, c = (v[faces[:, k]] for k in range(3))
        assert np.einsum("ij,ij->i", a, np.cross(b, c)).sum() > 0  # faces point outward
        assert not self_intersections(v, faces).any()


def test_the_ear_is_ear_sized_and_its_rear_stands_off_the_skull(head):
    v = head.v_template
    ear = v[head.masks["left_ear"]]
    height, depth = np.ptp(ear[:, 1]), np.ptp(ear[:, 2])
    assert 0.050 < height < 0.070 and 0.025 < depth < 0.045  # an adult ear: ~6 cm by ~3.5 cm
    skin = np.ones(head.num_vertices, bool)
    for name in ("left_ear", "right_ear", "mouth_interior", "left_eyeball", "right_eyeball", "teeth", "gums", "tongue"):
        skin[head.masks[name]] = False
    side = v[skin & (v[:, 0] > 0.03)]
    rear = ear[np.argmin(ear[:, 2])]  # the rim's rearmost point
    beside = side[np.hypot(side[:, 1] - rear[1], side[:, 2] - rear[2]) < 0.006]
    assert rear[0] - beside[:, 0].max() > 0.008  # at least 8 mm out from the head behind it


def test_the_lateral_relief_has_a_bowl_a_ridge_a_groove_and_a_rim():
    s = np.linspace(0.0, 1.0, 201)
    upper = lateral_height(s, np.full_like(s, 60.0))  # up and back: the helix side
    floor, ridge = upper[0], upper[np.argmin(np.abs(s - 0.6))]
    groove, rim = upper[np.argmin(np.abs(s - 0.74))], upper[np.argmin(np.abs(s - 0.93))]
    assert ridge - floor > 6.0 and ridge - groove > 1.0 and rim - groove > 3.0
    lobe = lateral_height(s, np.full_like(s, 272.0))
    assert np.all(np.diff(lobe[s < 0.8]) >= -1e-9)  # the lobe is a soft pad: no groove, no rim
    assert EAR.thickness > 2.0


def test_ears_ride_on_the_skull_and_no_expression_moves_them(head):
    ears = np.concatenate([head.masks["left_ear"], head.masks["right_ear"]])
    assert np.allclose(head.weights[ears, NECK_JOINT], 1.0) and np.allclose(head.weights[ears, JAW_JOINT], 0.0)
    assert np.abs(head.exprdirs[ears]).max() == 0.0
    jaw_open = FlameLayer(head)(torch.tensor([[0.0] * EXPRESSION_DIM + [0.35, 0.0, 0.0]]))[0].numpy()
    assert np.abs(jaw_open[ears] - head.v_template[ears]).max() < 1e-6


def test_a_smile_curves_the_lip_line_up_into_raised_corners(head):
    rest, smile = head.v_template, _posed(head, smile_L=1.0, smile_R=1.0)
    lip = np.union1d(head.masks["lip_upper_edge"], head.masks["lip_lower_edge"])
    x = rest[lip, 0]
    lift = smile[lip, 1] - rest[lip, 1]
    corner = lift[np.abs(x) > 0.85 * L.MOUTH_HALF_WIDTH].max()
    half_way = lift[(np.abs(np.abs(x) - 0.5 * L.MOUTH_HALF_WIDTH) < 0.003)].mean()
    middle = lift[np.abs(x) < 0.003].mean()
    assert corner > 0.007  # the corners go up 7 mm or more
    assert corner > half_way > middle + 0.0005  # ...and the line between rises toward them: a U


def test_the_cheek_raiser_lifts_the_lower_lid_and_the_cheek(head):
    rest, squint = head.v_template, _posed(head, cheek_squint_L=1.0)
    lower = head.masks["eyelid_lower_edge"]
    left = lower[rest[lower, 0] > 0]
    assert (squint[left, 1] - rest[left, 1]).max() > 0.0015
    cheek = np.flatnonzero((np.abs(rest[:, 0] - 0.035) < 0.006) & (np.abs(rest[:, 1] + 0.016) < 0.006)
                           & (rest[:, 2] > 0.05))
    assert (squint[cheek, 1] - rest[cheek, 1]).mean() > 0.003
    assert (squint[cheek, 2] - rest[cheek, 2]).mean() > 0.0015
