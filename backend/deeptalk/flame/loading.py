"""Load a user's FLAME model (2020 / 2023 pickle, a converted .npz, or a folder) safely.

Pickles go through `safe_pickle` only and are converted once to a plain `.npz` cache
keyed by the files' SHA-256, so later loads never touch a pickle.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from deeptalk.flame.masks import derive_masks, masks_from_flame_masks
from deeptalk.flame.material_masks import with_material_masks
from deeptalk.flame.model import (EXPR_BASIS_DIM, NUM_JOINTS, NUM_LANDMARKS, POSE_FEATURES, SHAPE_DIM,
                                  FlameFormatError, FlameModel)
from deeptalk.flame.safe_pickle import UnsafePickleError, safe_load, to_numpy

log = logging.getLogger(__name__)

REQUIRED_KEYS = ("v_template", "f", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table")
MIN_EXPRESSIONS = 50
MODEL_NAMES = ("generic_model.pkl", "FLAME_NEUTRAL.pkl", "flame2023.pkl", "flame2020.pkl",
               "FLAME2023.pkl", "FLAME2020.pkl", "male_model.pkl", "female_model.pkl")
MASKS_NAME = "FLAME_masks.pkl"
EMBEDDING_NAME = "flame_static_embedding.pkl"


def cache_dir() -> Path:
    """Where converted pickles are cached (`DEEPTALK_CACHE` or `~/.cache/deeptalk`)."""
    root = os.environ.get("DEEPTALK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "deeptalk")
    return Path(root) / "flame"


def load_flame_pickle(path: str | os.PathLike[str], *, masks_path: str | os.PathLike[str] | None = None,
                      embedding_path: str | os.PathLike[str] | None = None) -> FlameModel:
    """Convert a FLAME 2020/2023 pickle (restricted unpickler) to a `FlameModel`.

    masks_path: the user's FLAME_masks.pkl; without it lip/mouth/eye/forehead regions are
    derived from geometry (`masks_source` says which). Raises FlameFormatError or
    UnsafePickleError with a sentence saying what is wrong.
    """
    path = Path(path)
    if masks_path is None and (path.parent / MASKS_NAME).is_file():
        masks_path = path.parent / MASKS_NAME  # FLAME_masks.pkl beside the model
    try:
        raw = safe_load(path)
    except UnsafePickleError as exc:
        raise UnsafePickleError(f"{path}: {exc}") from None
    except pickle.UnpicklingError as exc:
        raise FlameFormatError(f"{path}: {exc}") from None
    arrays = flame_arrays(raw, name=str(path))
    embedding = load_landmark_embedding(embedding_path) if embedding_path else None
    official = arrays["v_template"].shape[0] == 5023 and np.asarray(arrays["exprdirs"]).shape[-1] == 100
    model = FlameModel(**arrays, source=str(path.resolve()), basis_id="flame2020" if official else "",
                       landmark_faces=embedding[0] if embedding else np.zeros(0),
                       landmark_bary=embedding[1] if embedding else np.zeros((0, 3)))
    if masks_path:
        masks = masks_from_flame_masks(safe_load(masks_path), model, name=str(masks_path))
        return model.with_masks(with_material_masks(model, masks), f"FLAME_masks.pkl: {Path(masks_path).resolve()}")
    log.warning("%s: no FLAME_masks.pkl given; lip/mouth/eye/forehead regions derived from geometry", path)
    return model.with_masks(with_material_masks(model, derive_masks(model)),
                            "derived from geometry (no FLAME_masks.pkl)")


def flame_arrays(raw: Any, *, name: str = "file") -> dict[str, np.ndarray]:
    """The FlameModel arrays from an unpickled FLAME dict, or FlameFormatError listing every problem."""
    if not isinstance(raw, Mapping):
        raise FlameFormatError(f"{name}: not a FLAME model (the pickle holds a {type(raw).__name__}, "
                               "FLAME files hold a dict)")
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    if missing:
        raise FlameFormatError(f"{name}: not a FLAME model (missing {', '.join(missing)}; "
                               f"found {', '.join(sorted(map(str, raw))) or 'no keys'})")
    try:
        values = {key: to_numpy(raw[key]) for key in REQUIRED_KEYS}
        if "exprdirs" in raw:
            values["exprdirs"] = to_numpy(raw["exprdirs"])
    except (ValueError, KeyError, TypeError) as exc:
        raise FlameFormatError(f"{name}: unreadable FLAME arrays ({exc})") from None
    problems: list[str] = []
    v = values["v_template"]
    n = v.shape[0] if v.ndim == 2 and v.shape[1] == 3 else None
    if n is None:
        raise FlameFormatError(f"{name}: v_template must be (V, 3), got {v.shape}")
    joints = values["kintree_table"].shape[-1] if values["kintree_table"].ndim == 2 else -1
    if joints != NUM_JOINTS:
        hint = " (this looks like SMPL / SMPL-X / MANO, not FLAME)" if joints not in (-1, NUM_JOINTS) else ""
        problems.append(f"kintree_table has {joints} joints, FLAME has {NUM_JOINTS}{hint}")
    shapedirs = values["shapedirs"]
    exprdirs = values.get("exprdirs")
    if shapedirs.ndim != 3 or shapedirs.shape[:2] != (n, 3):
        problems.append(f"shapedirs must be ({n}, 3, 400), got {shapedirs.shape}")
    elif exprdirs is None and shapedirs.shape[2] < SHAPE_DIM + MIN_EXPRESSIONS:
        problems.append(f"shapedirs has {shapedirs.shape[2]} components; FLAME has {SHAPE_DIM} shape + "
                        f"{EXPR_BASIS_DIM} expression (at least {SHAPE_DIM + MIN_EXPRESSIONS} needed)")
    posedirs = values["posedirs"]
    if posedirs.shape == (n, 3, POSE_FEATURES):
        posedirs = posedirs.reshape(n * 3, POSE_FEATURES).T
    elif posedirs.shape != (POSE_FEATURES, n * 3):
        problems.append(f"posedirs must be ({n}, 3, {POSE_FEATURES}), got {posedirs.shape}")
    for key, shape in (("J_regressor", (NUM_JOINTS, n)), ("weights", (n, NUM_JOINTS))):
        if values[key].shape != shape:
            problems.append(f"{key} must be {shape}, got {values[key].shape}")
    faces = values["f"]
    if faces.ndim != 2 or faces.shape[1] != 3:
        problems.append(f"f must be (F, 3) triangles, got {faces.shape}")
    if problems:
        raise FlameFormatError(f"{name}: not a usable FLAME model: " + "; ".join(problems))
    if exprdirs is None:
        exprdirs = shapedirs[:, :, SHAPE_DIM:SHAPE_DIM + EXPR_BASIS_DIM]
    shape_part = _pad(shapedirs[:, :, :SHAPE_DIM], SHAPE_DIM)
    if exprdirs.shape[2] < EXPR_BASIS_DIM:
        log.warning("%s: %d expression components; padding to %d with zeros", name, exprdirs.shape[2], EXPR_BASIS_DIM)
    return {
        "v_template": v, "f": faces.astype(np.int64), "shapedirs": shape_part,
        "exprdirs": _pad(exprdirs[:, :, :EXPR_BASIS_DIM], EXPR_BASIS_DIM), "posedirs": posedirs,
        "J_regressor": values["J_regressor"], "weights": values["weights"],
        "kintree_table": values["kintree_table"].astype(np.int64),
    }


def load_landmark_embedding(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """(51,) face ids and (51, 3) barycentrics from flame_static_embedding.pkl (restricted)."""
    raw = safe_load(path)
    if not isinstance(raw, Mapping) or "lmk_face_idx" not in raw or "lmk_b_coords" not in raw:
        raise FlameFormatError(f"{path}: not a FLAME landmark embedding (needs lmk_face_idx and lmk_b_coords)")
    faces = to_numpy(raw["lmk_face_idx"]).astype(np.int64).reshape(-1)
    bary = to_numpy(raw["lmk_b_coords"]).astype(np.float64).reshape(-1, 3)
    if faces.shape != (NUM_LANDMARKS,) or bary.shape != (NUM_LANDMARKS, 3):
        raise FlameFormatError(f"{path}: expected {NUM_LANDMARKS} landmarks, got {faces.shape[0]}")
    return faces, bary


def load_flame(path: str | os.PathLike[str], *, masks_path: str | os.PathLike[str] | None = None,
               use_cache: bool = True) -> FlameModel:
    """A FlameModel from `standin`, a converted .npz, a FLAME .pkl, or a folder holding one.

    A folder may also hold FLAME_masks.pkl and flame_static_embedding.pkl, which are used.
    Pickles are converted once and cached (see `cache_dir`).
    """
    if str(path) == "standin":
        from deeptalk.flame.standin import standin_model
        return standin_model()
    if str(path) == "standin-v2":
        from deeptalk.flame.standin_v2 import standin_v2_model
        return standin_v2_model()
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"FLAME model not found: {path}")
    embedding: Path | None = None
    if path.is_dir():
        folder = path
        npz = [folder / "standin.npz", folder / "flame.npz"]
        found = next((p for p in npz if p.is_file()), None)
        if found:
            return FlameModel.load_npz(found)
        path = next((folder / n for n in MODEL_NAMES if (folder / n).is_file()), None)
        if path is None:
            raise FlameFormatError(f"{folder}: no FLAME model inside (looked for standin.npz, flame.npz, "
                                   f"{', '.join(MODEL_NAMES)})")
        if masks_path is None and (folder / MASKS_NAME).is_file():
            masks_path = folder / MASKS_NAME
        embedding = folder / EMBEDDING_NAME if (folder / EMBEDDING_NAME).is_file() else None
    if path.suffix == ".npz":
        return FlameModel.load_npz(path)
    if embedding is None and (path.parent / EMBEDDING_NAME).is_file():
        embedding = path.parent / EMBEDDING_NAME
    if not use_cache:
        return load_flame_pickle(path, masks_path=masks_path, embedding_path=embedding)
    digest = hashlib.sha256()
    for part in (path, masks_path, embedding):
        digest.update(Path(part).read_bytes() if part else b"-")
    cached = cache_dir() / f"{digest.hexdigest()[:32]}.npz"
    if cached.is_file():
        log.info("using converted FLAME cache %s", cached)
        return FlameModel.load_npz(cached)
    model = load_flame_pickle(path, masks_path=masks_path, embedding_path=embedding)
    try:
        model.save_npz(cached)
        log.info("converted %s -> %s", path, cached)
    except OSError as exc:
        log.warning("could not write the FLAME cache %s (%s); converting on every load", cached, exc)
    return model


def _pad(basis: np.ndarray, size: int) -> np.ndarray:
    """(V, 3, k) -> (V, 3, size) with zero columns appended."""
    if basis.shape[2] >= size:
        return basis[:, :, :size]
    return np.concatenate([basis, np.zeros(basis.shape[:2] + (size - basis.shape[2],), basis.dtype)], axis=2)
