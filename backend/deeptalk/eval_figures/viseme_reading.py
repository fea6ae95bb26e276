"""Which mouth shapes the lip-reader can read: frame accuracy per viseme class.

The lip-reading error is one number; this says where it comes from. For each viseme class, the
share of its frames (by the corpus timings) that the frozen lip-reader labels correctly, on the
ground truth, the TH-VQVAE's reconstruction and the generated motion. A class the prior already
loses (tongue shapes such as TH, whose vertex effect is small) is the prior's to fix; one the prior
keeps and the generated motion loses (PP, FF, the vowels) is the generator's.
Figures: `viseme_accuracy_<source>` over all labelled frames and `viseme_accuracy_<source>:<class>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from deeptalk.corpus.visemes import VISEMES

SOURCES = ("ground_truth", "thvqvae", "generated")


@dataclass
class VisemeReadingCollector:
    """Per source: (classes, 2) counts of correctly read and labelled frames."""

    counts: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, visemes: np.ndarray, readings: dict[str, np.ndarray]) -> None:
        """(T,) viseme labels (negative: unlabelled) and, per source, the lip-reader's (T',) argmax labels."""
        for source, guess in readings.items():
            t = min(len(visemes), len(guess))
            truth, guess = np.asarray(visemes[:t]), np.asarray(guess[:t])
            labelled = (truth >= 0) & (truth < len(VISEMES))
            table = self.counts.setdefault(source, np.zeros((len(VISEMES), 2), np.int64))
            np.add.at(table[:, 0], truth[labelled & (guess == truth)], 1)
            np.add.at(table[:, 1], truth[labelled], 1)

    def figures(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for source, table in self.counts.items():
            total = int(table[:, 1].sum())
            out[f"viseme_accuracy_{source}"] = float(table[:, 0].sum() / total) if total else float("nan")
            for index, name in enumerate(VISEMES):
                if table[index, 1]:
                    out[f"viseme_accuracy_{source}:{name}"] = float(table[index, 0] / table[index, 1])
        return out
