"""Gaussian emotion embeddings: the type DEE returns, sampling with alpha, and the KL term.

Decision (spec §9.2): `alpha` multiplies sigma, z = mu + alpha * sigma * eps, then z is
L2-normalised; alpha = 0 returns mu itself (no noise, no re-normalisation). The released
code instead raises sigma to the power alpha (exp(0.5 * alpha * logvar)) and treats 0 as
"unset", so its alpha = 0 still samples with unit noise. We chose the multiplier because it
is monotone in alpha from a deterministic 0, matches the protocol's documented meaning
(`AnimateRequest.alpha`), and does not depend on whether sigma is above or below 1 (with
sigma < 1, sigma^alpha *grows* as alpha shrinks).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F


class GaussianEmbedding(NamedTuple):
    """Per-clip diagonal Gaussian in the joint emotion space."""

    mean: torch.Tensor    # (B, D) L2-normalised
    logvar: torch.Tensor  # (B, D) log sigma^2

    def detach(self) -> "GaussianEmbedding":
        return GaussianEmbedding(self.mean.detach(), self.logvar.detach())

    def index(self, idx: torch.Tensor | slice | int) -> "GaussianEmbedding":
        """Rows `idx` of both tensors (keeps the batch axis for int via slicing)."""
        if isinstance(idx, int):
            idx = slice(idx, idx + 1)
        return GaussianEmbedding(self.mean[idx], self.logvar[idx])


def sample_embedding(emb: GaussianEmbedding, alpha: float,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """z = normalize(mu + alpha * sigma * eps), eps ~ N(0, I): (B, D); alpha = 0 returns mu exactly."""
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    if alpha == 0:
        return emb.mean
    device = generator.device if generator is not None else emb.mean.device
    eps = torch.randn(emb.mean.shape, generator=generator, device=device, dtype=emb.mean.dtype)
    sigma = torch.exp(0.5 * emb.logvar)  # (B, D)
    z = emb.mean + alpha * sigma * eps.to(emb.mean.device)  # (B, D)
    return F.normalize(z, dim=-1)


def kl_to_standard_normal(emb: GaussianEmbedding) -> torch.Tensor:
    """Mean over the batch of KL(N(mu, sigma^2) || N(0, I)), summed over dimensions: ()."""
    var = emb.logvar.exp()  # (B, D)
    kl = 0.5 * (emb.mean.pow(2) + var - 1.0 - emb.logvar).sum(dim=-1)  # (B,)
    return kl.mean()
