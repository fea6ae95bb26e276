"""Export posed FLAME meshes (one frame or a sequence) to OBJ / PLY / GLB through trimesh.

Motion files are `.npz` with `exp` (takes, T, 50) or (T, 50) and `jaw` (..., 3); `fps`
is optional. Loaded with allow_pickle=False.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.semantics import EXPRESSION_DIM, JAW_DIM, MOTION_DIM, MOTION_FPS

FORMATS = ("obj", "ply", "glb")


class MotionArrayError(ValueError):
    """A motion file without usable `exp` / `jaw` arrays."""


def load_motion_arrays(path: str | os.PathLike[str]) -> tuple[np.ndarray, float]:
    """(takes, T, 53) motion and fps from an npz holding `exp` and `jaw`."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            if "exp" not in data.files or "jaw" not in data.files:
                raise MotionArrayError(f"{path}: needs 'exp' and 'jaw' arrays, found {', '.join(data.files) or 'none'}")
            exp, jaw = np.asarray(data["exp"], np.float32), np.asarray(data["jaw"], np.float32)
            fps = float(data["fps"]) if "fps" in data.files else MOTION_FPS
    except (OSError, ValueError) as exc:
        if isinstance(exc, (MotionArrayError, FileNotFoundError)):
            raise
        raise MotionArrayError(f"{path}: not a readable motion .npz ({exc})") from exc
    if exp.ndim == 2:
        exp, jaw = exp[None], (jaw[None] if jaw.ndim == 2 else jaw)
    if exp.ndim != 3 or exp.shape[-1] != EXPRESSION_DIM or jaw.shape != exp.shape[:2] + (JAW_DIM,):
        raise MotionArrayError(f"{path}: exp must be (takes, T, {EXPRESSION_DIM}) or (T, {EXPRESSION_DIM}) "
                               f"and jaw the same with {JAW_DIM}; got {exp.shape} and {jaw.shape}")
    if not (np.isfinite(exp).all() and np.isfinite(jaw).all()):
        raise MotionArrayError(f"{path}: motion holds NaN or infinite values")
    return np.concatenate([exp, jaw], axis=-1), fps


def posed_vertices(layer: FlameLayer, motion: np.ndarray, *, chunk: int = 512) -> np.ndarray:
    """(T, 53) -> (T, V, 3) float32 vertices (no gradients)."""
    if motion.ndim != 2 or motion.shape[1] != MOTION_DIM:
        raise ValueError(f"motion must be (T, {MOTION_DIM}), got {motion.shape}")
    out = []
    with torch.no_grad():
        for start in range(0, len(motion), chunk):
            part = torch.from_numpy(np.ascontiguousarray(motion[start:start + chunk], np.float32))
            out.append(layer(part).numpy())
    return np.concatenate(out) if out else np.zeros((0, layer.num_vertices, 3), np.float32)


def export_mesh(vertices: np.ndarray, faces: np.ndarray, path: str | os.PathLike[str]) -> Path:
    """Write one mesh; the format comes from the suffix (.obj, .ply, .glb)."""
    import trimesh

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unsupported mesh format {path.suffix!r}; use one of {', '.join(FORMATS)}")
    mesh = trimesh.Trimesh(vertices=np.asarray(vertices, np.float64), faces=np.asarray(faces), process=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    mesh.export(path, file_type=fmt)
    return path


def export_sequence(vertices: np.ndarray, faces: np.ndarray, folder: str | os.PathLike[str], *,
                    fmt: str = "obj", first_index: int = 0, frame_numbers: Sequence[int] | None = None) -> list[Path]:
    """Write (T, V, 3) frames as folder/frame_00000.<fmt> ...; returns the paths.

    File i is numbered `frame_numbers[i]` (the motion frame it shows) when given, else
    `first_index + i`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unsupported mesh format {fmt!r}; use one of {', '.join(FORMATS)}")
    numbers = list(frame_numbers) if frame_numbers is not None else [first_index + i for i in range(len(vertices))]
    if len(numbers) != len(vertices):
        raise ValueError(f"{len(numbers)} frame numbers for {len(vertices)} frames")
    folder = Path(folder)
    return [export_mesh(frame, faces, folder / f"frame_{number:05d}.{fmt}")
            for number, frame in zip(numbers, vertices)]
