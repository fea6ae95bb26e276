"""Evaluate an ARKit recipe table (`standin_table`) on a FLAME-format head: 52 displacement fields.

The jaw / eye poses go through the head's own skinning (`flame_pose`), components through its
expression basis; side, part and the procedural extras use only what every FLAME-format head
has: the eye and jaw joints, jaw skinning weights and the `lips` region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
from scipy.spatial import cKDTree

from deeptalk.flame.masks import derive_masks
from deeptalk.flame.model import FlameModel
from deeptalk.flame.semantics import COMPONENT_INDEX
from deeptalk.retarget.flame_pose import EYE_L, EYE_R, JAW, FlamePose
from deeptalk.retarget.names import ARKIT_NAMES
from deeptalk.retarget.standin_table import JAW_FORWARD_M, JAW_OPEN_RAD, STANDIN_V1_TABLE, ShapeRecipe

EYE_DISTANCE = 0.063  # FLAME's eye distance (metres); the procedural sizes scale with it
MIDLINE_HALF_WIDTH = 0.004  # side split: smooth over +-4 mm around the face's midline
EYE_RADIUS, EYE_BAND = 0.017, 0.006  # near_eyes: within 17 mm of an eye centre, fading over 6 mm
LIP_REACH = 0.006  # lip_seal fades over 6 mm outside the lips region


@dataclass(frozen=True)
class ArkitShapes:
    """`deltas (52, V, 3)` metres from the neutral head for each ARKit name at weight 1."""

    names: tuple[str, ...]
    deltas: np.ndarray  # (52, V, 3)

    def displacement(self, weights: np.ndarray) -> np.ndarray:
        """(T, 52) weights -> (T, V, 3) summed displacements."""
        return np.einsum("tk,kvc->tvc", np.asarray(weights, dtype=np.float64), self.deltas)


def resolve_component(name: str, index: Mapping[str, int]) -> int:
    """The index of a recipe's component on a head, trying `x_left` -> `x_L` spellings too."""
    candidates = [name]
    for long, short in (("_left", "_L"), ("_right", "_R")):
        if name.endswith(long):
            candidates.append(name[: -len(long)] + short)
    for candidate in candidates:
        if candidate in index:
            return index[candidate]
    raise KeyError(f"the head has no expression component {name!r}")


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


class _HeadFields:
    """Per-vertex fields of one head the recipes use."""

    def __init__(self, model: FlameModel) -> None:
        self.model = model
        self.pose = FlamePose(model)
        joints = model.joints().astype(np.float64)
        self.scale = float(np.linalg.norm(joints[EYE_L] - joints[EYE_R])) / EYE_DISTANCE or 1.0
        self.x = model.v_template[:, 0].astype(np.float64) - 0.5 * (joints[EYE_L, 0] + joints[EYE_R, 0])
        self.jaw_weight = model.weights[:, JAW].astype(np.float64)
        eye_d = np.minimum(np.linalg.norm(model.v_template - joints[EYE_L], axis=1),
                           np.linalg.norm(model.v_template - joints[EYE_R], axis=1))
        self.near_eyes = 1.0 - _smoothstep((eye_d - EYE_RADIUS * self.scale) / (EYE_BAND * self.scale))
        masks = model.masks if "lips" in model.masks else derive_masks(model)
        self.lips = np.asarray(masks["lips"], dtype=np.int64)

    def side(self, side: int) -> np.ndarray:
        return _smoothstep(0.5 + side * self.x / (2 * MIDLINE_HALF_WIDTH * self.scale))

    def part(self, part: str) -> np.ndarray:
        return {"upper_lip": 1.0 - self.jaw_weight, "lower_lip": self.jaw_weight, "near_eyes": self.near_eyes,
                "away_from_eyes": 1.0 - self.near_eyes}[part]

    def posed_delta(self, recipe: ShapeRecipe, index: Mapping[str, int]) -> np.ndarray:
        exp = np.zeros((1, self.model.exprdirs.shape[2]))
        for name, value in recipe.components.items():
            exp[0, resolve_component(name, index)] += value
        eyes = np.array([[recipe.eye_left, recipe.eye_right]])
        return self.pose.pose(exp, np.array([recipe.jaw]), eyes)[0] - self.pose.rest  # (V, 3)

    def lip_seal(self) -> np.ndarray:
        """Lips move together by half of jawOpen's gap each: jawOpen + mouthClose = lips closed."""
        opened = self.posed_delta(ShapeRecipe(jaw=(JAW_OPEN_RAD, 0.0, 0.0)), {})  # (V, 3)
        v = self.model.v_template.astype(np.float64)
        reach = LIP_REACH * self.scale
        distance, _ = cKDTree(v[self.lips]).query(v, distance_upper_bound=4 * reach)
        near = np.where(np.isfinite(distance), np.exp(-(distance / reach) ** 2), 0.0)  # (V,) 1 on the lips
        lower = self.lips[self.jaw_weight[self.lips] > 0.9]
        if not len(lower):
            return np.zeros_like(opened)
        _, nearest = cKDTree(v[lower]).query(v)
        w = self.jaw_weight[:, None]
        return near[:, None] * (-0.5 * opened * w + 0.5 * opened[lower[nearest]] * (1.0 - w))


def build_arkit_shapes(model: FlameModel, table: Mapping[str, ShapeRecipe] = STANDIN_V1_TABLE,
                       component_index: Mapping[str, int] = COMPONENT_INDEX) -> ArkitShapes:
    """The 52 ARKit displacement fields of `table` on `model` (ARKit order)."""
    head = _HeadFields(model)
    deltas = np.zeros((len(ARKIT_NAMES), model.num_vertices, 3))
    for k, name in enumerate(ARKIT_NAMES):
        recipe = table[name]
        if recipe.extra == "none":
            continue
        delta = head.posed_delta(recipe, component_index)
        if recipe.extra == "jaw_forward":
            delta = delta + head.jaw_weight[:, None] * np.array([0.0, 0.0, JAW_FORWARD_M * head.scale])
        elif recipe.extra == "lip_seal":
            delta = delta + head.lip_seal()
        if recipe.side:
            delta = delta * head.side(recipe.side)[:, None]
        if recipe.part:
            delta = delta * head.part(recipe.part)[:, None]
        deltas[k] = delta
    return ArkitShapes(names=ARKIT_NAMES, deltas=deltas)
