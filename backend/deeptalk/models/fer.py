"""FER: per-frame facial-expression (emotion) classifier on motion, and its features (spec §2).

`FerClassifier(config)`: motion (B, T, 53) -> logits (B, T, K); `features(motion)` -> (B, T, F).
Layer j is Linear -> BatchNorm -> LeakyReLU -> Dropout; the classifier ends with a Linear
to `num_classes`. The paper's network is 53->256->512->1024->512->256->128->64->8; our
default keeps the widths and uses our corpus's 5 emotions (neutral, happy, sad, angry,
surprised). Inputs are standardised per channel with statistics stored in the model
(`fit_normalization`); the released FER has no such step.

Decision (spec §9.5): the released feature path skips BatchNorm and dropout, i.e. the DEE
reads activations the classifier never saw in that form. We cannot reuse its AffectNet
weights anyway (our motion space is the stand-in FLAME), so by default `features` follows
the classifier's own path — Linear -> BatchNorm (running statistics in eval) of layer
`feature_layer`, before its activation — which keeps the features on the scale the
network was trained on. `features_skip_batchnorm=True` reproduces the released path.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from deeptalk.flame.semantics import MOTION_DIM
from deeptalk.models.config_tools import int_tuple, require, set_field
from deeptalk.models.freezing import Freezable
from deeptalk.models.standardize import Standardizer

EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "angry", "surprised")  # our corpus's classes


@dataclass(frozen=True, kw_only=True)
class FerConfig:
    input_dim: int = MOTION_DIM
    hidden_dims: tuple[int, ...] = (256, 512, 1024, 512, 256, 128, 64)
    num_classes: int = len(EMOTIONS)
    feature_layer: int = 5  # features = output of the layer producing hidden_dims[feature_layer]
    dropout: float = 0.3
    negative_slope: float = 0.01
    features_skip_batchnorm: bool = False

    def __post_init__(self) -> None:
        set_field(self, "hidden_dims", int_tuple(self.hidden_dims, "hidden_dims"))
        require(self.input_dim >= 1 and len(self.hidden_dims) >= 1, "need input_dim >= 1 and one hidden layer")
        require(all(h >= 1 for h in self.hidden_dims), "hidden_dims must be >= 1")
        require(self.num_classes >= 2, "num_classes must be >= 2")
        require(0 <= self.feature_layer < len(self.hidden_dims), "feature_layer must index hidden_dims")
        require(0.0 <= self.dropout < 1.0 and self.negative_slope >= 0, "bad dropout or negative_slope")

    @property
    def feature_dim(self) -> int:
        return self.hidden_dims[self.feature_layer]


class FerClassifier(Freezable):
    """Per-frame MLP: (B, T, input_dim) -> logits (B, T, num_classes), features (B, T, feature_dim)."""

    def __init__(self, config: FerConfig) -> None:
        super().__init__()
        self.config = config
        dims = (config.input_dim, *config.hidden_dims)
        self.norm = Standardizer(dim=config.input_dim)
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.bns = nn.ModuleList(nn.BatchNorm1d(b) for b in dims[1:])
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(dims[-1], config.num_classes)

    @property
    def feature_dim(self) -> int:
        return self.config.feature_dim

    def fit_normalization(self, frames: torch.Tensor) -> None:
        """Set the input standardisation from training frames (..., input_dim)."""
        self.norm.fit(frames)

    def _act(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x, self.config.negative_slope)

    def _flat(self, motion: torch.Tensor) -> torch.Tensor:
        if motion.dim() != 3 or motion.shape[-1] != self.config.input_dim:
            raise ValueError(f"motion must be (B, T, {self.config.input_dim}), got {tuple(motion.shape)}")
        return self.norm(motion.reshape(-1, motion.shape[-1]))  # (B*T, in)

    def forward(self, motion: torch.Tensor) -> torch.Tensor:
        """motion (B, T, in) -> logits (B, T, K)."""
        batch, time, _ = motion.shape
        x = self._flat(motion)  # (B*T, in)
        for linear, bn in zip(self.linears, self.bns):
            x = self.dropout(self._act(bn(linear(x))))  # (B*T, h)
        return self.out(x).reshape(batch, time, -1)  # (B, T, K)

    def features(self, motion: torch.Tensor) -> torch.Tensor:
        """motion (B, T, in) -> (B, T, feature_dim): pre-activation output of `feature_layer`."""
        batch, time, _ = motion.shape
        x = self._flat(motion)  # (B*T, in)
        skip_bn = self.config.features_skip_batchnorm
        for j, (linear, bn) in enumerate(zip(self.linears, self.bns)):
            x = linear(x) if skip_bn else bn(linear(x))  # (B*T, h_j)
            if j == self.config.feature_layer:
                break
            x = self._act(x)
        return x.reshape(batch, time, -1)  # (B, T, F)


def fer_class_weights(counts: torch.Tensor) -> torch.Tensor:
    """Balanced class weights w_c = N / (K * n_c) from per-class counts (K,); empty classes get 0."""
    counts = counts.to(torch.float32)
    total, k = counts.sum(), counts.numel()
    return torch.where(counts > 0, total / (k * counts.clamp_min(1.0)), torch.zeros_like(counts))


def fer_loss(logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Weighted cross-entropy over frames: logits (B, T, K), labels (B, T) or per-clip (B,) -> ()."""
    if labels.dim() == 1:
        labels = labels[:, None].expand(-1, logits.shape[1])  # (B, T)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), weight=weights)


def augment_noise(motion: torch.Tensor, *, p: float = 0.5, sigma: float = 0.02,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Add N(0, sigma^2) noise to each clip with probability p (the FER training augmentation)."""
    batch = motion.shape[0]
    gate = (torch.rand(batch, generator=generator) < p).to(motion)[:, None, None]  # (B, 1, 1)
    noise = torch.randn(motion.shape, generator=generator).to(motion)  # (B, T, C)
    return motion + gate * sigma * noise
