"""Motion augmentation for the lip-reader: read mouth shapes, not the exact numbers of one synthesiser.

Trained on clean corpus motion alone, the motion lip-reader learns the exact channel values the
corpus builder writes for each viseme; motion that is right to the eye but a few percent off in
those values (a TH-VQVAE reconstruction, generated motion) then reads as noise: on the first
default model it named the right viseme on 92 % of ground-truth frames and on 24 % of the TH-VQVAE's
own reconstructions of them. A lip-reader that judges lip sync (`deeptalk eval`) and gives the
generator its lip loss must tolerate what a viewer tolerates, so each training window is, with
probability `probability`:
- articulated more or less: its deviation from the training mean pose scaled by a factor drawn
  from `scale_range` (mumbled to crisp speakers);
- low-passed: a centred moving average over an odd window drawn from 1..`smooth_max` frames
  (softer co-articulation, the smoothing a decoder adds);
- jittered: Gaussian noise of a level drawn from 0..`noise` times each channel's training std.
Labels are unchanged: every one of these keeps the viseme a person would read.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from deeptalk.models.config_tools import require


@dataclass(frozen=True, kw_only=True)
class MotionAugmentConfig:
    probability: float = 0.8  # share of windows augmented at all
    scale_range: tuple[float, float] = (0.7, 1.2)
    smooth_max: int = 5  # frames; 1 = no smoothing
    noise: float = 0.15  # in units of each channel's training std

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale_range", tuple(float(v) for v in self.scale_range))
        require(0.0 <= self.probability <= 1.0, "probability must be in [0, 1]")
        require(len(self.scale_range) == 2 and 0.0 < self.scale_range[0] <= self.scale_range[1],
                "scale_range must be (low, high) with 0 < low <= high")
        require(self.smooth_max >= 1, "smooth_max must be >= 1")
        require(self.noise >= 0.0, "noise must be >= 0")


def moving_average(motion: torch.Tensor, window: int) -> torch.Tensor:
    """Centred moving average over time with edge frames repeated: (T, C) -> (T, C)."""
    if window <= 1:
        return motion
    half = window // 2
    padded = F.pad(motion.T[None], (half, window - 1 - half), mode="replicate")  # (1, C, T + w - 1)
    return F.avg_pool1d(padded, window, stride=1)[0].T  # (T, C)


def augment_motion(motion: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, config: MotionAugmentConfig,
                   generator: torch.Generator) -> torch.Tensor:
    """Augment each window of a batch independently: motion (B, T, C), mean/std (C,) -> (B, T, C).

    Draws come from `generator` (CPU), so a seeded run augments the same way on any device."""
    out = []
    for row in motion:
        draws = torch.rand(4, generator=generator).tolist()
        if draws[0] >= config.probability:
            out.append(row)
            continue
        low, high = config.scale_range
        x = mean + (row - mean) * (low + (high - low) * draws[1])
        x = moving_average(x, 1 + 2 * int(draws[2] * ((config.smooth_max + 1) // 2)))
        noise = torch.randn(row.shape, generator=generator).to(row)
        out.append(x + noise * std * (config.noise * draws[3]))
    return torch.stack(out)
