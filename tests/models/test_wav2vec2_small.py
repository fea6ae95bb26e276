"""Our wav2vec2 network against `transformers.Wav2Vec2Model`: the same names, weights and outputs."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from deeptalk.models.audio_backbone import AudioBackbone, AudioBackboneConfig, _scratch_hf_config, small_wav2vec2_config
from deeptalk.models.wav2vec2_small import SmallWav2Vec2

SIZES = [dict(conv_dim=(8,) * 7, hidden_size=16, num_layers=2, num_heads=2, intermediate_size=32,
              pos_conv_kernel=4, pos_conv_groups=2),  # even kernel: the same-pad trim
         dict(conv_dim=(12, 12, 16), conv_kernel=(10, 3, 2), conv_stride=(5, 2, 2), hidden_size=24, num_layers=1,
              num_heads=3, intermediate_size=40, pos_conv_kernel=5, pos_conv_groups=3)]


def pair(sizes: dict) -> tuple[SmallWav2Vec2, torch.nn.Module]:
    from transformers import Wav2Vec2Model

    cfg = AudioBackboneConfig(dropout=0.1, **sizes)
    torch.manual_seed(0)
    reference = Wav2Vec2Model(_scratch_hf_config(cfg)).eval()
    ours = SmallWav2Vec2(small_wav2vec2_config(cfg)).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    return ours, reference


def run(model: torch.nn.Module, wave: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    feats = model.feature_extractor(wave).transpose(1, 2)  # (B, T, C)
    hidden = model.feature_projection(feats)[0]
    return model.encoder(hidden, attention_mask=mask).last_hidden_state


@pytest.mark.parametrize("sizes", SIZES)
def test_same_parameter_names_and_outputs_as_transformers(sizes: dict) -> None:
    ours, reference = pair(sizes)
    assert list(ours.state_dict()) == list(reference.state_dict())
    wave = torch.randn(2, 4000)
    with torch.no_grad():
        frames = ours.feature_extractor(wave).shape[-1]
        mask = torch.arange(frames)[None, :] < torch.tensor([[frames], [frames - 3]])
        for m in (None, mask):
            torch.testing.assert_close(run(ours, wave, m), run(reference, wave, None if m is None else m.clone()),
                                       atol=2e-5, rtol=1e-4)


def test_state_dicts_load_both_ways_and_fresh_weights_follow_hf_initialisation() -> None:
    from transformers import Wav2Vec2Model

    cfg = AudioBackboneConfig(**SIZES[0])
    torch.manual_seed(1)
    ours = SmallWav2Vec2(small_wav2vec2_config(cfg))
    Wav2Vec2Model(_scratch_hf_config(cfg)).load_state_dict(ours.state_dict(), strict=True)
    linear = ours.encoder.layers[0].attention.q_proj
    assert abs(float(linear.weight.detach().std()) - 0.02) < 0.006 and float(linear.bias.detach().abs().max()) == 0.0
    assert float(ours.encoder.layers[0].layer_norm.weight.detach().min()) == 1.0


def test_training_mode_is_stochastic_and_eval_is_not() -> None:
    ours, _ = pair(SIZES[0])
    wave = torch.randn(1, 4000)
    with torch.no_grad():
        assert torch.equal(run(ours, wave, None), run(ours, wave, None))
        ours.train()
        assert not torch.equal(run(ours, wave, None), run(ours, wave, None))


def test_a_scratch_backbone_does_not_import_transformers() -> None:
    code = ("import sys, torch\n"
            "from deeptalk.models.audio_backbone import AudioBackbone, AudioBackboneConfig\n"
            "for kind in ('scratch', 'mel'):\n"
            "    AudioBackbone(AudioBackboneConfig(kind=kind))(torch.zeros(1, 8000), 12)\n"
            "print('transformers' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


def test_the_backbone_still_builds_hf_models_from_their_config() -> None:
    cfg = AudioBackboneConfig(kind="scratch", **SIZES[0])
    backbone = AudioBackbone(cfg)
    assert isinstance(backbone.model, SmallWav2Vec2)
    assert backbone(torch.randn(2, 8000), 10).shape == (2, 10, 16)
