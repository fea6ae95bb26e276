import pytest
import torch

from deeptalk.flame.layer import FlameLayer, SmplxFlame
from deeptalk.flame.loading import load_flame_pickle


def _motion(frames: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    motion = torch.randn(frames, 53, generator=g) * 0.8
    motion[:, 50:] = torch.randn(frames, 3, generator=g) * 0.15
    return motion


def test_fast_path_matches_smplx_on_the_standin(standin, standin_layer):
    motion = _motion(12)
    fast = standin_layer.pose(motion)
    ref = SmplxFlame(standin)(motion)
    assert torch.allclose(fast.vertices, ref.vertices, atol=2e-6)
    assert torch.allclose(fast.joints, ref.joints, atol=2e-6)


def test_fast_path_matches_smplx_on_a_converted_pickle(tiny_flame_pickle):
    model = load_flame_pickle(tiny_flame_pickle)
    motion = _motion(9, seed=1)
    assert torch.allclose(FlameLayer(model)(motion), SmplxFlame(model, chunk=4)(motion).vertices, atol=1e-6)


def test_shapes_zero_motion_and_gradients(standin, standin_layer):
    batched = _motion(10).view(2, 5, 53).requires_grad_(True)
    vertices = standin_layer(batched)
    assert vertices.shape == (2, 5, standin.num_vertices, 3)
    vertices.square().sum().backward()
    assert batched.grad is not None and batched.grad.abs().sum() > 0
    rest = standin_layer(torch.zeros(3, 53))
    assert torch.allclose(rest, standin_layer.template.expand(3, -1, -1), atol=1e-7)
    assert standin_layer.faces.shape == (len(standin.f), 3) and "lips" in standin_layer.masks
    with pytest.raises(ValueError, match="53"):
        standin_layer(torch.zeros(4, 50))


def test_vertex_subset_matches_the_full_layer():
    """A loss layer on a vertex subset returns exactly those rows of the full forward pass."""
    import torch

    from deeptalk.flame.layer import FlameLayer
    from deeptalk.flame.loading import load_flame

    model = load_flame("standin")
    full = FlameLayer(model)
    ids = torch.cat([torch.from_numpy(model.masks["lips"]).long(), torch.arange(0, model.num_vertices, 37)])
    subset = FlameLayer(model, vertex_ids=ids)
    motion = 0.3 * torch.randn(2, 5, 53, generator=torch.Generator().manual_seed(0))
    keep = torch.unique(ids)
    assert torch.allclose(subset(motion), full(motion)[..., keep, :], atol=1e-6)
    lips = subset.masks["lips"]
    assert torch.equal(keep[lips], torch.from_numpy(model.masks["lips"]).long().sort().values)
