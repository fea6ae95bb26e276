"""AudioBackbone: scratch and local-HF loading, 25 fps resampling, masking, freezing, overfitting."""

from __future__ import annotations

import pytest
import torch

from deeptalk.models.audio_backbone import (AudioBackbone, AudioBackboneConfig, frames_for_samples,
                                            normalize_waveform)


def tiny_config(**overrides) -> AudioBackboneConfig:
    base = dict(conv_dim=(8, 8, 8, 8, 8, 8, 8), hidden_size=16, num_layers=2, num_heads=2, intermediate_size=32,
                pos_conv_kernel=4, pos_conv_groups=2, dropout=0.0)
    base.update(overrides)
    return AudioBackboneConfig(**base)


@pytest.fixture(scope="module")
def hf_wav2vec2_dir(tmp_path_factory):
    """A tiny randomly initialised Wav2Vec2Model written with save_pretrained."""
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    torch.manual_seed(0)
    config = Wav2Vec2Config(hidden_size=16, num_hidden_layers=3, num_attention_heads=2, intermediate_size=32,
                            conv_dim=[8] * 7, num_conv_pos_embeddings=4, num_conv_pos_embedding_groups=2,
                            vocab_size=8, pad_token_id=0, bos_token_id=None, eos_token_id=None)
    model = Wav2Vec2Model(config)
    path = tmp_path_factory.mktemp("w2v2")
    model.save_pretrained(path)
    return path, model


def test_frames_for_samples_rounds_up():
    assert frames_for_samples(20480) == 32
    assert frames_for_samples(16001) == 26
    assert frames_for_samples(1) == 1
    assert frames_for_samples(torch.tensor([640, 641, 0])).tolist() == [1, 2, 1]


@pytest.mark.parametrize("samples,frames", [(7777, 13), (16001, 26), (100, 1), (2561, 5)])
def test_scratch_shapes_for_odd_lengths(samples, frames):
    torch.manual_seed(0)
    backbone = AudioBackbone(tiny_config(output_dim=5)).eval()
    out = backbone(torch.randn(2, samples), frames)
    assert out.shape == (2, frames, 5)
    assert torch.isfinite(out).all()


def test_normalisation_makes_output_gain_and_offset_invariant():
    torch.manual_seed(0)
    backbone = AudioBackbone(tiny_config()).eval()
    wave = torch.randn(2, 4000)
    with torch.no_grad():
        a = backbone(wave, 7)
        b = backbone(3.5 * wave + 0.2, 7)
    torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_normalize_waveform_uses_valid_samples_only():
    wave = torch.cat((torch.randn(1, 1000) * 2 + 1, torch.full((1, 500), 9.0)), dim=1)
    out = normalize_waveform(wave, torch.tensor([1000]))
    assert abs(float(out[0, :1000].mean())) < 1e-5
    assert abs(float(out[0, :1000].var(unbiased=False)) - 1.0) < 1e-3
    assert torch.all(out[0, 1000:] == 0)


def test_padding_content_does_not_reach_valid_frames():
    torch.manual_seed(0)
    backbone = AudioBackbone(tiny_config()).eval()
    wave = torch.randn(2, 8000)
    noisy = wave.clone()
    noisy[1, 5000:] = torch.randn(3000) * 10
    lengths = torch.tensor([8000, 5000])
    with torch.no_grad():
        a = backbone(wave, 12, lengths=lengths)
        b = backbone(noisy, 12, lengths=lengths)
    valid = backbone.frame_mask(lengths, 8000, 12)
    assert valid[1].sum() == 8 and valid[0].all()
    torch.testing.assert_close(a[valid], b[valid], atol=1e-5, rtol=1e-5)


def test_load_pretrained_reads_the_saved_weights(hf_wav2vec2_dir):
    path, reference = hf_wav2vec2_dir
    backbone = AudioBackbone.load_pretrained(path, frozen_layers=0, freeze_feature_encoder=False)
    assert type(backbone.model).__name__ == "Wav2Vec2Model"
    ours = backbone.model.state_dict()
    for name, tensor in reference.state_dict().items():
        torch.testing.assert_close(ours[name], tensor, rtol=0, atol=0)
    assert backbone.config.kind == "pretrained" and backbone.config.hf_config_json
    assert backbone(torch.randn(1, 5000), 8).shape == (1, 8, 16)


def test_pretrained_rebuilds_from_config_without_the_folder(hf_wav2vec2_dir, tmp_path):
    path, _ = hf_wav2vec2_dir
    loaded = AudioBackbone.load_pretrained(path, output_dim=6).eval()
    config = AudioBackboneConfig(**{**loaded.config.__dict__, "hf_path": str(tmp_path / "gone")})
    rebuilt = AudioBackbone(config)
    rebuilt.load_state_dict(loaded.state_dict())
    wave = torch.randn(2, 6001)
    with torch.no_grad():
        torch.testing.assert_close(rebuilt.eval()(wave, 10), loaded(wave, 10))


