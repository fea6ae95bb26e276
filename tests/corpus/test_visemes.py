"""Viseme table and per-frame labels, on real espeak-ng phoneme events."""

from __future__ import annotations

import numpy as np

from deeptalk.corpus.phonemes import PhonemeSpan, espeak
from deeptalk.corpus.sentences import generate_sentences
from deeptalk.corpus.visemes import (PHONEME_VISEMES, VISEME_INDEX, VISEMES, frame_visemes, phoneme_visemes,
                                     viseme_segments)


def test_table_basics() -> None:
    assert VISEMES[0] == "sil" and len(VISEMES) == len(set(VISEMES)) == 15
    for phoneme, viseme in (("m", "PP"), ("b", "PP"), ("p", "PP"), ("f", "FF"), ("v", "FF"), ("u:", "U"),
                            ("w", "U"), ("A:", "aa"), ("i:", "I"), ("S", "CH"), ("_:", "sil")):
        assert phoneme_visemes(phoneme) == (VISEME_INDEX[viseme],), phoneme
    assert phoneme_visemes("aI") == (VISEME_INDEX["aa"], VISEME_INDEX["I"])
    assert phoneme_visemes("'oU") == (VISEME_INDEX["O"], VISEME_INDEX["U"])  # stress mark stripped
    assert all(0 <= v < len(VISEMES) for ids in PHONEME_VISEMES.values() for v in ids)


def test_every_english_phoneme_espeak_emits_is_mapped() -> None:
    engine = espeak()
    seen: set[str] = set()
    for voice in ("en-us", "en", "en-gb-scotland", "en-029"):
        for text in generate_sentences(12, seed=7):
            seen.update(p.phoneme for p in engine.synthesize(text, voice=voice).phonemes)
    unmapped = sorted(p for p in seen if p.strip("'\",%=!") not in PHONEME_VISEMES)
    assert not unmapped, unmapped


def test_frame_labels() -> None:
    spans = [PhonemeSpan("m", 0.10, 0.20, 0), PhonemeSpan("aI", 0.20, 0.40, 0), PhonemeSpan("_:", 0.40, 0.60, 0)]
    labels = frame_visemes(spans, n_frames=20, fps=25.0)
    assert labels.shape == (20,) and labels.dtype == np.int64
    names = [VISEMES[i] for i in labels]
    assert names[:2] == ["sil", "sil"]  # before the first phoneme
    assert names[3:5] == ["PP", "PP"]
    assert names[6] == "aa" and names[9] == "I"  # the diphthong's two halves
    assert set(names[11:]) == {"sil"}
    segments = viseme_segments(spans)
    assert [s.part for s in segments] == [0, 0, 1, 0]
