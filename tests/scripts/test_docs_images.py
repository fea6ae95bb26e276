"""scripts.docs_images: one command remakes the model's docs pictures; bad steps are refused up front."""

from __future__ import annotations

import pytest

from scripts import docs_images


def test_every_step_has_a_command_writing_into_docs_images(tmp_path):
    todo = docs_images.commands(tmp_path)
    assert set(todo) == set(docs_images.STEPS) and set(docs_images.DEFAULT_STEPS) <= set(todo)
    assert todo["demo"][1:] == ["-m", "scripts.demo", "--out", str(tmp_path)]
    for step in ("idle", "sliders", "head"):
        assert str(todo[step][-1]).startswith(str(docs_images.IMAGES))
    assert str(tmp_path / "demo.blend") in todo["idle"]


def test_unknown_steps_and_a_missing_demo_scene_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        docs_images.main(["--only", "demo,movie"])
    assert "movie" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        docs_images.main(["--out", str(tmp_path), "--only", "idle"])
    assert "run the demo step first" in capsys.readouterr().err
