"""Write a FlameModel as the folder smplx.FLAME reads, and pick stand-in landmarks.

smplx.FLAME(model_path=DIR) needs `DIR/FLAME_NEUTRAL.pkl` (official layout: shapedirs
(V, 3, 400) = 300 shape + 100 expression, posedirs (V, 3, 36)) and
`DIR/flame_static_embedding.pkl` (51 landmark faces + barycentrics). With ext="npz"
the model is written as a compressed `FLAME_NEUTRAL.npz` (smplx's `ext="npz"`).
The pickles written here hold plain numpy arrays only, made by this code.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from deeptalk.flame.model import NUM_LANDMARKS, FlameModel, write_npz_deterministic

NEUTRAL_STEM = "FLAME_NEUTRAL"
EMBEDDING_FILE = "flame_static_embedding.pkl"


def smplx_arrays(model: FlameModel) -> dict[str, np.ndarray]:
    """The official FLAME dict layout (plain float32 / int arrays)."""
    n = model.num_vertices
    return {
        "v_template": model.v_template,
        "f": model.f.astype(np.uint32),
        "shapedirs": np.concatenate([model.shapedirs, model.exprdirs], axis=2),  # (V, 3, 400)
        "posedirs": np.ascontiguousarray(model.posedirs.T.reshape(n, 3, -1)),  # (V, 3, 36)
        "J_regressor": model.J_regressor,
        "weights": model.weights,
        "kintree_table": model.kintree_table.astype(np.int64),
    }


def write_smplx_folder(model: FlameModel, folder: str | os.PathLike[str], *, ext: str = "pkl") -> Path:
    """Write FLAME_NEUTRAL.<ext> + flame_static_embedding.pkl into `folder`; return the folder."""
    if ext not in ("pkl", "npz"):
        raise ValueError(f"ext must be 'pkl' or 'npz', got {ext!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = smplx_arrays(model)
    if ext == "npz":
        write_npz_deterministic(folder / f"{NEUTRAL_STEM}.npz", arrays)
    else:
        _write_pickle(folder / f"{NEUTRAL_STEM}.pkl", arrays)
    faces, bary = landmark_embedding(model)
    _write_pickle(folder / EMBEDDING_FILE, {"lmk_face_idx": faces.astype(np.int64), "lmk_b_coords": bary})
    return folder


def landmark_embedding(model: FlameModel) -> tuple[np.ndarray, np.ndarray]:
    """(51,) faces, (51, 3) barycentrics: the model's own, else stand-ins from `standin_landmarks`."""
    if model.landmark_faces.size:
        return model.landmark_faces, model.landmark_bary.astype(np.float64)
    return standin_landmarks(model)


def standin_landmarks(model: FlameModel) -> tuple[np.ndarray, np.ndarray]:
    """51 landmark faces in the iBUG order without the jaw line (10 brow, 9 nose, 12 eye, 20 mouth).

    Targets are laid out around the eye joints and the lip region, each snapped to the
    nearest front-facing triangle (centroid barycentrics). Good enough for smplx's
    landmark output; not a calibrated embedding.
    """
    v = model.v_template.astype(np.float64)
    tri = v[model.f]  # (F, 3, 3)
    centroid = tri.mean(axis=1)
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    front = normal[:, 2] > 0.3 * np.linalg.norm(normal, axis=1).clip(1e-12)
    joints = model.joints()
    eye_l, eye_r = joints[3], joints[4]
    half = 0.5 * abs(eye_l[0] - eye_r[0]) or 0.0315
    s = half / 0.0315
    eye_y = 0.5 * (eye_l[1] + eye_r[1])
    lips = model.masks.get("lips")
    mouth_y = float(v[lips, 1].mean()) if lips is not None and len(lips) else eye_y - 0.075 * s
    right, left = sorted((eye_l[0], eye_r[0]))
    targets: list[tuple[float, float]] = []
    for side in (right, left):  # brows, outer to inner on the image's left first (iBUG 17-26)
        xs = np.linspace(side - 0.022 * s, side + 0.022 * s, 5)
        targets += [(x, eye_y + 0.022 * s + 0.004 * s * np.cos((x - side) / (0.022 * s) * np.pi / 2)) for x in xs]
    targets += [(0.0, eye_y - k * 0.011 * s) for k in range(4)]  # nose bridge (27-30)
    targets += [(x * s, eye_y - 0.048 * s) for x in (-0.012, -0.006, 0.0, 0.006, 0.012)]  # nostrils (31-35)
    for side in (right, left):  # eyes (36-47)
        for angle in np.linspace(np.pi, -np.pi, 6, endpoint=False):
            targets.append((side + 0.013 * s * np.cos(angle), eye_y + 0.005 * s * np.sin(angle)))
    for angle in np.linspace(np.pi, -np.pi, 12, endpoint=False):  # outer lips (48-59)
        targets.append((0.026 * s * np.cos(angle), mouth_y + 0.009 * s * np.sin(angle)))
    for angle in np.linspace(np.pi, -np.pi, 8, endpoint=False):  # inner lips (60-67)
        targets.append((0.018 * s * np.cos(angle), mouth_y + 0.002 * s * np.sin(angle)))
    assert len(targets) == NUM_LANDMARKS
    candidates = np.flatnonzero(front)
    if not len(candidates):
        candidates = np.arange(len(model.f))
    faces = np.empty(NUM_LANDMARKS, np.int64)
    for i, (x, y) in enumerate(targets):
        d2 = (centroid[candidates, 0] - x) ** 2 + (centroid[candidates, 1] - y) ** 2
        near = candidates[d2 <= d2.min() + (0.002 * s) ** 2]
        faces[i] = near[np.argmax(centroid[near, 2])]  # the outermost surface at that spot
    return faces, np.full((NUM_LANDMARKS, 3), 1.0 / 3.0)


def _write_pickle(path: Path, payload: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(payload, handle, protocol=4)
    os.replace(tmp, path)
