"""GPO pooling: weights, masking, max/mean limits."""

from __future__ import annotations

import torch

from deeptalk.models.gpo import GPO
from deeptalk.models.positional import SinusoidalPositionalEncoding, sinusoidal_table


def test_weights_sum_to_one_over_valid_positions():
    gpo = GPO(pe_dim=8, hidden_dim=8)
    weights = gpo.weights(torch.tensor([5, 2, 1]), 5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3))
    assert torch.all(weights[1, 2:] == 0) and weights[2, 0] == 1


def test_padding_is_ignored_and_constants_pool_to_themselves():
    torch.manual_seed(0)
    gpo = GPO(pe_dim=8, hidden_dim=8)
    feats = torch.randn(1, 4, 6)
    padded = torch.cat((feats, torch.full((1, 3, 6), 100.0)), dim=1)
    mask = torch.tensor([[True] * 4 + [False] * 3])
    torch.testing.assert_close(gpo(padded, mask), gpo(feats))
    const = torch.full((2, 7, 6), 0.3)
    torch.testing.assert_close(gpo(const), torch.full((2, 6), 0.3))


def test_sorting_makes_pooling_order_invariant_and_bounded():
    torch.manual_seed(0)
    gpo = GPO(pe_dim=8, hidden_dim=8)
    feats = torch.randn(2, 9, 5)
    shuffled = feats[:, torch.randperm(9)]
    torch.testing.assert_close(gpo(feats), gpo(shuffled))
    pooled = gpo(feats)
    assert (pooled <= feats.amax(1) + 1e-6).all() and (pooled >= feats.amin(1) - 1e-6).all()


def test_sinusoidal_table_values_and_odd_dims():
    table = sinusoidal_table(4, 6)
    assert table.shape == (4, 6)
    torch.testing.assert_close(table[0], torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]))
    torch.testing.assert_close(table[2, 0], torch.sin(torch.tensor(2.0)))
    assert sinusoidal_table(3, 5).shape == (3, 5)
    enc = SinusoidalPositionalEncoding(dim=6, dropout=0.0)
    torch.testing.assert_close(enc(torch.zeros(2, 4, 6)), table.expand(2, 4, 6))
