"""Motion lip-reader: frame-wise viseme classification straight from (T, 53) motion.

Replaces the paper's video lip-reading loss (renderer + licensed LRS3 network, spec §4
stage 2) with a network that needs neither. `MotionLipReader(config)`:
`logits(motion (B, T, 53)) -> (B, T, V)` over the corpus's viseme inventory
(`deeptalk.corpus.visemes`, silence = 0; `num_classes` comes from the config so this
module does not define another inventory) and `features(motion) -> (B, T, F)`.

Design (decided here):
- Input per frame: standardised motion plus its first difference (lip motion is as telling
  as lip shape), projected to `channels`.
- Residual blocks of non-causal dilated Conv1d (kernel 5, dilations 1, 2, 4, 1: about
  1.2 s of context at 25 fps) with LayerNorm and GELU. LayerNorm, not BatchNorm, so the
  frozen network behaves the same on one generated clip as on a training batch.
- Frame-wise cross-entropy with `ignore_index` for padding (CTC is not needed: the corpus
  gives phoneme timings, hence frame-aligned visemes).
- Uses once frozen: `lip_feature_loss` (1 - cosine of per-frame features of generated vs
  reference motion, the analogue of the paper's 1 - cos on VSR features) and
  `viseme_accuracy` (frame accuracy of the reader on generated motion against the corpus's
  visemes: a lip-sync metric).
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

IGNORE_INDEX = -100


@dataclass(frozen=True, kw_only=True)
class LipReaderConfig:
    num_classes: int  # len(deeptalk.corpus.visemes.VISEMES)
    input_dim: int = MOTION_DIM
    channels: int = 128
    kernel_size: int = 5
    dilations: tuple[int, ...] = (1, 2, 4, 1)
    dropout: float = 0.1
    use_velocity: bool = True
    # motion channels it reads (empty: all `input_dim`); the default preset reads only the lips
    # and jaw (`flame.semantics.ARTICULATION_CHANNELS`) so emotion channels cannot sway it
    read_channels: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        set_field(self, "dilations", int_tuple(self.dilations, "dilations"))
        set_field(self, "read_channels", int_tuple(self.read_channels, "read_channels"))
        require(all(0 <= c < self.input_dim for c in self.read_channels), "read_channels must index the input")
        require(self.num_classes >= 2, "num_classes must be >= 2")
        require(self.input_dim >= 1 and self.channels >= 1, "input_dim and channels must be >= 1")
        require(self.kernel_size >= 1 and self.kernel_size % 2 == 1, "kernel_size must be odd")
        require(len(self.dilations) >= 1 and all(d >= 1 for d in self.dilations), "dilations must be >= 1")
        require(0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)")


class _ConvBlock(nn.Module):
    """x + Dropout(GELU(Conv1d(LayerNorm(x)))) on (B, T, C)."""

    def __init__(self, *, channels: int, kernel_size: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)
        self.conv = nn.Conv1d(channels, channels, kernel_size, dilation=dilation,
                              padding=dilation * (kernel_size - 1) // 2, padding_mode="replicate")
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(self.norm(x).transpose(1, 2)).transpose(1, 2)  # (B, T, C)
        return x + self.dropout(F.gelu(y))


class MotionLipReader(Freezable):
    """(B, T, 53) motion -> viseme logits (B, T, V) and features (B, T, channels)."""

    def __init__(self, config: LipReaderConfig) -> None:
        super().__init__()
        self.config = config
        read = config.read_channels or tuple(range(config.input_dim))
        self.register_buffer("read", torch.tensor(read, dtype=torch.long), persistent=False)  # (R,)
        self.norm = Standardizer(dim=len(read))
        in_dim = len(read) * (2 if config.use_velocity else 1)
        self.inp = nn.Linear(in_dim, config.channels)
        self.blocks = nn.ModuleList(
            _ConvBlock(channels=config.channels, kernel_size=config.kernel_size, dilation=d, dropout=config.dropout)
            for d in config.dilations
        )
        self.out_norm = nn.LayerNorm(config.channels)
        self.head = nn.Linear(config.channels, config.num_classes)

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    @property
    def feature_dim(self) -> int:
        return self.config.channels

    def fit_normalization(self, frames: torch.Tensor) -> None:
        """Set the input standardisation from training frames (..., input_dim)."""
        self.norm.fit(frames[..., self.read.to(frames.device)])

    def features(self, motion: torch.Tensor) -> torch.Tensor:
        """motion (B, T, in) -> (B, T, channels), the normalised output of the last block."""
        if motion.dim() != 3 or motion.shape[-1] != self.config.input_dim:
            raise ValueError(f"motion must be (B, T, {self.config.input_dim}), got {tuple(motion.shape)}")
        x = self.norm(motion[..., self.read])  # (B, T, R)
        if self.config.use_velocity:
            velocity = torch.diff(x, dim=1, prepend=x[:, :1])  # (B, T, in), 0 at frame 0
            x = torch.cat((x, velocity), dim=-1)  # (B, T, 2*in)
        h = self.inp(x)  # (B, T, C)
        for block in self.blocks:
            h = block(h)  # (B, T, C)
        return self.out_norm(h)  # (B, T, C)

    def logits(self, motion: torch.Tensor) -> torch.Tensor:
        """motion (B, T, in) -> (B, T, num_classes)."""
        return self.head(self.features(motion))  # (B, T, V)

    def forward(self, motion: torch.Tensor) -> torch.Tensor:
        return self.logits(motion)


def lipreader_loss(logits: torch.Tensor, targets: torch.Tensor, *, ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """Frame-wise cross-entropy: logits (B, T, V), targets (B, T) viseme ids -> ()."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=ignore_index)


def lengths_to_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B,) lengths -> (B, max_len) bool, True on valid frames."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


def lip_feature_loss(reader: MotionLipReader, pred: torch.Tensor, target: torch.Tensor,
                     mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over valid frames of 1 - cos(features(pred), features(target)): pred/target (B, T, 53) -> ().

    Gradients reach `pred`; the reference features are computed without a graph.
    """
    with torch.no_grad():
        ref = reader.features(target)  # (B, T, F)
    cos = F.cosine_similarity(reader.features(pred), ref, dim=-1)  # (B, T)
    loss = 1.0 - cos
    if mask is None:
        return loss.mean()
    weight = mask.to(loss.dtype)
    return (loss * weight).sum() / weight.sum().clamp_min(1.0)


@torch.no_grad()
def viseme_accuracy(logits: torch.Tensor, targets: torch.Tensor, *, ignore_index: int = IGNORE_INDEX) -> float:
    """Fraction of non-ignored frames whose argmax viseme equals the target: (B, T, V), (B, T) -> float."""
    valid = targets != ignore_index
    if not bool(valid.any()):
        raise ValueError("no valid frames to score")
    hits = (logits.argmax(dim=-1) == targets) & valid
    return float(hits.sum()) / float(valid.sum())
