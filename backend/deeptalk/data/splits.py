"""Speaker-disjoint splits: MEAD's actor split (as in DEEPTalk) and a seeded split for any speaker set."""

from __future__ import annotations

import random
from collections import Counter
from typing import Iterable

from deeptalk.data.manifest import SPLITS, ClipRecord

# DEEPTalk's MEAD split by actor; every other actor trains.
MEAD_VAL: tuple[str, ...] = ("M032", "M033", "M034", "M035", "W033", "W035", "W036")
MEAD_TEST: tuple[str, ...] = ("M037", "M039", "M040", "M041", "M042", "W037", "W038", "W040")


def mead_split(actor: str) -> str:
    """`train`, `val` or `test` for a MEAD actor id such as `M003`."""
    if actor in MEAD_VAL:
        return "val"
    if actor in MEAD_TEST:
        return "test"
    return "train"


def speaker_split(speakers: Iterable[str], *, val: int, test: int, seed: int = 0) -> dict[str, str]:
    """Assign whole speakers to splits: `val` and `test` speakers drawn with `seed`, the rest train."""
    unique = sorted(set(speakers))
    names = list(unique)
    if val < 0 or test < 0 or val + test >= len(names):
        raise ValueError(f"cannot hold out {val} + {test} of {len(names)} speakers and keep some for training")
    random.Random(seed).shuffle(names)
    held_val, held_test = set(names[:val]), set(names[val:val + test])
    return {s: "val" if s in held_val else "test" if s in held_test else "train" for s in unique}


def speakers_by_split(records: Iterable[ClipRecord]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {split: set() for split in SPLITS}
    for r in records:
        out[r.split].add(r.speaker)
    return out


def is_speaker_disjoint(records: Iterable[ClipRecord]) -> bool:
    groups = list(speakers_by_split(records).values())
    return all(not (a & b) for i, a in enumerate(groups) for b in groups[i + 1:])


def summary(records: Iterable[ClipRecord]) -> dict[str, dict[str, object]]:
    """Per split: clip count, minutes, speakers, and clips per emotion."""
    out: dict[str, dict[str, object]] = {}
    everything = list(records)
    for split in SPLITS:
        rows = [r for r in everything if r.split == split]
        out[split] = {
            "clips": len(rows),
            "minutes": round(sum(r.duration_s or 0.0 for r in rows) / 60.0, 2),
            "speakers": sorted({r.speaker for r in rows}),
            "emotions": dict(sorted(Counter(r.emotion for r in rows).items())),
        }
    return out
