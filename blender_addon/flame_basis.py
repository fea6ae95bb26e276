"""Which FLAME expression basis a head or a model speaks, and refusing to mix them.

A model's 50 expression coefficients mean something only in the basis it was trained in:
the stand-in head's (`standin-v1`, `standin-v2`) or FLAME 2020's (`flame2020`, the official
DEEPTalk weights). Rigs carry `deeptalk_flame_basis` (missing: `standin-v1`, the only rigs
made before it was recorded); results carry the model's basis in their `.npz`. Driving a rig
with another basis's coefficients gives a wrong face without any error, so it is refused.
"""

from __future__ import annotations

RIG_PROPERTY = "deeptalk_flame_basis"
DEFAULT_BASIS = "standin-v1"
FLAME2020 = "flame2020"
UNKNOWN = "unknown"


def basis_of_flame_file(basis_id: str, *, num_vertices: int, num_expressions: int, source: str = "") -> str:
    """A FLAME file's basis: its `basis_id`, else FLAME 2020 by its sizes, a stand-in by its source."""
    if basis_id:
        return basis_id
    if num_vertices == 5023 and num_expressions == 100:
        return FLAME2020
    if "standin" in source.replace("-", "").lower():
        return DEFAULT_BASIS
    return UNKNOWN


def rig_basis(rig) -> str:
    return str(rig.get(RIG_PROPERTY, DEFAULT_BASIS))


def mismatch_message(rig_name: str, rig_basis_: str, model_basis: str) -> str | None:
    """One sentence saying what to do when a result in `model_basis` meets a rig in `rig_basis_`."""
    if not model_basis or model_basis == rig_basis_ or UNKNOWN in (model_basis, rig_basis_):
        return None
    if model_basis == FLAME2020:
        fix = ("add a head from the real FLAME 2020 model (Add FLAME Head with generic_model.pkl) and animate "
               "that, or switch the backend to a model trained on this head")
    else:
        fix = (f"animate a head built from the {model_basis} stand-in (Add FLAME Head), or point the backend "
               f"at a model trained in the {rig_basis_} basis (e.g. one from deeptalk convert-official for "
               f"FLAME 2020 heads)")
    return (f"the backend's model speaks the {model_basis} expression basis but rig '{rig_name}' is a "
            f"{rig_basis_} head, so its face would come out wrong; {fix}")
