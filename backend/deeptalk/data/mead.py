"""MEAD with FLAME parameters (EMOCA/SPECTRE fits): the 156-column reader and an importer.

A MEAD parameter file holds one row per video frame and 156 columns:
expression `[0:50]`, global rotation `[50:53]` (dropped: we animate a still head),
jaw pose `[53:56]` (axis-angle), shape `[56:156]` (dropped: neutral identity).
`import_mead` turns a folder of such files plus the matching audio into our dataset
format (docs/dataset-format.md), resampling motion to 25 fps and audio to 16 kHz,
smoothing the per-frame fits over time (Savitzky-Golay, window 5, order 2, as DEEPTalk
trains on smoothed motion) and splitting by actor as DEEPTalk does.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import savgol_filter

from deeptalk.audio import SAMPLE_RATE, AudioError, load_audio, write_wav
from deeptalk.data.clipfile import ClipMotion, save_clip
from deeptalk.data.manifest import ClipRecord, DatasetInfo, write_dataset
from deeptalk.data.splits import mead_split
from deeptalk.motion_resample import resample_motion

log = logging.getLogger(__name__)

MEAD_COLUMNS = 156
EXP_COLUMNS = slice(0, 50)
GLOBAL_ROT_COLUMNS = slice(50, 53)
JAW_COLUMNS = slice(53, 56)
SHAPE_COLUMNS = slice(56, 156)
# Our corpus's five emotions first (same indices), then MEAD's other three.
MEAD_EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "angry", "surprised", "disgusted", "fear", "contempt")
_ALIASES = {"surprise": "surprised", "disgust": "disgusted", "fearful": "fear", "anger": "angry",
            "happiness": "happy", "sadness": "sad"}
_AUDIO_EXTS = (".wav", ".flac", ".ogg", ".mp3")
_PARAM_EXTS = (".npy", ".txt", ".csv")


class MeadError(ValueError):
    """A MEAD parameter file or folder that cannot be used."""


@dataclass(frozen=True)
class MeadKey:
    actor: str  # e.g. M003
    emotion: str  # one of MEAD_EMOTIONS
    level: int  # 1..3
    clip: int  # the take number (001 -> 1)

    @property
    def clip_id(self) -> str:
        return f"{self.actor}_{self.emotion}_level{self.level}_{self.clip:03d}"


def read_mead_params(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """(exp (T, 50), jaw (T, 3)) float32 from a 156-column `.npy` or text file."""
    p = Path(path)
    try:
        if p.suffix == ".npy":
            table = np.load(p, allow_pickle=False)
        else:
            table = np.loadtxt(p, delimiter="," if p.suffix == ".csv" else None, ndmin=2)
    except (OSError, ValueError) as exc:
        raise MeadError(f"{p}: cannot read ({exc})") from None
    table = np.asarray(table)
    if table.ndim != 2 or table.shape[1] != MEAD_COLUMNS:
        raise MeadError(f"{p}: expected (T, {MEAD_COLUMNS}) FLAME parameters, got {table.shape}")
    if table.shape[0] < 1 or not np.issubdtype(table.dtype, np.number) or not np.isfinite(table).all():
        raise MeadError(f"{p}: empty, non-numeric or non-finite parameters")
    return table[:, EXP_COLUMNS].astype(np.float32), table[:, JAW_COLUMNS].astype(np.float32)


def parse_mead_path(path: str | os.PathLike[str]) -> MeadKey | None:
    """Actor, emotion, level and take from a MEAD-style path, or None.

    Accepts `M003/front/angry/level_1/001.npy`, `M003/audio/angry/level_1/001.wav`,
    `M003_front_angry_level_1_001.npy` and similar spellings.
    """
    text = Path(path).as_posix().lower()
    actor = re.search(r"(?<![a-z0-9])([mw]\d{3})(?![0-9])", text)
    level = re.search(r"level[_-]?(\d)", text)
    take = re.findall(r"(?<![0-9])(\d{3})(?![0-9])", Path(path).stem)
    words = re.split(r"[^a-z]+", text)
    emotion = next((_ALIASES.get(w, w) for w in words if _ALIASES.get(w, w) in MEAD_EMOTIONS), None)
    if not (actor and level and take and emotion):
        return None
    return MeadKey(actor=actor.group(1).upper(), emotion=emotion, level=int(level.group(1)), clip=int(take[-1]))


def _index(root: Path, exts: tuple[str, ...]) -> dict[MeadKey, Path]:
    found: dict[MeadKey, Path] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in exts and path.is_file():
            key = parse_mead_path(path.relative_to(root))
            if key is not None:
                found.setdefault(key, path)
    return found


def smooth_motion(motion: np.ndarray, window: int = 5, order: int = 2) -> np.ndarray:
    """Savitzky-Golay smoothing along time of (T, D) motion; clips shorter than the window pass through."""
    if motion.shape[0] < window:
        return motion.astype(np.float32)
    return savgol_filter(motion, window, order, axis=0, mode="interp").astype(np.float32)


def import_mead(params_dir: str | os.PathLike[str], audio_dir: str | os.PathLike[str],
                out_dir: str | os.PathLike[str], *, params_fps: float = 25.0,
                max_clips: int | None = None, smooth: bool = True) -> DatasetInfo:
    """Convert MEAD FLAME parameters + audio into a dataset directory; return its info.

    Clips whose audio is missing or unreadable are skipped (and logged). Audio must be a
    format soundfile reads (convert MEAD's .m4a to .wav first, e.g. with ffmpeg).
    """
    params, audios = _index(Path(params_dir), _PARAM_EXTS), _index(Path(audio_dir), _AUDIO_EXTS)
    if not params:
        raise MeadError(f"no MEAD parameter files (*.npy, *.txt) with actor/emotion/level/take names in {params_dir}")
    out = Path(out_dir)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    records: list[ClipRecord] = []
    skipped = 0
    for key in sorted(params, key=lambda k: k.clip_id)[:max_clips]:
        audio_path = audios.get(key)
        if audio_path is None:
            skipped += 1
            log.warning("no audio for %s", key.clip_id)
            continue
        try:
            audio = load_audio(audio_path).samples
        except AudioError as exc:
            skipped += 1
            log.warning("skipping %s: %s", key.clip_id, exc)
            continue
        exp, jaw = read_mead_params(params[key])
        motion = np.concatenate([exp, jaw], axis=1)  # (T, 53)
        if params_fps != 25.0:
            motion = resample_motion(motion, dst_fps=25.0, src_fps=params_fps)
        if smooth:
            motion = smooth_motion(motion)
        write_wav(out / "clips" / f"{key.clip_id}.wav", audio, SAMPLE_RATE)
        save_clip(out / "clips" / f"{key.clip_id}.npz", ClipMotion(
            exp=motion[:, :50], jaw=motion[:, 50:], fps=25.0, emotion=MEAD_EMOTIONS.index(key.emotion),
            intensity=key.level, speaker=key.actor, sentence=key.clip))
        records.append(ClipRecord(
            id=key.clip_id, audio=f"clips/{key.clip_id}.wav", motion=f"clips/{key.clip_id}.npz",
            speaker=key.actor, emotion=key.emotion, intensity=key.level, split=mead_split(key.actor),
            sentence=key.clip, frames=int(motion.shape[0]), duration_s=round(len(audio) / SAMPLE_RATE, 6)))
    if not records:
        raise MeadError(f"none of the {len(params)} parameter files had readable audio in {audio_dir}")
    info = DatasetInfo(emotions=MEAD_EMOTIONS, source="mead-flame", extra={"params_fps": params_fps})
    write_dataset(out, info, records)
    log.info("imported %d MEAD clips (%d skipped) into %s", len(records), skipped, out)
    return info
