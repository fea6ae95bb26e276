"""emotion2vec backbone (kind="emotion2vec"): native 50 Hz frames, extra tokens, learned ALiBi scale."""

from __future__ import annotations

import pytest
import torch

from deeptalk.models.audio_backbone import AudioBackbone, AudioBackboneConfig


@pytest.fixture(scope="module")
def backbone() -> AudioBackbone:
    torch.manual_seed(0)
    cfg = AudioBackboneConfig(kind="emotion2vec", conv_dim=(16,) * 7, hidden_size=16, num_layers=2, num_heads=2,
                              intermediate_size=32, pos_conv_kernel=5, pos_conv_groups=2, pos_conv_layers=2,
                              dropout=0.0, target_fps=50.0)
    net = AudioBackbone(cfg).eval()
    with torch.no_grad():
        net.model.extra_tokens.normal_()
    return net


def test_native_rate_and_layer_norm_input(backbone):
    wave = torch.randn(1, 16000)
    with torch.inference_mode():
        out = backbone(wave, None)
        assert out.shape == (1, (16000 - 400) // 320 + 1, 16) == (1, backbone.native_frames(16000), 16)
        # the input is layer-normed over the clip: scale and offset do not matter
        torch.testing.assert_close(backbone(3.0 * wave + 0.5, None), out, atol=1e-4, rtol=0)
        assert backbone(wave, 25).shape == (1, 25, 16)  # resampled on request
    with pytest.raises(ValueError, match="needs num_frames"):
        AudioBackbone(AudioBackboneConfig(hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32,
                                          conv_dim=(16,) * 7, pos_conv_kernel=8, pos_conv_groups=2))(wave, None)


def test_alibi_scale_is_clamped_and_extra_tokens_unbiased(backbone):
    model = backbone.model
    bias = model.attention_bias(6, torch.device("cpu"), torch.float32)
    assert bias.shape == (2, 16, 16)
    assert bool((bias[:, :10] == 0).all() and (bias[:, :, :10] == 0).all())
    expected = -float(model.slopes[0]) * 2 * float(model.alibi_scale.detach()[0, 0, 0])
    assert bias[0, 10, 12].item() == pytest.approx(expected)
    with torch.no_grad():
        saved = model.alibi_scale.clone()
        model.alibi_scale.fill_(-1.0)
        assert bool((model.attention_bias(6, torch.device("cpu"), torch.float32) == 0).all())
        model.alibi_scale.copy_(saved)


def test_padded_rows_equal_their_own_run(backbone):
    a, b = torch.randn(16000), torch.randn(9600)
    batch = torch.stack([a, torch.cat([b, torch.zeros(6400)])])
    with torch.inference_mode():
        both = backbone(batch, None, lengths=torch.tensor([16000, 9600]))
        alone = backbone(b[None], None)
    torch.testing.assert_close(both[1, : alone.shape[1]], alone[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(both[0], backbone(a[None], None)[0], atol=1e-5, rtol=0)
