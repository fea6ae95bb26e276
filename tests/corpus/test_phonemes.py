"""libespeak-ng phoneme events through ctypes: real synthesis, real timings."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.phonemes import EspeakError, Prosody, espeak


def speech_phonemes(synth) -> list[str]:
    return [p.phoneme for p in synth.phonemes if not p.phoneme.startswith("_")]


def test_known_sentence_phonemes_and_timing() -> None:
    synth = espeak().synthesize("Hello there, my brave friend.", voice="en-us")
    assert synth.sample_rate == 22050
    assert speech_phonemes(synth) == ["h", "@", "l", "oU", "D", "e@", "m", "aI", "b", "r", "eI", "v",
                                      "f", "r", "E", "n", "d"]
    spans = synth.phonemes
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in zip(spans, spans[1:]))  # contiguous
    assert spans[0].start_s < 0.05 and spans[-1].end_s == pytest.approx(synth.duration_s)
    assert 1.0 < synth.duration_s < 3.0
    words = [p.word for p in spans if not p.phoneme.startswith("_")]
    assert words == sorted(words) and words[0] == 0 and words[-1] == 4  # five words, in order


def test_phoneme_timings_align_with_the_audio() -> None:
    """Vowels are loud and the pause after the comma is quiet in the very samples returned."""
    synth = espeak().synthesize("Mama, pass the papaya.", voice="en-us")
    x, sr = synth.samples, synth.sample_rate

    def level(span) -> float:
        a, b = int(span.start_s * sr), int(span.end_s * sr)
        return float(np.sqrt(np.mean(x[a:b] ** 2)))

    vowels = [p for p in synth.phonemes if p.phoneme in ("A:", "a", "@", "aI", "a#", "V")]
    pauses = [p for p in synth.phonemes if p.phoneme == "_:" and p.end_s - p.start_s > 0.05]
    closures = [p for p in synth.phonemes if p.phoneme in ("p",)]
    assert vowels and pauses and closures
    assert min(level(v) for v in vowels) > 5 * max(level(p) for p in pauses)
    assert np.median([level(v) for v in vowels]) > 3 * np.median([level(p) for p in closures])


def test_prosody_changes_rate_and_calls_are_independent() -> None:
    engine = espeak()
    slow = engine.synthesize("The quick brown fox jumps over the lazy dog.", prosody=Prosody(rate_wpm=120))
    fast = engine.synthesize("The quick brown fox jumps over the lazy dog.", prosody=Prosody(rate_wpm=260))
    again = engine.synthesize("The quick brown fox jumps over the lazy dog.", prosody=Prosody(rate_wpm=120))
    assert slow.duration_s > 1.5 * fast.duration_s
    assert np.array_equal(slow.samples, again.samples) and slow.phonemes == again.phonemes


def test_ssml_prosody_keeps_the_phonemes() -> None:
    engine = espeak()
    plain = engine.synthesize("Our cow found a loud mouse.", voice="en+f3")
    marked = engine.synthesize('Our cow found <prosody pitch="+50%">a loud mouse.</prosody>', voice="en+f3", ssml=True)
    assert speech_phonemes(plain) == speech_phonemes(marked)


def test_errors() -> None:
    with pytest.raises(EspeakError):
        espeak().synthesize("hello", voice="xx-nonexistent")
    with pytest.raises(ValueError):
        espeak().synthesize("   ")
    with pytest.raises(ValueError):
        Prosody(pitch=120)
