"""One DEE branch after its input features: sequence -> Gaussian embedding (spec §2 heads).

features (B, T, in) -> Linear -> sinusoidal PE -> trunk TransformerEncoder (post-LN,
ReLU, PyTorch defaults as released) -> two heads, each `head_layers` more encoder layers
-> Linear -> GPO over valid frames. The mean head's vector is L2-normalised (mu); the
variance head's is log sigma^2 (unconstrained).

Decision: the variance head's bias starts at `init_logvar` (-7 by default). Started at
log sigma^2 ~ 0, the variance term of the CSD (2 * D * sigma^2) dwarfs every distance
between means, every pair looks negative, and the loss first pulls each positive pair
together so hard that all means collapse to one point (seen on tiny batches: R@1 stayed at
chance). Starting with small variances lets the means separate first; the variances then
grow where the data is ambiguous.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from deeptalk.models.gaussian import GaussianEmbedding
from deeptalk.models.gpo import GPO
from deeptalk.models.positional import SinusoidalPositionalEncoding


def transformer_stack(*, dim: int, layers: int, heads: int, ff_dim: int, dropout: float) -> nn.TransformerEncoder:
    """`layers` post-LN ReLU encoder layers on (B, T, dim), batch first."""
    layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=ff_dim, dropout=dropout, batch_first=True)
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


class GaussianSequenceEncoder(nn.Module):
    """(B, T, in_dim) + (B, T) validity mask -> GaussianEmbedding((B, D), (B, D))."""

    def __init__(self, *, in_dim: int, dim: int, layers: int, heads: int, ff_dim: int, dropout: float,
                 head_layers: int, embed_dim: int, gpo_dim: int, gpo_temperature: float,
                 init_logvar: float = -7.0, input_projection: bool = True) -> None:
        super().__init__()
        stack = dict(dim=dim, heads=heads, ff_dim=ff_dim, dropout=dropout)
        if not input_projection and in_dim != dim:
            raise ValueError(f"without an input projection in_dim ({in_dim}) must equal dim ({dim})")
        # the released DEE's speech branch feeds emotion2vec's 768-d features in directly
        self.inp = nn.Linear(in_dim, dim) if input_projection else nn.Identity()
        self.pos = SinusoidalPositionalEncoding(dim=dim, dropout=dropout)
        self.trunk = transformer_stack(layers=layers, **stack)
        self.mean_layers = transformer_stack(layers=head_layers, **stack)
        self.var_layers = transformer_stack(layers=head_layers, **stack)
        self.mean_map = nn.Linear(dim, embed_dim)
        self.var_map = nn.Linear(dim, embed_dim)
        nn.init.constant_(self.var_map.bias, init_logvar)  # GPO weights sum to 1: pooled logvar starts here
        self.mean_pool = GPO(pe_dim=gpo_dim, hidden_dim=gpo_dim, temperature=gpo_temperature)
        self.var_pool = GPO(pe_dim=gpo_dim, hidden_dim=gpo_dim, temperature=gpo_temperature)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> GaussianEmbedding:
        pad = None if mask is None else ~mask  # (B, T) True = padding
        h = self.trunk(self.pos(self.inp(features)), src_key_padding_mask=pad)  # (B, T, dim)
        mean = self.mean_map(self.mean_layers(h, src_key_padding_mask=pad))  # (B, T, D)
        logvar = self.var_map(self.var_layers(h, src_key_padding_mask=pad))  # (B, T, D)
        mu = F.normalize(self.mean_pool(mean, mask), dim=-1)  # (B, D)
        return GaussianEmbedding(mu, self.var_pool(logvar, mask))  # (B, D), (B, D)
