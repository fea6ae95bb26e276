"""The emotion the model hears: per-second class probabilities and the clip-level embedding.

Emotion classes live in the DEE space as prototypes: per class, the L2-normalised mean of
its clips' speech embeddings and the average variance (`prototypes_from_embeddings`),
stored as `emotion_prototypes.npz` (plain arrays, no pickles) in a model directory.

Windowing (decided here; the DEE itself sees at most 10 s, spec §9.3): for second k the
DEE speech branch encodes a `window_s` window centred on k + 0.5 s, shifted to stay
inside the clip (all windows of one clip have the same length, so they batch without
padding). Class probabilities are softmax over classes of -scale * CSD(window, prototype)
with the DEE's learned scale. The clip-level embedding that drives the generator is the
average over the same windows: mean = normalise(mean of mu_k), sigma^2 = mean of
sigma^2_k. Windows are encoded `batch` at a time, and an `AudioSource` is read one batch's
span at a time, so memory is flat in the clip length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from deeptalk.audio_source import AudioSource
from deeptalk.models.dee_loss import closed_form_sampled_distance
from deeptalk.models.gaussian import GaussianEmbedding

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class EmotionPrototypes:
    """Per-class Gaussians in DEE space and the scale that turns distances into logits."""

    emotions: tuple[str, ...]
    mean: np.ndarray    # (C, D) float32, rows L2-normalised
    logvar: np.ndarray  # (C, D) float32
    scale: float = 5.0
    # calibration (`emotion_calibration`): logits / temperature + bias give the class probabilities,
    # and takes sample the speech Gaussian with sigma x sigma_scale at alpha 1
    temperature: float = 1.0
    bias: np.ndarray | None = None  # (C,) float32, None = zeros
    sigma_scale: float = 1.0
    # where an emotion override steers (`emotion_steering`): (C, D) unit rows, None = `mean`
    steer: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "emotions", tuple(str(e) for e in self.emotions))
        object.__setattr__(self, "mean", np.ascontiguousarray(self.mean, dtype=np.float32))
        object.__setattr__(self, "logvar", np.ascontiguousarray(self.logvar, dtype=np.float32))
        c = len(self.emotions)
        if c < 1 or len(set(self.emotions)) != c:
            raise ValueError("emotions must be a non-empty list of distinct names")
        if self.mean.ndim != 2 or self.mean.shape[0] != c or self.logvar.shape != self.mean.shape:
            raise ValueError(f"mean and logvar must both be ({c}, D), got {self.mean.shape} and {self.logvar.shape}")
        if not (np.isfinite(self.mean).all() and np.isfinite(self.logvar).all()):
            raise ValueError("prototypes hold NaN or infinite values")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be a positive number, got {self.scale}")
        for name in ("temperature", "sigma_scale"):
            value = float(getattr(self, name))
            if not (math.isfinite(value) and 0 < value <= 1e3):
                raise ValueError(f"{name} must be a positive number up to 1000, got {value}")
        bias = np.zeros(c, np.float32) if self.bias is None else np.ascontiguousarray(self.bias, dtype=np.float32)
        if bias.shape != (c,) or not np.isfinite(bias).all():
            raise ValueError(f"bias must be {c} finite numbers")
        object.__setattr__(self, "bias", bias)
        if self.steer is not None:
            steer = np.ascontiguousarray(self.steer, dtype=np.float32)
            if steer.shape != self.mean.shape or not np.isfinite(steer).all():
                raise ValueError(f"steer must be a finite {self.mean.shape} array like mean")
            object.__setattr__(self, "steer", steer)

    @property
    def dim(self) -> int:
        return int(self.mean.shape[1])

    def steering(self, emotion: str) -> np.ndarray:
        """The unit vector an override towards `emotion` steers to: (D,)."""
        rows = self.mean if self.steer is None else self.steer
        return rows[self.emotions.index(emotion)]

    def embedding(self, device: torch.device | str = "cpu") -> GaussianEmbedding:
        """All prototypes as one GaussianEmbedding (C, D)."""
        return GaussianEmbedding(torch.from_numpy(self.mean).to(device), torch.from_numpy(self.logvar).to(device))

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, emotions=np.array(self.emotions, dtype=np.str_), mean=self.mean, logvar=self.logvar,
                 scale=np.float32(self.scale), temperature=np.float32(self.temperature), bias=self.bias,
                 sigma_scale=np.float32(self.sigma_scale),
                 **({} if self.steer is None else {"steer": self.steer}))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> EmotionPrototypes:
        """Read an `.npz` written by `save` (no pickles); ValueError if it is not one."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                extra = {key: float(data[key]) for key in ("temperature", "sigma_scale") if key in data.files}
                return cls(emotions=tuple(data["emotions"].tolist()), mean=data["mean"], logvar=data["logvar"],
                           scale=float(data["scale"]), bias=data["bias"] if "bias" in data.files else None,
                           steer=data["steer"] if "steer" in data.files else None, **extra)
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"{path} is not an emotion prototype file: {exc}") from None


