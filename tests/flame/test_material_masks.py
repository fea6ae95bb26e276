"""Material regions for FLAME pickles: FLAME_masks.pkl beside the model, iris / pupil / inner lips derived."""

import pickle

import numpy as np
import trimesh

from deeptalk.flame.loading import load_flame, load_flame_pickle

from .synthetic_flame import dump_with_fake_chumpy, tiny_flame_dict


def _with_eyeballs(raw: dict) -> tuple[dict, list[np.ndarray]]:
    """The tiny FLAME dict plus two eyeball spheres skinned to (and regressed by) the eye joints."""
    v, f = np.asarray(raw["v_template"]), np.asarray(raw["f"]).astype(np.int64)
    eye = trimesh.creation.icosphere(subdivisions=3, radius=0.012)
    parts, faces, eyes = [v], [f], []
    for x in (0.0315, -0.0315):
        start = sum(len(p) for p in parts)
        parts.append(np.asarray(eye.vertices) + [x, 0.02, 0.092])
        faces.append(np.asarray(eye.faces) + start)
        eyes.append(np.arange(start, start + len(eye.vertices)))
    v, f = np.concatenate(parts), np.concatenate(faces)
    n, old = len(v), len(raw["v_template"])
    weights = np.zeros((n, 5))
    weights[:old] = raw["weights"]
    regressor = np.zeros((5, n))
    regressor[:, :old] = raw["J_regressor"].toarray()
    for joint, ids in zip((3, 4), eyes):
        weights[ids, joint] = 1.0
        regressor[joint] = 0.0
        regressor[joint, ids] = 1.0 / len(ids)
    rng = np.random.default_rng(1)
    out = {**raw, "v_template": v, "f": f.astype(np.uint32), "weights": weights, "J_regressor": regressor,
           "shapedirs": rng.normal(size=(n, 3, 400)) * 1e-4, "posedirs": np.zeros((n, 3, 36))}
    return out, eyes


def test_masks_beside_the_pickle_are_used_and_eye_parts_derived(tmp_path):
    raw, eyes = _with_eyeballs(tiny_flame_dict())
    (tmp_path / "generic_model.pkl").write_bytes(dump_with_fake_chumpy(raw))
    v = raw["v_template"]
    lips = np.flatnonzero(np.linalg.norm(v - [0.0, -0.03, 0.095], axis=1) < 0.045)
    masks = {"lips": lips, "left_eyeball": eyes[0], "right_eyeball": eyes[1]}
    (tmp_path / "FLAME_masks.pkl").write_bytes(pickle.dumps(masks, protocol=2))
    model = load_flame_pickle(tmp_path / "generic_model.pkl")  # no masks_path: found beside it
    assert "FLAME_masks.pkl" in model.masks_source
    assert set(model.masks["irises"]) <= set(eyes[0]) | set(eyes[1])
    assert 0 < len(model.masks["pupils"]) < len(model.masks["irises"]) < len(eyes[0]) + len(eyes[1])
    front = v[model.masks["pupils"], 2]
    assert front.min() > 0.092 + 0.012 * np.cos(0.3)  # pupils face forward
    assert len(model.masks["mouth_interior"]) and set(model.masks["mouth_interior"]) <= set(lips) | set(
        np.unique(model.f[np.isin(model.f, model.masks["mouth_interior"]).any(axis=1)]))
    folder_model = load_flame(tmp_path, use_cache=False)  # a folder with both files
    assert np.array_equal(folder_model.masks["irises"], model.masks["irises"])


def test_without_masks_eyeballs_come_from_the_eye_joints(tmp_path):
    raw, eyes = _with_eyeballs(tiny_flame_dict())
    (tmp_path / "generic_model.pkl").write_bytes(dump_with_fake_chumpy(raw))
    model = load_flame_pickle(tmp_path / "generic_model.pkl")
    assert "derived" in model.masks_source
    assert set(eyes[0]) <= set(model.masks["left_eyeball"].tolist()) and len(model.masks["pupils"]) > 0


def test_standin_v2_by_name():
    model = load_flame("standin-v2")
    assert model.source == "standin-v2" and "teeth" in model.masks
