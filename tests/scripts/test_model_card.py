"""scripts.model_card: the README of a model folder from its manifest and eval figures."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.model_card import main


def test_card_lists_figures_targets_and_verdicts(tiny_model_dir: Path, tmp_path: Path) -> None:
    figures = {"jaw_correlation": 0.93, "bilabial_closure_ratio": 0.85, "alpha_takes_difference_mm@flite": 1.5,
               "heard_confusion@flite:neutral->neutral": 0.75, "heard_confusion@flite:neutral->angry": 0.25,
               "heard_confusion@flite:angry->neutral": 0.0, "heard_confusion@flite:angry->angry": 1.0, "lip_vertex_error_ratio": 0.7, "diversity_alpha_0": 0.0,
               "diversity_alpha_0.5": 0.01, "diversity_alpha_1": 0.02, "diversity_temperature_0": 0.0,
               "diversity_temperature_0.5": 0.05, "diversity_temperature_1": 0.09}
    figures_path = tmp_path / "eval.json"
    figures_path.write_text(json.dumps({**figures, "targets": {"jaw_correlation": {"target": ">= 0.9", "met": True}}}))
    notes = tmp_path / "notes.md"
    notes.write_text("Made in one idle run.")
    assert main([str(tiny_model_dir), "--eval", str(figures_path), "--notes", str(notes),
                 "--corpus", "runs/v2/corpus"]) == 0
    card = (tiny_model_dir / "README.md").read_text()
    (tiny_model_dir / "README.md").unlink()  # the fixture is shared
    assert card.startswith("# Embedded default model: `untrained-tiny`")
    assert "Made in one idle run." in card and "weights stored as float32" in card  # build_untrained_model_dir writes full precision
    assert "| jaw_correlation | 0.93 | >= 0.9 | yes |" in card
    assert "| lip_vertex_error_ratio | 0.7 | <= 0.4 | **no** |" in card
    assert "| bilabial_closure_ratio | 0.85 | >= 0.8 | yes |" in card
    assert "| alpha_takes_difference_mm@flite | 1.5 | >= 2 | **no** |" in card  # per engine: the pooled target
    assert ("Met: jaw_correlation, bilabial_closure_ratio. Missed: alpha_takes_difference_mm@flite, "
            "lip_vertex_error_ratio.") in card
    assert "heard_confusion" not in card and "targets" not in card  # matrices below the table, verdicts derived
    assert "| label | neutral | angry |" in card and "| neutral | 0.75 | 0.25 |" in card
    assert "rises with both" in card
    assert "--data runs/v2/corpus --max-clips 200" in card
