"""Metric definitions on hand-computable inputs."""

import numpy as np
import pytest

from deeptalk import metrics as m


def test_lip_vertex_error_takes_max_over_lips_then_mean_over_frames():
    target = np.zeros((2, 4, 3))
    pred = target.copy()
    pred[0, 1] = [3, 4, 0]     # lip vertex off by 5 in frame 0
    pred[1, 2] = [0, 0, 1]     # lip vertex off by 1 in frame 1
    pred[1, 3] = [9, 9, 9]     # not a lip vertex: ignored
    assert m.lip_vertex_error(pred, target, np.array([1, 2])) == pytest.approx(3.0)


def test_jaw_correlation_is_scale_free_and_signed():
    t = np.linspace(0, 6, 100)
    gt = np.zeros((100, 53)); gt[:, 50] = 0.2 * (1 + np.sin(t))
    pred = np.zeros((100, 53)); pred[:, 50] = 0.05 * (1 + np.sin(t))
    assert m.jaw_opening_correlation(pred, gt) == pytest.approx(1.0)
    pred[:, 50] = 0.2 * (1 - np.sin(t))
    assert m.jaw_opening_correlation(pred, gt) == pytest.approx(-1.0)
    assert m.jaw_opening_correlation(np.zeros((100, 53)), gt) == 0.0


def test_token_error_rate_collapses_runs_and_ignores_silence():
    ref = np.array([0, 1, 1, 2, 2, 0, 3, 3, 0])
    assert m.collapse_runs(ref) == [1, 2, 3]
    assert m.token_error_rate(ref, np.array([1, 1, 2, 3, 3, 3, 0, 0, 0])) == 0.0
    assert m.token_error_rate(ref, np.array([1, 1, 4, 4, 3, 3, 0, 0, 0])) == pytest.approx(1 / 3)
    assert m.token_error_rate(ref, np.zeros(9, dtype=int)) == 1.0
    assert m.edit_distance([1, 2, 3], [2, 3, 4]) == 2


def test_frame_rates_and_diversity():
    assert m.frame_error_rate(np.array([1, 2, 3, 4]), np.array([1, 0, 3, 0])) == 0.5
    assert m.accuracy(np.array([1, 2]), np.array([1, 1])) == 0.5
    same = np.ones((3, 5, 53))
    assert m.take_diversity(same) == 0.0
    varied = same.copy(); varied[1] += 1.0
    assert m.take_diversity(varied) > 0.4
