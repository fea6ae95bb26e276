"""A small FLAME-format pickle with chumpy-like and scipy.sparse content (chumpy is not installed)."""

from __future__ import annotations

import pickle
import sys
import types

import numpy as np
import scipy.sparse
import trimesh


class _Ch:
    """Pickles like chumpy.ch.Ch: its state dict holds the value under 'x'."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self._dirty_vars = {"x"}

    def __getstate__(self) -> dict:
        return {"x": self.x, "_dirty_vars": self._dirty_vars, "_depends_on_deps": {}}


def tiny_flame_dict(seed: int = 0) -> dict:
    """A 5-joint FLAME-layout dict on an icosphere with a neck opening and a frontal mouth hole."""
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.1)
    v = np.asarray(sphere.vertices, np.float64)
    faces = np.asarray(sphere.faces)
    centroid = v[faces].mean(axis=1)
    hole = (centroid[:, 2] > 0.09) & (np.abs(centroid[:, 1] + 0.03) < 0.012) & (np.abs(centroid[:, 0]) < 0.03)
    neck = centroid[:, 1] < -0.085
    faces = faces[~hole & ~neck]
    n = len(v)
    rng = np.random.default_rng(seed)
    regressor = np.zeros((5, n))
    for joint, centre in enumerate([(0, -0.1, 0), (0, -0.06, 0), (0, -0.02, 0.0), (0.0315, 0.02, 0.07), (-0.0315, 0.02, 0.07)]):
        ids = np.argsort(np.linalg.norm(v - np.asarray(centre), axis=1))[:4]
        regressor[joint, ids] = 0.25
    weights = rng.random((n, 5))
    weights[:, 2] += 4.0 * (v[:, 1] < -0.03)
    weights /= weights.sum(axis=1, keepdims=True)
    return {
        "v_template": v, "f": faces.astype(np.uint32),
        "shapedirs": _Ch(rng.normal(size=(n, 3, 400)) * 1e-3),
        "posedirs": rng.normal(size=(n, 3, 36)) * 1e-4,
        "J_regressor": scipy.sparse.csc_matrix(regressor), "weights": weights,
        "kintree_table": np.array([[4294967295, 0, 1, 1, 1], [0, 1, 2, 3, 4]], dtype=np.int64),
        "bs_style": "lbs", "bs_type": "lrotmin", "J": regressor @ v,
    }


def dump_with_fake_chumpy(payload: object, protocol: int = 2) -> bytes:
    """Pickle `payload` so that _Ch objects are recorded as chumpy.ch.Ch (chumpy is not installed)."""
    chumpy, ch = types.ModuleType("chumpy"), types.ModuleType("chumpy.ch")
    _Ch.__module__, _Ch.__qualname__, _Ch.__name__ = "chumpy.ch", "Ch", "Ch"
    ch.Ch = _Ch
    saved = {name: sys.modules.get(name) for name in ("chumpy", "chumpy.ch")}
    sys.modules.update({"chumpy": chumpy, "chumpy.ch": ch})
    try:
        return pickle.dumps(payload, protocol=protocol)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
