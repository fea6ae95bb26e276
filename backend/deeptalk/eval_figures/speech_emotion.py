"""The emotion heard in the speech (what the panel shows as "Heard") against the clip's label.

"Heard" is the argmax of the clip's per-second class probabilities averaged over its seconds
(`AnimationResult.emotion_track`, as the add-on's `summarize` reads it). Figures: accuracy
over all clips and per engine, and per engine a confusion matrix whose row `true` holds the
fraction of that class's clips heard as each class
(`heard_confusion@ENGINE:TRUE->HEARD`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from deeptalk.eval_figures.engines import by_engine


def heard_class(track: np.ndarray) -> int:
    """(S, K) per-second probabilities -> the dominant class over the clip (-1 without a track)."""
    track = np.asarray(track, np.float64)
    return int(np.argmax(track.mean(axis=0))) if track.size else -1


def confusion(labels: list[int], heard: list[int], classes: int) -> np.ndarray:
    """(K, K) row-normalised confusion (rows: label, columns: heard); empty rows stay zero."""
    counts = np.zeros((classes, classes), np.float64)
    for label, guess in zip(labels, heard):
        if 0 <= label < classes and 0 <= guess < classes:
            counts[label, guess] += 1
    rows = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)


@dataclass
class HeardCollector:
    emotions: tuple[str, ...]
    labels: list[int] = field(default_factory=list)
    heard: list[int] = field(default_factory=list)
    engines: list[str] = field(default_factory=list)

    def add(self, label: int, engine: str, track: np.ndarray) -> None:
        self.labels.append(int(label))
        self.heard.append(heard_class(track))
        self.engines.append(engine)

    def figures(self) -> dict[str, float]:
        hits = np.asarray(self.labels) == np.asarray(self.heard)
        out = {"speech_emotion_accuracy": float(hits.mean()) if len(hits) else float("nan")}
        for engine, rows in by_engine(self.engines).items():
            out[f"speech_emotion_accuracy@{engine}"] = float(hits[rows].mean())
            matrix = confusion([self.labels[i] for i in rows], [self.heard[i] for i in rows], len(self.emotions))
            for a, true in enumerate(self.emotions):
                for b, guess in enumerate(self.emotions):
                    out[f"heard_confusion@{engine}:{true}->{guess}"] = float(matrix[a, b])
        return out
