"""Small synthetic inputs for the add-on tests: a FLAME-format head npz and motion npz files.

The head is a UV sphere (FLAME axes: Y up, face toward +Z) with smooth random expression
and pose-corrective bases, a jaw that skins the front-lower half and two eyes; it has the
exact key layout of the converted FLAME `.npz` described in docs/architecture.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.optimize import nnls

from blender_addon import backend_locator

MODEL_BASIS = backend_locator.model_flame_basis()  # the embedded default model's basis (head v1 or v2)

JOINT_TARGETS = np.array([
    [0.0, -0.10, 0.0],    # global
    [0.0, -0.08, -0.02],  # neck
    [0.0, -0.02, 0.0],    # jaw
    [0.035, 0.03, 0.07],  # eye_L
    [-0.035, 0.03, 0.07],  # eye_R
])


def sphere(n_lat: int = 14, n_lon: int = 20, radius: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """(V, 3) vertices and (F, 3) triangles of a UV sphere, poles on the Y axis."""
    theta = np.linspace(0, np.pi, n_lat + 1)[1:-1]  # polar angle from +Y
    phi = np.linspace(0, 2 * np.pi, n_lon, endpoint=False)
    t, p = np.meshgrid(theta, phi, indexing="ij")  # (n_lat-1, n_lon)
    ring = np.stack([np.sin(t) * np.sin(p), np.cos(t), np.sin(t) * np.cos(p)], -1).reshape(-1, 3)
    verts = np.concatenate([[[0, 1, 0]], ring, [[0, -1, 0]]]) * radius
    faces = []
    rings, bottom = n_lat - 1, len(verts) - 1

    def v(r: int, c: int) -> int:
        return 1 + r * n_lon + c % n_lon

    for c in range(n_lon):
        faces.append([0, v(0, c + 1), v(0, c)])
        faces.append([bottom, v(rings - 1, c), v(rings - 1, c + 1)])
        for r in range(rings - 1):
            faces.append([v(r, c), v(r, c + 1), v(r + 1, c)])
            faces.append([v(r, c + 1), v(r + 1, c + 1), v(r + 1, c)])
    return verts, np.asarray(faces, dtype=np.int64)


def make_flame_npz(path: Path, seed: int = 0, basis_id: str | None = MODEL_BASIS) -> Path:
    """Write a synthetic converted-FLAME npz at `path`; return it.

    `basis_id`: the expression basis it claims (default: the embedded model's, so the end-to-end
    tests animate it and blinks and basis checks behave as on that stand-in head); None writes none."""
    rng = np.random.default_rng(seed)
    verts, faces = sphere()
    count = len(verts)
    unit = verts / 0.1  # (V, 3) in [-1, 1]
    exprdirs = np.stack([0.006 * np.tanh(unit @ rng.normal(size=(3, 3))) for _ in range(100)], -1)  # (V,3,100)
    posedirs = np.stack([0.002 * np.tanh(unit @ rng.normal(size=(3, 3))) for _ in range(36)])  # (36,V,3)
    dist = np.linalg.norm(verts[None] - JOINT_TARGETS[:, None], axis=-1)  # (5, V)
    regressor = np.stack([_convex_weights(verts, target) for target in JOINT_TARGETS])  # (5, V)
    weights = np.zeros((count, 5))
    jaw = np.clip((-verts[:, 1] - 0.0) / 0.03, 0, 1) * np.clip(verts[:, 2] / 0.03, 0, 1)
    eyes = [np.exp(-(dist[j] / 0.02) ** 2) for j in (3, 4)]
    weights[:, 2] = jaw
    weights[:, 3], weights[:, 4] = eyes
    weights[:, 1] = 0.3 * np.clip(1 - weights[:, 2:].sum(1), 0, 1)
    weights[:, 0] = np.clip(1 - weights[:, 1:].sum(1), 0, 1)
    weights /= weights.sum(1, keepdims=True)
    lips = np.flatnonzero((np.abs(verts[:, 1] + 0.01) < 0.03) & (verts[:, 2] > 0.07))
    eye_ids = np.flatnonzero((dist[3] < 0.025) | (dist[4] < 0.025))
    np.savez(
        path, v_template=verts, f=faces, shapedirs=np.zeros((count, 3, 300)), exprdirs=exprdirs,
        posedirs=posedirs.reshape(36, count * 3), J_regressor=regressor, weights=weights,
        kintree_table=np.array([[4294967295, 0, 1, 1, 1], [0, 1, 2, 3, 4]], dtype=np.uint32),
        **{"masks/lips": lips, "masks/eyes": eye_ids}, source=np.str_("synthetic"),
        **({"basis_id": np.str_(basis_id)} if basis_id is not None else {}),
    )
    return path


def _convex_weights(verts: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(V,) non-negative weights summing to 1 with weights @ verts == target (target inside)."""
    system = np.vstack([verts.T, 100.0 * np.ones(len(verts))])  # (4, V), the sum row weighted up
    weights, _ = nnls(system, np.append(target, 100.0))
    return weights


def make_motion(takes: int, frames: int, fps: float, seed: int = 0) -> dict[str, np.ndarray]:
    """Smooth random motion arrays (exp (takes, T, 50), jaw (takes, T, 3)) for motion files."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / fps
    freq = rng.uniform(0.5, 3.0, size=(takes, 1, 53))
    phase = rng.uniform(0, 2 * np.pi, size=(takes, 1, 53))
    wave = np.sin(2 * np.pi * freq * t[None, :, None] + phase)  # (takes, T, 53)
    exp = 1.5 * wave[..., :50]
    jaw = np.zeros((takes, frames, 3))
    jaw[..., 0] = 0.15 + 0.12 * wave[..., 50]  # pitch, mostly open
    jaw[..., 1:] = 0.02 * wave[..., 51:53]
    return {"exp": exp.astype(np.float32), "jaw": jaw.astype(np.float32)}
