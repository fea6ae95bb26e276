"""Calibrate the emotion prototypes on held-out speech: what "Heard" says, and how far takes roam.

Two fits on validation clips (their clip-level DEE Gaussians and labels):
- `temperature` and `bias` (C,): the class probabilities of the mean embedding (what "Heard"
  shows) become softmax(logits / T + b), fitted by the likelihood of the true class like
  temperature scaling plus a class prior, so a DEE that leans to one class on voices it has
  not heard is pulled back.
- `sigma_scale`: takes sample z = normalize(mu + alpha * sigma_scale * sigma * eps). The DEE's
  own sigma is tiny (a few hundredths), so at alpha 1 every take was the same emotion. The
  scale is the one at which the classes of sampled vectors (read back through the prototypes)
  come out as often as the calibrated reading says: a clip heard 60 % neutral / 40 % happy
  gives about that share of neutral and happy takes, a clear one stays in its class (the
  smallest mean KL(reading || sampled class frequencies) over the grid).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import torch

from deeptalk.emotion_track import EmotionPrototypes, class_logits, class_probabilities
from deeptalk.models.gaussian import GaussianEmbedding

log = logging.getLogger(__name__)

SIGMA_SCALES: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


@dataclass(frozen=True)
class CalibrationConfig:
    samples: int = 32  # sampled vectors per clip when scoring a sigma scale
    steps: int = 200  # optimiser steps for temperature and bias
    bias_limit: float = 3.0  # |b_c| at most this (a prior, not a new classifier)
    seed: int = 0


def sampled_class_mismatch(clips: GaussianEmbedding, prototypes: EmotionPrototypes, sigma_scale: float,
                           samples: int, generator: torch.Generator) -> float:
    """Mean KL(calibrated reading || class frequencies of vectors sampled at `sigma_scale`)."""
    mean, logvar = clips.mean.float(), clips.logvar.float()
    reading = class_probabilities(clips, prototypes).float().clamp_min(1e-6)  # (N, C)
    eps = torch.randn((samples, *mean.shape), generator=generator)  # (S, N, D)
    z = torch.nn.functional.normalize(mean[None] + sigma_scale * torch.exp(0.5 * logvar)[None] * eps, dim=-1)
    flat = GaussianEmbedding(z.reshape(-1, mean.shape[-1]), logvar.repeat(samples, 1))
    winners = class_logits(flat, prototypes).argmax(-1).reshape(samples, -1)  # (S, N)
    classes = reading.shape[1]
    freq = torch.nn.functional.one_hot(winners, classes).float().mean(0)  # (N, C)
    freq = (freq + 0.5 / samples) / (1 + classes * 0.5 / samples)  # smoothed
    return float((reading * (reading.log() - freq.log())).sum(-1).mean())


def fit_sigma_scale(clips: GaussianEmbedding, prototypes: EmotionPrototypes,
                    config: CalibrationConfig = CalibrationConfig()) -> tuple[float, dict[float, float]]:
    """The grid scale whose sampled classes best match the readings, and every scale's mismatch."""
    scores = {s: sampled_class_mismatch(clips, prototypes, s, config.samples,
                                        torch.Generator().manual_seed(config.seed)) for s in SIGMA_SCALES}
    return min(scores, key=scores.get), scores


def fit_temperature_bias(clips: GaussianEmbedding, labels: torch.Tensor, prototypes: EmotionPrototypes,
                         config: CalibrationConfig = CalibrationConfig()) -> tuple[float, torch.Tensor]:
    """Temperature and per-class bias minimising the NLL of the labels from the mean embeddings."""
    logits = class_logits(clips, prototypes).float().detach()  # (N, C)
    log_t = torch.zeros((), requires_grad=True)
    bias = torch.zeros(logits.shape[1], requires_grad=True)
    optimiser = torch.optim.Adam([log_t, bias], lr=0.05)
    for _ in range(config.steps):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits / log_t.exp() + bias, labels)
        loss.backward()
        optimiser.step()
        with torch.no_grad():
            log_t.clamp_(math.log(0.05), math.log(20.0))
            bias.clamp_(-config.bias_limit, config.bias_limit)
    bias = (bias - bias.mean()).detach()
    return float(log_t.detach().exp()), bias


def calibrate(prototypes: EmotionPrototypes, clips: GaussianEmbedding, labels: torch.Tensor,
              config: CalibrationConfig = CalibrationConfig()) -> tuple[EmotionPrototypes, dict[str, object]]:
    """Prototypes with `sigma_scale`, `temperature` and `bias` fitted on (N, D) clips and (N,) labels."""
    labels = labels.long().cpu()
    clips = GaussianEmbedding(clips.mean.detach().float().cpu(), clips.logvar.detach().float().cpu())
    plain = replace(prototypes, temperature=1.0, bias=None, sigma_scale=1.0)
    temperature, bias = fit_temperature_bias(clips, labels, plain, config)
    heard = replace(plain, temperature=temperature, bias=bias.numpy())
    scale, scores = fit_sigma_scale(clips, heard, config)
    before = float(torch.nn.functional.cross_entropy(class_logits(clips, plain).float(), labels))
    out = replace(heard, sigma_scale=scale)
    report = {"sigma_scale": scale, "sigma_mismatch": {str(k): round(v, 4) for k, v in scores.items()},
              "temperature": round(temperature, 4), "bias": [round(float(b), 4) for b in bias],
              "heard_nll_before": round(before, 4),
              "heard_nll_after": round(float(torch.nn.functional.cross_entropy(
                  class_logits(clips, plain).float() / temperature + bias, labels)), 4)}
    log.info("emotion calibration on %d clips: %s", len(labels), report)
    return out, report
