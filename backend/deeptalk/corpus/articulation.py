"""Phoneme timings -> lip, tongue and jaw motion in the corpus's semantic channels, co-articulated.

Each viseme segment has an articulatory target (jaw opening in radians and lip
components) and a dominance: how strongly it holds each channel. Dominance is 1 over
the segment's core and falls off as exp(-(d / tau)^2) with the time distance d outside
it (anticipation reaches further back than carry-over), in the spirit of Cohen and
Massaro's co-articulation model. A channel's value at time t is the
dominance-weighted mean of all targets, so bilabials (very dominant on the lips) close
the mouth even between open vowels, while weak consonants (t, n, k) take the shape of
their neighbours. Vowel openness is scaled by the segment's loudness (stress) and by
an emotion gain. The track is computed on a 200 Hz grid, lightly smoothed and
box-averaged to the frame rate (frame k sits at time k / fps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.ndimage import gaussian_filter1d

from deeptalk.corpus.basis_map import SEMANTIC_DIM, SEMANTIC_INDEX, project
from deeptalk.corpus.phonemes import PhonemeSpan
from deeptalk.corpus.visemes import VISEME_INDEX, VisemeSegment, viseme_segments

GRID_HZ = 200.0
CHANNELS: tuple[str, ...] = ("jaw", "lips_part", "lip_press", "lip_pucker", "lip_stretch",
                             "lower_lip_tuck", "upper_lip_raise", "lip_funnel", "lower_lip_depress",
                             "tongue_up", "tongue_back")  # the tongue shows on heads that have one
_CH = {name: i for i, name in enumerate(CHANNELS)}
_OPENING = ("jaw", "lips_part", "lower_lip_depress")  # channels scaled by loudness and emotion gain


@dataclass(frozen=True)
class Target:
    """Articulatory target of one viseme and its dominance on the jaw and on the lips."""

    values: dict[str, float]
    jaw_dominance: float
    lip_dominance: float


TARGETS: dict[str, Target] = {
    "sil": Target({}, 1.0, 1.0),
    # bilabials seal the lips: the jaw closes (very dominant) and the lips press and roll together,
    # so m/b/p close even between open vowels (with dominance 4 / 8 and no lips_part target the
    # stand-ins' lips stayed ~6 mm apart on 57 % of them)
    "PP": Target({"jaw": 0.0, "lip_press": 0.85, "lips_part": -0.3}, 12.0, 10.0),
    "FF": Target({"jaw": 0.04, "lower_lip_tuck": 0.85, "upper_lip_raise": 0.25}, 3.0, 6.0),
    "TH": Target({"jaw": 0.07, "lips_part": 0.35, "tongue_up": 0.35}, 2.0, 1.5),
    "DD": Target({"jaw": 0.06, "lips_part": 0.3, "tongue_up": 0.8}, 1.5, 0.6),
    "kk": Target({"jaw": 0.09, "lips_part": 0.3, "tongue_back": 0.7}, 1.0, 0.5),
    "CH": Target({"jaw": 0.05, "lip_funnel": 0.75, "lip_pucker": 0.35, "lips_part": 0.3}, 2.5, 4.0),
    "SS": Target({"jaw": 0.03, "lip_stretch": 0.3, "lips_part": 0.25}, 2.5, 2.0),
    "nn": Target({"jaw": 0.07, "lips_part": 0.25, "tongue_up": 0.7}, 1.0, 0.5),
    "RR": Target({"jaw": 0.07, "lip_pucker": 0.45, "lip_funnel": 0.25, "lips_part": 0.2}, 1.0, 3.0),
    "aa": Target({"jaw": 0.27, "lips_part": 0.55, "lower_lip_depress": 0.25}, 3.0, 2.0),
    "E": Target({"jaw": 0.15, "lips_part": 0.45, "lip_stretch": 0.2}, 2.5, 1.5),
    "I": Target({"jaw": 0.08, "lips_part": 0.35, "lip_stretch": 0.55}, 2.0, 2.5),
    "O": Target({"jaw": 0.19, "lips_part": 0.4, "lip_pucker": 0.5, "lip_funnel": 0.3}, 2.5, 3.0),
    "U": Target({"jaw": 0.08, "lips_part": 0.25, "lip_pucker": 0.85}, 2.0, 4.0),
}

# Jaw opening (radians) of individual vowels where it differs from their viseme's.
VOWEL_JAW: dict[str, float] = {
    "@": 0.09, "@2": 0.08, "@5": 0.08, "3": 0.11, "3:": 0.13, "a#": 0.18, "V": 0.21, "A:": 0.30,
    "A@": 0.29, "aa": 0.30, "a": 0.26, "0": 0.24, "O:": 0.22, "O@": 0.21, "o@": 0.2, "e": 0.16,
    "E": 0.18, "i": 0.07, "i:": 0.06, "I": 0.09, "I2": 0.08, "u:": 0.07, "U": 0.10,
    "w": 0.04, "j": 0.05, ";": 0.05,
}
_VOWEL_VISEMES = frozenset(VISEME_INDEX[v] for v in ("aa", "E", "I", "O", "U"))
# fall-off (s) of dominance before / after a segment's core: anticipation reaches further
# than carry-over, and the heavy jaw moves more slowly than the lips
_TAU_JAW = (0.07, 0.05)
_TAU_LIPS = (0.045, 0.03)
_CORE, _PAUSE_CORE = 0.3, 0.8  # fraction of a segment (each side of its centre) at full dominance
_REST_DOMINANCE = 0.02


@dataclass(frozen=True)
class Articulation:
    """Lip, tongue and jaw motion: `semantic (T, 52)` channels (`corpus.basis_map`) and `jaw (T, 3)`
    axis-angle; `exp` is the semantic track in head v1's basis."""

    semantic: np.ndarray
    jaw: np.ndarray

    @property
    def exp(self) -> np.ndarray:
        return project(self.semantic, "standin-v1")


