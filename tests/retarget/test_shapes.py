import numpy as np
import pytest

from deeptalk.flame.semantics import COMPONENT_INDEX
from deeptalk.retarget.names import ARKIT_INDEX
from deeptalk.retarget.shapes import resolve_component
from deeptalk.retarget.standin_table import STANDIN_V1_TABLE


def centre_x(delta, axis_weight):
    return float((np.linalg.norm(delta, axis=1) * axis_weight).sum())


def test_table_covers_the_52_names_with_v1_components():
    from deeptalk.retarget.names import ARKIT_NAMES

    assert tuple(STANDIN_V1_TABLE) == ARKIT_NAMES
    for recipe in STANDIN_V1_TABLE.values():
        for name in recipe.components:
            assert name in COMPONENT_INDEX


def test_component_names_resolve_to_v2_spellings():
    assert resolve_component("smile_left", {"smile_L": 7}) == 7
    with pytest.raises(KeyError):
        resolve_component("smile_left", {"smile": 1})


def test_left_shapes_move_the_faces_left_and_split_sums_to_the_whole(standin, arkit_shapes):
    x = standin.v_template[:, 0]
    d = arkit_shapes.deltas
    for name in ("mouthSmileLeft", "eyeBlinkLeft", "mouthPressLeft", "browDownLeft", "noseSneerLeft"):
        size = np.linalg.norm(d[ARKIT_INDEX[name]], axis=1)
        assert size[x > 0.005].sum() > 20 * size[x < -0.005].sum(), name  # ARKit Left = the face's own left (+X)
    press = d[ARKIT_INDEX["mouthPressLeft"]] + d[ARKIT_INDEX["mouthPressRight"]]
    full = standin.exprdirs[:, :, COMPONENT_INDEX["lip_press"]]
    assert np.allclose(press, full, atol=1e-7)


def test_jaw_open_and_mouth_close_seal_the_lips(standin, arkit_shapes):
    from deeptalk.retarget.fit import lip_gap

    def gap(weights):
        w = np.zeros((1, 52))
        for name, value in weights.items():
            w[0, ARKIT_INDEX[name]] = value
        return float(lip_gap(standin, standin.v_template[None] + arkit_shapes.displacement(w))[0]) * 1000

    assert gap({"jawOpen": 1.0}) > 15.0
    assert abs(gap({"jawOpen": 1.0, "mouthClose": 1.0})) < 1.5
    assert gap({"mouthUpperUpLeft": 1.0, "mouthUpperUpRight": 1.0}) > 2.0
    assert not arkit_shapes.deltas[ARKIT_INDEX["tongueOut"]].any()  # the stand-in has no tongue


def test_eye_look_rotates_only_that_eyeball(standin, arkit_shapes):
    left = standin.masks["left_eyeball"]
    d = arkit_shapes.deltas[ARKIT_INDEX["eyeLookDownLeft"]]
    moved = np.flatnonzero(np.linalg.norm(d, axis=1) > 1e-6)
    assert set(moved) <= set(left) and len(moved) > 0
    front = left[np.argmax(standin.v_template[left, 2])]
    assert d[front, 1] < -0.002  # the pupil goes down
