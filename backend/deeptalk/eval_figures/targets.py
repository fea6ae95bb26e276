"""Targets of the held-out figures (issue 20) and whether a value meets them.

A per-engine figure (`name@engine`) has its pooled figure's target. Per-class figures
(`emotion_visible_mm_<class>`, `emotion_override_fer_<class>`) share their family's.
"""

from __future__ import annotations

import math

TARGETS: dict[str, tuple[str, float]] = {
    "jaw_correlation": (">=", 0.9),
    "lip_vertex_error_ratio": ("<=", 0.4),
    "lipreading_error_ratio": ("<=", 1.5),
    "emotion_accuracy_generated": (">=", 0.6),
    "dee_r1_emotion": (">=", 0.85),
    "codebook_usage_top": (">=", 0.6),
    "codebook_usage_bottom": (">=", 0.6),
    "bilabial_closure_ratio": (">=", 0.8),
    "emotion_visible_mm_min": (">=", 3.0),
    "emotion_pattern_cosine_max": ("<", 0.9),
    "emotion_override_fer_min": (">=", 0.9),
    "emotion_weight_monotone": (">=", 1.0),
    "alpha_takes_difference_mm": (">=", 2.0),
    "alpha_takes_lipreading_ratio": ("<=", 1.2),
    "speech_emotion_accuracy": (">=", 0.8),
}
FAMILY_TARGETS: dict[str, tuple[str, float]] = {
    "emotion_visible_mm_": (">=", 3.0),
    "emotion_override_fer_": (">=", 0.9),
}


def target_of(name: str) -> tuple[str, float] | None:
    base = name.split("@", 1)[0]
    if base in TARGETS:
        return TARGETS[base]
    return next((t for prefix, t in FAMILY_TARGETS.items() if base.startswith(prefix)), None)


def met(name: str, value: float) -> bool | None:
    """True / False against the figure's target; None when it has none. NaN never meets one."""
    target = target_of(name)
    if target is None:
        return None
    op, bound = target
    if not math.isfinite(value):
        return False
    return value >= bound if op == ">=" else value <= bound if op == "<=" else value < bound


def verdicts(figures: dict[str, float]) -> dict[str, dict[str, object]]:
    """{name: {"target": "<= 1.2", "met": bool}} for every figure that has a target."""
    out: dict[str, dict[str, object]] = {}
    for name, value in figures.items():
        target = target_of(name)
        if target is not None:
            out[name] = {"target": f"{target[0]} {target[1]:g}", "met": met(name, value)}
    return out
