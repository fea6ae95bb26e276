"""PCME++ objective for DEE: closed-form sampled distance, BCE over all pairs, small KL; retrieval.

CSD(i, j) = ||mu_i - mu_j||^2 + sum_d (sigma^2_i,d + sigma^2_j,d), the expected squared
distance between samples of the two Gaussians. logit_ij = -a * CSD_ij + b with learnable
a, b (init 5, 5). Loss = bce_weight * mean BCEWithLogits(logits, match) + vib_beta *
(KL_audio + KL_motion) / 2, with bce_weight = 2 (the released code sums the audio->motion
and motion->audio terms, which are equal since CSD is symmetric) and vib_beta = 1e-6.

Positives (decision; the released trainer for the probabilistic DEE is missing, spec §9.4):
without labels the match matrix is the identity (a clip's own speech and motion), as in all
released code. With labels, (i, j) is positive when the clips share the emotion and, if
given, the intensity. Reason: DEE is meant to be an *emotion* space, and identity matching
treats every other clip of the same emotion and intensity in the batch as a negative (false
negatives, which PCME++ itself singles out as harmful); the released config's
`use_gt_matching_prob=true` points the same way. Intensity is part of the match so the space
keeps intensity apart (the generator is steered by it); `partial` gives the same emotion at
another intensity a soft target between the two (PCME++'s soft positives), since intensities
are degrees of one emotion.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from deeptalk.models.gaussian import GaussianEmbedding, kl_to_standard_normal


def closed_form_sampled_distance(a: GaussianEmbedding, b: GaussianEmbedding) -> torch.Tensor:
    """CSD between every row of a and every row of b: (Ba, D), (Bb, D) -> (Ba, Bb)."""
    sq = (a.mean.pow(2).sum(-1)[:, None] + b.mean.pow(2).sum(-1)[None, :]
          - 2.0 * a.mean @ b.mean.T).clamp_min(0.0)  # (Ba, Bb)
    var = a.logvar.exp().sum(-1)[:, None] + b.logvar.exp().sum(-1)[None, :]  # (Ba, Bb)
    return sq + var


def paired_sampled_distance(a: GaussianEmbedding, b: GaussianEmbedding) -> torch.Tensor:
    """CSD of row i of a with row i of b: (B, D), (B, D) -> (B,)."""
    return (a.mean - b.mean).pow(2).sum(-1) + a.logvar.exp().sum(-1) + b.logvar.exp().sum(-1)


def match_matrix(batch_size: int, *, emotion: torch.Tensor | None = None,
                 intensity: torch.Tensor | None = None, device: torch.device | None = None,
                 partial: float = 0.0) -> torch.Tensor:
    """(B, B) float targets: identity, or same emotion (and same intensity when given); with
    intensities, `partial` is the soft target of the same emotion at another intensity."""
    if emotion is None:
        if intensity is not None:
            raise ValueError("intensity labels need emotion labels")
        return torch.eye(batch_size, device=device)
    if emotion.shape != (batch_size,) or (intensity is not None and intensity.shape != (batch_size,)):
        raise ValueError("emotion and intensity must be (B,) tensors")
    if not 0.0 <= partial < 1.0:
        raise ValueError("partial must be in [0, 1)")
    same = (emotion[:, None] == emotion[None, :]).float()  # (B, B)
    if intensity is not None:
        level = (intensity[:, None] == intensity[None, :]).float()  # (B, B)
        same = same * (level + partial * (1.0 - level))
    return same.to(device=device if device is not None else emotion.device)


class DeeLossOutput(NamedTuple):
    loss: torch.Tensor      # () total
    matching: torch.Tensor  # () bce_weight * BCE
    kl: torch.Tensor        # () mean KL of both branches (before vib_beta)
    logits: torch.Tensor    # (B, B) audio rows x motion columns


class DeeLoss(nn.Module):
    """Learnable-scale PCME++ loss over a batch of paired (audio, motion) embeddings."""

    def __init__(self, *, init_scale: float = 5.0, init_shift: float = 5.0, vib_beta: float = 1e-6,
                 bce_weight: float = 2.0) -> None:
        super().__init__()
        if vib_beta < 0 or bce_weight <= 0:
            raise ValueError("vib_beta must be >= 0 and bce_weight > 0")
        self.scale = nn.Parameter(torch.tensor(float(init_scale)))
        self.shift = nn.Parameter(torch.tensor(float(init_shift)))
        self.vib_beta, self.bce_weight = vib_beta, bce_weight

    def logits(self, a: GaussianEmbedding, b: GaussianEmbedding) -> torch.Tensor:
        """-scale * CSD + shift for all pairs: (Ba, Bb)."""
        return -self.scale * closed_form_sampled_distance(a, b) + self.shift

    def paired_logits(self, a: GaussianEmbedding, b: GaussianEmbedding) -> torch.Tensor:
        """-scale * CSD + shift for row-aligned pairs: (B,) (the generator's audio-visual term)."""
        return -self.scale * paired_sampled_distance(a, b) + self.shift

    def forward(self, audio: GaussianEmbedding, motion: GaussianEmbedding, *,
                emotion: torch.Tensor | None = None, intensity: torch.Tensor | None = None,
                match: torch.Tensor | None = None) -> DeeLossOutput:
        """Loss for B paired clips; `match` (B, B) overrides the label-derived targets."""
        batch = audio.mean.shape[0]
        if motion.mean.shape[0] != batch:
            raise ValueError("audio and motion batches must have the same size")
        logits = self.logits(audio, motion)  # (B, B)
        if match is None:
            match = match_matrix(batch, emotion=emotion, intensity=intensity, device=logits.device)
        matching = self.bce_weight * F.binary_cross_entropy_with_logits(logits, match.to(logits))
        kl = 0.5 * (kl_to_standard_normal(audio) + kl_to_standard_normal(motion))
        return DeeLossOutput(matching + self.vib_beta * kl, matching, kl, logits)


@torch.no_grad()
def retrieval_recall_at_1(audio_emb: GaussianEmbedding, motion_emb: GaussianEmbedding,
                          labels: torch.Tensor | None = None, *, direction: str = "audio_to_motion") -> float:
    """R@1 with similarity -CSD: a query hits if its top item is its pair (or shares its label)."""
    if direction not in ("audio_to_motion", "motion_to_audio"):
        raise ValueError(f"unknown direction {direction!r}")
    query, items = (audio_emb, motion_emb) if direction == "audio_to_motion" else (motion_emb, audio_emb)
    if query.mean.shape[0] != items.mean.shape[0]:
        raise ValueError("retrieval needs paired sets of the same size")
    best = (-closed_form_sampled_distance(query, items)).argmax(dim=1)  # (B,)
    rows = torch.arange(best.shape[0], device=best.device)
    hits = (best == rows) if labels is None else (labels.to(best.device)[best] == labels.to(best.device))
    return float(hits.float().mean())
