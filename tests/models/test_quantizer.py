"""EMA quantiser: nearest codes, exact lookup inverse, EMA learning, dead-code restarts."""

import pytest
import torch

from deeptalk.models.quantizer import EmaQuantizer


def test_eval_forward_returns_exact_codes_and_lookup_inverts_it():
    torch.manual_seed(0)
    q = EmaQuantizer(num_codes=16, dim=4).eval()
    z = torch.randn(3, 7, 4)
    out = q(z)
    assert out.indices.shape == (3, 7) and out.quantized.shape == (3, 7, 4)
    assert torch.equal(out.quantized, q.lookup(out.indices))
    brute = ((z[..., None, :] - q.codebook) ** 2).sum(-1).argmin(-1)
    assert torch.equal(out.indices, brute)
    assert torch.equal(q.from_onehot(torch.nn.functional.one_hot(out.indices, 16).float()), out.quantized)


def test_eval_does_not_touch_the_codebook():
    q = EmaQuantizer(num_codes=8, dim=3).eval()
    before = q.codebook.clone()
    q(torch.randn(10, 3))
    assert torch.equal(before, q.codebook)


def test_straight_through_passes_gradients_to_the_input():
    q = EmaQuantizer(num_codes=8, dim=3)
    z = torch.randn(5, 3, requires_grad=True)
    out = q(z)
    (out.quantized.sum() + out.loss).backward()
    assert z.grad is not None and torch.all(torch.isfinite(z.grad))
    assert not q.codebook.requires_grad


def test_ema_codebook_converges_to_cluster_centres():
    torch.manual_seed(0)
    centres = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    q = EmaQuantizer(num_codes=4, dim=2, decay=0.8, dead_code_threshold=0.05)
    for _ in range(200):
        z = centres[torch.randint(0, 4, (64,))] + 0.05 * torch.randn(64, 2)
        out = q(z)
    q.eval()
    found = q.lookup(q(centres).indices)
    assert torch.allclose(found, centres, atol=0.1)
    assert q(centres).indices.unique().numel() == 4
    assert float(out.perplexity) > 3.5 and float(out.usage) == 1.0
    assert q.live_codes() == 4


def test_dead_codes_are_restarted_on_batch_vectors():
    torch.manual_seed(0)
    q = EmaQuantizer(num_codes=8, dim=2, decay=0.5, dead_code_threshold=0.2)
    q(torch.randn(32, 2))  # data init
    q.codebook[3] = 100.0  # a code no vector will ever pick
    q.ema_weight[3] = 100.0
    batch = torch.randn(32, 2)
    for _ in range(4):
        q(batch)
    assert q.codebook[3].abs().max() < 10  # moved onto the data


@pytest.mark.parametrize("kwargs", [dict(num_codes=1, dim=2), dict(num_codes=4, dim=2, decay=1.0)])
def test_bad_arguments_are_rejected(kwargs):
    with pytest.raises(ValueError):
        EmaQuantizer(**kwargs)
