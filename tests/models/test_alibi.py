"""ALiBi slopes, biases and the biased transformer stack."""

import torch

from deeptalk.models.alibi import AlibiTransformer, alibi_bias, alibi_slopes


def test_slopes_power_of_two_follow_the_geometric_sequence():
    s = alibi_slopes(8)
    expected = torch.tensor([2.0 ** (-(k + 1)) for k in range(8)])
    assert torch.allclose(s, expected)


def test_slopes_for_non_power_of_two_are_distinct_and_decreasing():
    s = alibi_slopes(6)
    assert s.shape == (6,)
    assert torch.all(s[:4] == alibi_slopes(4))
    assert len(set(s.tolist())) == 6


def test_bias_is_symmetric_zero_on_diagonal_and_linear_in_distance():
    b = alibi_bias(4, 7)
    assert b.shape == (4, 7, 7)
    assert torch.equal(b, b.transpose(1, 2))
    assert torch.all(torch.diagonal(b, dim1=1, dim2=2) == 0)
    slopes = alibi_slopes(4)
    assert torch.allclose(b[:, 0, 5], -5 * slopes)


def test_periodic_bias_is_constant_within_a_period():
    b = alibi_bias(2, 12, period=4)
    slopes = alibi_slopes(2)
    assert torch.allclose(b[:, 0, 1], torch.zeros(2))
    assert torch.allclose(b[:, 0, 3], torch.zeros(2))
    assert torch.allclose(b[:, 0, 4], -4 * slopes)
    assert torch.allclose(b[:, 0, 11], -8 * slopes)


def test_transformer_runs_any_length_and_is_translation_equivariant_in_bias():
    torch.manual_seed(0)
    net = AlibiTransformer(dim=16, heads=4, ff_dim=32, layers=2, dropout=0.0).eval()
    for length in (1, 5, 33):
        x = torch.randn(2, length, 16)
        assert net(x).shape == (2, length, 16)
    # No absolute positions: reversing time reverses the output (symmetric bias).
    x = torch.randn(1, 9, 16)
    assert torch.allclose(net(x.flip(1)), net(x).flip(1), atol=1e-5)


def test_far_frames_matter_less_than_near_frames():
    torch.manual_seed(0)
    net = AlibiTransformer(dim=8, heads=2, ff_dim=16, layers=1, dropout=0.0).eval()
    with torch.no_grad():  # zero queries/keys: attention weights come from the bias alone
        net.layers[0].qkv.weight[:16] = 0
        net.layers[0].qkv.bias[:16] = 0
    x = torch.randn(1, 40, 8)
    base = net(x)
    near, far = x.clone(), x.clone()
    near[0, 1] += 3.0
    far[0, 39] += 3.0
    d_near = (net(near)[0, 0] - base[0, 0]).abs().sum()
    d_far = (net(far)[0, 0] - base[0, 0]).abs().sum()
    assert d_near > d_far


def test_period_units_is_faceformers_form():
    from deeptalk.models.alibi import alibi_bias, alibi_slopes

    frames = alibi_bias(8, 60, period=25)  # our trained models: period * floor(|i - j| / period)
    units = alibi_bias(8, 60, period=25, period_units=True)  # official: floor(|i - j| / period)
    slopes = alibi_slopes(8)
    assert units[0, 0, 24].item() == 0 and units[0, 0, 25].item() == -float(slopes[0])
    assert abs(units[3, 59, 0].item() + 2 * float(slopes[3])) < 1e-7
    assert torch.equal(frames, units * 25)
