"""Head v2's expression basis as data: component names, FACS action units, ranges, emotion poses.

Component `i` of a `standin-v2` head does what `COMPONENTS_V2[i]` says; a unit
coefficient is a full, natural activation. Left/right actions are separate components
(`_L` is the head's left, +X). No component is a sum of others: the basis is linearly
independent (tests check the singular values). `range` is the documented useful range
of the coefficient (values outside it are allowed but leave the designed look).
Head v1 keeps its own table in `semantics.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

EXPRESSION_DIM = 50  # = semantics.EXPRESSION_DIM; not imported: the add-on loads this file alone

BASIS_ID = "standin-v2"


@dataclass(frozen=True)
class Component:
    name: str
    au: str  # FACS action unit(s) it stands for ("" for detail shapes)
    low: float  # documented range
    high: float
    does: str


COMPONENTS_V2: tuple[Component, ...] = (
    Component("lips_part", "AU25", -0.3, 1.0, "lips separate without jaw motion"),
    Component("smile_L", "AU12", -0.2, 1.2, "left mouth corner up and back, cheek lifts"),
    Component("smile_R", "AU12", -0.2, 1.2, "right mouth corner up and back, cheek lifts"),
    Component("frown_L", "AU15", -0.2, 1.2, "left mouth corner down"),
    Component("frown_R", "AU15", -0.2, 1.2, "right mouth corner down"),
    Component("lip_pucker", "AU18", -0.3, 1.0, "lips pushed forward and rounded (oo, w)"),
    Component("lip_stretch_L", "AU20", -0.2, 1.0, "left corner pulled out sideways, lips flat (ee)"),
    Component("lip_stretch_R", "AU20", -0.2, 1.0, "right corner pulled out sideways, lips flat (ee)"),
    Component("lip_press", "AU24", -0.3, 1.0, "lips pressed together and rolled in (m, b, p)"),
    Component("upper_lip_raise_L", "AU10", -0.2, 1.0, "left half of the upper lip lifts (disgust)"),
    Component("upper_lip_raise_R", "AU10", -0.2, 1.0, "right half of the upper lip lifts (disgust)"),
    Component("lower_lip_depress_L", "AU16", -0.2, 1.0, "left half of the lower lip pulled down"),
    Component("lower_lip_depress_R", "AU16", -0.2, 1.0, "right half of the lower lip pulled down"),
    Component("brow_inner_up_L", "AU1", -0.3, 1.2, "inner end of the left brow up (sadness, worry)"),
    Component("brow_inner_up_R", "AU1", -0.3, 1.2, "inner end of the right brow up (sadness, worry)"),
    Component("brow_outer_up_L", "AU2", -0.3, 1.2, "outer part of the left brow up (surprise)"),
    Component("brow_outer_up_R", "AU2", -0.3, 1.2, "outer part of the right brow up (surprise)"),
    Component("brow_down_L", "AU4", -0.3, 1.2, "left brow down and in (anger, focus)"),
    Component("brow_down_R", "AU4", -0.3, 1.2, "right brow down and in (anger, focus)"),
    Component("blink_L", "AU45", -0.2, 1.0, "left lids close (1 = fully shut)"),
    Component("blink_R", "AU45", -0.2, 1.0, "right lids close (1 = fully shut)"),
    Component("eye_wide_L", "AU5", -0.3, 1.0, "left upper lid raised, eye opens wide (fear, surprise)"),
    Component("eye_wide_R", "AU5", -0.3, 1.0, "right upper lid raised, eye opens wide (fear, surprise)"),
    Component("cheek_squint_L", "AU6", -0.2, 1.0, "left cheek lifts, lower lid pushed up (genuine smile)"),
    Component("cheek_squint_R", "AU6", -0.2, 1.0, "right cheek lifts, lower lid pushed up (genuine smile)"),
    Component("nose_wrinkle_L", "AU9", -0.2, 1.0, "left side of the nose scrunches up (disgust)"),
    Component("nose_wrinkle_R", "AU9", -0.2, 1.0, "right side of the nose scrunches up (disgust)"),
    Component("lip_funnel", "AU22", -0.2, 1.0, "lips flare open into a funnel (sh, ch)"),
    Component("chin_raise", "AU17", -0.2, 1.0, "chin boss up, lower lip pushed up (doubt, sadness)"),
    Component("lower_lip_tuck", "AU28", -0.2, 1.0, "lower lip rolls in under the upper teeth (f, v)"),
    Component("dimple_L", "AU14", -0.2, 1.0, "left corner pulled straight back into the cheek"),
    Component("dimple_R", "AU14", -0.2, 1.0, "right corner pulled straight back into the cheek"),
    Component("lip_tighten_L", "AU23", -0.2, 1.0, "left half of the lips thins and tenses (anger)"),
    Component("lip_tighten_R", "AU23", -0.2, 1.0, "right half of the lips thins and tenses (anger)"),
    Component("cheek_puff_L", "AU34", -0.3, 1.0, "left cheek inflates"),
    Component("cheek_puff_R", "AU34", -0.3, 1.0, "right cheek inflates"),
    Component("lid_tighten_L", "AU7", -0.2, 1.0, "left lids narrow and tense (anger, focus)"),
    Component("lid_tighten_R", "AU7", -0.2, 1.0, "right lids narrow and tense (anger, focus)"),
    Component("mouth_left", "AD", -1.0, 1.0, "whole mouth shifts to the head's left (negative: right)"),
    Component("upper_lip_tuck", "AU28", -0.2, 1.0, "upper lip rolls in over the teeth"),
    Component("nostril_flare", "AU38", -0.3, 1.0, "nostrils widen"),
    Component("tongue_up", "AD19", -0.3, 1.0, "tongue tip rises behind the upper teeth (l, t, d, n)"),
    Component("tongue_back", "AD", -0.3, 1.0, "tongue draws back and bunches (k, g)"),
    Component("cheek_suck", "AU35", -0.2, 1.0, "cheeks drawn in between the teeth"),
    Component("neck_tighten", "AU21", -0.2, 1.0, "neck cords tense under the jaw (fear, effort)"),
    Component("jaw_clench", "AD31", -0.2, 1.0, "jaw muscles bulge at the angle of the jaw"),
    *(Component(f"detail_{i:02d}", "", -1.0, 1.0, "small smooth detail shape (PCA-tail-like)") for i in range(46, 50)),
)
assert len(COMPONENTS_V2) == EXPRESSION_DIM

NAMES_V2: tuple[str, ...] = tuple(c.name for c in COMPONENTS_V2)
INDEX_V2: dict[str, int] = {name: i for i, name in enumerate(NAMES_V2)}
NAMED_V2 = 30  # the first 30 are the self-explaining ones (each moves some vertex >= 4 mm at 1.0)

# full-strength emotion poses in head v2's basis ("jaw": opening in radians), for tests,
# contact sheets and the corpus builder
EMOTION_POSES_V2: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"smile_L": 1.0, "smile_R": 1.0, "cheek_squint_L": 0.8, "cheek_squint_R": 0.8, "lips_part": 0.35,
              "brow_outer_up_L": 0.15, "brow_outer_up_R": 0.15, "jaw": 0.06},
    "sad": {"brow_inner_up_L": 1.0, "brow_inner_up_R": 1.0, "brow_down_L": 0.3, "brow_down_R": 0.3,
            "frown_L": 0.9, "frown_R": 0.9, "chin_raise": 0.6, "blink_L": 0.25, "blink_R": 0.25},
    "angry": {"brow_down_L": 1.0, "brow_down_R": 1.0, "lid_tighten_L": 0.8, "lid_tighten_R": 0.8,
              "lip_press": 0.6, "lip_tighten_L": 0.6, "lip_tighten_R": 0.6, "nose_wrinkle_L": 0.4,
              "nose_wrinkle_R": 0.4, "upper_lip_raise_L": 0.2, "upper_lip_raise_R": 0.2},
    "surprised": {"brow_inner_up_L": 1.0, "brow_inner_up_R": 1.0, "brow_outer_up_L": 1.0, "brow_outer_up_R": 1.0,
                  "eye_wide_L": 1.0, "eye_wide_R": 1.0, "lips_part": 0.4, "jaw": 0.30},
}

BLINK_V2 = (INDEX_V2["blink_L"], INDEX_V2["blink_R"])
TONGUE_V2 = (INDEX_V2["tongue_up"], INDEX_V2["tongue_back"])

# channels that shape speech on head v2 (lip components, tongue and the jaw)
ARTICULATION_CHANNELS_V2: tuple[int, ...] = (
    *(INDEX_V2[n] for n in ("lips_part", "lip_pucker", "lip_stretch_L", "lip_stretch_R", "lip_press",
                            "upper_lip_raise_L", "upper_lip_raise_R", "lower_lip_depress_L", "lower_lip_depress_R",
                            "lip_funnel", "lower_lip_tuck", "upper_lip_tuck", "tongue_up", "tongue_back")),
    EXPRESSION_DIM, EXPRESSION_DIM + 1, EXPRESSION_DIM + 2,
)


def pose_vector(pose: dict[str, float]) -> tuple[list[float], float]:
    """(50 expression coefficients, jaw opening in radians) for a pose dict."""
    exp = [0.0] * EXPRESSION_DIM
    for name, value in pose.items():
        if name != "jaw":
            exp[INDEX_V2[name]] = float(value)
    return exp, float(pose.get("jaw", 0.0))
