"""eval_figures.targets: a figure's target, per engine and per class, and its verdict."""

from __future__ import annotations

from deeptalk.eval_figures.targets import met, target_of, verdicts


def test_targets_reach_engine_and_class_variants():
    assert target_of("bilabial_closure_ratio") == (">=", 0.8)
    assert target_of("alpha_takes_lipreading_ratio@flite") == ("<=", 1.2)
    assert target_of("emotion_visible_mm_happy@festival") == (">=", 3.0)
    assert target_of("emotion_override_fer_sad") == (">=", 0.9)
    assert target_of("lip_vertex_error_m") is None and target_of("emotion_weight_mm_happy_w0.5") is None


def test_verdicts_compare_strictly_where_the_target_is_strict_and_nan_misses():
    assert met("emotion_pattern_cosine_max", 0.89) and not met("emotion_pattern_cosine_max", 0.9)
    assert met("alpha_takes_lipreading_ratio", 1.2) and not met("speech_emotion_accuracy", float("nan"))
    assert met("clips", 3.0) is None
    judged = verdicts({"jaw_correlation": 0.95, "clips": 4.0, "emotion_visible_mm_min": 1.2})
    assert judged == {"jaw_correlation": {"target": ">= 0.9", "met": True},
                      "emotion_visible_mm_min": {"target": ">= 3", "met": False}}
