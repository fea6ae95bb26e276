"""Calibration fits a sigma scale and a class prior that make held-out readings likelier."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from deeptalk.emotion_calibration import calibrate
from deeptalk.emotion_track import EmotionPrototypes, class_probabilities
from deeptalk.models.gaussian import GaussianEmbedding


def _prototypes(dim: int = 8) -> EmotionPrototypes:
    mean = F.normalize(torch.eye(3, dim) + 0.05, dim=-1).numpy()
    return EmotionPrototypes(("neutral", "happy", "sad"), mean, np.full((3, dim), -6.0, np.float32), scale=5.0)


def test_a_leaning_reader_is_pulled_back_and_round_trips(tmp_path) -> None:
    protos = _prototypes()
    torch.manual_seed(0)
    labels = torch.arange(3).repeat(40)
    centres = torch.from_numpy(protos.mean)[labels]
    # every clip leans towards "happy" (class 1), and is noisy: the raw reader over-calls happy
    lean = torch.from_numpy(protos.mean)[1]
    mean = F.normalize(centres + 0.9 * lean + 0.35 * torch.randn(len(labels), 8), dim=-1)
    clips = GaussianEmbedding(mean, torch.full((len(labels), 8), -7.0))
    calibrated, report = calibrate(protos, clips, labels)
    assert report["heard_nll_after"] < report["heard_nll_before"]
    raw = class_probabilities(clips, protos).argmax(-1)
    fixed = class_probabilities(clips, calibrated).argmax(-1)
    assert (fixed == labels).float().mean() > (raw == labels).float().mean()
    assert calibrated.bias[1] < 0 and calibrated.sigma_scale >= 1.0
    back = EmotionPrototypes.load(calibrated.save(tmp_path / "p.npz"))
    assert back.sigma_scale == calibrated.sigma_scale and np.allclose(back.bias, calibrated.bias)
    assert back.temperature == np.float32(calibrated.temperature)


def test_ambiguous_speech_gets_a_wider_spread_than_the_tiny_dee_sigma() -> None:
    protos = _prototypes()
    labels = torch.tensor([0, 1] * 30)
    # clips sit between neutral and happy, labelled either: sampling should spread across both
    mid = F.normalize(torch.from_numpy(protos.mean[0] + protos.mean[1]), dim=0)
    clips = GaussianEmbedding(mid.repeat(60, 1) + 0.01 * torch.randn(60, 8), torch.full((60, 8), -7.0))
    calibrated, report = calibrate(protos, F_normalised(clips), labels)
    assert calibrated.sigma_scale > 1.0, report
    # clear speech (each clip on its class) keeps its takes in the class: a smaller scale
    clear = GaussianEmbedding(torch.from_numpy(protos.mean)[labels], torch.full((60, 8), -7.0))
    confident, _ = calibrate(protos, clear, labels)
    assert confident.sigma_scale < calibrated.sigma_scale


def F_normalised(emb: GaussianEmbedding) -> GaussianEmbedding:
    return GaussianEmbedding(F.normalize(emb.mean, dim=-1), emb.logvar)


def test_old_prototype_files_load_uncalibrated(tmp_path) -> None:
    protos = _prototypes()
    np.savez(tmp_path / "old.npz", emotions=np.array(protos.emotions), mean=protos.mean, logvar=protos.logvar,
             scale=np.float32(5.0))
    old = EmotionPrototypes.load(tmp_path / "old.npz")
    assert old.temperature == 1.0 and old.sigma_scale == 1.0 and not old.bias.any()