def test_hubert_loads_through_automodel(tmp_path):
    from transformers import HubertConfig, HubertModel

    config = HubertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                          conv_dim=[8] * 7, num_conv_pos_embeddings=4, num_conv_pos_embedding_groups=2)
    HubertModel(config).save_pretrained(tmp_path)
    backbone = AudioBackbone.load_pretrained(tmp_path)
    assert type(backbone.model).__name__ == "HubertModel"
    assert backbone(torch.randn(1, 3200), 5).shape == (1, 5, 16)


def test_ctc_checkpoint_folder_loads_its_base_model(tmp_path):
    """wav2vec2-base-960h is a Wav2Vec2ForCTC folder: AutoModel must take its encoder weights."""
    from transformers import Wav2Vec2Config, Wav2Vec2ForCTC

    torch.manual_seed(0)
    ctc = Wav2Vec2ForCTC(Wav2Vec2Config(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                        intermediate_size=32, conv_dim=[8] * 7, num_conv_pos_embeddings=4,
                                        num_conv_pos_embedding_groups=2, vocab_size=8, pad_token_id=0,
                                        bos_token_id=None, eos_token_id=None))
    ctc.save_pretrained(tmp_path)
    backbone = AudioBackbone.load_pretrained(tmp_path)
    assert type(backbone.model).__name__ == "Wav2Vec2Model"
    for name, tensor in ctc.wav2vec2.state_dict().items():
        torch.testing.assert_close(backbone.model.state_dict()[name], tensor, rtol=0, atol=0)


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError):
        AudioBackbone.load_pretrained(tmp_path / "nope")


def test_frozen_parts_stay_in_eval_and_do_not_change(hf_wav2vec2_dir):
    path, _ = hf_wav2vec2_dir
    backbone = AudioBackbone.load_pretrained(path, frozen_layers=1, output_dim=4)
    backbone.train()
    model = backbone.model
    assert not model.feature_extractor.training and not model.encoder.layers[0].training
    assert model.encoder.layers[1].training and backbone.proj.training
    assert not any(p.requires_grad for p in model.feature_extractor.parameters())
    assert not any(p.requires_grad for p in model.encoder.layers[0].parameters())
    assert all(p.requires_grad for p in model.encoder.layers[2].parameters())
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    optim = torch.optim.SGD([p for p in backbone.parameters() if p.requires_grad], lr=0.1)
    backbone(torch.randn(2, 4000), 6).pow(2).mean().backward()
    optim.step()
    after = backbone.state_dict()
    assert torch.equal(before["model.encoder.layers.0.feed_forward.output_dense.weight"],
                       after["model.encoder.layers.0.feed_forward.output_dense.weight"])
    assert not torch.equal(before["model.encoder.layers.2.feed_forward.output_dense.weight"],
                           after["model.encoder.layers.2.feed_forward.output_dense.weight"])


def test_fully_frozen_backbone_builds_no_graph(hf_wav2vec2_dir):
    path, _ = hf_wav2vec2_dir
    backbone = AudioBackbone.load_pretrained(path)  # defaults: everything frozen
    backbone.train()
    assert not any(m.training for m in backbone.model.modules())
    assert not backbone(torch.randn(1, 4000), 6).requires_grad


def test_scratch_backbone_overfits_a_tiny_batch():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    backbone = AudioBackbone(tiny_config(output_dim=4)).train()
    wave = torch.randn(2, 8000)
    target = torch.randn(2, 12, 4)
    optim = torch.optim.Adam(backbone.parameters(), lr=3e-3)
    losses = []
    for _ in range(150):
        loss = (backbone(wave, 12) - target).pow(2).mean()
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 10


def test_min_std_keeps_quiet_audio_quiet() -> None:
    torch.manual_seed(0)
    loud, hiss = 0.1 * torch.randn(1, 16000), 1e-3 * torch.randn(1, 16000)  # speech level, -60 dB room tone
    assert torch.allclose(normalize_waveform(loud, min_std=0.005), normalize_waveform(loud), atol=1e-6)
    assert normalize_waveform(hiss).std() > 0.9  # without a floor, hiss is blown up to unit variance
    assert normalize_waveform(hiss, min_std=0.005).std() < 0.25  # with one, it stays 5x quieter than speech
    lengths = torch.tensor([8000])
    assert normalize_waveform(hiss, lengths, min_std=0.005)[0, 8000:].abs().max() == 0  # padding stays 0
