"""Which synthesis engine spoke each clip of a dataset.

Order of evidence: the dataset's `extra["engines"]` ({speaker: engine} or {engine: [speakers]}),
else the corpus voice table (`Voice.engine`, "espeak-ng" where the table has no such field),
else "unknown" for speakers the table does not know (e.g. MEAD actors).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deeptalk.data.manifest import read_dataset

DEFAULT_ENGINE = "espeak-ng"


def speaker_engines(extra: Mapping[str, Any]) -> dict[str, str]:
    """{speaker: engine} from a dataset's `extra["engines"]` in either accepted shape."""
    table = extra.get("engines") if isinstance(extra, Mapping) else None
    out: dict[str, str] = {}
    if not isinstance(table, Mapping):
        return out
    for key, value in table.items():
        if isinstance(value, str):
            out[str(key)] = value
        elif isinstance(value, (list, tuple)):
            out.update({str(speaker): str(key) for speaker in value})
    return out


def engine_of_speaker(speaker: str, table: Mapping[str, str]) -> str:
    if speaker in table:
        return table[speaker]
    from deeptalk.corpus.voices import VOICE_BY_NAME

    voice = VOICE_BY_NAME.get(speaker)
    return str(getattr(voice, "engine", DEFAULT_ENGINE)) if voice is not None else "unknown"


def clip_engines(dataset: str | Path, split: str | None = None) -> dict[str, str]:
    """{clip id: engine} for every clip of the dataset (of one split), in manifest order."""
    info, records = read_dataset(Path(dataset))
    table = speaker_engines(info.extra)
    return {r.id: engine_of_speaker(r.speaker, table) for r in records if split is None or r.split == split}


def by_engine(engines: list[str]) -> dict[str, list[int]]:
    """{engine: indices} of a list of per-clip engines (sorted by engine name)."""
    groups: dict[str, list[int]] = {}
    for i, engine in enumerate(engines):
        groups.setdefault(engine, []).append(i)
    return dict(sorted(groups.items()))
