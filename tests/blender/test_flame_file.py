"""FLAME files: converted .npz read directly; .pkl converted by the backend's restricted unpickler."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

import bpy
from blender_addon import backend_locator, flame_file, preferences, rig as rig_mod


class _Exploit:
    """Unpickling this runs a shell command — unless the unpickler refuses it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def write_flame_pickle(npz_path, pkl_path):
    """The official FLAME pickle layout (shapedirs 300 + 100, posedirs (V, 3, 36)) of a converted npz."""
    with np.load(npz_path) as data:
        count = len(data["v_template"])
        payload = {
            "v_template": data["v_template"], "f": data["f"].astype(np.uint32),
            "shapedirs": np.concatenate([data["shapedirs"], data["exprdirs"]], axis=2),
            "posedirs": data["posedirs"].T.reshape(count, 3, 36), "J_regressor": data["J_regressor"],
            "weights": data["weights"], "kintree_table": data["kintree_table"].astype(np.int64),
        }
    with open(pkl_path, "wb") as handle:
        pickle.dump(payload, handle, protocol=2)  # written by this test: trusted
    return pkl_path


def test_npz_fields_and_shapes(flame_npz):
    model = flame_file.load_flame_npz(flame_npz)
    assert model.exprdirs.shape == (model.vertex_count, 3, 50)
    assert model.jaw_posedirs.shape == (9, model.vertex_count, 3)
    assert model.parents == (-1, 0, 1, 1, 1)
    assert np.allclose(model.weights.sum(1), 1.0)
    assert set(model.masks) == {"lips", "eyes"} and model.source == "synthetic"
    with np.load(flame_npz) as data:  # jaw correctives are rows 9..17 of posedirs (joint 2 of the 4 posed)
        assert np.array_equal(model.jaw_posedirs.reshape(9, -1), data["posedirs"][9:18])


def test_pickle_is_converted_by_the_backend_and_rigged(flame_npz, tmp_path):
    pkl = write_flame_pickle(flame_npz, tmp_path / "generic_model.pkl")
    assert bpy.ops.deeptalk.add_flame_head(filepath=str(pkl)) == {"FINISHED"}
    rig = bpy.context.scene.deeptalk.rig
    assert rig_mod.check_rig(rig) is None
    reference = flame_file.load_flame_npz(flame_npz)
    cached = list((preferences.user_dir() / "flame-cache").glob("generic_model-*.npz"))
    assert len(cached) == 1
    converted = flame_file.load_flame_npz(cached[0])
    assert np.allclose(converted.v_template, reference.v_template, atol=1e-6)
    assert np.allclose(converted.exprdirs, reference.exprdirs, atol=1e-6)
    assert np.allclose(converted.jaw_posedirs, reference.jaw_posedirs, atol=1e-6)
    assert len(rig_mod.face_of(rig).data.vertices) == reference.vertex_count


def test_malicious_pickle_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps({"v_template": _Exploit(marker)}))
    with pytest.raises(flame_file.FlameFileError, match="converting evil.pkl failed"):
        flame_file.convert_pickle(python=preferences.resolved_python(), backend_dir=backend_locator.backend_dir(),
                                  pkl_path=evil, cache_dir=tmp_path / "cache")
    assert not marker.exists()
    assert list((tmp_path / "cache").glob("*.npz")) == []
