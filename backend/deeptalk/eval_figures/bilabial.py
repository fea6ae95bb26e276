"""Bilabial closure: do the lips close on m/b/p?

A PP segment (a run of frames labelled viseme PP) counts as closed when its smallest lip
aperture - over the segment and `TOLERANCE_FRAMES` either side, so a closure 40 ms early
or late still counts - is below `CLOSED_FRACTION` of the median aperture over the vowel
frames (aa, E, I, O, U) of the same motion. The figure is the fraction of PP segments closed,
pooled over clips (segments, not frames: one long /m/ must not outweigh three short /b/s).
Clips without vowel frames or PP segments do not count. Measured on the ground truth, the
TH-VQVAE's reconstruction of it and the generated motion (with the lip seal, and without it
where the model has one), plus generated / ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from deeptalk.corpus.visemes import BILABIAL, VISEME_INDEX
from deeptalk.eval_figures.engines import by_engine

PP = BILABIAL
VOWELS = tuple(VISEME_INDEX[name] for name in ("aa", "E", "I", "O", "U"))
CLOSED_FRACTION = 0.25
TOLERANCE_FRAMES = 1
# "generated" is what users get (lip seal on, where the model has one); "generated_unsealed" the
# generator's own motion (`lip_seal`), present only for a model with a seal
SOURCES = ("ground_truth", "thvqvae", "generated", "generated_unsealed")


def segments(labels: np.ndarray, label: int) -> list[tuple[int, int]]:
    """[start, end) runs of `label` in (T,) frame labels."""
    hit = np.concatenate([[False], np.asarray(labels) == label, [False]])
    edges = np.flatnonzero(hit[1:] != hit[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def closed_segments(aperture: np.ndarray, visemes: np.ndarray) -> tuple[int, int]:
    """(closed, total) PP segments of one motion's (T,) aperture (mm) and (T,) viseme labels."""
    t = min(len(aperture), len(visemes))
    aperture, visemes = np.asarray(aperture[:t]), np.asarray(visemes[:t])
    vowel = np.isin(visemes, VOWELS)
    runs = segments(visemes, PP)
    if not vowel.any() or not runs:
        return 0, 0
    limit = CLOSED_FRACTION * float(np.median(aperture[vowel]))
    closed = sum(float(aperture[max(0, a - TOLERANCE_FRAMES):b + TOLERANCE_FRAMES].min()) < limit for a, b in runs)
    return int(closed), len(runs)


@dataclass
class BilabialCollector:
    """Per clip: the viseme labels, the engine and the aperture of each motion source."""

    counts: list[dict[str, tuple[int, int]]] = field(default_factory=list)
    vowel_apertures: list[dict[str, float]] = field(default_factory=list)
    engines: list[str] = field(default_factory=list)

    def add(self, visemes: np.ndarray, engine: str, apertures: dict[str, np.ndarray]) -> None:
        self.counts.append({name: closed_segments(a, visemes) for name, a in apertures.items()})
        vowel = np.isin(visemes[:min(len(visemes), *(len(a) for a in apertures.values()))], VOWELS)
        self.vowel_apertures.append({name: float(np.median(a[:len(vowel)][vowel])) if vowel.any() else np.nan
                                     for name, a in apertures.items()})
        self.engines.append(engine)

    def _figures(self, rows: list[int], suffix: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in SOURCES:
            if name == "generated_unsealed" and not any(name in self.counts[i] for i in rows):
                continue  # a model without a lip seal: its generated motion is the unsealed one
            closed = sum(self.counts[i][name][0] for i in rows if name in self.counts[i])
            total = sum(self.counts[i][name][1] for i in rows if name in self.counts[i])
            out[f"bilabial_closure_{name}{suffix}"] = closed / total if total else float("nan")
            medians = [self.vowel_apertures[i].get(name, np.nan) for i in rows]
            out[f"lip_aperture_vowel_median_mm_{name}{suffix}"] = float(np.nanmedian(medians)) \
                if np.isfinite(medians).any() else float("nan")
        gt_total = sum(self.counts[i]["ground_truth"][1] for i in rows if "ground_truth" in self.counts[i])
        out[f"bilabial_segments{suffix}"] = float(gt_total)
        gt = out[f"bilabial_closure_ground_truth{suffix}"]
        out[f"bilabial_closure_ratio{suffix}"] = out[f"bilabial_closure_generated{suffix}"] / gt \
            if gt > 0 else float("nan")
        return out

    def figures(self) -> dict[str, float]:
        """Pooled figures, and per engine (`...@engine`) when the clips come from several."""
        out = self._figures(list(range(len(self.counts))), "")
        groups = by_engine(self.engines)
        if len(groups) > 1:
            for engine, rows in groups.items():
                out.update(self._figures(rows, f"@{engine}"))
        return out
