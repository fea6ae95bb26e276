"""festival synthesis: segment timings aligned to the audio, prosody, determinism, errors (real festival)."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.cmu_phones import CMU_TO_ESPEAK
from deeptalk.corpus.festival import synthesize
from deeptalk.corpus.italian_phones import ITALIAN_TO_ESPEAK
from deeptalk.corpus.phonemes import Prosody
from deeptalk.corpus.visemes import PHONEME_VISEMES, SILENCE, phoneme_visemes

VOICES = ("kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts")
SENTENCE = "Maybe the jolly fox thought about a big yellow shoe."


def median_f0(x: np.ndarray, rate: int) -> float:
    """Median autocorrelation pitch (Hz) of the voiced 40 ms frames."""
    n, hop, out = rate // 25, rate // 100, []
    loud = 0.1 * np.sqrt(np.mean(x.astype(np.float64) ** 2))
    for i in range(0, len(x) - n, hop):
        seg = x[i:i + n].astype(np.float64) - x[i:i + n].mean()
        if np.sqrt(np.mean(seg ** 2)) < loud:
            continue
        ac = np.correlate(seg, seg, "full")[n - 1:]
        lag = rate // 400 + int(np.argmax(ac[rate // 400:rate // 60]))
        if ac[lag] > 0.4 * ac[0]:
            out.append(rate / lag)
    return float(np.median(out))


def voiced_region(x: np.ndarray, rate: int) -> tuple[float, float]:
    """First and last time (s) where the 10 ms RMS exceeds 5% of its maximum."""
    hop = rate // 100
    frames = np.sqrt(np.mean(x[: len(x) // hop * hop].reshape(-1, hop).astype(np.float64) ** 2, axis=1))
    loud = np.flatnonzero(frames > 0.05 * frames.max())
    return loud[0] * hop / rate, (loud[-1] + 1) * hop / rate


@pytest.mark.parametrize("voice", VOICES)
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
    assert spans[0].phoneme == "_" and speech[0].phoneme == "m"  # "Maybe"
    assert [p.word for p in speech][-1] == len(SENTENCE.split()) - 1  # word indices from SylStructure
    assert all(p.phoneme in PHONEME_VISEMES for p in spans)
    assert all(phoneme_visemes(p.phoneme) != (SILENCE,) for p in speech)


def test_every_emitted_phone_has_a_viseme() -> None:
    sentences = ("Which huge thing is the usual measure of joy?", "Judge the rhythm, then keep going, Ohio boy.",
                 "Little bottles of water, a button and a cow's ear.", "Azure vision: thirty zebras chewing oysters.")
    seen = set()
    for voice in VOICES:
        for text in sentences:
            seen |= {p.phoneme for p in synthesize(text, voice=voice).phonemes}
    assert seen <= set(CMU_TO_ESPEAK.values()) and seen <= set(PHONEME_VISEMES)
    assert len(seen) >= 35  # the sentences reach most of the inventory


@pytest.mark.parametrize("voice", ("kal_diphone", "cmu_us_slt_arctic_hts"))
def test_prosody_changes_duration_and_pitch(voice: str) -> None:
    base = synthesize(SENTENCE, voice=voice)
    slow = synthesize(SENTENCE, voice=voice, prosody=Prosody(rate_wpm=110))
    high = synthesize(SENTENCE, voice=voice, prosody=Prosody(pitch=80))
    assert slow.duration_s > 1.3 * base.duration_s
    assert median_f0(high.samples, high.sample_rate) > 1.25 * median_f0(base.samples, base.sample_rate)


def test_deterministic_and_errors() -> None:
    one = synthesize(SENTENCE, voice="kal_diphone", prosody=Prosody(pitch=60))
    two = synthesize(SENTENCE, voice="kal_diphone", prosody=Prosody(pitch=60))
    assert one.samples.tobytes() == two.samples.tobytes() and one.phonemes == two.phonemes
    quoted = synthesize('She said "no" \\ then left.', voice="kal_diphone")
    assert len(quoted.phonemes) > 5
    with pytest.raises(ValueError, match="empty"):
        synthesize("  ", voice="kal_diphone")
    with pytest.raises(ValueError, match="festival voice"):
        synthesize("hi", voice="kal diphone)")
    with pytest.raises(RuntimeError, match="festival has no voice .no_such_voice."):
        synthesize("hi", voice="no_such_voice")


ITALIAN = "Mamma mia, il bambino ha portato un vaso di fiori blu sul ponte."


@pytest.mark.parametrize("voice", ("lp_diphone", "pc_diphone"))
def test_italian_voices_speak_italian_with_aligned_italian_phones(voice: str) -> None:
    synth = synthesize(ITALIAN, voice=voice)
    spans = synth.phonemes
    speech = [p for p in spans if p.phoneme != "_"]
    assert len(speech) > 30 and synth.sample_rate == 16000
    assert all(a.end_s <= b.start_s + 1e-9 and a.start_s < a.end_s for a, b in zip(spans, spans[1:]))
    start, end = voiced_region(synth.samples, synth.sample_rate)
    assert abs(speech[0].start_s - start) < 0.08 and abs(speech[-1].end_s - end) < 0.15
    assert [p.phoneme for p in speech[:5]] == ["m", "a", "m", "m", "a"]  # "Mamma": a geminate is two m
    assert {p.phoneme for p in spans} <= set(ITALIAN_TO_ESPEAK.values())
    assert [p.word for p in speech][-1] == len(ITALIAN.split()) - 1


@pytest.mark.parametrize("voice", ("lp_diphone", "pc_diphone"))
def test_italian_voices_follow_rate_pitch_and_range(voice: str) -> None:
    base = synthesize(ITALIAN, voice=voice)
    slow = synthesize(ITALIAN, voice=voice, prosody=Prosody(rate_wpm=110))
    high = synthesize(ITALIAN, voice=voice, prosody=Prosody(pitch=80))
    low = synthesize(ITALIAN, voice=voice, prosody=Prosody(pitch=20))
    assert slow.duration_s > 1.3 * base.duration_s
    f0 = median_f0(base.samples, base.sample_rate)
    assert median_f0(high.samples, high.sample_rate) > 1.25 * f0 > 1.25 ** 2 * median_f0(low.samples, low.sample_rate)
