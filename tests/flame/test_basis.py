"""FLAME basis ids: recorded in files we write, inferred for files without one, mismatches named."""

from __future__ import annotations

from dataclasses import replace

from deeptalk.flame.basis import basis_of_flame_path, infer_basis, mismatch_warning
from deeptalk.flame.model import FlameModel
from deeptalk.flame.standin import build_standin
from deeptalk.paths import standin_flame_dir

COMMITTED = standin_flame_dir("standin-v1") / "standin.npz"  # head v1, whatever the default model


def test_inference_rule():
    assert infer_basis("standin-v2", num_vertices=5023, num_expressions=100) == "standin-v2"
    assert infer_basis("", num_vertices=5023, num_expressions=100) == "flame2020"
    assert infer_basis("", num_vertices=6700, num_expressions=100, source="standin") == "standin-v1"
    assert infer_basis("", num_vertices=300, num_expressions=50, source="synthetic") == "unknown"


def test_files_record_and_keep_their_basis(tmp_path):
    assert basis_of_flame_path(COMMITTED) == "standin-v1"  # committed without an id: the stand-in default
    model = FlameModel.load_npz(COMMITTED)
    assert model.basis_id == "" and model.basis == "standin-v1"
    path = replace(model, basis_id="standin-v2").save_npz(tmp_path / "v2.npz")
    assert FlameModel.load_npz(path).basis_id == "standin-v2" and basis_of_flame_path(path) == "standin-v2"
    assert build_standin().basis == "standin-v1"


def test_mismatch_warning_says_what_to_do():
    text = mismatch_warning("head.npz", "standin-v1", "flame2020")
    assert "standin-v1" in text and "flame2020" in text and "convert-official" in text
    assert mismatch_warning("head.npz", "flame2020", "flame2020") is None
    assert mismatch_warning("head.npz", "unknown", "flame2020") is None
