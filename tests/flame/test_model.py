import numpy as np
import pytest

from deeptalk.flame.model import FlameFormatError, FlameModel


def test_npz_round_trip_is_exact_and_deterministic(standin, tmp_path):
    a, b = standin.save_npz(tmp_path / "a.npz"), standin.save_npz(tmp_path / "b.npz")
    assert a.read_bytes() == b.read_bytes()
    back = FlameModel.load_npz(a)
    for name in ("v_template", "f", "shapedirs", "exprdirs", "posedirs", "J_regressor", "weights", "kintree_table"):
        np.testing.assert_array_equal(getattr(back, name), getattr(standin, name))
    assert back.masks.keys() == standin.masks.keys() and back.source == "standin"
    with np.load(a, allow_pickle=False) as data:  # the add-on's view: plain arrays, no pickles
        assert data["shapedirs"].shape == (standin.num_vertices, 3, 300)
        assert data["posedirs"].shape == (36, standin.num_vertices * 3)
        assert data["source"].shape == () and str(data["source"]) == "standin"
        assert data["masks/lips"].dtype.kind == "i"


def test_inconsistent_arrays_are_reported(standin):
    with pytest.raises(FlameFormatError, match="weights must be"):
        FlameModel(**{**standin.__dict__, "weights": standin.weights[:10]})


def test_non_npz_file_is_reported(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"nope")
    with pytest.raises(FlameFormatError, match="not a readable"):
        FlameModel.load_npz(path)
