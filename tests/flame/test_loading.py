import pickle

import numpy as np
import pytest

from deeptalk.flame.loading import load_flame, load_flame_pickle
from deeptalk.flame.model import FlameFormatError
from deeptalk.flame.safe_pickle import UnsafePickleError

from .synthetic_flame import dump_with_fake_chumpy, tiny_flame_dict


def test_flame_pickle_with_chumpy_and_sparse_loads(tiny_flame_pickle):
    raw = tiny_flame_dict()
    model = load_flame_pickle(tiny_flame_pickle)
    n = len(raw["v_template"])
    np.testing.assert_allclose(model.v_template, raw["v_template"], atol=1e-7)
    np.testing.assert_allclose(model.shapedirs, raw["shapedirs"].x[:, :, :300], atol=1e-7)
    np.testing.assert_allclose(model.exprdirs, raw["shapedirs"].x[:, :, 300:], atol=1e-7)
    np.testing.assert_allclose(model.J_regressor, raw["J_regressor"].toarray(), atol=1e-7)
    np.testing.assert_allclose(model.posedirs, raw["posedirs"].reshape(n * 3, 36).T, atol=1e-7)
    assert model.kintree_table[0].tolist() == [-1, 0, 1, 1, 1]
    assert model.masks_source.startswith("derived") and model.masks["lips"].size > 0


def test_user_masks_file_is_used(tmp_path, tiny_flame_pickle):
    masks = tmp_path / "FLAME_masks.pkl"
    masks.write_bytes(pickle.dumps({"lips": np.array([1, 2, 3]), "eye_region": np.array([4, 5]),
                                    "forehead": np.array([6])}, protocol=2))
    model = load_flame_pickle(tiny_flame_pickle, masks_path=masks)
    assert model.masks["lips"].tolist() == [1, 2, 3] and model.masks["eyes"].tolist() == [4, 5]
    assert "mouth" in model.masks and model.masks_source.startswith("FLAME_masks.pkl")


@pytest.mark.parametrize("payload, message", [
    ([1, 2, 3], "holds a list"),
    ({"v_template": np.zeros((3, 3))}, "missing f, shapedirs"),
])
def test_not_flame_is_explained(tmp_path, payload, message):
    path = tmp_path / "x.pkl"
    path.write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(FlameFormatError, match=message):
        load_flame_pickle(path)


def test_smpl_like_model_is_explained(tmp_path):
    raw = tiny_flame_dict()
    raw["kintree_table"] = np.zeros((2, 24), np.int64)
    raw["shapedirs"] = raw["shapedirs"].x[:, :, :10]
    path = tmp_path / "smpl.pkl"
    path.write_bytes(dump_with_fake_chumpy(raw))
    with pytest.raises(FlameFormatError, match="24 joints.*SMPL.*10 components"):
        load_flame_pickle(path)


def test_malicious_model_file_is_refused(tmp_path):
    path = tmp_path / "generic_model.pkl"
    path.write_bytes(b"\x80\x02cposix\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R.")
    with pytest.raises(UnsafePickleError, match="posix.system"):
        load_flame(path, use_cache=False)


def test_load_flame_converts_once_and_caches(tmp_path, monkeypatch, tiny_flame_pickle):
    monkeypatch.setenv("DEEPTALK_CACHE", str(tmp_path / "cache"))
    first = load_flame(tiny_flame_pickle.parent)  # a folder holding generic_model.pkl
    cached = list((tmp_path / "cache" / "flame").glob("*.npz"))
    assert len(cached) == 1
    tiny_flame_pickle.write_bytes(tiny_flame_pickle.read_bytes())  # same content -> same cache entry
    second = load_flame(tiny_flame_pickle)
    np.testing.assert_array_equal(first.exprdirs, second.exprdirs)
    assert len(list((tmp_path / "cache" / "flame").glob("*.npz"))) == 1


def test_load_flame_accepts_standin_and_npz(standin, tmp_path):
    assert load_flame("standin").num_vertices == standin.num_vertices
    path = standin.save_npz(tmp_path / "m.npz")
    assert load_flame(path).num_vertices == standin.num_vertices
    with pytest.raises(FileNotFoundError):
        load_flame(tmp_path / "missing.pkl")
