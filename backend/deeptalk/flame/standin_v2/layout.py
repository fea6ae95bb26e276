"""Proportions head v2 adds to head v1's (metres; Y up, Z forward, the head's left is +X).

Head v2 keeps v1's grid and large forms (`standin.layout`), so eyes, mouth line and joints
sit where they did; these constants place the new parts: the mouth bag, the dental
arches, gums, tongue, the eye's iris and cornea, and shape the eye opening.
"""

from __future__ import annotations

from deeptalk.flame.standin.grid import LidShape
from deeptalk.flame.standin.layout import MOUTH_Y  # noqa: F401  (re-exported for the mouth parts)

# dental arch: z(x) = ARCH_FRONT_Z - ARCH_DEPTH * (x / ARCH_HALF_WIDTH) ** 2 for |x| <= ARCH_HALF_WIDTH
ARCH_FRONT_Z = 0.0840  # labial face of the upper incisors
ARCH_HALF_WIDTH = 0.0235  # to the last molar's outer face
ARCH_DEPTH = 0.030  # front incisors to last molars
LOWER_ARCH_INSET = 0.0016  # the lower arch sits this much inside the upper one (overjet)
TOOTH_THICKNESS = 0.0055  # labial to lingual
UPPER_CROWN = (MOUTH_Y - 0.0048, MOUTH_Y + 0.0046)  # incisal edge .. gum line (y); shows when lips part
LOWER_CROWN = (MOUTH_Y - 0.0054, MOUTH_Y - 0.0118)  # incisal edge .. gum line (0.6 mm under the upper)
GUM_HEIGHT = 0.0035  # gum band above / below the gum line
TEETH_PER_SIDE = 7

# tongue on the mouth floor, inside the lower arch
TONGUE_TIP_Z = 0.0760
TONGUE_BACK_Z = 0.047
TONGUE_TOP_Y = MOUTH_Y - 0.0070
TONGUE_BOTTOM_Y = MOUTH_Y - 0.0172

# eye: iris and pupil as angles from the eye's axis; the cornea dome above the iris
IRIS_ANGLE = 0.50
PUPIL_ANGLE = 0.22
IRIS_RECESS = 0.0006  # the iris lies this much inside the eyeball sphere
CORNEA_ANGLE = 0.58
CORNEA_RISE = 0.0006  # dome height over the sphere at the axis (clears the closed lids)

# eye opening: an almond, the upper lid highest a little toward the nose, the lower lowest
# a little toward the ear (v1's opening is flat-topped with the same height at both: a box)
LIDS = LidShape(exponent=1.6, upper_peak=-0.12, lower_peak=0.22)
