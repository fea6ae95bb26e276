"""Emotion prototypes, per-second windows, class probabilities and the clip-level reading."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deeptalk.emotion_track import (EmotionPrototypes, class_probabilities, prototypes_from_embeddings,
                                    read_emotion, second_windows)
from deeptalk.model_presets import preset_configs
from deeptalk.models.dee import DEE
from deeptalk.models.gaussian import GaussianEmbedding


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_second_windows_cover_each_second_inside_the_clip():
    windows = second_windows(16000 * 5 + 10, window_s=2.0)
    assert len(windows) == 6
    assert all(b - a == 32000 and 0 <= a and b <= 16000 * 5 + 10 for a, b in windows)
    assert windows[2] == (40000 - 16000, 40000 + 16000)  # centred on 2.5 s
    assert second_windows(700) == [(0, 700)]
    assert len(second_windows(16000)) == 1
    with pytest.raises(ValueError):
        second_windows(0)


def test_prototypes_round_trip_and_validation(tmp_path):
    protos = EmotionPrototypes(("a", "b"), F.normalize(torch.randn(2, 4), dim=-1).numpy(), np.zeros((2, 4)), 3.0)
    loaded = EmotionPrototypes.load(protos.save(tmp_path / "p.npz"))
    assert loaded.emotions == ("a", "b") and loaded.scale == 3.0
    assert np.array_equal(loaded.mean, protos.mean) and np.array_equal(loaded.logvar, protos.logvar)
    with pytest.raises(ValueError):
        EmotionPrototypes(("a", "a"), np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError):
        EmotionPrototypes(("a", "b"), np.zeros((2, 4)), np.zeros((2, 3)))
    with pytest.raises(ValueError):
        EmotionPrototypes(("a", "b"), np.full((2, 4), np.nan), np.zeros((2, 4)))
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(ValueError):
        EmotionPrototypes.load(tmp_path / "bad.npz")


def test_prototypes_keep_their_steering_targets(tmp_path):
    mean = F.normalize(torch.randn(2, 4), dim=-1).numpy()
    plain = EmotionPrototypes(("a", "b"), mean, np.zeros((2, 4)))
    assert np.array_equal(plain.steering("b"), plain.mean[1])  # no steer: the mean
    steer = F.normalize(torch.randn(2, 4), dim=-1).numpy()
    protos = EmotionPrototypes(("a", "b"), mean, np.zeros((2, 4)), steer=steer)
    loaded = EmotionPrototypes.load(protos.save(tmp_path / "p.npz"))
    assert np.array_equal(loaded.steering("b"), steer[1]) and np.array_equal(loaded.mean, mean)
    assert EmotionPrototypes.load(plain.save(tmp_path / "plain.npz")).steer is None  # older files
    with pytest.raises(ValueError, match="steer"):
        EmotionPrototypes(("a", "b"), mean, np.zeros((2, 4)), steer=np.zeros((3, 4)))


def test_prototypes_from_embeddings_and_probabilities():
    centres = F.normalize(torch.randn(3, 6), dim=-1)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    mean = F.normalize(centres[labels] + 0.01 * torch.randn(6, 6), dim=-1)
    emb = GaussianEmbedding(mean, torch.full((6, 6), -5.0))
    protos = prototypes_from_embeddings(emb, labels, ("x", "y", "z"), scale=10.0)
    assert np.allclose(np.linalg.norm(protos.mean, axis=1), 1.0, atol=1e-6)
    assert np.allclose(protos.logvar, -5.0, atol=1e-5)
    probs = class_probabilities(emb, protos)
    assert probs.shape == (6, 3) and torch.allclose(probs.sum(1), torch.ones(6))
    assert torch.equal(probs.argmax(1), labels)
    with pytest.raises(ValueError):
        prototypes_from_embeddings(emb, torch.zeros(6, dtype=torch.long), ("x", "y"), scale=1.0)


def test_read_emotion_with_a_real_dee_is_batch_invariant():
    torch.manual_seed(0)
    dee = DEE(preset_configs("tiny", num_emotions=3).dee).eval()
    protos = EmotionPrototypes(("x", "y", "z"), F.normalize(torch.randn(3, dee.embed_dim), dim=-1).numpy(),
                               np.full((3, dee.embed_dim), -3.0, np.float32))
    audio = 0.1 * torch.randn(16000 * 4 + 500)
    calls = []
    with torch.inference_mode():
        whole = read_emotion(dee.encode_audio, audio, protos, batch=16)
        pieces = read_emotion(dee.encode_audio, audio, protos, batch=2, after_batch=lambda d, t: calls.append((d, t)))
    assert whole.track.shape == (5, 3) and np.allclose(whole.track.sum(1), 1.0, atol=1e-5)
    assert np.allclose(whole.track, pieces.track, atol=1e-5)
    assert torch.allclose(whole.clip.mean, pieces.clip.mean, atol=1e-5)
    assert float(whole.clip.mean.norm()) == pytest.approx(1.0, abs=1e-5)
    assert calls == [(2, 5), (4, 5), (5, 5)]
    with pytest.raises(ValueError):
        read_emotion(dee.encode_audio, audio[None], protos)
