"""EMA vector quantiser (VQ-VAE-2 style) with data initialisation and dead-code restarts.

`forward(z)` maps each vector to its nearest code; in training mode the codebook
follows exponential moving averages of the vectors assigned to each code (no codebook
gradient), and the loss returned is the commitment term `beta * MSE(z, sg[q])`.
`lookup(indices)` is the exact inverse of the quantised path: in eval mode
`forward(z).quantized == lookup(forward(z).indices)` bit for bit.

Deliberate differences from the released DEEPTalk code (spec §9.6): Laplace smoothing
normalises by the total EMA count; `ema_weight` starts equal to the codebook; the
codebook is initialised from the first training batch; and codes whose EMA count falls
below `dead_code_threshold` are restarted at random vectors of the current batch.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn


class QuantizerOutput(NamedTuple):
    quantized: torch.Tensor   # (..., D) straight-through in training, exact codes otherwise
    indices: torch.Tensor     # (...) int64
    loss: torch.Tensor        # () commitment loss
    perplexity: torch.Tensor  # () exp(entropy) of this batch's code histogram
    usage: torch.Tensor       # () fraction of codes used in this batch


class EmaQuantizer(nn.Module):
    """Nearest-neighbour quantiser over `num_codes` codes of size `dim`, updated by EMA."""

    def __init__(self, *, num_codes: int, dim: int, decay: float = 0.95, eps: float = 1e-5,
                 beta: float = 0.25, dead_code_threshold: float = 1e-2) -> None:
        super().__init__()
        if num_codes < 2 or dim < 1:
            raise ValueError(f"need num_codes >= 2 and dim >= 1, got {num_codes}, {dim}")
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay}")
        if eps <= 0 or beta < 0 or dead_code_threshold < 0:
            raise ValueError("eps must be > 0, beta and dead_code_threshold >= 0")
        self.num_codes, self.dim = num_codes, dim
        self.decay, self.eps, self.beta = decay, eps, beta
        self.dead_code_threshold = dead_code_threshold
        codebook = torch.empty(num_codes, dim)
        if codebook.device.type != "meta":  # a skeleton (model_integrity) needs no values (and random ops
            # on "meta" import torch's compiler stack, ~1 s of every start)
            codebook = (torch.rand(num_codes, dim) * 2 - 1) / num_codes  # uniform +-1/K (spec)
        self.register_buffer("codebook", codebook)
        self.register_buffer("ema_weight", codebook.clone())
        self.register_buffer("ema_count", torch.ones(num_codes))
        self.register_buffer("initialized", torch.zeros((), dtype=torch.bool))

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """Index of the nearest code for each vector: (..., D) -> (...)."""
        flat = z.reshape(-1, self.dim)  # (N, D)
        dist = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.t()
                + self.codebook.pow(2).sum(1)[None])  # (N, K)
        return dist.argmin(1).view(z.shape[:-1])

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """Codes for indices: (...) int -> (..., D)."""
        return F.embedding(indices, self.codebook)

    def from_onehot(self, onehot: torch.Tensor) -> torch.Tensor:
        """Differentiable code mix: (..., K) (one-hot or soft) -> (..., D)."""
        return onehot @ self.codebook

    def forward(self, z: torch.Tensor) -> QuantizerOutput:
        """z (..., D) -> QuantizerOutput; updates the codebook when training."""
        if z.shape[-1] != self.dim:
            raise ValueError(f"expected last dim {self.dim}, got {tuple(z.shape)}")
        if self.training and not bool(self.initialized):
            self._init_from(z.detach().reshape(-1, self.dim))
        indices = self.nearest(z.detach())  # (...)
        onehot = F.one_hot(indices.reshape(-1), self.num_codes).to(z.dtype)  # (N, K)
        if self.training:
            self._ema_update(z.detach().reshape(-1, self.dim), onehot)
        q = self.lookup(indices)  # (..., D)
        loss = self.beta * F.mse_loss(z, q.detach())
        quantized = z + (q - z).detach() if z.requires_grad else q
        probs = onehot.mean(0)  # (K,)
        perplexity = torch.exp(-(probs * torch.log(probs + 1e-10)).sum())
        usage = (probs > 0).float().mean()
        return QuantizerOutput(quantized, indices, loss, perplexity, usage)

    def live_codes(self) -> int:
        """Number of codes whose EMA count is above the dead-code threshold."""
        return int((self.ema_count > self.dead_code_threshold).sum())

    @torch.no_grad()
    def _init_from(self, flat: torch.Tensor) -> None:
        pick = torch.randint(0, flat.shape[0], (self.num_codes,), device=flat.device)
        self.codebook.copy_(flat[pick])
        self.ema_weight.copy_(flat[pick])
        self.ema_count.fill_(1.0)
        self.initialized.fill_(True)

    @torch.no_grad()
    def _ema_update(self, flat: torch.Tensor, onehot: torch.Tensor) -> None:
        counts = onehot.sum(0)  # (K,)
        sums = onehot.t() @ flat  # (K, D)
        self.ema_count.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.ema_weight.mul_(self.decay).add_(sums, alpha=1 - self.decay)
        total = self.ema_count.sum()
        smoothed = (self.ema_count + self.eps) / (total + self.num_codes * self.eps) * total  # (K,)
        self.codebook.copy_(self.ema_weight / smoothed[:, None])
        dead = self.ema_count < self.dead_code_threshold  # (K,)
        n_dead = int(dead.sum())
        if n_dead and self.dead_code_threshold > 0:
            pick = torch.randint(0, flat.shape[0], (n_dead,), device=flat.device)
            fresh = flat[pick]  # (n_dead, D)
            self.codebook[dead] = fresh
            self.ema_weight[dead] = fresh
            self.ema_count[dead] = 1.0
