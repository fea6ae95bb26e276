"""ARKit's 52 shapes on a FLAME-format head, as data: named expression components + joint poses.

Each entry says which named expression components (the stand-in's semantic names,
`flame.semantics.EXPRESSION_COMPONENTS`) and which jaw / eye rotations make the shape at a
full (1.0) activation, then optionally keeps one side of the face (`side`: +1 = the face's
own left, +X), one part of it (`part`), or adds a vertex-level procedural displacement
(`extra`) where no component does the job. `shapes.build_arkit_shapes` evaluates the table
on a head; re-pointing it at another head (head v2) means mapping these component names
onto that head's (`shapes.resolve_component` tries `_left` -> `_L` spellings).

Rotation signs, FLAME axes (Y up, face toward +Z, +X the face's left): +X rotation of the
jaw opens it; +Y swings the chin toward the face's left; an eye rotated by +X looks down,
by +Y toward the face's left (for the left eye that is outward).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

JAW_OPEN_RAD = 0.35  # jawOpen = 1: the widest opening of the stand-in's speech corpus
JAW_SIDE_RAD = 0.08  # jawLeft / jawRight = 1
EYE_LOOK_RAD = 0.35  # eyeLook* = 1 (20 degrees)
JAW_FORWARD_M = 0.004  # jawForward = 1 (metres along +Z, jaw-skinned vertices)

PARTS = ("", "upper_lip", "lower_lip", "near_eyes", "away_from_eyes")
EXTRAS = ("", "jaw_forward", "lip_seal", "none")


@dataclass(frozen=True)
class ShapeRecipe:
    components: Mapping[str, float] = field(default_factory=dict)  # component name -> coefficient
    jaw: tuple[float, float, float] = (0.0, 0.0, 0.0)  # axis-angle (radians)
    eye_left: tuple[float, float, float] = (0.0, 0.0, 0.0)
    eye_right: tuple[float, float, float] = (0.0, 0.0, 0.0)
    side: int = 0  # +1 keep the face's left half, -1 the right half, 0 all of it
    part: str = ""  # see PARTS
    extra: str = ""  # see EXTRAS

    def __post_init__(self) -> None:
        if self.side not in (-1, 0, 1) or self.part not in PARTS or self.extra not in EXTRAS:
            raise ValueError(f"bad recipe {self}")


def _r(components: Mapping[str, float] | None = None, **kw) -> ShapeRecipe:
    return ShapeRecipe(components=dict(components or {}), **kw)


def _eyes(down: float, left: float, side: int) -> ShapeRecipe:
    rot = (down * EYE_LOOK_RAD, left * EYE_LOOK_RAD, 0.0)
    return _r(eye_left=rot) if side > 0 else _r(eye_right=rot)


STANDIN_V1_TABLE: dict[str, ShapeRecipe] = {
    "eyeBlinkLeft": _r({"blink_left": 1.0}),
    "eyeLookDownLeft": _eyes(1.0, 0.0, 1),
    "eyeLookInLeft": _eyes(0.0, -1.0, 1),  # the left eye turns toward the nose (-X)
    "eyeLookOutLeft": _eyes(0.0, 1.0, 1),
    "eyeLookUpLeft": _eyes(-1.0, 0.0, 1),
    "eyeSquintLeft": _r({"cheek_squint": 1.0}, side=1, part="near_eyes"),
    "eyeWideLeft": _r({"eyes_wide": 1.0}, side=1),
    "eyeBlinkRight": _r({"blink_right": 1.0}),
    "eyeLookDownRight": _eyes(1.0, 0.0, -1),
    "eyeLookInRight": _eyes(0.0, 1.0, -1),
    "eyeLookOutRight": _eyes(0.0, -1.0, -1),
    "eyeLookUpRight": _eyes(-1.0, 0.0, -1),
    "eyeSquintRight": _r({"cheek_squint": 1.0}, side=-1, part="near_eyes"),
    "eyeWideRight": _r({"eyes_wide": 1.0}, side=-1),
    "jawForward": _r(extra="jaw_forward"),
    "jawLeft": _r(jaw=(0.0, JAW_SIDE_RAD, 0.0)),
    "jawRight": _r(jaw=(0.0, -JAW_SIDE_RAD, 0.0)),
    "jawOpen": _r(jaw=(JAW_OPEN_RAD, 0.0, 0.0)),
    "mouthClose": _r(extra="lip_seal"),  # closes jawOpen's lip gap: jawOpen + mouthClose = lips together
    "mouthFunnel": _r({"lip_funnel": 1.0}),
    "mouthPucker": _r({"lip_pucker": 1.0}),
    "mouthLeft": _r({"mouth_left": 1.0}),
    "mouthRight": _r({"mouth_right": 1.0}),
    "mouthSmileLeft": _r({"smile_left": 1.0}),
    "mouthSmileRight": _r({"smile_right": 1.0}),
    "mouthFrownLeft": _r({"frown": 1.0, "mouth_corner_pull_down": 0.3}, side=1),
    "mouthFrownRight": _r({"frown": 1.0, "mouth_corner_pull_down": 0.3}, side=-1),
    "mouthDimpleLeft": _r({"dimple": 1.0}, side=1),
    "mouthDimpleRight": _r({"dimple": 1.0}, side=-1),
    "mouthStretchLeft": _r({"lip_stretch": 1.0}, side=1),
    "mouthStretchRight": _r({"lip_stretch": 1.0}, side=-1),
    "mouthRollLower": _r({"lower_lip_tuck": 1.0}),
    "mouthRollUpper": _r({"lip_tighten": 1.0}, part="upper_lip"),
    "mouthShrugLower": _r({"chin_raise": 1.0}),
    "mouthShrugUpper": _r({"lip_pucker": 0.5}, part="upper_lip"),
    "mouthPressLeft": _r({"lip_press": 1.0}, side=1),
    "mouthPressRight": _r({"lip_press": 1.0}, side=-1),
    "mouthLowerDownLeft": _r({"lower_lip_depress": 1.0, "lips_part": 0.6}, side=1, part="lower_lip"),
    "mouthLowerDownRight": _r({"lower_lip_depress": 1.0, "lips_part": 0.6}, side=-1, part="lower_lip"),
    "mouthUpperUpLeft": _r({"upper_lip_raise": 1.0, "lips_part": 0.6}, side=1, part="upper_lip"),
    "mouthUpperUpRight": _r({"upper_lip_raise": 1.0, "lips_part": 0.6}, side=-1, part="upper_lip"),
    "browDownLeft": _r({"brow_lower": 1.0}, side=1),
    "browDownRight": _r({"brow_lower": 1.0}, side=-1),
    "browInnerUp": _r({"inner_brow_raise": 1.0}),
    "browOuterUpLeft": _r({"brow_raise_left": 1.0}),
    "browOuterUpRight": _r({"brow_raise_right": 1.0}),
    "cheekPuff": _r({"cheek_puff": 1.0}),
    "cheekSquintLeft": _r({"cheek_squint": 1.0}, side=1, part="away_from_eyes"),
    "cheekSquintRight": _r({"cheek_squint": 1.0}, side=-1, part="away_from_eyes"),
    "noseSneerLeft": _r({"nose_wrinkle": 1.0}, side=1),
    "noseSneerRight": _r({"nose_wrinkle": 1.0}, side=-1),
    "tongueOut": _r(extra="none"),  # the stand-in has no tongue: an empty shape, always 0
}
