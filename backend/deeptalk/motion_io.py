"""The animation output file: an `.npz` (no pickles) the add-on and farms read.

| key | shape / type | meaning |
|---|---|---|
| `exp` | (takes, T, 50) float32 | FLAME expression coefficients per frame |
| `jaw` | (takes, T, 3) float32 | jaw axis-angle (radians) per frame |
| `fps` | () float64 | frame rate; frame i is at time i / fps |
| `seeds` | (takes,) int64 | the seed each take used |
| `model_id` | () str | model that made it |
| `protocol` | () int64 | `protocol.PROTOCOL_VERSION` at write time |
| `duration_s` | () float64 | audio duration the frames cover |
| `emotions` | (K,) str | the model's emotion class names (may be empty) |
| `emotion_mean`, `emotion_logvar` | (D,) float32 | the clip's emotion embedding |
| `emotion_track` | (seconds, K) float32 | per-second emotion probabilities |
| `flame_basis` | () str, optional | expression basis of the model that made it (`standin-v1`, `flame2020`, ...) |

Written atomically (temporary file in the same folder, then `os.replace`), so a reader
never sees half a file. Numpy and stdlib only (the add-on can load this module).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT_KEYS = ("exp", "jaw", "fps", "seeds", "model_id", "protocol", "duration_s")
EXPRESSION_DIM = 50
JAW_DIM = 3


class MotionFileError(ValueError):
    """A motion file that is missing keys, has wrong shapes, or is not an npz."""


@dataclass(frozen=True)
class MotionFile:
    """The contents of an animation `.npz`; shapes are checked on construction."""

    exp: np.ndarray  # (takes, T, 50)
    jaw: np.ndarray  # (takes, T, 3)
    fps: float
    seeds: tuple[int, ...]
    model_id: str
    protocol: int
    duration_s: float
    emotions: tuple[str, ...] = ()
    emotion_mean: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # (D,)
    emotion_logvar: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # (D,)
    emotion_track: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))  # (S, K)
    flame_basis: str = ""  # "" = not recorded (older files, imports)

    def __post_init__(self) -> None:
        exp, jaw = np.asarray(self.exp), np.asarray(self.jaw)
        if exp.ndim != 3 or exp.shape[-1] != EXPRESSION_DIM:
            raise MotionFileError(f"exp must be (takes, T, {EXPRESSION_DIM}), got {exp.shape}")
        if jaw.shape != exp.shape[:2] + (JAW_DIM,):
            raise MotionFileError(f"jaw must be {exp.shape[:2] + (JAW_DIM,)}, got {jaw.shape}")
        if exp.shape[0] < 1 or exp.shape[1] < 1:
            raise MotionFileError(f"need at least one take and one frame, got {exp.shape[:2]}")
        if len(self.seeds) != exp.shape[0]:
            raise MotionFileError(f"{len(self.seeds)} seeds for {exp.shape[0]} takes")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise MotionFileError(f"fps must be positive, got {self.fps}")
        if not (np.isfinite(exp).all() and np.isfinite(jaw).all()):
            raise MotionFileError("motion holds NaN or infinite values")
        track = np.asarray(self.emotion_track)
        if track.size and (track.ndim != 2 or track.shape[1] != len(self.emotions)):
            raise MotionFileError(f"emotion_track must be (seconds, {len(self.emotions)}), got {track.shape}")

    @property
    def takes(self) -> int:
        return int(self.exp.shape[0])

    @property
    def frames(self) -> int:
        return int(self.exp.shape[1])


def write_motion(path: str | os.PathLike[str], motion: MotionFile) -> Path:
    """Write `motion` to `path` atomically; return the resolved path. Raises OSError."""
    target = Path(path).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        "exp": np.asarray(motion.exp, dtype=np.float32),
        "jaw": np.asarray(motion.jaw, dtype=np.float32),
        "fps": np.float64(motion.fps),
        "seeds": np.asarray(motion.seeds, dtype=np.int64),
        "model_id": np.str_(motion.model_id),
        "protocol": np.int64(motion.protocol),
        "duration_s": np.float64(motion.duration_s),
        "emotions": np.asarray(motion.emotions, dtype=np.str_).reshape(len(motion.emotions)),
        "emotion_mean": np.asarray(motion.emotion_mean, dtype=np.float32),
        "emotion_logvar": np.asarray(motion.emotion_logvar, dtype=np.float32),
        "emotion_track": np.asarray(motion.emotion_track, dtype=np.float32),
    }
    if motion.flame_basis:
        arrays["flame_basis"] = np.str_(motion.flame_basis)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def read_motion(path: str | os.PathLike[str]) -> MotionFile:
    """Load and validate an animation `.npz` (never unpickles)."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            missing = [key for key in FORMAT_KEYS if key not in data.files]
            if missing:
                raise MotionFileError(f"{path}: missing key(s) {', '.join(missing)}")
            optional = {key: data[key] for key in ("emotions", "emotion_mean", "emotion_logvar", "emotion_track")
                        if key in data.files}
            return MotionFile(
                exp=data["exp"], jaw=data["jaw"], fps=float(data["fps"]),
                seeds=tuple(int(s) for s in data["seeds"]), model_id=str(data["model_id"]),
                protocol=int(data["protocol"]), duration_s=float(data["duration_s"]),
                emotions=tuple(str(e) for e in optional.get("emotions", ())),
                flame_basis=str(data["flame_basis"]) if "flame_basis" in data.files else "",
                **{k: v for k, v in optional.items() if k != "emotions"},
            )
    except FileNotFoundError:
        raise
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        if isinstance(exc, MotionFileError):
            raise
        raise MotionFileError(f"{path}: not a readable motion file ({exc})") from exc
