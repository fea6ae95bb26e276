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
| `speech_energy` | (T,) float32 | optional: per-frame speech loudness in [0, 1] (`deeptalk.speech_energy`) |
| `arkit` | (takes, T, 52) float32 | optional: ARKit blendshape weights in [0, 1] per frame |
| `arkit_names` | (52,) str | optional: the ARKit channel of each `arkit` column |
| `face_emotion` | (takes, K) float32 | optional: per take, class probabilities of what the generated face expresses (FER) |
| `flame_basis` | () str, optional | expression basis of the model that made it (`standin-v1`, `flame2020`, ...) |

Written through `safe_write` (atomic, never through a symlink, never over an input or a
non-regular file), so a reader never sees half a file and a failed write keeps the old one.
Every float field must be finite, on writing and on reading. Numpy and stdlib only (the
add-on loads this module and its sibling `safe_write.py` as lone files).
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np


def _sibling(name: str) -> ModuleType:
    """`deeptalk.<name>`, or the file beside this one when the add-on loaded this file alone."""
    if __package__:
        return importlib.import_module(f"{__package__}.{name}")
    module_name = f"{__name__}_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


safe_write = _sibling("safe_write")

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
    speech_energy: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # (T,) or empty
    arkit: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.float32))  # (takes, T, 52) optional
    arkit_names: tuple[str, ...] = ()
    flame_basis: str = ""  # "" = not recorded (older files, imports)
    face_emotion: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))  # (takes, K) optional

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
        for name in ("exp", "jaw", "duration_s", "emotion_mean", "emotion_logvar", "emotion_track", "face_emotion"):
            value = np.asarray(getattr(self, name))
            if value.dtype.kind not in "fiu" or not np.isfinite(value).all():
                raise MotionFileError(f"{name} holds NaN, infinite or non-numeric values")
        track = np.asarray(self.emotion_track)
        if track.size and (track.ndim != 2 or track.shape[1] != len(self.emotions)):
            raise MotionFileError(f"emotion_track must be (seconds, {len(self.emotions)}), got {track.shape}")
        face = np.asarray(self.face_emotion)
        if face.size and (face.shape != (exp.shape[0], len(self.emotions)) or face.min() < 0 or face.max() > 1):
            raise MotionFileError(f"face_emotion must be (takes, emotions) = {(exp.shape[0], len(self.emotions))} "
                                  f"probabilities in [0, 1], got {face.shape}")
        energy = np.asarray(self.speech_energy)
        if energy.size and (energy.shape != (exp.shape[1],) or not np.isfinite(energy).all()):
            raise MotionFileError(f"speech_energy must be ({exp.shape[1]},) finite values, got {energy.shape}")
        arkit = np.asarray(self.arkit)
        if arkit.size:
            if arkit.shape != exp.shape[:2] + (len(self.arkit_names),):
                raise MotionFileError(f"arkit must be {exp.shape[:2] + (len(self.arkit_names),)}, got {arkit.shape}")
            if not (np.isfinite(arkit).all() and arkit.min() >= 0 and arkit.max() <= 1):
                raise MotionFileError("arkit weights must be finite and in [0, 1]")

    @property
    def takes(self) -> int:
        return int(self.exp.shape[0])

    @property
    def frames(self) -> int:
        return int(self.exp.shape[1])


def motion_bytes(motion: MotionFile) -> bytes:
    """The `.npz` bytes of `motion` (built in memory: a failed disk write then leaves no half zip)."""
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
    if np.asarray(motion.speech_energy).size:
        arrays["speech_energy"] = np.asarray(motion.speech_energy, dtype=np.float32)
    if np.asarray(motion.arkit).size:
        arrays["arkit"] = np.asarray(motion.arkit, dtype=np.float32)
        arrays["arkit_names"] = np.asarray(motion.arkit_names, dtype=np.str_)
    if np.asarray(motion.face_emotion).size:
        arrays["face_emotion"] = np.asarray(motion.face_emotion, dtype=np.float32)
    if motion.flame_basis:
        arrays["flame_basis"] = np.str_(motion.flame_basis)
    for name in ("exp", "jaw", "emotion_mean", "emotion_logvar", "emotion_track", "speech_energy", "arkit",
                 "face_emotion"):
        if name in arrays and not np.isfinite(arrays[name]).all():  # e.g. a float64 value beyond float32's range
            raise MotionFileError(f"{name} does not fit float32 (infinite after conversion)")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_motion(path: str | os.PathLike[str], motion: MotionFile, *, mode: int = 0o666,
                 inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Write `motion` to `path` atomically; return the absolute path.

    `mode` goes through the umask (0o600 for private results); `inputs` are files the
    output must not be. Raises `safe_write.OutputError` (an OSError) naming the file and
    what to do, or MotionFileError.
    """
    data = motion_bytes(motion)
    target = safe_write.check_path_text(path, "output path")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise safe_write.OutputError(safe_write.describe_os_error(exc, target.parent, "cannot create the folder"),
                                     exc.errno) from None
    return safe_write.write_atomic(target, data, mode=mode, inputs=inputs)


def read_motion(path: str | os.PathLike[str]) -> MotionFile:
    """Load and validate an animation `.npz` (never unpickles)."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            missing = [key for key in FORMAT_KEYS if key not in data.files]
            if missing:
                raise MotionFileError(f"{path}: missing key(s) {', '.join(missing)}")
            optional = {key: data[key] for key in ("emotions", "emotion_mean", "emotion_logvar", "emotion_track",
                                                        "speech_energy", "arkit", "arkit_names", "face_emotion")
                        if key in data.files}
            return MotionFile(
                exp=data["exp"], jaw=data["jaw"], fps=float(data["fps"]),
                seeds=tuple(int(s) for s in data["seeds"]), model_id=str(data["model_id"]),
                protocol=int(data["protocol"]), duration_s=float(data["duration_s"]),
                emotions=tuple(str(e) for e in optional.get("emotions", ())),
                arkit_names=tuple(str(n) for n in optional.get("arkit_names", ())),
                flame_basis=str(data["flame_basis"]) if "flame_basis" in data.files else "",
                **{k: v for k, v in optional.items() if k not in ("emotions", "arkit_names")},
            )
    except FileNotFoundError:
        raise
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        if isinstance(exc, MotionFileError):
            text = str(exc)
            raise MotionFileError(text if text.startswith(f"{path}:") else f"{path}: {text}") from None
        raise MotionFileError(f"{path}: not a readable motion file ({exc})") from exc
