"""Head v2's midline: no seam down the face at rest, and none appears when the face moves."""

import numpy as np
import pytest
import torch

from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.semantics import EXPRESSION_DIM
from deeptalk.flame.semantics_v2 import EMOTION_POSES_V2, NAMES_V2, pose_vector
from deeptalk.flame.standin.face import height_field, soft_abs
from deeptalk.flame.standin.grid import build_grid
from deeptalk.flame.standin_v2 import standin_v2_model
from deeptalk.flame.standin_v2.features import forms
from deeptalk.flame.standin_v2.midline import SOFTNESS, midline_kink, neighbour_mean, smooth_midline

# a pose may add at most this much |x| slope at the midline (the committed head v1-style
# fields added 3.9 for angry and 3.7 for the open jaw: a visible crease down the chin and brow)
POSE_KINK_LIMIT = 0.08


@pytest.fixture(scope="module")
def grid():
    return build_grid()


@pytest.fixture(scope="module")
def layer():
    return FlameLayer(standin_v2_model())


def test_soft_abs_is_abs_outside_and_smooth_at_zero():
    x = np.array([-0.02, -0.006, 0.0, 1e-6, 0.003, 0.006, 0.02])
    out = soft_abs(x, 0.006)
    assert out[0] == pytest.approx(0.02) and out[-1] == pytest.approx(0.02)
    assert out[1] == pytest.approx(0.006) and out[5] == pytest.approx(0.006)
    assert (out[3] - out[2]) / 1e-6 == pytest.approx(0.0, abs=1e-3)  # zero slope at the midline
    assert np.array_equal(soft_abs(x, 0.0), np.abs(x))  # v1's exact |x|


def test_rest_forms_have_no_slope_across_the_midline():
    y = np.linspace(-0.11, 0.08, 96)
    step = 1e-6
    p0 = np.stack([np.zeros_like(y), y, np.full_like(y, 0.09)], axis=1)
    p1 = p0 + [step, 0.0, 0.0]
    side = np.zeros(len(y))
    for field in (lambda p: height_field(p, side, SOFTNESS), lambda p: forms(p, side)):
        slope = (field(p1) - field(p0)) / step
        assert np.abs(slope).max() < 2e-3
    v1_slope = (height_field(p1, side) - height_field(p0, side)) / step
    assert np.abs(v1_slope).max() > 0.05  # v1's own forms keep their seam (its committed bytes)


def _posed(layer, exp, jaw) -> np.ndarray:
    motion = torch.zeros(1, 53)
    motion[0, :EXPRESSION_DIM] = torch.as_tensor(exp, dtype=torch.float32)
    motion[0, EXPRESSION_DIM] = jaw
    return layer(motion)[0].numpy().astype(np.float64)


def _poses():
    yield "jaw open", np.zeros(EXPRESSION_DIM), 0.35
    for name, pose in EMOTION_POSES_V2.items():
        exp, jaw = pose_vector(pose)
        yield name, np.array(exp), jaw
    for i, name in enumerate(NAMES_V2):
        exp = np.zeros(EXPRESSION_DIM)
        exp[i] = 1.0
        yield name, exp, 0.0


def test_no_pose_creases_the_midline(layer, grid):
    n = len(grid.vertices)
    rest = midline_kink(_posed(layer, np.zeros(EXPRESSION_DIM), 0.0)[:n], grid)
    added = {name: float(np.abs(midline_kink(_posed(layer, exp, jaw)[:n], grid) - rest).max())
             for name, exp, jaw in _poses()}
    worst = max(added, key=added.get)
    assert added[worst] < POSE_KINK_LIMIT, f"{worst} creases the midline: slope {added[worst]:.3f}"


def test_midline_kink_sees_a_seam(grid):
    points = grid.vertices.copy()
    clean = midline_kink(points, grid)
    seamed = points.copy()
    seamed[:, 2] -= 0.1 * np.abs(seamed[:, 0])  # a 0.1 |x| valley
    front = np.abs(midline_kink(seamed, grid) - clean)
    assert np.median(front) > 0.05


def _midline_step(values: np.ndarray, grid) -> np.ndarray:
    """(R,) |value at the midline - mean of the columns beside it| per front row."""
    centre = len(grid.theta) // 2
    ids = {(int(r), int(c)): i for i, (r, c) in reversed(list(enumerate(zip(grid.row, grid.col))))}
    rows = [r for r in range(5, grid.row.max() - 5) if grid.vertices[ids[(r, centre)], 2] > 0.05]
    return np.array([abs(values[ids[(r, centre)]] - 0.5 * (values[ids[(r, centre - 1)]] + values[ids[(r, centre + 1)]]))
                     for r in rows])


def test_neighbour_mean_keeps_vertical_gradients_off_the_midline(grid):
    """Relaxing a field that grows with height: no step at the midline once the diagonals are out."""
    field = grid.vertices[:, 1].copy()
    movable = grid.col >= 0  # not the poles
    for_grid = smooth_midline(field, grid.vertices, neighbour_mean(grid.faces, len(field), grid), movable, steps=20)
    plain = smooth_midline(field, grid.vertices, neighbour_mean(grid.faces, len(field)), movable, steps=20)
    assert np.median(_midline_step(for_grid - field, grid)) < 1e-4  # metres: a tenth of a millimetre
    assert np.median(_midline_step(plain - field, grid)) > 10 * np.median(_midline_step(for_grid - field, grid))


def test_skin_quads_share_one_diagonal_direction(grid):
    """Mirrored diagonals turn at the midline, and smooth shading draws a line there; head v2's do not."""
    head = standin_v2_model()
    skin = head.f[(head.f < len(grid.row)).all(axis=1)]
    edges = np.concatenate([skin[:, [0, 1]], skin[:, [1, 2]], skin[:, [2, 0]]])
    a, b = edges[:, 0], edges[:, 1]
    diagonal = (grid.row[a] != grid.row[b]) & (grid.col[a] != grid.col[b]) & (grid.col[a] >= 0) & (grid.col[b] >= 0)
    cols = len(grid.theta)
    lower, upper = np.where(grid.row[a] > grid.row[b], a, b)[diagonal], np.where(grid.row[a] > grid.row[b], b, a)[diagonal]
    step = (grid.col[lower] - grid.col[upper]) % cols  # column step going down the diagonal
    assert set(np.unique(step)) == {cols - 1}  # every diagonal goes down one column to the -X side
    mirrored = build_grid().faces
    mirrored_edges = np.concatenate([mirrored[:, [0, 1]], mirrored[:, [1, 2]], mirrored[:, [2, 0]]])
    ma, mb = mirrored_edges[:, 0], mirrored_edges[:, 1]
    md = (grid.row[ma] != grid.row[mb]) & (grid.col[ma] != grid.col[mb]) & (grid.col[ma] >= 0) & (grid.col[mb] >= 0)
    assert len(np.unique(((grid.col[np.where(grid.row[ma] > grid.row[mb], ma, mb)]
                           - grid.col[np.where(grid.row[ma] > grid.row[mb], mb, ma)]) % cols)[md])) == 2  # v1's turn
