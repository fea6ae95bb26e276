"""DEE: shapes, masking, truncation, frozen FER, sampling with alpha, overfitting a tiny batch."""

from __future__ import annotations

import pytest
import torch

from deeptalk.models.audio_backbone import AudioBackboneConfig
from deeptalk.models.dee import DEE, DeeConfig, GaussianEmbedding, sample_embedding
from deeptalk.models.dee_loss import retrieval_recall_at_1
from deeptalk.models.fer import FerClassifier, FerConfig


def tiny_config(**overrides) -> DeeConfig:
    base = dict(
        audio=AudioBackboneConfig(conv_dim=(8,) * 7, hidden_size=16, num_layers=1, num_heads=2,
                                  intermediate_size=32, pos_conv_kernel=4, pos_conv_groups=2, dropout=0.0),
        fer=FerConfig(hidden_dims=(16, 16, 8), feature_layer=1, dropout=0.0),
        embed_dim=8, audio_dim=16, audio_layers=1, motion_dim=16, motion_layers=1, num_heads=2, ff_dim=32,
        gpo_dim=8, dropout=0.0,
    )
    base.update(overrides)
    return DeeConfig(**base)


def test_nested_config_round_trips_through_dicts():
    from dataclasses import asdict

    config = tiny_config()
    assert DeeConfig(**asdict(config)) == config
    as_json_lists = {**asdict(config), "fer": {**asdict(config.fer), "hidden_dims": [16, 16, 8]}}
    assert DeeConfig(**as_json_lists) == config
    with pytest.raises(ValueError):
        DeeConfig(**{**asdict(config), "fer": {**asdict(config.fer), "bogus": 1}})


