"""Live Link Face CSV: write and read takes of ARKit weights (standard library + numpy only).

Layout (one header row, then one row per frame):
`Timecode,BlendShapeCount,EyeBlinkLeft,...,TongueOut,HeadYaw,HeadPitch,HeadRoll,LeftEyeYaw,
LeftEyePitch,LeftEyeRoll,RightEyeYaw,RightEyePitch,RightEyeRoll` - 52 shape columns (values in
[0, 1]) and 9 rotation columns (radians); `BlendShapeCount` is 61 on every row. The timecode is
`HH:MM:SS:FF.fff`: the frame FF within the second at the nominal rate and its sub-frame
fraction. The file imports no `deeptalk` module (the Blender add-on loads it alone); callers
pass the channel names (`retarget.names.ARKIT_NAMES`).
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

ROTATION_COLUMNS: tuple[str, ...] = ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
                                     "RightEyeYaw", "RightEyePitch", "RightEyeRoll")
FIXED_COLUMNS = ("Timecode", "BlendShapeCount")
DECIMALS = 6


class LiveLinkCsvError(ValueError):
    """A file that is not a usable Live Link Face CSV; the message says why."""


@dataclass(frozen=True)
class LiveLinkTake:
    """A read take: `weights (T, len(names))` in file order, `rotations (T, 9)`, timecodes."""

    names: tuple[str, ...]  # ARKit names (first letter lower case), in the file's column order
    weights: np.ndarray  # (T, N)
    rotations: np.ndarray  # (T, 9) radians, ROTATION_COLUMNS order
    timecodes: tuple[str, ...]
    fps: float | None  # nominal rate found in the timecodes (None for takes under a second)

    def channel(self, name: str) -> np.ndarray:
        """(T,) values of one ARKit channel; KeyError when the file lacks it."""
        return self.weights[:, self.names.index(name)]


def column(name: str) -> str:
    return name[:1].upper() + name[1:]


def timecode(seconds: float, fps: float) -> str:
    """`HH:MM:SS:FF.fff` for a time in seconds at `fps` (FF counts frames within the second)."""
    nominal = max(int(round(fps)), 1)
    whole = math.floor(seconds + 1e-9)
    frames = (seconds - whole) * fps
    frame = min(int(math.floor(frames + 1e-6)), nominal - 1)
    sub = min(max(frames - frame, 0.0), 0.999)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h % 24:02d}:{m:02d}:{s:02d}:{frame:02d}.{int(round(sub * 1000)):03d}"


def parse_timecode(text: str) -> tuple[int, int, int, int, float]:
    """(hours, minutes, seconds, frame, sub-frame fraction) of a Live Link timecode."""
    try:
        hms, _, rest = text.strip().rpartition(":")
        h, m, s = (int(part) for part in hms.split(":"))
        frame_text, _, sub_text = rest.partition(".")
        return h, m, s, int(frame_text), float(f"0.{sub_text}") if sub_text else 0.0
    except ValueError:
        raise LiveLinkCsvError(f"{text!r} is not a Live Link timecode (HH:MM:SS:FF.fff)") from None


def write_livelink_csv(path: str | os.PathLike[str], weights: np.ndarray, names: Sequence[str], *, fps: float,
                       rotations: np.ndarray | None = None, start_s: float = 0.0) -> Path:
    """Write `weights (T, 52)` (columns in `names` order) at `fps`, atomically; return the path."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[1] != len(names) or weights.shape[0] < 1:
        raise ValueError(f"weights must be (frames, {len(names)}), got {weights.shape}")
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be positive, got {fps}")
    rot = np.zeros((len(weights), len(ROTATION_COLUMNS))) if rotations is None else np.asarray(rotations, np.float64)
    if rot.shape != (len(weights), len(ROTATION_COLUMNS)):
        raise ValueError(f"rotations must be ({len(weights)}, {len(ROTATION_COLUMNS)}), got {rot.shape}")
    if not (np.isfinite(weights).all() and np.isfinite(rot).all()):
        raise ValueError("weights or rotations hold NaN or infinite values")
    count = len(names) + len(ROTATION_COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*FIXED_COLUMNS, *(column(n) for n in names), *ROTATION_COLUMNS])
    values = np.round(np.concatenate([np.clip(weights, 0.0, 1.0), rot], axis=1), DECIMALS) + 0.0  # (T, 61)
    for i, row in enumerate(values):
        writer.writerow([timecode(start_s + i / fps, fps), count, *(f"{v:.{DECIMALS}f}".rstrip("0").rstrip(".")
                                                                     for v in row)])
    target = Path(path).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_livelink_csv(path: str | os.PathLike[str]) -> LiveLinkTake:
    """Read a Live Link Face CSV (ours or the app's); LiveLinkCsvError saying what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LiveLinkCsvError(f"{path}: not a text file") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise LiveLinkCsvError(f"{path}: the file is empty")
    header = [cell.strip() for cell in rows[0]]
    if header[:2] != list(FIXED_COLUMNS):
        raise LiveLinkCsvError(f"{path}: not a Live Link Face CSV (the header starts {header[:2]}, "
                               f"expected {list(FIXED_COLUMNS)})")
    shape_ids = [i for i in range(2, len(header)) if header[i] not in ROTATION_COLUMNS]
    names = tuple(header[i][:1].lower() + header[i][1:] for i in shape_ids)
    body = rows[1:]
    if not body:
        raise LiveLinkCsvError(f"{path}: the file has a header but no frames")
    try:
        table = np.array([[float(row[i]) for i in range(2, len(header))] for row in body], dtype=np.float64)
    except (ValueError, IndexError):
        raise LiveLinkCsvError(f"{path}: a row has a missing or non-numeric value") from None
    offset = {i: i - 2 for i in range(2, len(header))}
    weights = table[:, [offset[i] for i in shape_ids]]
    rotations = np.zeros((len(body), len(ROTATION_COLUMNS)))
    for k, name in enumerate(ROTATION_COLUMNS):
        if name in header:
            rotations[:, k] = table[:, offset[header.index(name)]]
    codes = tuple(row[0].strip() for row in body)
    frames = [parse_timecode(code)[3] for code in codes]
    seconds = [parse_timecode(code)[:3] for code in codes]
    spans_second = len(set(seconds)) >= 2  # a second followed by another reached its last frame
    fps = float(max(frames) + 1) if spans_second else None
    return LiveLinkTake(names=names, weights=weights, rotations=rotations, timecodes=codes, fps=fps)
