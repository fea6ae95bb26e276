"""Proportions of the stand-in head (metres; Y up, Z forward, the head's left is +X).

One place for the anatomical constants every builder module shares. Values follow
average adult proportions at FLAME's scale (about 0.23 m from chin to crown).
"""

from __future__ import annotations

# ray-casting centre of the base surface
CENTRE = (0.0, -0.01, 0.0)

# eyes: centre height, half distance between pupils, eyeball
EYE_Y = 0.006
EYE_X = 0.0315
EYEBALL_RADIUS = 0.0122
EYEBALL_Z = 0.0615
EYE_HALF_WIDTH = 0.0135  # palpebral fissure half width (corner to centre)
UPPER_LID_OPEN = 0.0052  # rest opening above the fissure line
LOWER_LID_OPEN = 0.0040  # rest opening below it
LID_GAP = 0.0011  # lid margin in front of the eyeball surface

# brows, forehead
BROW_Y = 0.030
HAIRLINE_Y = 0.085

# nose
NOSE_TIP_Y = -0.030
NOSE_BASE_Y = -0.042

# mouth
MOUTH_Y = -0.060
MOUTH_HALF_WIDTH = 0.025
LIP_GAP = 0.0004  # rest distance between the closed lips' edges

# chin, jaw, neck
CHIN_Y = -0.104
THROAT_Y = -0.128
JAW_PIVOT = (0.0, -0.018, -0.004)  # temporomandibular joint axis centre
NECK_JOINT_Y = -0.125
NECK_BOTTOM_Y = -0.19

# face region (the height-field features live here)
FACE_HALF_WIDTH = 0.062
