"""eval_figures.face_points: lip edges and the non-lip face on both stand-in heads."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deeptalk.eval_figures.face_points import expression_face_ids, lip_edges
from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.loading import load_flame


def posed(name: str, jaw_opening: float) -> tuple[np.ndarray, object]:
    model = load_flame(name)
    motion = torch.zeros(2, 53)
    motion[1, 50] = jaw_opening
    with torch.inference_mode():
        return FlameLayer(model)(motion).numpy(), model


@pytest.mark.parametrize("name", ["standin", "standin-v2"])
def test_aperture_is_near_zero_at_rest_and_opens_with_the_jaw(name):
    vertices, model = posed(name, 0.25)
    edges = lip_edges(model)
    assert edges.source == "edge masks" and len(edges.upper_ids) >= 3
    rest, open_ = edges.aperture_mm(vertices)
    assert rest < 2.0 and open_ > rest + 8.0


@pytest.mark.parametrize("name", ["standin", "standin-v2"])
def test_landmarks_serve_a_head_without_edge_masks(name):
    vertices, model = posed(name, 0.25)
    bare = model.with_masks({k: v for k, v in model.masks.items() if not k.startswith("lip_")}, "test")
    edges = lip_edges(bare)
    assert edges.source == "landmarks" and edges.upper_ids.shape == (3, 3)
    rest, open_ = edges.aperture_mm(vertices)
    assert rest < 8.0 and open_ > rest + 8.0  # the stand-ins' inner-lip landmarks sit ~5 mm apart at rest


@pytest.mark.parametrize("name", ["standin", "standin-v2"])
def test_expression_face_leaves_out_lips_and_jaw(name):
    model = load_flame(name)
    ids = expression_face_ids(model)
    assert len(ids) > 500
    assert not np.intersect1d(ids, model.masks["lips"]).size
    assert (model.weights[ids, 2] < 0.5).all()
    assert np.intersect1d(ids, model.masks["forehead"]).size and np.intersect1d(ids, model.masks["eyes"]).size
