"""dataset.json + manifest.jsonl: writing, reading, validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deeptalk.data.manifest import ClipRecord, DatasetInfo, ManifestError, read_dataset, write_dataset


def record(i: int, speaker: str, split: str, sentence: int | None = None, emotion: str = "happy") -> ClipRecord:
    return ClipRecord(id=f"c{i}", audio=f"clips/c{i}.wav", motion=f"clips/c{i}.npz", speaker=speaker,
                      emotion=emotion, intensity=2, split=split, sentence=sentence)


def test_round_trip_and_json_variant(tmp_path: Path) -> None:
    info = DatasetInfo(emotions=("neutral", "happy"), source="unit", held_out_sentences=True, extra={"k": 1})
    rows = [record(0, "a", "train", 1), record(1, "b", "val", 2), record(2, "c", "test", 3)]
    write_dataset(tmp_path, info, rows)
    back_info, back = read_dataset(tmp_path)
    assert back_info == info and back == rows
    first = (tmp_path / "manifest.jsonl").read_bytes()
    write_dataset(tmp_path, info, rows)
    assert (tmp_path / "manifest.jsonl").read_bytes() == first
    (tmp_path / "manifest.jsonl").unlink()  # a .json list of clips works too
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": [r.__dict__ for r in rows]}))
    assert read_dataset(tmp_path)[1] == rows


def test_rejects_leaks_and_bad_records(tmp_path: Path) -> None:
    info = DatasetInfo(emotions=("neutral", "happy"), held_out_sentences=True)
    with pytest.raises(ManifestError, match="speaker"):
        write_dataset(tmp_path, info, [record(0, "a", "train"), record(1, "a", "test")])
    with pytest.raises(ManifestError, match="sentence"):
        write_dataset(tmp_path, info, [record(0, "a", "train", 5), record(1, "b", "test", 5)])
    relaxed = DatasetInfo(emotions=("neutral", "happy"))  # e.g. MEAD: actors read the same sentences
    write_dataset(tmp_path, relaxed, [record(0, "a", "train", 5), record(1, "b", "test", 5)])
    with pytest.raises(ManifestError, match="emotion"):
        write_dataset(tmp_path, info, [record(0, "a", "train", emotion="bored")])
    with pytest.raises(ManifestError, match="unique"):
        write_dataset(tmp_path, info, [record(0, "a", "train"), record(0, "a", "train")])
    for bad in ({"split": "dev"}, {"intensity": 4}, {"audio": "../x.wav"}, {"audio": "/abs.wav"}, {"id": "a/b"}):
        with pytest.raises(ManifestError):
            ClipRecord(**{**record(0, "a", "train").__dict__, **bad})


def test_missing_or_malformed(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="not found"):
        read_dataset(tmp_path)
    (tmp_path / "dataset.json").write_text('{"emotions": ["a"], "format": 1}')
    with pytest.raises(ManifestError, match="manifest"):
        read_dataset(tmp_path)
    (tmp_path / "manifest.jsonl").write_text('{"id": "x"}\n')
    with pytest.raises(ManifestError):
        read_dataset(tmp_path)
    (tmp_path / "dataset.json").write_text('{"emotions": ["a"], "format": 9}')
    with pytest.raises(ManifestError, match="format"):
        read_dataset(tmp_path)
