"""scripts.model_card: the README of a model folder from its manifest and eval figures."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.model_card import main


def test_card_lists_figures_targets_and_verdicts(tiny_model_dir: Path, tmp_path: Path) -> None:
    figures = {"jaw_correlation": 0.81, "lip_vertex_error_ratio": 0.7, "diversity_alpha_0": 0.0,
               "diversity_alpha_0.5": 0.01, "diversity_alpha_1": 0.02, "diversity_temperature_0": 0.0,
               "diversity_temperature_0.5": 0.05, "diversity_temperature_1": 0.09}
    figures_path = tmp_path / "eval.json"
    figures_path.write_text(json.dumps(figures))
    notes = tmp_path / "notes.md"
    notes.write_text("Made in one idle run.")
    assert main([str(tiny_model_dir), "--eval", str(figures_path), "--notes", str(notes),
                 "--corpus", "runs/v2/corpus"]) == 0
    card = (tiny_model_dir / "README.md").read_text()
    (tiny_model_dir / "README.md").unlink()  # the fixture is shared
    assert card.startswith("# Embedded default model: `untrained-tiny`")
    assert "Made in one idle run." in card and "weights stored as float32" in card  # build_untrained_model_dir writes full precision
    assert "| jaw_correlation | 0.81 | >= 0.7 | yes |" in card
    assert "| lip_vertex_error_ratio | 0.7 | <= 0.5 | **no** |" in card
    assert "Met: jaw_correlation. Missed: lip_vertex_error_ratio." in card
    assert "rises with both" in card
    assert "--data runs/v2/corpus --max-clips 200" in card
