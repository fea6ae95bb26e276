"""One clip's motion file (`clips/<id>.npz`): FLAME expression + jaw per frame, and labels.

Keys: `exp (T, 50) float32`, `jaw (T, 3) float32` (axis-angle, radians), `fps ()`,
optional `visemes (T,) int64`, `emotion ()` int, `intensity ()` int, `speaker ()` str,
`sentence ()` int. Files are written with fixed zip timestamps, so the same arrays
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

    def __post_init__(self) -> None:
        exp, jaw = np.asarray(self.exp), np.asarray(self.jaw)
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
            )
    except ClipFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, KeyError) as exc:
        raise ClipFileError(f"{path}: not a readable motion file ({exc})") from None
