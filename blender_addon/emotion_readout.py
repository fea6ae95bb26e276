"""What the voice said and what the face shows, per take, for the panel ("Voice: neutral 80 % · Face: happy 90 %").

The voice is the backend's DEE reading of the speech (the emotion track's clip summary,
`emotion_track.summary_properties`); the face is the model's FER critic read on the take's
generated motion (`face_emotion (takes, K)` in the result file; absent for models without
a FER). Each take's action stores its own face reading as custom properties, so switching
takes switches the readout. Pure Python apart from reading ID properties.
"""

from __future__ import annotations

import math

import numpy as np

FACE_PROBS = "deeptalk_face_probs"
FACE_DOMINANT = "deeptalk_face_emotion"
FACE_CONFIDENCE = "deeptalk_face_confidence"


def face_properties(names: tuple[str, ...], probs) -> dict[str, object]:
    """Custom properties for one take's action from its (K,) face probabilities ({} when unusable)."""
    probs = np.asarray(probs, dtype=np.float64).reshape(-1)
    if not names or probs.shape != (len(names),) or not np.isfinite(probs).all() or probs.sum() <= 0:
        return {}
    probs = probs / probs.sum()
    best = int(np.argmax(probs))
    return {FACE_PROBS: [float(p) for p in probs], FACE_DOMINANT: names[best], FACE_CONFIDENCE: float(probs[best])}


def _percent(value: float) -> str:
    return f"{round(100 * value):d} %"


def voice_text(action) -> str:
    """'Voice: neutral 80 %' from a take's action ("" when it has no emotion reading)."""
    dominant = str(action.get("deeptalk_dominant_emotion", ""))
    confidence = float(action.get("deeptalk_emotion_confidence", math.nan))
    return f"Voice: {dominant} {_percent(confidence)}" if dominant and math.isfinite(confidence) else ""


def face_text(action) -> str:
    """'Face: happy 90 %' from a take's action ("" when the model read no face)."""
    dominant = str(action.get(FACE_DOMINANT, ""))
    confidence = float(action.get(FACE_CONFIDENCE, math.nan))
    return f"Face: {dominant} {_percent(confidence)}" if dominant and math.isfinite(confidence) else ""


def readout(action) -> str:
    """'Voice: neutral 80 % · Face: happy 90 %' (either part alone when the other is missing)."""
    return " \u00b7 ".join(part for part in (voice_text(action), face_text(action)) if part)


def heard_text(action, dominant: str, confidence: float) -> str:
    """The panel's first emotion line: voice and face side by side when the take has a face reading."""
    if face_text(action):
        return readout(action)
    return f"Heard: {dominant} ({confidence:.0%})"


def draw_take(layout, take) -> None:
    """The active take's emotion intensity slider (keyable: its keyframe button sits beside it)."""
    from . import expression_layer

    strip = expression_layer.intensity_strip(take)
    if strip is None:
        return
    row = layout.row(align=True)
    row.use_property_decorate = True
    row.prop(strip, "influence", text="Emotion Intensity", slider=True)
