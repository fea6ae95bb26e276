"""The corpus's semantic face channels, and how they land in each stand-in head's basis.

The corpus builder composes a clip's face in one semantic space: head v1's 50 named
components (`flame.semantics.EXPRESSION_COMPONENTS`) plus the tongue actions head v1
lacks. `projection(basis)` is the (52, 50) matrix that turns a semantic frame into the
expression coefficients of a head: identity (tongue dropped) for `standin-v1`, and a
table of left/right FACS actions for `standin-v2` (a "smile" is both corners; a whole
brow raise is the inner and the outer brow). Tables are data; every row is checked.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from deeptalk.flame.semantics import EXPRESSION_COMPONENTS, EXPRESSION_DIM
from deeptalk.flame.semantics_v2 import INDEX_V2

SEMANTIC_CHANNELS: tuple[str, ...] = (*EXPRESSION_COMPONENTS, "tongue_up", "tongue_back")
SEMANTIC_INDEX: dict[str, int] = {name: i for i, name in enumerate(SEMANTIC_CHANNELS)}
SEMANTIC_DIM = len(SEMANTIC_CHANNELS)
BASES: tuple[str, ...] = ("standin-v1", "standin-v2")


def _pair(left: str, right: str, weight: float = 1.0) -> tuple[tuple[str, float], ...]:
    return ((left, weight), (right, weight))


# semantic channel -> ((v2 component, weight), ...); channels not listed map to nothing
V2_TABLE: dict[str, tuple[tuple[str, float], ...]] = {
    "lips_part": (("lips_part", 1.0),),
    "smile": _pair("smile_L", "smile_R"),
    "frown": _pair("frown_L", "frown_R"),
    "lip_pucker": (("lip_pucker", 1.0),),
    "lip_stretch": _pair("lip_stretch_L", "lip_stretch_R"),
    "lip_press": (("lip_press", 1.0),),
    "upper_lip_raise": _pair("upper_lip_raise_L", "upper_lip_raise_R"),
    "lower_lip_depress": _pair("lower_lip_depress_L", "lower_lip_depress_R"),
    "brow_raise": (*_pair("brow_inner_up_L", "brow_inner_up_R", 0.7), *_pair("brow_outer_up_L", "brow_outer_up_R")),
    "brow_lower": _pair("brow_down_L", "brow_down_R"),
    "inner_brow_raise": _pair("brow_inner_up_L", "brow_inner_up_R"),
    "eyes_close": _pair("blink_L", "blink_R"),
    "cheek_puff": _pair("cheek_puff_L", "cheek_puff_R"),
    "lip_funnel": (("lip_funnel", 1.0),),
    "lower_lip_tuck": (("lower_lip_tuck", 1.0),),
    "nose_wrinkle": _pair("nose_wrinkle_L", "nose_wrinkle_R"),
    "eyes_wide": _pair("eye_wide_L", "eye_wide_R"),
    "mouth_left": (("mouth_left", 1.0),),
    "mouth_right": (("mouth_left", -1.0),),
    "smile_left": (("smile_L", 1.0),),
    "smile_right": (("smile_R", 1.0),),
    "blink_left": (("blink_L", 1.0),),
    "blink_right": (("blink_R", 1.0),),
    "brow_raise_left": (("brow_inner_up_L", 0.7), ("brow_outer_up_L", 1.0)),
    "brow_raise_right": (("brow_inner_up_R", 0.7), ("brow_outer_up_R", 1.0)),
    "chin_raise": (("chin_raise", 1.0),),
    "dimple": _pair("dimple_L", "dimple_R"),
    "lip_tighten": _pair("lip_tighten_L", "lip_tighten_R"),
    "cheek_squint": _pair("cheek_squint_L", "cheek_squint_R"),
    "mouth_corner_pull_down": (*_pair("frown_L", "frown_R", 0.5), ("neck_tighten", 0.4)),
    # head v1's faint detail textures: the first four go to v2's detail shapes, v2's own small
    # actions take the next ones so drifts keep some texture
    "detail_30": (("detail_46", 1.0),), "detail_31": (("detail_47", 1.0),),
    "detail_32": (("detail_48", 1.0),), "detail_33": (("detail_49", 1.0),),
    "detail_34": _pair("lid_tighten_L", "lid_tighten_R", 0.5), "detail_35": (("nostril_flare", 0.5),),
    "detail_36": (("cheek_suck", 0.5),), "detail_37": (("jaw_clench", 0.5),),
    "detail_38": (("upper_lip_tuck", 0.3),),
    "tongue_up": (("tongue_up", 1.0),),
    "tongue_back": (("tongue_back", 1.0),),
}


@lru_cache(maxsize=None)
def _matrix(basis: str) -> np.ndarray:
    matrix = np.zeros((SEMANTIC_DIM, EXPRESSION_DIM), np.float32)  # (52, 50)
    if basis == "standin-v1":
        matrix[:EXPRESSION_DIM] = np.eye(EXPRESSION_DIM, dtype=np.float32)
        return matrix
    if basis == "standin-v2":
        for channel, targets in V2_TABLE.items():
            for name, weight in targets:
                matrix[SEMANTIC_INDEX[channel], INDEX_V2[name]] += weight
        return matrix
    raise ValueError(f"the corpus builder knows the bases {BASES}, not {basis!r}")


def projection(basis: str) -> np.ndarray:
    """(52, 50) semantic channels -> expression coefficients of `basis` (read-only)."""
    matrix = _matrix(basis)
    matrix.setflags(write=False)
    return matrix


def project(semantic: np.ndarray, basis: str) -> np.ndarray:
    """(T, 52) semantic frames -> (T, 50) float32 coefficients of `basis`."""
    if semantic.shape[-1] != SEMANTIC_DIM:
        raise ValueError(f"semantic frames need {SEMANTIC_DIM} channels, got {semantic.shape[-1]}")
    return (np.asarray(semantic, np.float32) @ projection(basis)).astype(np.float32)


# per basis: components that open the mouth (rest closed in silence), widen the eyes, and blink
MOUTH_OPEN: dict[str, tuple[int, ...]] = {
    "standin-v1": (SEMANTIC_INDEX["lips_part"], SEMANTIC_INDEX["lower_lip_depress"]),
    "standin-v2": tuple(INDEX_V2[n] for n in ("lips_part", "lower_lip_depress_L", "lower_lip_depress_R")),
}
EYES_WIDE: dict[str, tuple[int, ...]] = {
    "standin-v1": (SEMANTIC_INDEX["eyes_wide"],),
    "standin-v2": (INDEX_V2["eye_wide_L"], INDEX_V2["eye_wide_R"]),
}
BLINKS: dict[str, tuple[int, ...]] = {
    "standin-v1": (SEMANTIC_INDEX["eyes_close"], SEMANTIC_INDEX["blink_left"], SEMANTIC_INDEX["blink_right"]),
    "standin-v2": (INDEX_V2["blink_L"], INDEX_V2["blink_R"]),
}