def _target_matrix(segments: Sequence[VisemeSegment]) -> tuple[np.ndarray, np.ndarray]:
    """(N, C) targets and (N, C) peak dominances of the segments."""
    names = list(VISEME_INDEX)
    values = np.zeros((len(segments), len(CHANNELS)))  # (N, C)
    dominance = np.zeros_like(values)  # (N, C)
    for i, seg in enumerate(segments):
        target = TARGETS[names[seg.viseme]]
        for channel, value in target.values.items():
            values[i, _CH[channel]] = value
        if seg.viseme in _VOWEL_VISEMES and seg.part == 0 and seg.phoneme in VOWEL_JAW:
            values[i, _CH["jaw"]] = VOWEL_JAW[seg.phoneme]
        dominance[i] = target.lip_dominance
        dominance[i, _CH["jaw"]] = target.jaw_dominance
        if seg.viseme == 0:  # pauses: a short gap between words barely closes the mouth
            dominance[i] *= float(np.clip((seg.end_s - seg.start_s - 0.04) / 0.16, 0.05, 1.0))
    return values, dominance


def _segment_gains(segments: Sequence[VisemeSegment], samples: np.ndarray | None,
                   sample_rate: int) -> np.ndarray:
    """(N,) opening gain per segment: louder (stressed) vowels open wider, in [0.75, 1.25]."""
    gains = np.ones(len(segments))
    if samples is None or len(samples) == 0:
        return gains
    rms = np.zeros(len(segments))
    for i, seg in enumerate(segments):
        a, b = int(seg.start_s * sample_rate), max(int(seg.end_s * sample_rate), int(seg.start_s * sample_rate) + 1)
        chunk = samples[a:b]
        rms[i] = float(np.sqrt(np.mean(chunk.astype(np.float64) ** 2))) if len(chunk) else 0.0
    vowels = np.array([s.viseme in _VOWEL_VISEMES for s in segments])
    if vowels.any() and np.median(rms[vowels]) > 0:
        ratio = rms / np.median(rms[vowels])
        gains[vowels] = np.clip(0.75 + 0.25 * ratio[vowels], 0.75, 1.25)
    return gains


def _dominance_curves(segments: Sequence[VisemeSegment], grid: np.ndarray,
                      tau: tuple[float, float]) -> np.ndarray:
    """(N, G) dominance shape in [0, 1] of each segment over the time grid."""
    starts = np.array([s.start_s for s in segments])[:, None]  # (N, 1)
    ends = np.array([s.end_s for s in segments])[:, None]  # (N, 1)
    core = np.array([_PAUSE_CORE if s.viseme == 0 else _CORE for s in segments])[:, None]  # (N, 1)
    center, half = (starts + ends) / 2, (ends - starts) / 2
    core_lo, core_hi = center - core * half, center + core * half  # (N, 1)
    before = np.maximum(core_lo - grid[None], 0.0) / tau[0]  # (N, G)
    after = np.maximum(grid[None] - core_hi, 0.0) / tau[1]  # (N, G)
    return np.exp(-(before + after) ** 2)  # (N, G)


