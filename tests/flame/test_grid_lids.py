"""The eye opening's shape: v1's flat-topped profile, head v2's almond."""

from __future__ import annotations

import numpy as np

from deeptalk.flame.standin.grid import V1_LIDS, LidShape, lid_profile, lid_profiles
from deeptalk.flame.standin_v2 import standin_v2_model
from deeptalk.flame.standin_v2 import layout as V


def test_profile_is_one_at_its_peak_and_closes_at_the_corners():
    a = np.linspace(-1.5, 1.5, 301)
    for peak in (0.0, -0.12, 0.22):
        p = lid_profile(a, 1.6, peak)
        assert abs(a[np.argmax(p)] - peak) <= 0.01 and abs(p.max() - 1.0) < 1e-3
        assert np.all(p[np.abs(a) >= 1.0] == 0.0) and np.all(p >= 0.0)
    np.testing.assert_array_equal(lid_profile(a), np.clip(1.0 - np.clip(a, -1, 1) ** 2, 0.0, None) ** 0.75)
    upper, lower = lid_profiles(a, LidShape(1.1, -0.12, 0.22))
    assert a[np.argmax(upper)] < 0 < a[np.argmax(lower)]  # upper lid highest toward the nose
    assert V1_LIDS == LidShape()


def test_head_v2_opening_tapers_to_its_corners():
    """Opening at the last open lid vertices against the widest: 0.59 / 0.46 (inner / outer) with
    v1's profile (a box with rounded ends), 0.34 / 0.23 on head v2 (an almond)."""
    head = standin_v2_model()
    v = head.v_template

    def left(ids):
        ids = ids[v[ids, 0] > 0]
        return ids[np.argsort(v[ids, 0])]

    gap = v[left(head.masks["eyelid_upper_edge"]), 1] - v[left(head.masks["eyelid_lower_edge"]), 1]
    assert gap[0] / gap.max() < 0.4 and gap[-1] / gap.max() < 0.3, gap
    assert V.LIDS.exponent > V1_LIDS.exponent
