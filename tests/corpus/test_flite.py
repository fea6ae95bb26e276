"""flite synthesis: segment timings aligned to the audio, prosody, determinism, errors (real flite)."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.cmu_phones import CMU_TO_ESPEAK
from deeptalk.corpus.flite import FLITE_F0_HZ, synthesize
from deeptalk.corpus.phonemes import Prosody
from deeptalk.corpus.visemes import PHONEME_VISEMES, SILENCE, phoneme_visemes
from test_festival import median_f0, voiced_region

SENTENCE = "Maybe the jolly fox thought about a big yellow shoe."


@pytest.mark.parametrize("voice", sorted(FLITE_F0_HZ))
def test_timings_are_increasing_and_align_with_the_audio(voice: str) -> None:
    synth = synthesize(SENTENCE, voice=voice)
    spans = synth.phonemes
    assert len(spans) > 20 and np.isfinite(synth.samples).all() and np.abs(synth.samples).max() > 0.05
    assert all(a.end_s <= b.start_s + 1e-9 and a.start_s < a.end_s for a, b in zip(spans, spans[1:]))
    assert spans[-1].end_s <= synth.duration_s + 1e-9
    speech = [p for p in spans if p.phoneme != "_"]
    start, end = voiced_region(synth.samples, synth.sample_rate)
    assert abs(speech[0].start_s - start) < 0.08, (speech[0], start)
    assert abs(speech[-1].end_s - end) < 0.12, (speech[-1], end)
    assert spans[0].phoneme == "_" and speech[0].phoneme == "m"
    assert all(p.phoneme in PHONEME_VISEMES for p in spans)
    assert all(phoneme_visemes(p.phoneme) != (SILENCE,) for p in speech)


def test_every_emitted_phone_has_a_viseme() -> None:
    sentences = ("Which huge thing is the usual measure of joy?", "Judge the rhythm, then keep going, Ohio boy.",
                 "Little bottles of water, a button and a cow's ear.", "Azure vision: thirty zebras chewing oysters.")
    seen = set()
    for voice in FLITE_F0_HZ:
        for text in sentences:
            seen |= {p.phoneme for p in synthesize(text, voice=voice).phonemes}
    assert seen <= set(CMU_TO_ESPEAK.values()) and seen <= set(PHONEME_VISEMES)
    assert len(seen) >= 35


@pytest.mark.parametrize("voice", ("kal16", "slt", "awb"))
def test_prosody_changes_duration_and_pitch(voice: str) -> None:
    base = synthesize(SENTENCE, voice=voice)
    slow = synthesize(SENTENCE, voice=voice, prosody=Prosody(rate_wpm=110))
    high = synthesize(SENTENCE, voice=voice, prosody=Prosody(pitch=80))
    assert slow.duration_s > 1.3 * base.duration_s
    assert median_f0(high.samples, high.sample_rate) > 1.25 * median_f0(base.samples, base.sample_rate)


def test_deterministic_and_errors() -> None:
    for voice in ("kal16", "slt"):
        one = synthesize(SENTENCE, voice=voice, prosody=Prosody(pitch=60, rate_wpm=140))
        two = synthesize(SENTENCE, voice=voice, prosody=Prosody(pitch=60, rate_wpm=140))
        assert one.samples.tobytes() == two.samples.tobytes() and one.phonemes == two.phonemes
    with pytest.raises(ValueError, match="empty"):
        synthesize(" ", voice="slt")
    with pytest.raises(ValueError, match="flite voice"):
        synthesize("hi", voice="nobody")
