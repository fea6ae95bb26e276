"""Apple ARKit's 52 face blendshape names, in Live Link Face's column order, and their groups.

Standard library only, no `deeptalk` imports (the Blender add-on loads this file alone).
`Left` / `Right` are the face's own left and right, as Apple defines them (the face's left
is +X on a head looking down +Z with Y up, FLAME's axes).
"""

from __future__ import annotations

ARKIT_NAMES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeSquintLeft",
    "eyeWideLeft",
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight", "eyeSquintRight",
    "eyeWideRight",
    "jawForward", "jawLeft", "jawRight", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight", "mouthSmileLeft", "mouthSmileRight",
    "mouthFrownLeft", "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft",
    "mouthStretchRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight",
    "noseSneerLeft", "noseSneerRight",
    "tongueOut",
)
assert len(ARKIT_NAMES) == 52 and len(set(ARKIT_NAMES)) == 52
ARKIT_COUNT = len(ARKIT_NAMES)
ARKIT_INDEX: dict[str, int] = {name: i for i, name in enumerate(ARKIT_NAMES)}

# Live Link Face's nine rotation channels after the 52 shapes (radians in its CSV).
ROTATION_NAMES: tuple[str, ...] = ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
                                   "RightEyeYaw", "RightEyePitch", "RightEyeRoll")

# Animator regions (per-region gain): which channels each one scales.
REGIONS: tuple[str, ...] = ("mouth", "brows", "eyes")


def region_of(name: str) -> str:
    """'mouth' (mouth, jaw, cheeks, nose, tongue), 'brows' or 'eyes' for an ARKit name."""
    if name.startswith("brow"):
        return "brows"
    if name.startswith("eye"):
        return "eyes"
    return "mouth"


def mirror_name(name: str) -> str | None:
    """The other side's channel (`eyeBlinkLeft` -> `eyeBlinkRight`), None for centre channels."""
    if name.endswith("Left"):
        return name[:-4] + "Right"
    if name.endswith("Right"):
        return name[:-5] + "Left"
    return None


# Pairs a symmetry prior may pull together: not the directional ones (jaw / mouth sideways,
# gaze), where Left and Right are opposite motions rather than two sides of one.
_DIRECTIONAL = ("jawLeft", "mouthLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeLookDownLeft")
MIRROR_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (ARKIT_INDEX[n], ARKIT_INDEX[mirror_name(n)]) for n in ARKIT_NAMES if n.endswith("Left") and n not in _DIRECTIONAL)


def livelink_column(name: str) -> str:
    """Live Link Face's CSV column for an ARKit name (`eyeBlinkLeft` -> `EyeBlinkLeft`)."""
    return name[:1].upper() + name[1:]
