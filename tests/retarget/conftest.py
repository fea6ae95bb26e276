"""Fixtures: the stand-in head, its ARKit shapes, and speech-like motion from phoneme timings."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.articulation import articulate
from deeptalk.corpus.phonemes import PhonemeSpan
from deeptalk.corpus.visemes import VISEME_INDEX, frame_visemes

# "mamba bye pat, Emmy, fusip, Paul" with pauses: bilabials between open vowels
PHONEMES = "_ m A: m @ b aI p aa t E m i: f u: s I p O: b _".split()


@pytest.fixture(scope="session")
def standin():
    from deeptalk.flame.standin import standin_model

    return standin_model()


@pytest.fixture(scope="session")
def arkit_shapes(standin):
    from deeptalk.retarget.shapes import build_arkit_shapes

    return build_arkit_shapes(standin)


@pytest.fixture(scope="session")
def speech():
    """(exp (T, 50), jaw (T, 3), visemes (T,)) of the co-articulated phoneme line at 25 fps."""
    spans, t = [], 0.0
    for k, p in enumerate(PHONEMES):
        d = 0.3 if p == "_" else (0.09 if p in "mbpftsk" else 0.14)
        spans.append(PhonemeSpan(p, t, t + d, k))
        t += d
    frames = int(t * 25)
    art = articulate(spans, n_frames=frames)
    return art.exp.astype(np.float64), art.jaw.astype(np.float64), frame_visemes(spans, frames)


BILABIAL = VISEME_INDEX["PP"]
