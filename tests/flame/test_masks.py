import numpy as np

from deeptalk.flame.masks import boundary_loops, derive_masks, mouth_rim
from deeptalk.flame.model import FlameModel
from deeptalk.flame.loading import flame_arrays

from deeptalk.flame.safe_pickle import safe_loads

from .synthetic_flame import dump_with_fake_chumpy, tiny_flame_dict


def test_mouth_rim_is_the_frontal_hole_not_the_neck():
    model = FlameModel(**flame_arrays(safe_loads(dump_with_fake_chumpy(tiny_flame_dict()))))
    assert len(boundary_loops(model.f)) == 2
    rim = mouth_rim(model)
    assert rim.size > 0
    assert model.v_template[rim, 2].min() > 0.08 and abs(model.v_template[rim, 1].mean() + 0.03) < 0.01
    lips = derive_masks(model)["lips"]
    assert set(rim.tolist()) <= set(lips.tolist())


def test_derived_masks_on_the_standin_match_its_own(standin):
    derived = derive_masks(standin)
    own_lips = set(standin.masks["lips"].tolist())
    overlap = len(own_lips & set(derived["lips"].tolist())) / len(own_lips)
    assert overlap > 0.5
    eye_y = standin.joints()[3, 1]
    assert standin.v_template[derived["forehead"], 1].min() > eye_y
    assert set(derived) >= {"lips", "mouth", "eyes", "forehead"}
