"""Head v2 in Blender: named shape keys and the key map, exp### rigs still bake, every material; pickle heads."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import trimesh

import bpy
from blender_addon import bake, flame_file, materials, rig as rig_mod

from .test_bake import make_request

HEAD_V2 = Path(__file__).resolve().parents[2] / "assets" / "flame" / "standin-v2" / "standin.npz"
V2_MATERIALS = {f"DEEPTalk {k}" for k in ("skin", "lips", "mouth", "teeth", "gums", "tongue", "eyes", "irises",
                                         "pupils", "cornea")}


def _material_faces(face) -> dict[str, int]:
    names = [m.name for m in face.data.materials]
    index = np.empty(len(face.data.polygons), dtype=np.int32)
    face.data.polygons.foreach_get("material_index", index)
    return {names[i]: int((index == i).sum()) for i in range(len(names))}


def test_head_v2_rig_has_named_keys_a_key_map_and_every_material():
    assert bpy.ops.deeptalk.add_flame_head(filepath=str(HEAD_V2)) == {"FINISHED"}
    rig = bpy.context.scene.deeptalk.rig
    model = flame_file.load_flame_npz(HEAD_V2)
    names = model.expression_names
    assert names[:3] == ("lips_part", "smile_L", "smile_R") and len(names) == 50
    key = rig_mod.shape_keys_of(rig)
    assert [k.name for k in key.key_blocks][1:51] == list(names)
    assert tuple(rig[rig_mod.KEY_MAP_PROP]) == names == rig_mod.expression_keys(rig)
    assert rig_mod.check_rig(rig) is None
    counts = _material_faces(rig_mod.face_of(rig))
    assert V2_MATERIALS <= set(counts) and all(counts[m] > 0 for m in V2_MATERIALS), counts
    skin = bpy.data.materials["DEEPTalk skin"].node_tree.nodes["Principled BSDF"]
    assert skin.inputs["Subsurface Weight"].default_value > 0
    cornea = bpy.data.materials["DEEPTalk cornea"].node_tree.nodes["Principled BSDF"]
    assert cornea.inputs["Transmission Weight"].default_value == 1.0
    face = rig_mod.face_of(rig)
    _assert_brows_are_drawn_from_their_shape(face, model)
    bake.bake(rig, make_request(frames=10, takes_=1))
    smile = key.key_blocks["smile_L"]
    action_values = []
    for frame in (12, 15):
        bpy.context.scene.frame_set(frame)
        action_values.append(smile.value)
    assert len(set(round(v, 6) for v in action_values)) == 2  # the named key is animated by the bake


def _assert_brows_are_drawn_from_their_shape(face, model) -> None:
    """Head v2's brows come from the file's brow coordinates, not from the stair-stepped vertex mask."""
    assert model.brow_shape is not None and model.brow_shape.shape == (model.vertex_count, 2)
    layer = face.data.attributes[materials.BROW_SHAPE_ATTRIBUTE]
    values = np.empty(len(face.data.vertices) * 3, dtype=np.float32)
    layer.data.foreach_get("vector", values)
    values = values.reshape(-1, 3)
    np.testing.assert_allclose(values[:, :2], model.brow_shape)
    assert (values[:, 2] == 1.0).all()
    inside = model.masks["brows"]
    assert (np.abs(values[inside, 1]) <= 1.0).all() and (values[inside, 0] >= 0).all()
    assert materials.SKIN_PAINT["brows"][0] not in face.data.attributes  # no mask paint on top
    assert materials.draws_brows(face.data.materials[0])


def test_a_malformed_brow_shape_falls_back_to_the_brows_mask(tmp_path):
    with np.load(HEAD_V2) as data:
        arrays = {k: data[k] for k in data.files}
    arrays[flame_file.BROW_SHAPE_KEY] = arrays[flame_file.BROW_SHAPE_KEY][:10]  # wrong length
    broken = tmp_path / "head.npz"
    np.savez(broken, **arrays)
    model = flame_file.load_flame_npz(broken)
    assert model.brow_shape is None
    rig = rig_mod.build_rig(model, name="NoShape", collection=bpy.context.scene.collection)
    face = rig_mod.face_of(rig)
    paint = face.data.attributes[materials.SKIN_PAINT["brows"][0]]
    assert paint.data[int(model.masks["brows"][0])].value == 1.0
    assert materials.BROW_SHAPE_ATTRIBUTE not in face.data.attributes


def test_rigs_with_exp_keys_and_no_key_map_still_bake(rig):
    del rig[rig_mod.KEY_MAP_PROP]  # as saved before keys had names
    assert rig_mod.expression_keys(rig) == rig_mod.EXPRESSION_KEYS
    assert rig_mod.check_rig(rig) is None
    outcome = bake.bake(rig, make_request(frames=10, takes_=1))
    assert outcome.actions
    key = rig_mod.shape_keys_of(rig)
    values = []
    for frame in (12, 16):
        bpy.context.scene.frame_set(frame)
        values.append(key.key_blocks["exp003"].value)
    assert values[0] != pytest.approx(values[1])


def test_a_broken_key_map_falls_back_to_exp_keys(rig):
    rig[rig_mod.KEY_MAP_PROP] = ["nope"] * 50
    assert rig_mod.expression_keys(rig) == rig_mod.EXPRESSION_KEYS and rig_mod.check_rig(rig) is None


def _pickle_head_with_eyes(folder):
    """An official-layout FLAME pickle (sphere head, mouth hole, two eyeballs) and FLAME_masks.pkl beside it."""
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.1)
    v, f = np.asarray(sphere.vertices), np.asarray(sphere.faces)
    centroid = v[f].mean(axis=1)
    hole = (centroid[:, 2] > 0.09) & (np.abs(centroid[:, 1] + 0.03) < 0.012) & (np.abs(centroid[:, 0]) < 0.03)
    f = f[~hole & (centroid[:, 1] > -0.085)]  # a mouth hole and the neck opening, as in FLAME
    eye = trimesh.creation.icosphere(subdivisions=3, radius=0.012)
    parts, faces, eyes = [v], [f], []
    for x in (0.0315, -0.0315):
        start = sum(len(p) for p in parts)
        parts.append(np.asarray(eye.vertices) + [x, 0.02, 0.092])
        faces.append(np.asarray(eye.faces) + start)
        eyes.append(np.arange(start, start + len(eye.vertices)))
    v, f = np.concatenate(parts), np.concatenate(faces)
    n = len(v)
    weights = np.zeros((n, 5))
    weights[:, 1] = 1.0
    regressor = np.zeros((5, n))
    regressor[0, np.argmin(v[:, 1])] = regressor[1, np.argmin(v[:, 1])] = regressor[2, 0] = 1.0
    for joint, ids in zip((3, 4), eyes):
        weights[ids] = 0.0
        weights[ids, joint] = 1.0
        regressor[joint, ids] = 1.0 / len(ids)
    rng = np.random.default_rng(3)
    payload = {"v_template": v, "f": f.astype(np.uint32), "shapedirs": rng.normal(size=(n, 3, 400)) * 1e-4,
               "posedirs": np.zeros((n, 3, 36)), "J_regressor": regressor, "weights": weights,
               "kintree_table": np.array([[4294967295, 0, 1, 1, 1], [0, 1, 2, 3, 4]], dtype=np.int64)}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "generic_model.pkl").write_bytes(pickle.dumps(payload, protocol=2))  # written here: trusted
    mouth = np.flatnonzero(np.linalg.norm(v - [0.0, -0.03, 0.095], axis=1) < 0.045)
    masks = {"lips": mouth, "left_eyeball": eyes[0], "right_eyeball": eyes[1],
             "face": np.flatnonzero(v[:, 2] > 0.0)}
    (folder / "FLAME_masks.pkl").write_bytes(pickle.dumps(masks, protocol=2))
    return folder


def test_a_pickle_head_gets_every_material_from_flame_masks_beside_it(tmp_path):
    folder = _pickle_head_with_eyes(tmp_path / "flame2020")
    assert bpy.ops.deeptalk.add_flame_head(filepath=str(folder)) == {"FINISHED"}  # a folder is accepted
    rig = bpy.context.scene.deeptalk.rig
    counts = _material_faces(rig_mod.face_of(rig))
    expected = {f"DEEPTalk {k}" for k in ("skin", "lips", "mouth", "eyes", "irises", "pupils")}
    assert expected <= set(counts) and all(counts[m] > 0 for m in expected), counts
    eyes = counts["DEEPTalk eyes"] + counts["DEEPTalk irises"] + counts["DEEPTalk pupils"]
    assert counts["DEEPTalk pupils"] < counts["DEEPTalk irises"] < eyes
