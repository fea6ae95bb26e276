"""PCME++ closed-form sampled distance, DEE loss, match matrices, retrieval."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from deeptalk.models.dee_loss import (DeeLoss, closed_form_sampled_distance, match_matrix,
                                      paired_sampled_distance, retrieval_recall_at_1)
from deeptalk.models.gaussian import GaussianEmbedding, kl_to_standard_normal


def random_embedding(batch: int, dim: int, *, seed: int, log_scale: float = -2.0) -> GaussianEmbedding:
    g = torch.Generator().manual_seed(seed)
    mean = F.normalize(torch.randn(batch, dim, generator=g), dim=-1)
    return GaussianEmbedding(mean, torch.randn(batch, dim, generator=g) * 0.5 + log_scale)


def test_csd_is_the_expected_squared_distance_of_samples():
    a, b = random_embedding(3, 4, seed=0), random_embedding(2, 4, seed=1)
    csd = closed_form_sampled_distance(a, b)  # (3, 2)
    g = torch.Generator().manual_seed(2)
    n = 200_000
    za = a.mean[:, None] + torch.exp(0.5 * a.logvar)[:, None] * torch.randn(3, n, 4, generator=g)  # (3, n, 4)
    zb = b.mean[:, None] + torch.exp(0.5 * b.logvar)[:, None] * torch.randn(2, n, 4, generator=g)  # (2, n, 4)
    monte_carlo = (za[:, None] - zb[None]).pow(2).sum(-1).mean(-1)  # (3, 2)
    torch.testing.assert_close(csd, monte_carlo, rtol=1e-2, atol=1e-3)


def test_csd_symmetry_and_paired_diagonal():
    a, b = random_embedding(5, 8, seed=3), random_embedding(5, 8, seed=4)
    torch.testing.assert_close(closed_form_sampled_distance(a, b), closed_form_sampled_distance(b, a).T)
    torch.testing.assert_close(paired_sampled_distance(a, b), closed_form_sampled_distance(a, b).diagonal())


def test_kl_matches_torch_distributions():
    emb = random_embedding(4, 6, seed=5)
    p = torch.distributions.Normal(emb.mean, torch.exp(0.5 * emb.logvar))
    q = torch.distributions.Normal(torch.zeros(4, 6), torch.ones(4, 6))
    expected = torch.distributions.kl_divergence(p, q).sum(-1).mean()
    torch.testing.assert_close(kl_to_standard_normal(emb), expected)


def test_match_matrix_from_labels():
    assert torch.equal(match_matrix(3), torch.eye(3))
    emotion = torch.tensor([1, 1, 2, 1])
    intensity = torch.tensor([2, 3, 2, 2])
    by_emotion = match_matrix(4, emotion=emotion)
    assert by_emotion[0].tolist() == [1, 1, 0, 1]
    both = match_matrix(4, emotion=emotion, intensity=intensity)
    assert both[0].tolist() == [1, 0, 0, 1] and both[1].tolist() == [0, 1, 0, 0]
    assert torch.equal(both, both.T) and torch.equal(both.diagonal(), torch.ones(4))
    with pytest.raises(ValueError):
        match_matrix(4, intensity=intensity)


def test_match_matrix_soft_target_for_another_intensity():
    emotion = torch.tensor([1, 1, 2, 1])
    intensity = torch.tensor([2, 3, 2, 2])
    soft = match_matrix(4, emotion=emotion, intensity=intensity, partial=0.4)
    assert soft[0].tolist() == pytest.approx([1.0, 0.4, 0.0, 1.0])  # other intensity: partly a positive
    assert soft[2].tolist() == pytest.approx([0.0, 0.0, 1.0, 0.0])  # other emotion: a negative
    assert torch.equal(match_matrix(4, emotion=emotion, intensity=intensity, partial=0.0),
                       match_matrix(4, emotion=emotion, intensity=intensity))
    with pytest.raises(ValueError, match="partial"):
        match_matrix(4, emotion=emotion, intensity=intensity, partial=1.0)


def test_loss_value_is_weighted_bce_plus_kl():
    a, m = random_embedding(3, 4, seed=6), random_embedding(3, 4, seed=7)
    criterion = DeeLoss(init_scale=2.0, init_shift=1.0, vib_beta=0.1)
    out = criterion(a, m)
    logits = -2.0 * closed_form_sampled_distance(a, m) + 1.0
    probs = torch.sigmoid(logits)
    target = torch.eye(3)
    bce = -(target * probs.log() + (1 - target) * (1 - probs).log()).mean()
    kl = (kl_to_standard_normal(a) + kl_to_standard_normal(m)) / 2
    torch.testing.assert_close(out.logits, logits)
    torch.testing.assert_close(out.loss, 2 * bce + 0.1 * kl)
    assert criterion.scale.item() == 2.0 and criterion.shift.item() == 1.0


def test_loss_learns_to_rank_matching_pairs_first():
    torch.manual_seed(0)
    batch, dim = 6, 8
    audio_mu = torch.randn(batch, dim, requires_grad=True)
    motion_mu = torch.randn(batch, dim, requires_grad=True)
    audio_lv = torch.zeros(batch, dim, requires_grad=True)
    motion_lv = torch.zeros(batch, dim, requires_grad=True)
    criterion = DeeLoss()
    optim = torch.optim.Adam([audio_mu, motion_mu, audio_lv, motion_lv, *criterion.parameters()], lr=0.05)

    def embed():
        return (GaussianEmbedding(F.normalize(audio_mu, dim=-1), audio_lv),
                GaussianEmbedding(F.normalize(motion_mu, dim=-1), motion_lv))

    assert retrieval_recall_at_1(*embed()) < 1.0
    losses = []
    for _ in range(40):
        out = criterion(*embed())
        optim.zero_grad()
        out.loss.backward()
        optim.step()
        losses.append(out.loss.item())
    audio, motion = embed()
    csd = closed_form_sampled_distance(audio, motion)
    assert (csd.diagonal()[:, None] < csd + torch.eye(batch) * 1e9).all()  # own pair is nearest
    assert retrieval_recall_at_1(audio, motion) == 1.0
    assert retrieval_recall_at_1(audio, motion, direction="motion_to_audio") == 1.0
    assert losses[-1] < losses[0] / 10


def test_label_positives_pull_same_emotion_clips_together():
    torch.manual_seed(1)
    emotion = torch.tensor([0, 0, 1, 1])
    audio_mu = torch.randn(4, 8, requires_grad=True)
    motion_mu = torch.randn(4, 8, requires_grad=True)
    criterion = DeeLoss()
    optim = torch.optim.Adam([audio_mu, motion_mu], lr=0.05)
    logvar = torch.full((4, 8), -4.0)
    for _ in range(60):
        out = criterion(GaussianEmbedding(F.normalize(audio_mu, dim=-1), logvar),
                        GaussianEmbedding(F.normalize(motion_mu, dim=-1), logvar), emotion=emotion)
        optim.zero_grad()
        out.loss.backward()
        optim.step()
    probs = torch.sigmoid(out.logits.detach())
    assert probs[0, 1] > 0.5 and probs[2, 3] > 0.5 and probs[0, 2] < 0.5


def test_retrieval_with_labels_and_hand_made_embeddings():
    mean = torch.eye(3)
    logvar = torch.full((3, 3), -6.0)
    audio = GaussianEmbedding(mean, logvar)
    motion = GaussianEmbedding(mean[[1, 0, 2]], logvar)  # pairs 0 and 1 swapped
    assert retrieval_recall_at_1(audio, motion) == pytest.approx(1 / 3)
    assert retrieval_recall_at_1(audio, motion, torch.tensor([5, 5, 7])) == 1.0
