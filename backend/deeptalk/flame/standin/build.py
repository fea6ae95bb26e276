"""Build the stand-in FLAME-format head and read / write its committed copy.

`build_standin()` is deterministic: the same code gives the same arrays, and
`write_standin` the same bytes (standin.npz plus the smplx folder files). Float arrays are
rounded to 1e-10 (0.1 nm on a head in metres): libm and SIMD `exp`/`sin` differ in their last
bits between CPUs, and rounding keeps those differences out of the bytes.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from deeptalk.flame.model import EXPR_BASIS_DIM, SHAPE_DIM, FlameModel
from deeptalk.flame.semantics import EXPRESSION_DIM, JOINT_PARENTS
from deeptalk.flame.smplx_folder import standin_landmarks, write_smplx_folder
from deeptalk.flame.standin import layout as L
from deeptalk.flame.standin.expressions import expression_basis
from deeptalk.flame.standin.face import bump
from deeptalk.flame.standin.head import build_head
from deeptalk.flame.standin.regions import Regions, build_regions
from deeptalk.flame.standin.rig import jaw_correctives, joint_regressor, skinning_weights
from deeptalk.paths import standin_flame_dir

log = logging.getLogger(__name__)

STANDIN_FILE = "standin.npz"
SOURCE = "standin"


def build_standin() -> FlameModel:
    """Generate the stand-in head (about 6,700 vertices, 50 named expressions, FLAME joints)."""
    head = build_head()
    regions = build_regions(head)
    exprdirs = np.zeros((len(head.vertices), 3, EXPR_BASIS_DIM))
    exprdirs[:, :, :EXPRESSION_DIM] = expression_basis(regions)
    weights = skinning_weights(regions)
    model = FlameModel(
        v_template=head.vertices, f=head.faces, shapedirs=identity_basis(regions), exprdirs=exprdirs,
        posedirs=jaw_correctives(regions, weights), J_regressor=joint_regressor(regions, head.faces),
        weights=weights, kintree_table=np.array([JOINT_PARENTS, range(len(JOINT_PARENTS))]),
        masks=standin_masks(regions), source=SOURCE, masks_source="standin (built with the head)",
    )  # no basis_id: the committed asset predates it; a stand-in without one is standin-v1 (flame.basis)
    faces, bary = standin_landmarks(model)
    model = replace(model, landmark_faces=faces, landmark_bary=bary)
    return replace(model, **{name: portable(getattr(model, name)) for name in _FLOAT_FIELDS})


_FLOAT_FIELDS = ("v_template", "shapedirs", "exprdirs", "posedirs", "J_regressor", "weights", "landmark_bary")


def portable(values: np.ndarray, decimals: int = 10) -> np.ndarray:
    """Rounded to `decimals` places, with -0.0 made 0.0: the same bytes on every CPU."""
    return np.round(np.asarray(values, dtype=np.float64), decimals) + 0.0


def identity_basis(r: Regions) -> np.ndarray:
    """(V, 3, 300): ten smooth identity shapes (size, proportions, nose, jaw, lips), then zeros.

    Eyeballs move rigidly with their sockets so eye joints stay eyeball centres.
    """
    p = r.p
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    face = r.expressive
    lower = np.clip((L.EYE_Y - y) / 0.1, 0.0, 1.0)
    nose = bump(x, y, 0.0, L.NOSE_TIP_Y + 0.008, 0.012, 0.022) * face
    jaw = np.clip((L.MOUTH_Y - y) / 0.05, 0.0, 1.0) * r.surface
    lips = bump(x, y, 0.0, L.MOUTH_Y, 0.024, 0.010) * face
    cheeks = bump(np.abs(x), y, 0.042, -0.035, 0.018, 0.02) * face
    shapes = [
        0.04 * p,  # overall size
        np.stack([0.08 * x, 0 * x, 0 * x], 1),  # width
        np.stack([0 * x, 0.06 * (y - L.EYE_Y) * (y < L.EYE_Y), 0 * x], 1),  # lower-face length
        np.stack([0 * x, 0 * x, 0.05 * z * (z > 0)], 1),  # depth of the face
        np.stack([0 * x, -0.002 * nose, 0.004 * nose], 1),  # nose length and projection
        np.stack([0.12 * x * jaw, 0 * x, 0 * x], 1),  # jaw width
        np.stack([0 * x, 0 * x, 0.004 * jaw * lower], 1),  # chin projection
        np.stack([0 * x, 0.0012 * lips * r.lip, 0.0015 * lips], 1),  # lip fullness
        np.stack([0.003 * np.sign(x) * cheeks, 0 * x, 0.002 * cheeks], 1),  # cheek fullness
        np.stack([0 * x, 0 * x, -0.004 * np.clip((y - L.BROW_Y) / 0.06, 0, 1) * face], 1),  # forehead slope
    ]
    basis = np.zeros((len(p), 3, SHAPE_DIM))
    for k, shape in enumerate(shapes):
        for side in (1.0, -1.0):
            ball = r.head.eyeball == side
            if ball.any():
                centre = np.array([side * L.EYE_X, L.EYE_Y, L.EYEBALL_Z])
                nearest = np.argmin(np.linalg.norm(p - centre - [0, 0, L.EYEBALL_RADIUS + 0.002], axis=1)
                                    + 1e3 * ~r.surface)
                shape[ball] = shape[nearest] if k else 0.04 * centre  # rigid: move with the lid skin
        basis[:, :, k] = shape
    return basis


def standin_masks(r: Regions) -> dict[str, np.ndarray]:
    """Named vertex regions (FLAME_masks-style names plus lip / lid edges and the mouth cavity)."""
    p, head = r.p, r.head
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    skin = r.surface
    front = skin & (z > 0.03)
    dy = r.dy
    lips = front & (np.abs(x) < L.MOUTH_HALF_WIDTH + 0.002) & (dy > -0.0115) & (dy < 0.0085)
    lips |= head.cavity & (head.cavity_depth <= 0.2)
    mouth = lips | (front & (np.abs(x) < 0.042) & (dy > -0.03) & (dy < 0.02))
    eye_r = np.hypot((np.abs(x) - L.EYE_X) / 0.024, (y - L.EYE_Y - 0.002) / 0.017)
    eyes = front & (eye_r < 1.0)
    masks = {
        "lips": lips, "mouth": mouth, "mouth_interior": head.cavity, "eyes": eyes, "eye_region": eyes,
        "forehead": front & (y > L.BROW_Y + 0.006) & (y < L.HAIRLINE_Y) & (np.abs(x) < 0.05),
        "nose": front & (np.abs(x) < 0.022) & (y > L.NOSE_BASE_Y - 0.003) & (y < 0.012) & (z > 0.078),
        "face": skin & (r.expressive > 0.5), "neck": skin & (y < L.THROAT_Y - 0.004),
        "scalp": skin & ((y > L.HAIRLINE_Y) | ((z < -0.03) & (y > -0.06))),
        "left_eyeball": head.eyeball == 1, "right_eyeball": head.eyeball == -1,
        "irises": (head.eyeball != 0) & (head.eye_polar < 0.5),
        "pupils": (head.eyeball != 0) & (head.eye_polar < 0.3),
    }
    out = {name: np.flatnonzero(m) for name, m in masks.items()}
    out["lip_upper_edge"] = head.mouth_upper[1:-1]
    out["lip_lower_edge"] = head.mouth_lower[1:-1]
    out["eyelid_upper_edge"] = np.concatenate([ids[1:-1] for ids in head.eye_upper])
    out["eyelid_lower_edge"] = np.concatenate([ids[1:-1] for ids in head.eye_lower])
    return out


def write_standin(folder: str | os.PathLike[str], *, model: FlameModel | None = None, pickle: bool = False) -> Path:
    """Write standin.npz, FLAME_NEUTRAL.npz and flame_static_embedding.pkl (plus FLAME_NEUTRAL.pkl)."""
    folder = Path(folder)
    model = model or build_standin()
    model.save_npz(folder / STANDIN_FILE)
    write_smplx_folder(model, folder, ext="npz")
    if pickle:
        write_smplx_folder(model, folder, ext="pkl")
    return folder


def standin_model() -> FlameModel:
    """The committed stand-in (assets/flame/standin/standin.npz); built in memory if it is missing."""
    path = standin_flame_dir() / STANDIN_FILE
    if path.is_file():
        return FlameModel.load_npz(path)
    log.warning("%s is missing; building the stand-in head in memory (run `deeptalk flame standin -o %s`)",
                path, path.parent)
    return build_standin()
