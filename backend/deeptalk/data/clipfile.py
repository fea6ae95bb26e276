"""One clip's motion file (`clips/<id>.npz`): FLAME expression + jaw per frame, and labels.

Keys: `exp (T, 50) float32`, `jaw (T, 3) float32` (axis-angle, radians), `fps ()`,
optional `visemes (T,) int64`, `emotion ()` int, `intensity ()` int, `speaker ()` str,
`sentence ()` int, optional `alt_exp (E, T, 50)` / `alt_jaw (E, T, 3)`: the same clip's face
with each of the dataset's E emotions at full strength instead of its own (synthetic corpora
write them; the generator learns the emotion override from them). Files are written with fixed zip timestamps, so the same arrays
always give the same bytes, and are read with `allow_pickle=False`.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deeptalk.flame.semantics import EXPRESSION_DIM, JAW_DIM

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class ClipFileError(ValueError):
    """A motion file that is missing keys, has wrong shapes or non-finite values."""


@dataclass(frozen=True)
class ClipMotion:
    exp: np.ndarray  # (T, 50) float32
    jaw: np.ndarray  # (T, 3) float32
    fps: float
    visemes: np.ndarray | None = None  # (T,) int64
    emotion: int | None = None
    intensity: int | None = None
    speaker: str | None = None
    sentence: int | None = None
    alt_exp: np.ndarray | None = None  # (E, T, 50) float32
    alt_jaw: np.ndarray | None = None  # (E, T, 3) float32

    def __post_init__(self) -> None:
        exp, jaw = np.asarray(self.exp), np.asarray(self.jaw)
        if (self.alt_exp is None) != (self.alt_jaw is None):
            raise ClipFileError("alt_exp and alt_jaw come together")
        if self.alt_exp is not None:
            alt_exp, alt_jaw = np.asarray(self.alt_exp), np.asarray(self.alt_jaw)
            if alt_exp.ndim != 3 or alt_exp.shape[1:] != exp.shape or alt_jaw.shape != (*alt_exp.shape[:2], JAW_DIM):
                raise ClipFileError(f"need alt_exp (E, {exp.shape[0]}, {EXPRESSION_DIM}) and alt_jaw "
                                    f"(E, {exp.shape[0]}, {JAW_DIM}); got {alt_exp.shape} and {alt_jaw.shape}")
            if not (np.isfinite(alt_exp).all() and np.isfinite(alt_jaw).all()):
                raise ClipFileError("alternative-emotion motion contains NaN or inf")
        if exp.ndim != 2 or exp.shape[1] != EXPRESSION_DIM or jaw.shape != (exp.shape[0], JAW_DIM):
            raise ClipFileError(f"need exp (T, {EXPRESSION_DIM}) and jaw (T, {JAW_DIM}); "
                                f"got {exp.shape} and {jaw.shape}")
        if exp.shape[0] < 1:
            raise ClipFileError("a clip needs at least one frame")
        if not (np.isfinite(exp).all() and np.isfinite(jaw).all()):
            raise ClipFileError("motion contains NaN or inf")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise ClipFileError(f"fps must be positive, got {self.fps}")
        if self.visemes is not None and np.asarray(self.visemes).shape != (exp.shape[0],):
            raise ClipFileError(f"visemes must be ({exp.shape[0]},), got {np.asarray(self.visemes).shape}")

    @property
    def frames(self) -> int:
        return int(self.exp.shape[0])

    @property
    def motion(self) -> np.ndarray:
        """(T, 53) float32: exp then jaw."""
        return np.concatenate([self.exp, self.jaw], axis=1).astype(np.float32)

    @property
    def alt_motion(self) -> np.ndarray | None:
        """(E, T, 53) float32 or None: the clip's motion with each emotion at full strength."""
        if self.alt_exp is None or self.alt_jaw is None:
            return None
        return np.concatenate([self.alt_exp, self.alt_jaw], axis=2).astype(np.float32)


def write_npz(path: str | os.PathLike[str], arrays: dict[str, np.ndarray]) -> None:
    """Write an uncompressed `.npz` whose bytes depend only on `arrays` (atomic rename)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        for key in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())
    os.replace(tmp, target)


def save_clip(path: str | os.PathLike[str], clip: ClipMotion) -> None:
    arrays: dict[str, np.ndarray] = {
        "exp": np.asarray(clip.exp, np.float32),
        "jaw": np.asarray(clip.jaw, np.float32),
        "fps": np.asarray(float(clip.fps)),
    }
    if clip.visemes is not None:
        arrays["visemes"] = np.asarray(clip.visemes, np.int64)
    for key in ("emotion", "intensity", "sentence"):
        value = getattr(clip, key)
        if value is not None:
            arrays[key] = np.asarray(int(value), np.int64)
    if clip.speaker is not None:
        arrays["speaker"] = np.asarray(str(clip.speaker))
    if clip.alt_exp is not None and clip.alt_jaw is not None:
        arrays["alt_exp"] = np.asarray(clip.alt_exp, np.float32)
        arrays["alt_jaw"] = np.asarray(clip.alt_jaw, np.float32)
    write_npz(path, arrays)


def load_clip(path: str | os.PathLike[str]) -> ClipMotion:
    """Read and validate a clip's motion file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = {"exp", "jaw", "fps"} - set(data.files)
            if missing:
                raise ClipFileError(f"{path}: missing key(s) {', '.join(sorted(missing))}")
            scalars = {key: data[key].item() for key in ("emotion", "intensity", "sentence", "speaker")
                       if key in data.files}
            return ClipMotion(
                exp=data["exp"].astype(np.float32), jaw=data["jaw"].astype(np.float32),
                fps=float(data["fps"]),
                visemes=data["visemes"].astype(np.int64) if "visemes" in data.files else None,
                emotion=int(scalars["emotion"]) if "emotion" in scalars else None,
                intensity=int(scalars["intensity"]) if "intensity" in scalars else None,
                speaker=str(scalars["speaker"]) if "speaker" in scalars else None,
                sentence=int(scalars["sentence"]) if "sentence" in scalars else None,
                alt_exp=data["alt_exp"].astype(np.float32) if "alt_exp" in data.files else None,
                alt_jaw=data["alt_jaw"].astype(np.float32) if "alt_jaw" in data.files else None,
            )
    except ClipFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, KeyError) as exc:
        raise ClipFileError(f"{path}: not a readable motion file ({exc})") from None