@pytest.mark.parametrize("samples,frames", [(7777, 13), (16001, 1), (641, 29)])
def test_shapes_for_odd_lengths(samples, frames):
    torch.manual_seed(0)
    dee = DEE(tiny_config()).eval()
    audio = dee.encode_audio(torch.randn(3, samples), torch.tensor([samples, samples // 2, 1]))
    motion = dee.encode_motion(torch.randn(3, frames, 53), torch.tensor([frames, max(1, frames // 2), 1]))
    for emb in (audio, motion):
        assert isinstance(emb, GaussianEmbedding)
        assert emb.mean.shape == emb.logvar.shape == (3, 8)
        torch.testing.assert_close(emb.mean.norm(dim=-1), torch.ones(3))
        assert torch.isfinite(emb.logvar).all()


def test_motion_padding_does_not_change_the_embedding():
    torch.manual_seed(0)
    dee = DEE(tiny_config()).eval()
    motion = torch.randn(1, 9, 53)
    padded = torch.cat((motion, torch.randn(1, 6, 53) * 5), dim=1)
    alone = dee.encode_motion(motion)
    batched = dee.encode_motion(torch.cat((padded, torch.randn(1, 15, 53))), torch.tensor([9, 15]))
    torch.testing.assert_close(batched.mean[:1], alone.mean, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(batched.logvar[:1], alone.logvar, atol=1e-5, rtol=1e-5)


def test_both_branches_see_at_most_max_seconds():
    torch.manual_seed(0)
    dee = DEE(tiny_config(max_seconds=0.5)).eval()
    wave, motion = torch.randn(1, 12000), torch.randn(1, 20, 53)
    torch.testing.assert_close(dee.encode_audio(wave).mean, dee.encode_audio(wave[:, :8000]).mean)
    torch.testing.assert_close(dee.encode_motion(motion).mean, dee.encode_motion(motion[:, :12]).mean)


def test_set_fer_copies_weights_and_keeps_fer_frozen():
    torch.manual_seed(0)
    config = tiny_config()
    fer = FerClassifier(config.fer)
    fer.fit_normalization(torch.randn(50, 53) * 3)
    dee = DEE(config)
    dee.set_fer(fer)
    for name, tensor in fer.state_dict().items():
        assert torch.equal(dee.fer.state_dict()[name], tensor)
    dee.train()
    assert dee.training and not dee.fer.training
    assert not any(p.requires_grad for p in dee.fer.parameters())
    dee.unfreeze()
    assert not any(p.requires_grad for p in dee.fer.parameters())
    motion = torch.randn(2, 6, 53, requires_grad=True)
    dee.encode_motion(motion).mean.sum().backward()
    assert motion.grad is not None and motion.grad.abs().sum() > 0
    with pytest.raises(ValueError):
        dee.set_fer(FerClassifier(FerConfig(hidden_dims=(16, 16, 8), feature_layer=1, dropout=0.1)))


def test_frozen_dee_stays_in_eval_inside_a_training_parent():
    dee = DEE(tiny_config(dropout=0.2)).freeze()
    parent = torch.nn.ModuleDict({"dee": dee, "head": torch.nn.Linear(2, 2)})
    parent.train()
    assert parent["head"].training
    assert not any(m.training for m in dee.modules())
    assert not any(p.requires_grad for p in dee.parameters())


def test_sample_embedding_alpha_semantics():
    g = torch.Generator().manual_seed(0)
    mean = torch.nn.functional.normalize(torch.randn(4, 8, generator=g), dim=-1)
    emb = GaussianEmbedding(mean, torch.full((4, 8), -2.0))
    assert sample_embedding(emb, 0.0) is emb.mean
    a = sample_embedding(emb, 1.0, torch.Generator().manual_seed(5))
    b = sample_embedding(emb, 1.0, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    torch.testing.assert_close(a.norm(dim=-1), torch.ones(4))
    spread = [float((sample_embedding(emb, alpha, torch.Generator().manual_seed(1)) * mean).sum(-1).mean())
              for alpha in (0.1, 1.0, 3.0)]
    assert spread[0] > spread[1] > spread[2]  # larger alpha, further from mu
    with pytest.raises(ValueError):
        sample_embedding(emb, -1.0)


def test_dee_overfits_a_tiny_batch_and_ranks_pairs_first():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    dee = DEE(tiny_config()).train()
    # four clips with distinct global character: a tone each, a pose each (plus noise)
    time = torch.arange(3200) / 16000
    freqs = torch.tensor([150.0, 400.0, 1000.0, 2500.0])[:, None]
    wave = torch.sin(2 * torch.pi * freqs * time) + 0.1 * torch.randn(4, 3200)
    motion = torch.randn(4, 1, 53) + 0.1 * torch.randn(4, 10, 53)
    params = [p for p in dee.parameters() if p.requires_grad]
    optim = torch.optim.Adam(params, lr=3e-3)
    losses = []
    for _ in range(75):
        audio, mot = dee(wave, motion)
        out = dee.criterion(audio, mot)
        optim.zero_grad()
        out.loss.backward()
        optim.step()
        losses.append(out.loss.item())
    assert losses[-1] < losses[0] / 10
    dee.eval()
    with torch.no_grad():
        audio, mot = dee(wave, motion)
        logits = dee.audio_visual_logits(audio, mot)
    assert retrieval_recall_at_1(audio, mot) == 1.0
    assert torch.sigmoid(logits).min() > 0.5


def test_emotion_classifier_is_optional_and_shared_by_both_branches():
    assert DEE(tiny_config()).emotion_head is None
    with pytest.raises(ValueError, match="emotion classifier"):
        DEE(tiny_config()).emotion_logits(GaussianEmbedding(torch.zeros(1, 8), torch.zeros(1, 8)))
    torch.manual_seed(0)
    dee = DEE(tiny_config(emotion_classes=5))
    audio, motion = dee(torch.randn(3, 8000), torch.randn(3, 12, 53) * 0.2)
    assert dee.emotion_logits(audio).shape == (3, 5) and dee.emotion_logits(motion).shape == (3, 5)
    same = GaussianEmbedding(audio.mean, motion.logvar)  # the logits read the mean only
    assert torch.equal(dee.emotion_logits(same), dee.emotion_logits(audio))
    assert "emotion_head.weight" in dee.state_dict()
