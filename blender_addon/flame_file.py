"""Read a converted FLAME model `.npz` (layout in docs/architecture.md); convert `.pkl` files.

A user's FLAME `.pkl` is never unpickled inside Blender: the backend's restricted
unpickler converts it (`python -m deeptalk flame convert IN.pkl -o OUT.npz`) in a child
process, and the add-on reads the resulting npz. No bpy in this module.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import error_text, flame_basis

EXPRESSION_COUNT = 50
JOINT_COUNT = 5
JAW_JOINT = 2
POSE_FEATURES_PER_JOINT = 9
MASKS_NAME = "FLAME_masks.pkl"
MODEL_PICKLES = ("generic_model.pkl", "FLAME_NEUTRAL.pkl", "flame2023.pkl", "flame2020.pkl", "FLAME2023.pkl",
                 "FLAME2020.pkl", "male_model.pkl", "female_model.pkl")
_ZIP_MAGIC = b"PK\x03\x04"  # an .npz is a zip archive
_PICKLE_MAGIC = b"\x80"  # pickle protocol 2+
log = logging.getLogger(__name__)


class FlameFileError(ValueError):
    """A FLAME file that is missing keys, has wrong shapes, or could not be converted."""


@dataclass(frozen=True)
class FlameModel:
    """What the rig needs from FLAME, in FLAME axes (Y up, Z forward, metres)."""

    v_template: np.ndarray  # (V, 3)
    faces: np.ndarray  # (F, 3) int
    exprdirs: np.ndarray  # (V, 3, 50) the first 50 expression components
    jaw_posedirs: np.ndarray  # (9, V, 3) correctives for the jaw's (R - I) entries, row-major
    joints: np.ndarray  # (5, 3) rest joint locations = J_regressor @ v_template
    parents: tuple[int, ...]  # (5,) parent joint of each joint, -1 for the root
    weights: np.ndarray  # (V, 5) skinning weights
    masks: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (k,) vertex ids
    source: str = ""
    expression_names: tuple[str, ...] = ()  # (50,) component names when the file has them (head v2)
    basis: str = "standin-v1"  # expression basis id (see flame_basis)
    brow_shape: np.ndarray | None = None  # (V, 2) brow coordinates (t, d) where the file has them (head v2)

    @property
    def vertex_count(self) -> int:
        return int(self.v_template.shape[0])


def load_flame_npz(path: str | os.PathLike[str]) -> FlameModel:
    """Load and validate a converted FLAME `.npz` (never unpickles)."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise FlameFileError(f"FLAME file not found: {path}") from None
    except OSError as exc:
        raise FlameFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if not magic.startswith(_ZIP_MAGIC):
        kind = ("a pickle: name it .pkl so the backend converts it" if magic.startswith(_PICKLE_MAGIC)
                else "not a FLAME model")
        raise FlameFileError(f"{path.name} is {kind}; choose the official FLAME .pkl (e.g. generic_model.pkl) "
                             f"or a converted FLAME .npz")
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise FlameFileError(f"FLAME file not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise FlameFileError(f"{path}: not a readable FLAME npz ({exc})") from None
    with data:
        missing = [k for k in ("v_template", "f", "exprdirs", "posedirs", "J_regressor", "weights",
                               "kintree_table") if k not in data.files]
        if missing:
            raise FlameFileError(f"{path}: missing key(s) {', '.join(missing)}")
        v_template = np.asarray(data["v_template"], dtype=np.float64)
        vcount = v_template.shape[0] if v_template.ndim == 2 else -1
        _check(v_template.ndim == 2 and v_template.shape[1] == 3, path, "v_template must be (V, 3)")
        faces = np.asarray(data["f"])
        _check(faces.ndim == 2 and faces.shape[1] == 3 and np.issubdtype(faces.dtype, np.integer)
               and faces.size > 0 and 0 <= faces.min() and faces.max() < vcount, path,
               "f must be (F, 3) vertex ids")
        exprdirs = np.asarray(data["exprdirs"], dtype=np.float64)
        _check(exprdirs.ndim == 3 and exprdirs.shape[:2] == (vcount, 3)
               and exprdirs.shape[2] >= EXPRESSION_COUNT, path,
               f"exprdirs must be (V, 3, >={EXPRESSION_COUNT})")
        posedirs = np.asarray(data["posedirs"], dtype=np.float64)
        _check(posedirs.shape == ((JOINT_COUNT - 1) * POSE_FEATURES_PER_JOINT, vcount * 3), path,
               "posedirs must be (36, V*3)")
        regressor = np.asarray(data["J_regressor"], dtype=np.float64)
        _check(regressor.shape == (JOINT_COUNT, vcount), path, "J_regressor must be (5, V)")
        weights = np.asarray(data["weights"], dtype=np.float64)
        _check(weights.shape == (vcount, JOINT_COUNT), path, "weights must be (V, 5)")
        kintree = np.asarray(data["kintree_table"]).astype(np.int64)
        _check(kintree.shape == (2, JOINT_COUNT), path, "kintree_table must be (2, 5)")
        masks = {key.split("/", 1)[1]: np.asarray(data[key]).astype(np.int64)
                 for key in data.files if key.startswith("masks/")}
        source = str(data["source"]) if "source" in data.files else str(path)
        brow_shape = _brow_shape(data, vcount)
        names = _expression_names(data["expression_names"]) if "expression_names" in data.files else ()
        basis = flame_basis.basis_of_flame_file(str(data["basis_id"]) if "basis_id" in data.files else "",
                                                num_vertices=vcount, num_expressions=int(exprdirs.shape[2]),
                                                source=source)
    for array, name in ((v_template, "v_template"), (exprdirs, "exprdirs"), (posedirs, "posedirs"),
                        (regressor, "J_regressor"), (weights, "weights")):
        _check(bool(np.isfinite(array).all()), path, f"{name} holds NaN or infinite values")
    parents = tuple(-1 if (p < 0 or p >= JOINT_COUNT or i == 0) else int(p)
                    for i, p in enumerate(kintree[0]))
    jaw_rows = slice((JAW_JOINT - 1) * POSE_FEATURES_PER_JOINT, JAW_JOINT * POSE_FEATURES_PER_JOINT)
    return FlameModel(
        v_template=v_template,
        faces=faces.astype(np.int64),
        exprdirs=exprdirs[:, :, :EXPRESSION_COUNT],
        jaw_posedirs=posedirs[jaw_rows].reshape(POSE_FEATURES_PER_JOINT, vcount, 3),
        joints=regressor @ v_template,
        parents=parents,
        weights=weights,
        masks={k: v[(v >= 0) & (v < vcount)] for k, v in masks.items()},
        source=source,
        expression_names=names,
        basis=basis,
        brow_shape=brow_shape,
    )


BROW_SHAPE_KEY = "paint/brow_shape"


def _brow_shape(data, vcount: int) -> np.ndarray | None:
    """The file's (V, 2) brow coordinates, or None where it has none or they are malformed."""
    if BROW_SHAPE_KEY not in data.files:
        return None
    shape = np.asarray(data[BROW_SHAPE_KEY])
    if shape.shape != (vcount, 2) or not np.issubdtype(shape.dtype, np.floating) or not np.isfinite(shape).all():
        return None  # a decoration: the brows fall back to the `brows` mask
    return shape.astype(np.float32)


def _expression_names(raw: np.ndarray) -> tuple[str, ...]:
    """The file's component names if they are 50 distinct usable key names, else () (keys stay exp###)."""
    names = tuple(str(n) for n in np.asarray(raw).reshape(-1))[:EXPRESSION_COUNT]
    usable = (len(names) == EXPRESSION_COUNT and len(set(names)) == EXPRESSION_COUNT
              and all(0 < len(n) <= 48 and n != "Basis" and '"' not in n and not n.startswith("jaw_pose")
                      for n in names))
    return names if usable else ()


def convert_pickle(*, python: str | os.PathLike[str], backend_dir: Path, pkl_path: Path,
                   cache_dir: Path, timeout_s: float = 300.0) -> Path:
    """Convert a FLAME `.pkl` with the backend's restricted unpickler; return the npz path.

    The npz is cached under `cache_dir` by the pickle's content hash.
    """
    pkl_path = Path(pkl_path)
    if pkl_path.is_dir():
        pkl_path = pickle_in_folder(pkl_path)
    if not pkl_path.is_file():
        raise FlameFileError(f"FLAME file not found: {pkl_path}")
    masks = pkl_path.parent / MASKS_NAME  # the backend reads FLAME_masks.pkl beside the model
    hasher = hashlib.sha256(pkl_path.read_bytes())
    if masks.is_file():
        hasher.update(masks.read_bytes())
    digest = hasher.hexdigest()[:16]
    target = Path(cache_dir) / f"{pkl_path.stem}-{digest}.npz"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [str(python), "-m", "deeptalk", "flame", "convert", str(pkl_path), "-o", str(target)]
    env = {**os.environ, "PYTHONPATH": str(backend_dir)}
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FlameFileError(f"could not run the backend to convert {pkl_path.name}: {exc}") from None
    if proc.returncode != 0 or not target.is_file():
        log.warning("converting %s failed (exit %s):\n%s", pkl_path, proc.returncode, proc.stderr or proc.stdout)
        raise FlameFileError(error_text.flame_conversion(pkl_path.name, proc.returncode,
                                                         (proc.stderr or "") + (proc.stdout or ""), python=str(python)))
    return target


def pickle_in_folder(folder: Path) -> Path:
    """The FLAME model pickle inside a folder (generic_model.pkl, FLAME_NEUTRAL.pkl, flame2023.pkl, ...)."""
    found = next((folder / n for n in MODEL_PICKLES if (folder / n).is_file()), None)
    if found is None:
        raise FlameFileError(f"{folder}: no FLAME model pickle inside (looked for {', '.join(MODEL_PICKLES)})")
    return found


def _check(condition: bool, path: Path, message: str) -> None:
    if not condition:
        raise FlameFileError(f"{path}: {message}")
