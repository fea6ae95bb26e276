"""Build head v2 (`standin-v2`) and read / write its committed copy.

Deterministic like v1: the same code gives the same arrays and `write_standin_v2` the
same bytes. The files are FLAME format (smplx and every loader read them) plus two keys:
`basis_id` ("standin-v2") and `expression_names` (the 50 component names).
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from deeptalk.flame.model import EXPR_BASIS_DIM, FlameModel, write_npz_deterministic
from deeptalk.flame.semantics import EXPRESSION_DIM, JOINT_PARENTS
from deeptalk.flame.semantics_v2 import BASIS_ID, NAMES_V2
from deeptalk.flame.smplx_folder import NEUTRAL_STEM, standin_landmarks, write_smplx_folder
from deeptalk.flame.standin.build import identity_basis, portable
from deeptalk.flame.standin_v2.basis import expression_basis_v2
from deeptalk.flame.standin_v2.cranium import round_cranium
from deeptalk.flame.standin_v2.head import build_head_v2
from deeptalk.flame.standin_v2.masks import brow_shape, standin_masks_v2
from deeptalk.flame.standin_v2.rig import (jaw_correctives_v2, joint_regressor_v2, regions_v2,
                                           skinning_weights_v2)
from deeptalk.paths import assets_dir

log = logging.getLogger(__name__)

STANDIN_FILE = "standin.npz"
SOURCE = "standin-v2"
_FLOAT_FIELDS = ("v_template", "shapedirs", "exprdirs", "posedirs", "J_regressor", "weights", "landmark_bary")


def standin_v2_dir() -> Path:
    """Where head v2's generated files are committed (`assets/flame/standin-v2`)."""
    return assets_dir() / "flame" / "standin-v2"


def build_standin_v2() -> FlameModel:
    """Generate head v2 (about 16,000 vertices, 50 named independent expressions, FLAME joints)."""
    h = build_head_v2()
    r = regions_v2(h)
    exprdirs = np.zeros((len(r.p), 3, EXPR_BASIS_DIM))
    exprdirs[:, :, :EXPRESSION_DIM] = expression_basis_v2(r, h)
    weights = skinning_weights_v2(r, h)
    shapedirs = identity_basis(r)
    parts = h.mask("teeth_upper", "teeth_lower", "gums_upper", "gums_lower", "tongue", "ear")
    shapedirs[parts] = 0.0
    shapedirs[parts, :, 0] = 0.04 * r.p[parts]  # the mouth parts and ears scale with the head, nothing else
    # the dome is widened last: the basis, weights, joints and masks are those of the face it leaves alone
    model = FlameModel(
        v_template=round_cranium(h.head.vertices, h.mask("skin", "ear")), f=h.head.faces, shapedirs=shapedirs, exprdirs=exprdirs,
        posedirs=jaw_correctives_v2(r, weights), J_regressor=joint_regressor_v2(r, h), weights=weights,
        kintree_table=np.array([JOINT_PARENTS, range(len(JOINT_PARENTS))]), masks=standin_masks_v2(r, h),
        source=SOURCE, masks_source="standin-v2 (built with the head)",
    )
    faces, bary = standin_landmarks(model)
    model = replace(model, landmark_faces=faces, landmark_bary=bary)
    return replace(model, **{name: portable(getattr(model, name)) for name in _FLOAT_FIELDS})


BROW_SHAPE_KEY = "paint/brow_shape"  # (V, 2) float32: see `masks.brow_shape`
NOT_SKIN = ("mouth_interior", "left_eyeball", "right_eyeball", "teeth", "gums", "tongue")


def head_v2_keys(model: FlameModel) -> dict[str, np.ndarray]:
    """The keys head v2's files carry beyond FLAME's: basis id, component names, the brows' shape."""
    skin = np.ones(len(model.v_template), bool)
    for name in NOT_SKIN:
        skin[model.masks[name]] = False
    return {"basis_id": np.array(BASIS_ID, dtype=np.str_), "expression_names": np.array(NAMES_V2, dtype=np.str_),
            BROW_SHAPE_KEY: portable(brow_shape(model.v_template, skin), 5).astype(np.float32)}


def _add_keys(path: Path, extra: dict[str, np.ndarray]) -> None:
    """Rewrite an npz with `extra` keys appended (deterministic bytes)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays.update(extra)
    write_npz_deterministic(path, arrays)


def write_standin_v2(folder: str | os.PathLike[str] | None = None, *, model: FlameModel | None = None,
                     pickle: bool = False) -> Path:
    """Write standin.npz, FLAME_NEUTRAL.npz and flame_static_embedding.pkl (plus FLAME_NEUTRAL.pkl)."""
    folder = Path(folder) if folder is not None else standin_v2_dir()
    model = model or build_standin_v2()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        staged = Path(tmp)
        model.save_npz(staged / STANDIN_FILE)
        write_smplx_folder(model, staged, ext="npz")
        if pickle:
            write_smplx_folder(model, staged, ext="pkl")
        for name in (STANDIN_FILE, f"{NEUTRAL_STEM}.npz"):
            _add_keys(staged / name, head_v2_keys(model))
        for item in sorted(staged.iterdir()):
            os.replace(item, folder / item.name)
    return folder


def standin_v2_model() -> FlameModel:
    """The committed head v2; built in memory if it is missing."""
    path = standin_v2_dir() / STANDIN_FILE
    if path.is_file():
        return FlameModel.load_npz(path)
    log.warning("%s is missing; building head v2 in memory (run `deeptalk flame standin --version 2`)", path)
    return build_standin_v2()
