"""FLAME expression basis ids: what a head file or a model's 50 coefficients mean.

Ids: `standin-v1` (the committed stand-in head; also any stand-in file without an id),
`standin-v2` (head v2), `flame2020` (official FLAME pickles and converted official models),
`unknown`. FLAME files we write carry `basis_id`; model manifests carry `flame_basis`
(missing: `standin-v1`). A model must only drive heads of its own basis. The add-on keeps
the same rule in `blender_addon/flame_basis.py` (the two sides share no code).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

STANDIN_V1 = "standin-v1"
STANDIN_V2 = "standin-v2"
FLAME2020 = "flame2020"
UNKNOWN = "unknown"


def infer_basis(basis_id: str, *, num_vertices: int, num_expressions: int, source: str = "") -> str:
    """The basis of a FLAME file: its `basis_id`, else FLAME 2020 by size, a stand-in by its source."""
    if basis_id:
        return basis_id
    if num_vertices == 5023 and num_expressions == 100:
        return FLAME2020
    if "standin" in source.replace("-", "").lower():
        return STANDIN_V1
    return UNKNOWN


def basis_of_flame_path(path: str | Path) -> str:
    """The basis of a FLAME `.npz` (read without unpickling) or `.pkl` (by the restricted loader)."""
    path = Path(path)
    if path.suffix.lower() == ".npz":
        with np.load(path, allow_pickle=False) as data:
            basis_id = str(data["basis_id"]) if "basis_id" in data.files else ""
            source = str(data["source"]) if "source" in data.files else str(path)
            v, e = data["v_template"].shape[0], data["exprdirs"].shape[-1]
        return infer_basis(basis_id, num_vertices=int(v), num_expressions=int(e), source=source)
    from deeptalk.flame.loading import load_flame_pickle

    model = load_flame_pickle(path)
    return model.basis


def standin_for_motion(motion_path: str | Path) -> str:
    """The stand-in head (`load_flame` name) for a motion `.npz`: the one in its recorded `flame_basis`,
    head v1 (`standin`) when it records none (older files) or the file cannot be read."""
    from deeptalk.paths import standin_for_basis

    try:
        with np.load(Path(motion_path), allow_pickle=False) as data:
            basis = str(data["flame_basis"]) if "flame_basis" in data.files else ""
    except (OSError, ValueError):
        basis = ""
    return standin_for_basis(basis or STANDIN_V1)


def mismatch_warning(flame_path: str | Path, flame_basis: str, model_basis: str) -> str | None:
    """A sentence when a FLAME file and a model disagree on the basis (None when they agree or one is unknown)."""
    if UNKNOWN in (flame_basis, model_basis) or flame_basis == model_basis:
        return None
    return (f"{flame_path} is a {flame_basis} head but the model speaks the {model_basis} expression basis: the "
            f"motion will look wrong on it; use a head in the model's basis (or a model for this head, e.g. "
            f"`deeptalk convert-official` for FLAME 2020)")
