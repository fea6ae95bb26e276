import numpy as np
import pytest

from deeptalk.retarget.controls import ArkitControls, apply_controls, interpolation_error, reduce_keys, smooth
from deeptalk.retarget.names import ARKIT_INDEX, ARKIT_NAMES


def test_strength_region_and_channel_gains():
    w = np.full((4, 52), 0.4)
    out = apply_controls(w, ARKIT_NAMES, ArkitControls(strength=0.5, brows=2.0, eyes=0.0, gains={"jawOpen": 3.0}), 25)
    assert out[0, ARKIT_INDEX["mouthSmileLeft"]] == pytest.approx(0.2)
    assert out[0, ARKIT_INDEX["browInnerUp"]] == pytest.approx(0.4)
    assert out[0, ARKIT_INDEX["eyeBlinkLeft"]] == 0.0
    assert out[0, ARKIT_INDEX["jawOpen"]] == pytest.approx(0.6)
    assert apply_controls(w, ARKIT_NAMES, ArkitControls(strength=5.0), 25).max() == 1.0


def test_smoothing_keeps_constants_and_reduces_jitter():
    rng = np.random.default_rng(0)
    noisy = 0.5 + 0.1 * rng.normal(size=(200, 3))
    out = smooth(noisy, 2.0)
    assert np.abs(np.diff(out, axis=0)).mean() < 0.3 * np.abs(np.diff(noisy, axis=0)).mean()
    assert np.allclose(smooth(np.full((10, 2), 0.3), 3.0), 0.3)
    with pytest.raises(ValueError):
        ArkitControls(smoothing_s=-1)


def test_key_reduction_stays_within_the_stated_error():
    t = np.arange(500)
    values = 0.5 + 0.4 * np.sin(t / 15.0) * np.exp(-t / 400)
    for tolerance in (0.001, 0.01, 0.05):
        kept = reduce_keys(values, tolerance)
        assert kept[0] == 0 and kept[-1] == len(values) - 1
        assert interpolation_error(values, kept) <= tolerance + 1e-12
        assert len(kept) < len(values)
    assert len(reduce_keys(values, 0.05)) < len(reduce_keys(values, 0.001))
    assert len(reduce_keys(values, 0.0)) == len(values)
    assert list(reduce_keys(np.full(50, 0.2), 0.01)) == [0, 49]
