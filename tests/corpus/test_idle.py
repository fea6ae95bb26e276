"""Natural motion: blinks, drifts, loudness accents."""

from __future__ import annotations

import numpy as np

from deeptalk.corpus.idle import blink_track, frame_loudness, natural_motion
from deeptalk.flame.semantics import COMPONENT_INDEX as C


def count_blinks(track: np.ndarray) -> int:
    closed = track > 0.5
    return int(np.sum(closed[1:] & ~closed[:-1]) + closed[0])


def test_blinks_follow_the_rate_and_are_brief() -> None:
    rng = np.random.default_rng(0)
    track = blink_track(25 * 120, 25.0, rng, per_minute=18.0)  # two minutes
    assert 20 <= count_blinks(track) <= 55
    assert track.min() >= 0.0 and track.max() <= 1.0
    closed_runs = np.diff(np.flatnonzero(np.diff(np.r_[0, track > 0.5, 0])))[::2]
    assert closed_runs.max() <= 5  # each blink shuts the eye for at most ~0.2 s


def test_natural_motion_varies_between_seeds_and_follows_loudness() -> None:
    loud = np.zeros(250, np.float32)
    loud[100:110] = 1.0
    a = natural_motion(250, 25.0, np.random.default_rng(1), blink_per_min=15, loudness=loud,
                       accent_component=C["brow_raise"], accent=0.5)
    b = natural_motion(250, 25.0, np.random.default_rng(2), blink_per_min=15, loudness=loud,
                       accent_component=C["brow_raise"], accent=0.5)
    assert a.exp.shape == (250, 52) and not np.allclose(a.exp, b.exp)
    assert np.abs(a.exp[:, C["smile"]]).max() < 0.3  # drifts stay subtle
    calm = natural_motion(250, 25.0, np.random.default_rng(1), blink_per_min=15, loudness=loud,
                          accent_component=C["brow_raise"], accent=0.0)
    bump = a.exp[:, C["brow_raise"]] - calm.exp[:, C["brow_raise"]]
    assert bump[100:110].mean() > 0.3 and np.abs(bump[:80]).max() < 0.01


def test_frame_loudness() -> None:
    rate = 16000
    x = np.zeros(rate, np.float32)
    x[8000:12000] = 0.5
    loud = frame_loudness(x, rate, 25, 25.0)
    assert loud.shape == (25,) and loud[15] == 1.0 and loud[3] == 0.0