def prototypes_from_embeddings(emb: GaussianEmbedding, labels: torch.Tensor, emotions: Sequence[str],
                               scale: float) -> EmotionPrototypes:
    """Class prototypes from labelled speech embeddings (N, D), labels (N,) in [0, C)."""
    labels = labels.long().cpu()
    mean, var = emb.mean.detach().float().cpu(), emb.logvar.detach().float().exp().cpu()
    means, logvars = [], []
    for c, name in enumerate(emotions):
        rows = labels == c
        if not bool(rows.any()):
            raise ValueError(f"no clips labelled {name!r} to build its prototype")
        means.append(F.normalize(mean[rows].mean(0), dim=0))
        logvars.append(var[rows].mean(0).log())
    return EmotionPrototypes(tuple(emotions), torch.stack(means).numpy(), torch.stack(logvars).numpy(), scale)


def class_logits(emb: GaussianEmbedding, prototypes: EmotionPrototypes) -> torch.Tensor:
    """-scale * CSD(emb_i, prototype_c), uncalibrated: (N, D) -> (N, C)."""
    csd = closed_form_sampled_distance(emb, prototypes.embedding(emb.mean.device))  # (N, C)
    return -prototypes.scale * csd


def class_probabilities(emb: GaussianEmbedding, prototypes: EmotionPrototypes) -> torch.Tensor:
    """softmax_c(-scale * CSD(emb_i, prototype_c) / temperature + bias_c): (N, D) -> (N, C)."""
    bias = torch.from_numpy(prototypes.bias).to(emb.mean.device)
    return torch.softmax(class_logits(emb, prototypes).float() / prototypes.temperature + bias, dim=-1)


def second_windows(num_samples: int, *, window_s: float = 2.0,
                   sample_rate: int = SAMPLE_RATE) -> list[tuple[int, int]]:
    """One [start, end) sample window per started second, centred on it, kept inside the clip."""
    if num_samples < 1:
        raise ValueError("audio is empty")
    if window_s <= 0:
        raise ValueError(f"window_s must be > 0, got {window_s}")
    width = min(num_samples, int(round(window_s * sample_rate)))
    seconds = max(1, math.ceil(num_samples / sample_rate - 1e-9))
    windows = []
    for k in range(seconds):
        centre = int(round((k + 0.5) * sample_rate))
        start = min(max(0, centre - width // 2), num_samples - width)
        windows.append((start, start + width))
    return windows


@dataclass(frozen=True)
class EmotionReading:
    clip: GaussianEmbedding  # (1, D) clip-level embedding (window average)
    track: np.ndarray        # (seconds, C) float32 class probabilities


def read_emotion(encode_audio: Callable[[torch.Tensor], GaussianEmbedding], audio: torch.Tensor | AudioSource,
                 prototypes: EmotionPrototypes | None, *, window_s: float = 2.0, batch: int = 16,
                 after_batch: Callable[[int, int], None] | None = None,
                 device: torch.device | str = "cpu") -> EmotionReading:
    """Per-second track and clip embedding of audio (S,) with the DEE speech encoder.

    `audio` is a tensor or an `AudioSource` (read one batch's span at a time and moved to
    `device`). `encode_audio(wave (B, S)) -> GaussianEmbedding` (e.g. `DEE.encode_audio`), called
    on at most `batch` windows at once; `after_batch(done, total)` runs after each call (progress
    and cancellation hooks). Without prototypes (None) the track has no columns.
    """
    num_samples, span = _reader(audio, device)
    windows = second_windows(num_samples, window_s=window_s)
    means, variances, probs = [], [], []
    for i in range(0, len(windows), batch):
        group = windows[i:i + batch]  # starts and ends ascend
        lo = group[0][0]
        wave = span(lo, group[-1][1])  # (covering span,)
        chunk = torch.stack([wave[a - lo:b - lo] for a, b in group])  # (b, W)
        emb = encode_audio(chunk)
        if prototypes is not None and emb.mean.shape[-1] != prototypes.dim:
            raise ValueError(f"DEE embeddings are {emb.mean.shape[-1]}-d but the prototypes are {prototypes.dim}-d")
        means.append(emb.mean.float())
        variances.append(emb.logvar.float().exp())
        probs.append(class_probabilities(emb, prototypes) if prototypes is not None
                     else emb.mean.new_zeros(emb.mean.shape[0], 0))
        if after_batch is not None:
            after_batch(min(i + batch, len(windows)), len(windows))
    mean = F.normalize(torch.cat(means).mean(0, keepdim=True), dim=-1)  # (1, D)
    logvar = torch.cat(variances).mean(0, keepdim=True).log()  # (1, D)
    track = torch.cat(probs).cpu().numpy().astype(np.float32)  # (seconds, C)
    return EmotionReading(GaussianEmbedding(mean, logvar), track)


def _reader(audio: torch.Tensor | AudioSource,
            device: torch.device | str) -> tuple[int, Callable[[int, int], torch.Tensor]]:
    """(length, read(start, stop) -> (stop - start,) tensor) of a 1-D tensor or an AudioSource."""
    if isinstance(audio, torch.Tensor):
        if audio.dim() != 1:
            raise ValueError(f"audio must be (S,), got {tuple(audio.shape)}")
        tensor = audio
        return int(tensor.shape[0]), lambda start, stop: tensor[start:stop]
    source = audio
    return source.num_samples, lambda start, stop: torch.from_numpy(source.read(start, stop)).to(device)
