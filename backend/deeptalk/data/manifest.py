"""The dataset directory: `dataset.json` (what the dataset is) + `manifest.jsonl` (one clip per line).

See docs/dataset-format.md. `read_dataset(root)` validates both and returns the
`DatasetInfo` and the `ClipRecord`s; paths in records are relative to `root`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

DATASET_FORMAT = 1
SPLITS: tuple[str, ...] = ("train", "val", "test")
INFO_NAME = "dataset.json"
MANIFEST_NAMES = ("manifest.jsonl", "manifest.json")


class ManifestError(ValueError):
    """A dataset description that is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class DatasetInfo:
    emotions: tuple[str, ...]
    fps: float = 25.0
    sample_rate: int = 16000
    source: str = "unknown"
    held_out_sentences: bool = False  # True: no sentence id is shared between splits
    format: int = DATASET_FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.format != DATASET_FORMAT:
            raise ManifestError(f"dataset format {self.format} is not supported (expected {DATASET_FORMAT})")
        if not self.emotions or len(set(self.emotions)) != len(self.emotions):
            raise ManifestError("emotions must be a non-empty list of distinct names")
        if not self.fps > 0 or not self.sample_rate > 0:
            raise ManifestError("fps and sample_rate must be positive")


@dataclass(frozen=True)
class ClipRecord:
    id: str
    audio: str  # path relative to the dataset root
    motion: str  # path relative to the dataset root
    speaker: str
    emotion: str
    intensity: int
    split: str
    sentence: int | None = None
    text: str | None = None
    frames: int | None = None
    duration_s: float | None = None

    def __post_init__(self) -> None:
        if not self.id or "/" in self.id or self.id.startswith("."):
            raise ManifestError(f"bad clip id {self.id!r}")
        if self.split not in SPLITS:
            raise ManifestError(f"clip {self.id}: split must be one of {SPLITS}, got {self.split!r}")
        if not isinstance(self.intensity, int) or not 1 <= self.intensity <= 3:
            raise ManifestError(f"clip {self.id}: intensity must be 1, 2 or 3")
        for name in ("audio", "motion"):
            value = getattr(self, name)
            if not value or Path(value).is_absolute() or ".." in Path(value).parts:
                raise ManifestError(f"clip {self.id}: {name} must be a path inside the dataset, got {value!r}")
        if not self.speaker:
            raise ManifestError(f"clip {self.id}: speaker is empty")


def write_dataset(root: str | os.PathLike[str], info: DatasetInfo, records: Iterable[ClipRecord]) -> None:
    """Write `dataset.json` and `manifest.jsonl` (sorted keys, no timestamps: reproducible bytes)."""
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    rows = list(records)
    check_records(info, rows)
    payload = asdict(info)
    payload["emotions"] = list(info.emotions)
    _atomic_write(base / INFO_NAME, json.dumps(payload, indent=2, sort_keys=True) + "\n")
    lines = [json.dumps(asdict(r), sort_keys=True, ensure_ascii=False) for r in rows]
    _atomic_write(base / MANIFEST_NAMES[0], "".join(line + "\n" for line in lines))


def read_dataset(root: str | os.PathLike[str]) -> tuple[DatasetInfo, list[ClipRecord]]:
    """Read and cross-check `dataset.json` and the manifest of a dataset directory."""
    base = Path(root)
    info_path = base / INFO_NAME
    if not info_path.is_file():
        raise ManifestError(f"{info_path} not found (is {base} a dataset directory?)")
    try:
        raw = json.loads(info_path.read_text(encoding="utf-8"))
        info = DatasetInfo(**{**raw, "emotions": tuple(raw["emotions"])})
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise ManifestError(f"{info_path}: {exc}") from None
    manifest = next((base / n for n in MANIFEST_NAMES if (base / n).is_file()), None)
    if manifest is None:
        raise ManifestError(f"{base} has no {' or '.join(MANIFEST_NAMES)}")
    records = read_manifest(manifest)
    check_records(info, records)
    return info, records


def read_manifest(path: str | os.PathLike[str]) -> list[ClipRecord]:
    """Clip records from a `.jsonl` (one object per line) or `.json` (a list) manifest."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    try:
        if p.suffix == ".jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            rows = json.loads(text)
            rows = rows["clips"] if isinstance(rows, dict) else rows
    except (json.JSONDecodeError, KeyError) as exc:
        raise ManifestError(f"{p}: {exc}") from None
    try:
        return [ClipRecord(**row) for row in rows]
    except TypeError as exc:
        raise ManifestError(f"{p}: {exc}") from None


def check_records(info: DatasetInfo, records: list[ClipRecord]) -> None:
    """Unique ids, known emotions, no speaker in two splits (nor sentence, if `held_out_sentences`)."""
    ids = [r.id for r in records]
    if len(set(ids)) != len(ids):
        raise ManifestError("clip ids are not unique")
    unknown = {r.emotion for r in records} - set(info.emotions)
    if unknown:
        raise ManifestError(f"emotion(s) {sorted(unknown)} are not in dataset.json's emotions")
    for attr in ("speaker", "sentence") if info.held_out_sentences else ("speaker",):
        owner: dict[object, str] = {}
        for r in records:
            key = getattr(r, attr)
            if key is not None and owner.setdefault(key, r.split) != r.split:
                raise ManifestError(f"{attr} {key!r} appears in both {owner[key]} and {r.split}")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
