"""Motion plausibility of the articulation model on real espeak-ng timings."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.articulation import articulate
from deeptalk.corpus.phonemes import PhonemeSpan, espeak
from deeptalk.flame.semantics import COMPONENT_INDEX as C

FPS = 25.0


def frame_at(t: float) -> int:
    return int(round(t * FPS))


@pytest.fixture(scope="module")
def spoken():
    synth = espeak().synthesize("Bob may move five blue boats past my map.", voice="en-us")
    lead = 0.5  # add silence before and after, as the corpus does
    spans = [PhonemeSpan(p.phoneme, p.start_s + lead, p.end_s + lead, p.word) for p in synth.phonemes]
    n_frames = int(np.ceil((synth.duration_s + 2 * lead) * FPS))
    samples = np.concatenate([np.zeros(int(lead * synth.sample_rate)), synth.samples,
                              np.zeros(int(lead * synth.sample_rate))]).astype(np.float32)
    return spans, articulate(spans, n_frames=n_frames, samples=samples, sample_rate=synth.sample_rate)


def centers(spans, names):
    return [frame_at((p.start_s + p.end_s) / 2) for p in spans if p.phoneme in names]


def test_shapes_and_ranges(spoken) -> None:
    spans, art = spoken
    assert art.exp.shape[1] == 50 and art.jaw.shape == (art.exp.shape[0], 3)
    assert art.exp.dtype == np.float32 and np.isfinite(art.exp).all()
    assert 0.0 <= art.jaw[:, 0].min() and art.jaw[:, 0].max() <= 0.35
    assert np.all(art.jaw[:, 1:] == 0.0)
    assert np.abs(np.diff(art.jaw[:, 0])).max() < 0.15  # smooth: no jumps between frames
    assert np.abs(art.exp).max() <= 1.5


def test_jaw_opens_on_open_vowels(spoken) -> None:
    spans, art = spoken
    open_vowels = centers(spans, {"0", "A:", "a", "aI", "V", "oU"})
    assert len(open_vowels) >= 3
    assert np.mean(art.jaw[open_vowels, 0]) > 0.15


def test_lips_close_on_bilabials(spoken) -> None:
    spans, art = spoken
    bilabials = centers(spans, {"m", "b", "p"})
    assert len(bilabials) >= 5
    assert art.exp[bilabials, C["lip_press"]].min() > 0.5
    assert art.jaw[bilabials, 0].max() < 0.09
    assert art.exp[bilabials, C["lips_part"]].max() < 0.15


def test_labiodentals_and_rounding(spoken) -> None:
    spans, art = spoken
    assert art.exp[centers(spans, {"f", "v"}), C["lower_lip_tuck"]].min() > 0.5
    assert art.exp[centers(spans, {"u:"}), C["lip_pucker"]].min() > 0.5


def test_silence_is_closed_and_neutral(spoken) -> None:
    spans, art = spoken
    first = min(p.start_s for p in spans if not p.phoneme.startswith("_"))
    last = max(p.end_s for p in spans if not p.phoneme.startswith("_"))
    quiet = list(range(0, frame_at(first) - 4)) + list(range(frame_at(last) + 4, art.exp.shape[0]))
    assert len(quiet) >= 10
    assert art.jaw[quiet, 0].max() < 0.01
    assert np.abs(art.exp[quiet]).max() < 0.05


def test_louder_vowels_open_wider() -> None:
    spans = [PhonemeSpan("_", 0.0, 0.3, -1), PhonemeSpan("A:", 0.3, 0.5, 0), PhonemeSpan("_:", 0.5, 0.9, 0),
             PhonemeSpan("A:", 0.9, 1.1, 1), PhonemeSpan("_", 1.1, 1.5, 1)]
    rate = 16000
    samples = np.zeros(int(1.5 * rate), np.float32)
    samples[int(0.3 * rate):int(0.5 * rate)] = 0.05
    samples[int(0.9 * rate):int(1.1 * rate)] = 0.3
    art = articulate(spans, n_frames=38, samples=samples, sample_rate=rate)
    assert art.jaw[frame_at(1.0), 0] > art.jaw[frame_at(0.4), 0] + 0.03
    louder = articulate(spans, n_frames=38, samples=samples, sample_rate=rate, gain=1.3)
    assert louder.jaw[frame_at(0.4), 0] > art.jaw[frame_at(0.4), 0]
