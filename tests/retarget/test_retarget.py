"""Both retarget paths on speech-like motion: fit, jaw, bilabials; landmarks on a different FLAME basis."""

from dataclasses import replace

import numpy as np
import pytest

from deeptalk.retarget.fit import fit_report
from deeptalk.retarget.names import ARKIT_INDEX
from deeptalk.retarget.retarget import LandmarkRetargeter, VertexRetargeter

from .conftest import BILABIAL


@pytest.fixture(scope="module")
def vertex_weights(standin, arkit_shapes, speech):
    exp, jaw, _ = speech
    return VertexRetargeter(standin, arkit_shapes).solve(exp, jaw)


def peaks_on_bilabials(channel, visemes):
    speaking = visemes > 0
    return channel[visemes == BILABIAL].mean() > 1.4 * channel[speaking & (visemes != BILABIAL)].mean()


def test_vertex_fit_reproduces_the_lips(standin, arkit_shapes, speech, vertex_weights):
    exp, jaw, visemes = speech
    report = fit_report(standin, arkit_shapes, exp, jaw, vertex_weights)
    assert report.lip_error_mean_mm < 0.5 and report.lip_lve_mm < 1.0
    assert report.lip_gap_correlation > 0.99 and report.jaw_open_correlation > 0.99
    assert report.closed_frames > 5 and report.closures_kept == 1.0
    w = vertex_weights
    assert np.abs(w[:, ARKIT_INDEX["jawOpen"]] - jaw[:, 0] / 0.35).max() < 0.15  # jawOpen follows the jaw
    for name in ("mouthClose", "mouthPressLeft", "mouthPressRight"):
        assert peaks_on_bilabials(w[:, ARKIT_INDEX[name]], visemes), name
    assert np.allclose(w[:, ARKIT_INDEX["mouthPressLeft"]], w[:, ARKIT_INDEX["mouthPressRight"]], atol=0.02)


def test_landmark_path_on_an_unnamed_scaled_basis_matches_the_vertex_path(standin, arkit_shapes, speech,
                                                                          vertex_weights):
    """A FLAME head whose 50 components are a random rotation of the stand-in's (no names, like
    FLAME 2020) and 10 % larger: retargeted through its 51 landmarks only."""
    exp, jaw, visemes = speech
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(50, 50)))
    exprdirs = standin.exprdirs.copy()
    exprdirs[:, :, :50] = standin.exprdirs[:, :, :50] @ q
    s = 1.1
    other = replace(standin, v_template=standin.v_template * s, exprdirs=exprdirs * s, posedirs=standin.posedirs * s,
                    source="unnamed")
    weights = LandmarkRetargeter(other, standin, arkit_shapes).solve(exp @ q, jaw)
    for name in ("jawOpen", "mouthPressLeft", "mouthPucker", "mouthFunnel", "mouthRollLower", "mouthStretchLeft"):
        a, b = vertex_weights[:, ARKIT_INDEX[name]], weights[:, ARKIT_INDEX[name]]
        assert np.corrcoef(a, b)[0, 1] > 0.97, name
    report = fit_report(standin, arkit_shapes, exp, jaw, weights)
    assert report.lip_lve_mm < 1.0 and report.closures_kept == 1.0
    assert peaks_on_bilabials(weights[:, ARKIT_INDEX["mouthPressLeft"]], visemes)


def test_motion_helper_gives_takes(speech):
    from deeptalk.retarget.motion import arkit_weights

    exp, jaw, _ = speech
    out = arkit_weights(np.stack([exp, exp * 0]), np.stack([jaw, jaw * 0]))
    assert out.shape == (2, len(exp), 52) and out.dtype == np.float32
    assert np.abs(out[1]).max() < 1e-3  # neutral motion, neutral weights
