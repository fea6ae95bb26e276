"""Speaker-disjoint splits."""

from __future__ import annotations

import pytest

from deeptalk.data.manifest import ClipRecord
from deeptalk.data.splits import (MEAD_TEST, MEAD_VAL, is_speaker_disjoint, mead_split, speaker_split,
                                  summary)


def test_mead_split_matches_deeptalk() -> None:
    assert len(MEAD_VAL) == 7 and len(MEAD_TEST) == 8 and not set(MEAD_VAL) & set(MEAD_TEST)
    assert mead_split("M003") == "train" and mead_split("W029") == "train"
    assert mead_split("M033") == "val" and mead_split("W040") == "test"


def test_seeded_speaker_split() -> None:
    speakers = [f"s{i}" for i in range(10)] * 3
    split = speaker_split(speakers, val=2, test=3, seed=1)
    assert split == speaker_split(reversed(speakers), val=2, test=3, seed=1)
    assert sorted(split.values()).count("val") == 2 and list(split.values()).count("test") == 3
    assert speaker_split(speakers, val=2, test=3, seed=2) != split
    with pytest.raises(ValueError):
        speaker_split(["a", "b"], val=1, test=1)


def test_disjoint_check_and_summary() -> None:
    def rec(i: int, speaker: str, split: str) -> ClipRecord:
        return ClipRecord(id=f"c{i}", audio="a.wav", motion="a.npz", speaker=speaker, emotion="sad",
                          intensity=1, split=split, duration_s=30.0)

    good = [rec(0, "a", "train"), rec(1, "a", "train"), rec(2, "b", "val"), rec(3, "c", "test")]
    assert is_speaker_disjoint(good)
    assert not is_speaker_disjoint(good + [rec(4, "a", "test")])
    table = summary(iter(good))
    assert table["train"] == {"clips": 2, "minutes": 1.0, "speakers": ["a"], "emotions": {"sad": 2}}
