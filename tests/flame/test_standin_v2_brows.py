"""Head v2's scowl: `brow_down` slants each brow down into its inner end (the V of anger) instead
of lowering the brow evenly, which only flattened its arch and left angry reading as rest (inner
fifth / middle fifth / tail fifth of the brow lowered 5.3 / 4.9 / 1.6 mm before, 8.0 / 2.9 / 0.2 now)."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.flame.semantics_v2 import INDEX_V2
from deeptalk.flame.standin_v2 import standin_v2_model


@pytest.fixture(scope="module")
def head():
    return standin_v2_model()


def _left_brow_drop(head) -> tuple[np.ndarray, np.ndarray]:
    """(|x| of the left brow's vertices, how far brow_down_L = 1 lowers each, m)."""
    brow = head.masks["brows"]
    left = brow[head.v_template[brow, 0] > 0]
    drop = -head.exprdirs[left, 1, INDEX_V2["brow_down_L"]]
    return head.v_template[left, 0], drop


def test_the_brow_slants_down_into_its_inner_end(head):
    x, drop = _left_brow_drop(head)
    inner, arch, tail = (drop[(x >= lo) & (x < hi)].mean() for lo, hi in
                         ((0.0, np.quantile(x, 0.2)), (np.quantile(x, 0.4), np.quantile(x, 0.6)),
                          (np.quantile(x, 0.8), np.inf)))
    assert inner > 0.006  # a scowl pulls the inner brow down 6 mm or more
    assert inner > 2.0 * arch and arch > tail >= 0.0  # the slant, not an even lowering


def test_the_brows_draw_together_and_the_right_one_mirrors_the_left(head):
    brow = head.masks["brows"]
    left, right = INDEX_V2["brow_down_L"], INDEX_V2["brow_down_R"]
    inner_left = brow[(head.v_template[brow, 0] > 0) & (head.v_template[brow, 0] < 0.02)]
    assert (head.exprdirs[inner_left, 0, left] < -0.002).mean() > 0.5  # towards the midline
    mirror = head.v_template * [-1.0, 1.0, 1.0]
    nearest = np.argmin(((mirror[brow, None, :] - head.v_template[None, brow, :]) ** 2).sum(-1), axis=1)
    flipped = head.exprdirs[brow[nearest], :, right] * [-1.0, 1.0, 1.0]
    np.testing.assert_allclose(flipped, head.exprdirs[brow, :, left], atol=5e-4)
