"""Visemes: the 15 visible mouth classes, and espeak-ng phonemes -> viseme ids.

`VISEMES` follows the common 15-class set (silence, 10 consonant groups, 5 vowel
groups); index 0 is silence. `PHONEME_VISEMES` maps the phoneme mnemonics that the
English espeak-ng voices deliver in their phoneme events (stress marks removed) to
one viseme, or two for diphthongs (first half, second half). Each corpus clip stores
per-frame labels from `frame_visemes` as `visemes (T,) int`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from deeptalk.corpus.phonemes import PAUSE_PHONEMES, PhonemeSpan

VISEMES: tuple[str, ...] = (
    "sil",  # 0  silence, mouth at rest
    "PP",   # 1  p b m        lips closed
    "FF",   # 2  f v          lower lip to upper teeth
    "TH",   # 3  th (thin, this)  tongue between teeth
    "DD",   # 4  t d          tongue tip up, mouth slightly open
    "kk",   # 5  k g ng h     back of tongue, mouth slightly open
    "CH",   # 6  ch j sh zh   lips flared forward
    "SS",   # 7  s z          teeth close, lips slightly spread
    "nn",   # 8  n l          tongue up, relaxed lips
    "RR",   # 9  r            lips slightly rounded
    "aa",   # 10 a, ah, u in cup   open jaw
    "E",    # 11 e, schwa, er     mid-open
    "I",    # 12 i, ee, y         spread lips
    "O",    # 13 o, aw            rounded, mid-open
    "U",    # 14 oo, w            tightly rounded
)
VISEME_INDEX: dict[str, int] = {name: i for i, name in enumerate(VISEMES)}
BILABIAL: int = VISEME_INDEX["PP"]  # p b m: the lips meet (closure terms, lip seal, closure figure)
SILENCE = 0

_GROUPS: dict[str, tuple[str, ...]] = {
    "PP": ("p", "b", "m", "m-"),
    "FF": ("f", "v"),
    "TH": ("T", "D"),
    "DD": ("t", "d", "t#", "t[", "d#", "t2", "d2"),
    "kk": ("k", "g", "N", "h", "x", "?", "n^"),
    "CH": ("S", "Z", "tS", "dZ", "S;", "Z;"),
    "SS": ("s", "z"),
    "nn": ("n", "l", "n-", "l/", "L", "l^"),
    "RR": ("r", "r-", "R", "*", "r/"),
    "aa": ("a", "A:", "A", "aa", "a#", "a2", "V", "A@", "A#"),
    "E": ("e", "E", "e@", "@", "@2", "@5", "@-", "3", "3:", "E2", "E@", "e#"),
    "I": ("i", "i:", "I", "I2", "I#", "i#", "j", ";"),
    "O": ("0", "O:", "O", "O@", "O2", "o@", "o", "0#", "o:"),
    "U": ("u:", "U", "u", "w", "w#", "U2", "u#"),
}
_DIPHTHONGS: dict[str, tuple[str, str]] = {
    "aI": ("aa", "I"), "aI@": ("aa", "I"), "aI2": ("aa", "I"), "aI3": ("aa", "I"), "aI#": ("aa", "I"),
    "aU": ("aa", "U"), "aU@": ("aa", "U"), "eI": ("E", "I"), "OI": ("O", "I"), "oU": ("O", "U"),
    "oU#": ("O", "U"), "@U": ("E", "U"), "i@": ("I", "E"), "i@3": ("I", "E"), "I@": ("I", "E"),
    "U@": ("U", "E"), "@L": ("E", "nn"), "VR": ("aa", "RR"), "IR": ("I", "RR"), "3R": ("E", "RR"),
    "eR": ("E", "RR"), "UR": ("U", "RR"), "AR": ("aa", "RR"), "OR": ("O", "RR"),
}

PHONEME_VISEMES: dict[str, tuple[int, ...]] = {
    **{p: (VISEME_INDEX[group],) for group, members in _GROUPS.items() for p in members},
    **{p: (VISEME_INDEX[a], VISEME_INDEX[b]) for p, (a, b) in _DIPHTHONGS.items()},
    **{p: (SILENCE,) for p in PAUSE_PHONEMES},
}

_STRESS_MARKS = "'\",%=!"
_VOWEL_FALLBACK = {"a": "aa", "A": "aa", "V": "aa", "e": "E", "E": "E", "@": "E", "3": "E",
                   "i": "I", "I": "I", "o": "O", "O": "O", "0": "O", "u": "U", "U": "U"}


def phoneme_visemes(phoneme: str) -> tuple[int, ...]:
    """Viseme id(s) of an espeak-ng mnemonic; unknown ones fall back by their first letter."""
    key = phoneme.strip(_STRESS_MARKS)
    if key in PHONEME_VISEMES:
        return PHONEME_VISEMES[key]
    if not key or key[0] in "_|":
        return (SILENCE,)
    return (VISEME_INDEX[_VOWEL_FALLBACK.get(key[0], "DD")],)


@dataclass(frozen=True)
class VisemeSegment:
    """A span of one viseme (a diphthong gives two segments)."""

    viseme: int
    start_s: float
    end_s: float
    phoneme: str
    part: int  # 0 = whole or first half, 1 = second half of a diphthong


def viseme_segments(phonemes: Sequence[PhonemeSpan]) -> list[VisemeSegment]:
    """Split phoneme spans into viseme segments (diphthongs into two halves)."""
    out: list[VisemeSegment] = []
    for span in phonemes:
        ids = phoneme_visemes(span.phoneme)
        step = (span.end_s - span.start_s) / len(ids)
        for part, viseme in enumerate(ids):
            out.append(VisemeSegment(viseme=viseme, start_s=span.start_s + part * step,
                                     end_s=span.start_s + (part + 1) * step, phoneme=span.phoneme, part=part))
    return out


def frame_visemes(phonemes: Sequence[PhonemeSpan], n_frames: int, fps: float = 25.0) -> np.ndarray:
    """(T,) int64 label per frame: the viseme covering most of `[t - 0.5/fps, t + 0.5/fps)`, t = k / fps.

    Time not covered by any phoneme (before the first, after the last) counts as silence.
    """
    labels = np.zeros(n_frames, dtype=np.int64)  # (T,)
    segments = viseme_segments(phonemes)
    if not segments or n_frames <= 0:
        return labels
    starts = np.array([s.start_s for s in segments])  # (N,)
    ends = np.array([s.end_s for s in segments])  # (N,)
    ids = np.array([s.viseme for s in segments], dtype=np.int64)  # (N,)
    centers = np.arange(n_frames) / fps  # (T,)
    low, high = centers - 0.5 / fps, centers + 0.5 / fps  # (T,)
    overlap = np.minimum(high[:, None], ends[None]) - np.maximum(low[:, None], starts[None])  # (T, N)
    overlap = np.maximum(overlap, 0.0)
    best = overlap.argmax(axis=1)  # (T,)
    uncovered = 1.0 / fps - overlap.sum(axis=1)  # (T,) time with no phoneme counts as silence
    covered = overlap.max(axis=1) > uncovered
    labels[covered] = ids[best[covered]]
    return labels
