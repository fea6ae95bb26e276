"""`deeptalk eval --quick --json` end to end: every issue-20 figure present, finite, in range, judged."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

NEW_FIGURES = ("bilabial_closure_ground_truth", "bilabial_closure_thvqvae", "bilabial_closure_generated",
               "bilabial_closure_ratio", "speech_emotion_accuracy", "speech_emotion_accuracy@espeak-ng",
               "emotion_visible_mm_min", "emotion_pattern_cosine_max", "emotion_override_fer_min",
               "emotion_weight_monotone", "alpha_takes_difference_mm", "alpha_takes_lipreading_ratio")


def test_quick_eval_writes_every_figure_with_its_target(tiny_model_dir, eval_corpus, tmp_path):
    out = tmp_path / "eval.json"
    proc = subprocess.run([sys.executable, "-m", "deeptalk", "eval", str(tiny_model_dir), "--data", str(eval_corpus),
                           "--quick", "--max-clips", "3", "--emotion-clips", "2", "--alpha-clips", "1",
                           "--json", str(out)], capture_output=True, text=True, timeout=300,
                          env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    targets = report.pop("targets")
    assert report["clips"] == 3 and report["emotion_control_clips"] == 2 and report["alpha_takes_clips"] == 1
    for name in NEW_FIGURES:
        assert np.isfinite(report[name]), name
    for name in NEW_FIGURES[3:]:  # the closure ratio and everything after it have targets
        assert targets[name]["met"] in (True, False) and targets[name]["target"], name
    assert "bilabial_closure_generated" not in targets and "speech_emotion_accuracy@espeak-ng" in targets
    for name in ("bilabial_closure_ground_truth", "bilabial_closure_generated", "speech_emotion_accuracy",
                 "emotion_override_fer_min"):
        assert 0.0 <= report[name] <= 1.0
    assert report["emotion_visible_mm_min"] > 0.0 and report["alpha_takes_difference_mm"] >= 0.0
    assert 0.0 <= report["viseme_accuracy_generated"] <= 1.0 and 0.0 <= report["viseme_accuracy_ground_truth:sil"] <= 1.0
    rows = [sum(report[f"heard_confusion@espeak-ng:{t}->{h}"] for h in ("neutral", "happy", "sad", "angry",
                                                                        "surprised"))
            for t in ("neutral", "happy", "sad", "angry", "surprised")]
    assert all(r == 0.0 or abs(r - 1.0) < 1e-9 for r in rows) and sum(rows) >= 1.0
    assert "bilabial_closure_ratio" in proc.stdout and "(target >= 0.8:" in proc.stdout


def test_an_engine_the_corpus_lacks_is_one_clear_sentence(tiny_model_dir, eval_corpus):
    proc = subprocess.run([sys.executable, "-m", "deeptalk", "eval", str(tiny_model_dir), "--data", str(eval_corpus),
                           "--quick", "--engine", "festival"], capture_output=True, text=True, timeout=300,
                          env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0
    assert "no test clips of engine 'festival'" in proc.stderr and "Traceback" not in proc.stderr


def test_two_engines_are_reported_separately(tiny_model_dir, eval_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "clips").symlink_to(eval_corpus / "clips")
    (corpus / "manifest.jsonl").write_text((eval_corpus / "manifest.jsonl").read_text())
    info = json.loads((eval_corpus / "dataset.json").read_text())
    info.setdefault("extra", {})["engines"] = {"flite": ["gb_f3"]}  # one of the two training voices
    (corpus / "dataset.json").write_text(json.dumps(info))
    out = tmp_path / "eval.json"
    proc = subprocess.run([sys.executable, "-m", "deeptalk", "eval", str(tiny_model_dir), "--data", str(corpus),
                           "--split", "train", "--quick", "--max-clips", "4", "--emotion-clips", "2",
                           "--alpha-clips", "2", "--json", str(out)], capture_output=True, text=True, timeout=300,
                          env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["clips"] == 4  # round-robin: two clips of each engine
    for engine in ("espeak-ng", "flite"):
        assert 0.0 <= report[f"speech_emotion_accuracy@{engine}"] <= 1.0
        assert np.isfinite(report[f"emotion_visible_mm_min@{engine}"])
        assert np.isfinite(report[f"alpha_takes_difference_mm@{engine}"])
        assert f"bilabial_closure_ground_truth@{engine}" in report
        assert np.isfinite(report[f"lip_vertex_error_ratio@{engine}"]) and -1 <= report[f"jaw_correlation@{engine}"] <= 1
        assert 0.0 <= report[f"dee_r1_emotion@{engine}"] <= 1.0 and np.isfinite(report[f"lipreading_error_ratio@{engine}"])
        assert report["targets"][f"alpha_takes_difference_mm@{engine}"]["target"] == ">= 2"


def test_a_head_v2_model_is_measured_on_head_v2(tiny_model_dir, eval_corpus, tmp_path, one_torch_thread):
    import shutil

    from deeptalk.evaluate import EvalConfig, evaluate

    v2 = tmp_path / "v2"
    shutil.copytree(tiny_model_dir, v2)
    manifest = json.loads((v2 / "manifest.json").read_text())
    manifest["flame_basis"] = "standin-v2"
    (v2 / "manifest.json").write_text(json.dumps(manifest))
    small = dict(max_clips=1, diversity_clips=1, diversity_takes=2, emotion_clips=1, alpha_clips=1, alpha_takes=2)
    on_v1 = evaluate(tiny_model_dir, eval_corpus, EvalConfig(**small))
    on_v2 = evaluate(v2, eval_corpus, EvalConfig(**small))
    forced = evaluate(tiny_model_dir, eval_corpus, EvalConfig(flame="standin-v2", **small))
    for name in ("lip_vertex_error_mean_pose_m", "lip_aperture_vowel_median_mm_ground_truth"):
        assert on_v2[name] == forced[name] != on_v1[name]


def test_other_critics_judge_the_same_motion(tiny_model_dir, eval_corpus, tmp_path, one_torch_thread):
    """`--critics`: another folder's FER and lip-reader score the motion; critic-free figures stay."""
    import pytest

    from deeptalk.evaluate import EvalConfig, evaluate
    from deeptalk.model_dir import build_untrained_model_dir, read_manifest

    judges = build_untrained_model_dir(tmp_path / "judges", preset="tiny", seed=7,
                                       emotions=read_manifest(tiny_model_dir).emotions)
    small = dict(max_clips=2, diversity_clips=1, diversity_takes=2, emotion_clips=1, alpha_clips=1, alpha_takes=2)
    own = evaluate(tiny_model_dir, eval_corpus, EvalConfig(**small))
    judged = evaluate(tiny_model_dir, eval_corpus, EvalConfig(critics=judges, **small))
    for name in ("lip_vertex_error_m", "jaw_correlation", "dee_r1_emotion", "bilabial_closure_generated"):
        assert judged[name] == own[name], name
    assert judged["lipreading_error_ground_truth"] != own["lipreading_error_ground_truth"]
    odd = build_untrained_model_dir(tmp_path / "odd", preset="tiny", emotions=("calm", "tense"))
    with pytest.raises(ValueError, match="critics trained on the same classes"):
        evaluate(tiny_model_dir, eval_corpus, EvalConfig(critics=odd, **small))
