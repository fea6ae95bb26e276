"""Named meaning of each of the stand-in head's 50 expression components, and FLAME joints.

The real FLAME's expression basis is a PCA with no names; our stand-in head is built
so that component `i` does what `EXPRESSION_COMPONENTS[i]` says (unit coefficient =
a full, natural-looking activation; negative values do the opposite where that makes
sense). The corpus builder writes motion in this space, so the embedded default model
speaks "stand-in FLAME". Components 30..49 are small smooth detail shapes, like the
long tail of FLAME's PCA.
"""

from __future__ import annotations

EXPRESSION_DIM = 50
JAW_DIM = 3
MOTION_DIM = EXPRESSION_DIM + JAW_DIM  # per-frame vector: exp[0:50] + jaw axis-angle[50:53]
MOTION_FPS = 25.0

EXPRESSION_COMPONENTS: tuple[str, ...] = (
    "lips_part",          # 0  lips separate without jaw motion
    "smile",              # 1  both mouth corners up and back, cheeks raise
    "frown",              # 2  both mouth corners down
    "lip_pucker",         # 3  lips pushed forward and rounded (oo, w)
    "lip_stretch",        # 4  lips stretched wide, flat (ee)
    "lip_press",          # 5  lips pressed together (m, b, p)
    "upper_lip_raise",    # 6  upper lip lifts (disgust, f/v with lower_lip_tuck)
    "lower_lip_depress",  # 7  lower lip pulled down
    "brow_raise",         # 8  whole brows up (surprise)
    "brow_lower",         # 9  brows down and together (anger)
    "inner_brow_raise",   # 10 inner brow corners up (sadness)
    "eyes_close",         # 11 both lids close (blink)
    "cheek_puff",         # 12 cheeks inflate
    "lip_funnel",         # 13 lips flare open into a funnel (sh, ch)
    "lower_lip_tuck",     # 14 lower lip under upper teeth (f, v)
    "nose_wrinkle",       # 15 nose and upper lip scrunch
    "eyes_wide",          # 16 lids open wide (fear, surprise)
    "mouth_left",         # 17 whole mouth shifts to the head's left
    "mouth_right",        # 18 whole mouth shifts to the head's right
    "smile_left",         # 19 left corner up
    "smile_right",        # 20 right corner up
    "blink_left",         # 21 left lid closes
    "blink_right",        # 22 right lid closes
    "brow_raise_left",    # 23 left brow up
    "brow_raise_right",   # 24 right brow up
    "chin_raise",         # 25 chin boss up, lower lip pushed up (doubt, sadness)
    "dimple",             # 26 corners pulled straight back
    "lip_tighten",        # 27 lips thin and tense (anger)
    "cheek_squint",       # 28 lower lids and cheeks up (genuine smile)
    "mouth_corner_pull_down",  # 29 lower face drawn down (fear, effort)
    *(f"detail_{i:02d}" for i in range(30, 50)),
)
assert len(EXPRESSION_COMPONENTS) == EXPRESSION_DIM

COMPONENT_INDEX: dict[str, int] = {name: i for i, name in enumerate(EXPRESSION_COMPONENTS)}

# Motion channels that shape speech on the stand-in: the lip components and the jaw (what the
# default lip-reader reads; emotion channels such as smile or brows say nothing about visemes).
ARTICULATION_CHANNELS: tuple[int, ...] = (
    *(COMPONENT_INDEX[name] for name in ("lips_part", "lip_pucker", "lip_stretch", "lip_press", "upper_lip_raise",
                                         "lower_lip_depress", "lip_funnel", "lower_lip_tuck")),
    EXPRESSION_DIM, EXPRESSION_DIM + 1, EXPRESSION_DIM + 2,
)

# FLAME's kinematic tree: global root, neck, jaw, left eye, right eye.
JOINT_NAMES: tuple[str, ...] = ("global", "neck", "jaw", "eye_L", "eye_R")
JOINT_PARENTS: tuple[int, ...] = (-1, 0, 1, 1, 1)
JAW_JOINT = 2
