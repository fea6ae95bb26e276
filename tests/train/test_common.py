"""What the trainers share: the loss-time FLAME layer on a vertex subset."""

from __future__ import annotations

import pytest
import torch

from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.loading import load_flame
from deeptalk.paths import standin_flame_dir
from deeptalk.train.common import TRAIN_FLAME_BASIS, default_train_flame, flame_layer


def test_loss_layer_keeps_whole_regions_and_a_stride_of_the_rest():
    full = FlameLayer(load_flame(default_train_flame()))
    dense = flame_layer(None, torch.device("cpu"), stride=8, regions=("mouth", "lips"))
    sparse = flame_layer(None, torch.device("cpu"), stride=32, regions=("lips",))
    assert sparse.num_vertices < dense.num_vertices < full.num_vertices
    assert sparse.masks["lips"].numel() == full.masks["lips"].numel()  # every lip vertex stays
    motion = torch.randn(3, 53) * 0.2
    lips_full = full(motion)[:, full.masks["lips"]]
    lips_sparse = sparse(motion)[:, sparse.masks["lips"]]
    assert torch.allclose(lips_full, lips_sparse, atol=1e-6)  # the same vertices, posed the same way
    with pytest.raises(ValueError, match="stride"):
        flame_layer(None, torch.device("cpu"), stride=0)


def test_the_recipe_trains_on_head_v2():
    assert TRAIN_FLAME_BASIS == "standin-v2"
    assert default_train_flame() == standin_flame_dir("standin-v2") / "standin.npz"
    model = load_flame(default_train_flame())
    assert model.basis == "standin-v2"
    assert flame_layer(None, torch.device("cpu")).num_vertices < model.num_vertices
