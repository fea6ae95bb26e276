"""`FlameModel`: the arrays of a FLAME-format head, and its plain `.npz` form (no pickles).

The `.npz` layout is the contract in docs/architecture.md; the Blender add-on reads it
with numpy only. Files are written deterministically (fixed zip timestamps), so the
same model always gives the same bytes.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import numpy as np

from deeptalk.flame.semantics import JOINT_PARENTS

NUM_JOINTS = 5
SHAPE_DIM = 300
EXPR_BASIS_DIM = 100
POSE_FEATURES = (NUM_JOINTS - 1) * 9  # 36: (R - I) of the 4 non-root joints
NUM_LANDMARKS = 51
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class FlameFormatError(ValueError):
    """A file or array set that is not a usable FLAME-format model; the message says why."""


@dataclass(frozen=True)
class FlameModel:
    """A FLAME-format head; shapes in the field comments (V vertices, F triangles).

    Arrays are converted to float32 / int32 (C-contiguous) and checked on construction.
    `masks` maps a region name to vertex ids; `landmark_faces` / `landmark_bary` are
    smplx's static landmark embedding (51 points).
    """

    v_template: np.ndarray  # (V, 3) metres, Y up, Z forward
    f: np.ndarray  # (F, 3) triangle vertex ids
    shapedirs: np.ndarray  # (V, 3, 300) identity basis
    exprdirs: np.ndarray  # (V, 3, 100) expression basis
    posedirs: np.ndarray  # (36, V*3) pose correctives (smplx layout)
    J_regressor: np.ndarray  # (5, V) dense joint regressor
    weights: np.ndarray  # (V, 5) skinning weights
    kintree_table: np.ndarray  # (2, 5) parents (root -1), joint ids
    masks: Mapping[str, np.ndarray] = field(default_factory=dict)  # name -> (k,) vertex ids
    landmark_faces: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # (51,)
    landmark_bary: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.float32))  # (51, 3)
    source: str = ""
    masks_source: str = ""
    basis_id: str = ""  # expression basis id (`deeptalk.flame.basis`); "" = not recorded

    def __post_init__(self) -> None:
        fix = lambda name, dtype: object.__setattr__(  # noqa: E731
            self, name, np.ascontiguousarray(np.asarray(getattr(self, name)), dtype=dtype))
        for name in ("v_template", "shapedirs", "exprdirs", "posedirs", "J_regressor", "weights", "landmark_bary"):
            fix(name, np.float32)
        for name in ("f", "kintree_table", "landmark_faces"):
            value = np.asarray(getattr(self, name))
            if name == "kintree_table" and value.size:  # official files store the root parent as 2**32 - 1
                value = np.where(value > np.iinfo(np.int32).max, -1, value)
            object.__setattr__(self, name, np.ascontiguousarray(value, dtype=np.int32))
        masks = {str(k): np.ascontiguousarray(np.asarray(v).reshape(-1), dtype=np.int32)
                 for k, v in sorted(self.masks.items())}
        object.__setattr__(self, "masks", masks)
        problems = validate_arrays(self)
        if problems:
            raise FlameFormatError("not a valid FLAME-format model: " + "; ".join(problems))

    @property
    def num_vertices(self) -> int:
        return int(self.v_template.shape[0])

    @property
    def parents(self) -> np.ndarray:
        """(5,) parent joint per joint, root -1."""
        return self.kintree_table[0]

    @property
    def basis(self) -> str:
        """The expression basis: `basis_id`, else inferred from the sizes / source (`flame.basis`)."""
        from deeptalk.flame.basis import infer_basis

        return infer_basis(self.basis_id, num_vertices=self.num_vertices,
                           num_expressions=int(self.exprdirs.shape[-1]), source=self.source)

    def with_masks(self, masks: Mapping[str, np.ndarray], masks_source: str) -> "FlameModel":
        return replace(self, masks=dict(masks), masks_source=masks_source)

    def joints(self) -> np.ndarray:
        """(5, 3) rest joint positions regressed from the template."""
        return self.J_regressor @ self.v_template

    def save_npz(self, path: str | os.PathLike[str]) -> Path:
        """Write the architecture's `.npz` layout atomically and deterministically."""
        arrays: dict[str, np.ndarray] = {
            "v_template": self.v_template, "f": self.f, "shapedirs": self.shapedirs,
            "exprdirs": self.exprdirs, "posedirs": self.posedirs, "J_regressor": self.J_regressor,
            "weights": self.weights, "kintree_table": self.kintree_table,
            "landmarks/face_idx": self.landmark_faces, "landmarks/b_coords": self.landmark_bary,
            "source": np.array(self.source, dtype=np.str_),
            "masks_source": np.array(self.masks_source, dtype=np.str_),
        }
        arrays.update({f"masks/{name}": ids for name, ids in self.masks.items()})
        if self.basis_id:
            arrays["basis_id"] = np.array(self.basis_id, dtype=np.str_)
        return write_npz_deterministic(path, arrays)

    @classmethod
    def load_npz(cls, path: str | os.PathLike[str]) -> "FlameModel":
        """Read a converted model (never unpickles); FlameFormatError when keys are missing."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                names = set(data.files)
                required = ("v_template", "f", "shapedirs", "exprdirs", "posedirs",
                            "J_regressor", "weights", "kintree_table")
                missing = [k for k in required if k not in names]
                if missing:
                    raise FlameFormatError(f"{path}: not a converted FLAME .npz (missing {', '.join(missing)})")
                arrays = {k: data[k] for k in required}
                masks = {k[len("masks/"):]: data[k] for k in sorted(names) if k.startswith("masks/")}
                return cls(
                    **arrays, masks=masks,
                    landmark_faces=data["landmarks/face_idx"] if "landmarks/face_idx" in names else np.zeros(0),
                    landmark_bary=data["landmarks/b_coords"] if "landmarks/b_coords" in names else np.zeros((0, 3)),
                    source=str(data["source"]) if "source" in names else str(path),
                    masks_source=str(data["masks_source"]) if "masks_source" in names else "",
                    basis_id=str(data["basis_id"]) if "basis_id" in names else "",
                )
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            if isinstance(exc, (FlameFormatError, FileNotFoundError)):
                raise
            raise FlameFormatError(f"{path}: not a readable .npz ({exc})") from exc


def validate_arrays(model: FlameModel) -> list[str]:
    """Every inconsistency between the arrays, as sentences (empty list = valid)."""
    problems: list[str] = []
    v = model.v_template
    if v.ndim != 2 or v.shape[1] != 3 or v.shape[0] < 4:
        return [f"v_template must be (V, 3), got {v.shape}"]
    n = v.shape[0]
    expected = {
        "f": (None, 3), "shapedirs": (n, 3, SHAPE_DIM), "exprdirs": (n, 3, EXPR_BASIS_DIM),
        "posedirs": (POSE_FEATURES, n * 3), "J_regressor": (NUM_JOINTS, n), "weights": (n, NUM_JOINTS),
        "kintree_table": (2, NUM_JOINTS),
    }
    for name, shape in expected.items():
        got = getattr(model, name).shape
        if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
            problems.append(f"{name} must be {tuple('F' if s is None else s for s in shape)}, got {got}")
    if problems:
        return problems
    if model.f.size and (model.f.min() < 0 or model.f.max() >= n):
        problems.append(f"faces reference vertex ids outside [0, {n})")
    if tuple(int(p) for p in model.kintree_table[0]) != JOINT_PARENTS:
        problems.append(f"kintree parents {model.kintree_table[0].tolist()} differ from FLAME's {list(JOINT_PARENTS)}")
    for name in ("v_template", "shapedirs", "exprdirs", "posedirs", "J_regressor", "weights"):
        if not np.isfinite(getattr(model, name)).all():
            problems.append(f"{name} holds NaN or infinite values")
    if not np.allclose(model.weights.sum(axis=1), 1.0, atol=1e-3):
        problems.append("skinning weights do not sum to 1 per vertex")
    for name, ids in model.masks.items():
        if ids.size and (ids.min() < 0 or ids.max() >= n):
            problems.append(f"mask {name!r} references vertex ids outside [0, {n})")
    if model.landmark_faces.size:
        if model.landmark_faces.shape != (NUM_LANDMARKS,) or model.landmark_bary.shape != (NUM_LANDMARKS, 3):
            problems.append(f"landmark embedding must be ({NUM_LANDMARKS},) faces and ({NUM_LANDMARKS}, 3) "
                            f"coordinates, got {model.landmark_faces.shape} and {model.landmark_bary.shape}")
        elif model.landmark_faces.min() < 0 or model.landmark_faces.max() >= len(model.f):
            problems.append("landmark embedding references faces outside the mesh")
    return problems


def write_npz_deterministic(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray]) -> Path:
    """`np.savez_compressed` equivalent with fixed timestamps, written atomically; returns the path."""
    target = Path(path).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, value in arrays.items():
                    array = np.asarray(value)
                    if array.dtype.hasobject:
                        raise ValueError(f"{name}: object arrays are not allowed")
                    buffer = io.BytesIO()
                    np.lib.format.write_array(buffer, np.array(array, order="C"), allow_pickle=False)
                    info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, buffer.getvalue())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target
