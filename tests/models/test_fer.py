"""FER classifier: shapes, features, class weights, freezing, overfitting a tiny batch."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from deeptalk.models.fer import (EMOTIONS, FerClassifier, FerConfig, augment_noise, fer_class_weights,
                                 fer_loss)


def tiny(**overrides) -> FerClassifier:
    base = dict(hidden_dims=(32, 32, 16, 8), feature_layer=2, dropout=0.0)
    base.update(overrides)
    return FerClassifier(FerConfig(**base))


def test_default_config_matches_the_paper_widths_and_our_emotions():
    config = FerConfig()
    assert config.num_classes == len(EMOTIONS) == 5
    assert config.hidden_dims == (256, 512, 1024, 512, 256, 128, 64)
    assert config.feature_dim == 128


@pytest.mark.parametrize("frames", [1, 7, 33])
def test_shapes_for_odd_lengths(frames):
    model = tiny().eval()
    motion = torch.randn(3, frames, 53)
    assert model(motion).shape == (3, frames, 5)
    assert model.features(motion).shape == (3, frames, 16)


def test_features_are_the_pre_activation_of_the_feature_layer():
    torch.manual_seed(0)
    model = tiny().eval()
    model.fit_normalization(torch.randn(100, 53) * 2 + 1)
    motion = torch.randn(2, 5, 53)
    x = (motion - model.norm.mean) / model.norm.std
    for j in range(3):
        x = model.bns[j](model.linears[j](x.reshape(-1, x.shape[-1])))
        if j < 2:
            x = F.leaky_relu(x, 0.01)
    torch.testing.assert_close(model.features(motion), x.reshape(2, 5, 16))


def test_skip_batchnorm_option_reproduces_the_released_feature_path():
    torch.manual_seed(0)
    model = tiny(features_skip_batchnorm=True).eval()
    for bn in model.bns:  # make BatchNorm far from identity so skipping it is visible
        bn.running_mean.fill_(3.0)
    motion = torch.randn(2, 4, 53)
    x = motion.reshape(-1, 53)
    for j in range(3):
        x = model.linears[j](x)
        if j < 2:
            x = F.leaky_relu(x, 0.01)
    torch.testing.assert_close(model.features(motion), x.reshape(2, 4, 16))


def test_class_weights_balance_the_counts():
    weights = fer_class_weights(torch.tensor([10, 30, 0, 60]))
    torch.testing.assert_close(weights, torch.tensor([2.5, 100 / 120, 0.0, 100 / 240]))


def test_augment_noise_is_seeded_and_gated():
    motion = torch.zeros(64, 3, 53)
    out = augment_noise(motion, p=0.5, sigma=0.02, generator=torch.Generator().manual_seed(1))
    again = augment_noise(motion, p=0.5, sigma=0.02, generator=torch.Generator().manual_seed(1))
    assert torch.equal(out, again)
    noisy = (out.abs().amax(dim=(1, 2)) > 0).float().mean()
    assert 0.2 < float(noisy) < 0.8
    assert 0.01 < float(out[out != 0].std()) < 0.03


def test_frozen_fer_stays_in_eval_and_passes_gradients_to_motion():
    model = tiny(dropout=0.3).freeze()
    parent = torch.nn.Sequential(model)
    parent.train()
    assert not model.training and not any(m.training for m in model.modules())
    motion = torch.randn(2, 6, 53, requires_grad=True)
    model.features(motion).sum().backward()
    assert motion.grad is not None and motion.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.parameters())


def test_fer_overfits_a_tiny_batch():
    torch.manual_seed(0)
    model = tiny().train()
    motion = torch.randn(4, 8, 53)
    labels = torch.tensor([0, 1, 2, 3])
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(100):
        loss = fer_loss(model(motion), labels, fer_class_weights(torch.bincount(labels, minlength=5)))
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 10
    assert (model.eval()(motion).argmax(-1) == labels[:, None]).all()