def articulate(phonemes: Sequence[PhonemeSpan], *, n_frames: int, fps: float = 25.0,
               samples: np.ndarray | None = None, sample_rate: int = 16000,
               gain: float = 1.0) -> Articulation:
    """Phoneme spans (seconds) -> co-articulated lip/jaw motion of `n_frames` frames.

    samples: the speech itself (any rate, `sample_rate`), used to open stressed vowels wider.
    gain: emotion/effort multiplier of the opening channels (jaw, lips_part, lower_lip_depress).
    """
    if n_frames <= 0:
        raise ValueError("n_frames must be positive")
    duration = n_frames / fps
    grid = np.arange(int(np.ceil((duration + 0.5 / fps) * GRID_HZ)) + 1) / GRID_HZ - 0.5 / fps  # (G,)
    segments = _merge_pauses(viseme_segments(phonemes))
    if segments:  # explicit silence before the first and after the last phoneme
        lead = VisemeSegment(0, min(-0.5, segments[0].start_s - 0.5), segments[0].start_s, "_", 0)
        tail = VisemeSegment(0, segments[-1].end_s, max(duration + 0.5, segments[-1].end_s + 0.5), "_", 0)
        segments = [lead, *segments, tail]
    track = np.zeros((len(grid), len(CHANNELS)))  # (G, C) rest pose when there is no speech
    if segments:
        values, peak = _target_matrix(segments)  # (N, C), (N, C)
        opening = np.array([_CH[c] for c in _OPENING])
        values[:, opening] *= _segment_gains(segments, samples, sample_rate)[:, None] * gain
        shape = np.repeat(_dominance_curves(segments, grid, _TAU_LIPS)[:, :, None], len(CHANNELS), axis=2)
        shape[:, :, _CH["jaw"]] = _dominance_curves(segments, grid, _TAU_JAW)  # (N, G, C)
        weights = shape * peak[:, None, :]  # (N, G, C)
        total = weights.sum(axis=0) + _REST_DOMINANCE  # (G, C)
        track = (weights * values[:, None, :]).sum(axis=0) / total  # (G, C)
    track = gaussian_filter1d(track, sigma=0.015 * GRID_HZ, axis=0, mode="nearest")  # 15 ms
    frames = _box_average(track, grid, n_frames, fps)  # (T, C)
    semantic = np.zeros((n_frames, SEMANTIC_DIM), dtype=np.float32)  # (T, 52)
    for name, i in _CH.items():
        if name != "jaw":
            semantic[:, SEMANTIC_INDEX[name]] = frames[:, i]
    jaw = np.zeros((n_frames, 3), dtype=np.float32)  # (T, 3) rotation about X opens the mouth
    jaw[:, 0] = frames[:, _CH["jaw"]]
    return Articulation(semantic=semantic, jaw=jaw)


def _merge_pauses(segments: list[VisemeSegment]) -> list[VisemeSegment]:
    """Join runs of adjacent silence segments (`_:` then `_`) into one."""
    out: list[VisemeSegment] = []
    for seg in segments:
        if out and seg.viseme == 0 and out[-1].viseme == 0:
            out[-1] = VisemeSegment(0, out[-1].start_s, seg.end_s, "_", 0)
        else:
            out.append(seg)
    return out


def _box_average(track: np.ndarray, grid: np.ndarray, n_frames: int, fps: float) -> np.ndarray:
    """(G, C) on the grid -> (T, C): mean over each frame's window [k/fps - 0.5/fps, k/fps + 0.5/fps)."""
    index = np.floor((grid + 0.5 / fps) * fps).astype(np.int64)  # (G,) frame of each grid point
    keep = (index >= 0) & (index < n_frames)
    sums = np.zeros((n_frames, track.shape[1]))
    np.add.at(sums, index[keep], track[keep])
    counts = np.bincount(index[keep], minlength=n_frames)[:, None]  # (T, 1)
    return sums / np.maximum(counts, 1)
