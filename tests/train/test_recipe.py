"""The training recipe end to end on a tiny corpus, resume, the eval, and single-stage CLI runs."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import numpy as np
import torch

from deeptalk.evaluate import EvalConfig, evaluate
from deeptalk.pipeline import Pipeline
from deeptalk.train.clipbank import SAMPLES_PER_FRAME, ClipBank
from deeptalk.train.recipe import RecipeConfig, run_recipe

TINY = RecipeConfig(preset="tiny", corpus_profile="tiny", steps_scale=0.002, budget_scale=0.0,
                    generator_stage2_steps=2, batch_scale=0.125, model_id="tiny-recipe")


def test_clipbank_windows_align_audio_and_motion(tiny_corpus):
    bank = ClipBank.load(tiny_corpus, ("train",))
    batch = bank.windows(batch_size=6, frames=20, generator=torch.Generator().manual_seed(3))
    assert batch.audio.shape == (6, 20 * SAMPLES_PER_FRAME) and batch.motion.shape == (6, 20, 53)
    for row in range(6):
        clip = bank.clips[int(batch.clip_index[row])]
        starts = [s for s in range(len(clip.motion) - 19) if np.array_equal(clip.motion[s:s + 20], batch.motion[row])]
        assert starts, "the motion window comes from its clip"
        a0 = starts[0] * SAMPLES_PER_FRAME
        assert np.array_equal(clip.audio[a0:a0 + 20 * SAMPLES_PER_FRAME], batch.audio[row].numpy())
        assert batch.emotion[row] == clip.emotion


def test_recipe_writes_a_working_model_and_resumes(tiny_corpus, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(tiny_corpus, work / "corpus")
    model_dir = run_recipe(TINY, work, tmp_path / "model")
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert manifest["model_id"] == "tiny-recipe" and manifest["info"]["trained"] is True
    # the tiny corpus is rendered for head v2: the model says so, and trained through that head
    assert manifest["flame_basis"] == "standin-v2" and manifest["flame"] == "standin-v2"
    assert json.loads((work / "generator_stage1" / "config.json").read_text())["flame"].endswith("standin-v2/standin.npz")
    pipeline = Pipeline.load(model_dir, device="cpu")
    audio = ClipBank.load(tiny_corpus, ("test",)).clips[0].audio
    result = pipeline.animate(audio, takes=2, temperature_top=1.0, seed=5)
    assert result.motion.shape == (2, round(len(audio) / SAMPLES_PER_FRAME), 53)
    assert np.isfinite(result.motion).all()
    for stage in ("fer", "lipreader", "thvqvae", "dee", "generator_stage1", "generator_stage2"):
        rows = list(csv.DictReader((work / stage / "log.csv").open()))
        assert rows and all(np.isfinite(float(r["loss"])) for r in rows)
    stamp = (work / "fer" / "fer.pt").stat().st_mtime_ns
    run_recipe(TINY, work, tmp_path / "model_again")   # every stage is done: nothing retrains
    assert (work / "fer" / "fer.pt").stat().st_mtime_ns == stamp
    figures = evaluate(model_dir, tiny_corpus, EvalConfig(max_clips=2, diversity_clips=1, diversity_takes=2))
    assert 0.0 <= figures["codebook_usage_top"] <= 1.0 and figures["lip_vertex_error_m"] > 0
    for name in ("generated", "ground_truth", "thvqvae"):  # the tiny corpus has viseme labels
        assert np.isfinite(figures[f"lipreading_error_{name}"]) and figures[f"lipreading_error_{name}"] >= 0
    assert figures["diversity_alpha_0"] < 1e-6 < figures["diversity_temperature_1"]


def test_single_stage_cli_takes_a_json_config(tiny_corpus, tmp_path):
    config = tmp_path / "fer.json"
    config.write_text(json.dumps({"model": {"hidden_dims": [16, 8], "feature_layer": 1, "num_classes": 5},
                                  "loop": {"steps": 3, "lr": 0.01, "validate_every": 3}}))
    out = tmp_path / "fer_run"
    proc = subprocess.run([sys.executable, "-m", "deeptalk", "train", "fer", "--data", str(tiny_corpus),
                           "--out", str(out), "--config", str(config), "--device", "cpu"],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = list(csv.DictReader((out / "log.csv").open()))
    assert rows[-1]["step"] == "3" and (out / "fer.pt").exists()
    assert json.loads((out / "config.json").read_text())["loop"]["steps"] == 3


def test_the_recipe_runs_fixed_steps_so_one_command_gives_one_model(tiny_corpus, tmp_path):
    """No time budget by default: two runs of the same recipe write the same weights, however
    long each stage took (the default recipe of v4 stopped each stage at a time budget)."""
    assert RecipeConfig().budget_scale == 0.0
    weights = []
    for name in ("a", "b"):
        work = tmp_path / name
        work.mkdir()
        shutil.copytree(tiny_corpus, work / "corpus")
        model_dir = run_recipe(TINY, work, tmp_path / f"model_{name}")
        weights.append(torch.load(model_dir / "generator.pt", weights_only=True)["state_dict"])
        steps = [list(csv.DictReader((work / stage / "log.csv").open()))[-1]["step"] for stage in ("dee", "thvqvae")]
        assert steps == [str(max(2, round(TINY.steps_dee * TINY.steps_scale))),
                         str(max(2, round(TINY.steps_thvqvae * TINY.steps_scale)))]
    assert weights[0].keys() == weights[1].keys()
    for key in weights[0]:
        assert torch.equal(weights[0][key], weights[1][key]), key
