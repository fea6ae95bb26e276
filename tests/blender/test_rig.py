"""The FLAME rig: built by the Add FLAME Head operator, checked against FLAME's own math."""

from __future__ import annotations

import numpy as np
import pytest

import bpy
from blender_addon import axes, flame_file, rig as rig_mod, rig_correctives


def evaluated_vertices(obj: bpy.types.Object) -> np.ndarray:
    """(V, 3) deformed vertices of `obj` in its local space (Blender axes)."""
    bpy.context.view_layer.update()
    evaluated = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
    mesh = evaluated.to_mesh()
    try:
        co = np.empty(len(mesh.vertices) * 3, dtype=np.float32)
        mesh.vertices.foreach_get("co", co)
    finally:
        evaluated.to_mesh_clear()
    return co.reshape(-1, 3).astype(np.float64)


def flame_forward(model: flame_file.FlameModel, exp: np.ndarray, jaw: np.ndarray) -> np.ndarray:
    """FLAME with only expression + jaw (neutral shape, other joints at rest), FLAME axes."""
    v = model.v_template + model.exprdirs @ exp  # (V, 3)
    feature = (axes.rotation_matrix(jaw) - np.eye(3)).ravel()  # (9,)
    v = v + np.tensordot(feature, model.jaw_posedirs, axes=1)  # pose correctives
    center = model.joints[flame_file.JAW_JOINT]
    rotated = (v - center) @ axes.rotation_matrix(jaw).T + center
    w = model.weights[:, flame_file.JAW_JOINT:flame_file.JAW_JOINT + 1]
    return v + w * (rotated - v)  # linear blend skinning, only the jaw moves


def test_rig_layout(rig, flame_npz):
    model = flame_file.load_flame_npz(flame_npz)
    face = rig_mod.face_of(rig)
    assert rig_mod.is_rig(rig) and rig_mod.check_rig(rig) is None
    assert [b.name for b in rig.data.bones] == list(rig_mod.BONE_NAMES)
    assert rig.data.bones["jaw"].parent.name == "neck" and rig.data.bones["neck"].parent.name == "root"
    keys = face.data.shape_keys.key_blocks
    assert [k.name for k in keys] == ["Basis", *rig_mod.EXPRESSION_KEYS, *rig_correctives.CORRECTIVE_KEYS]
    assert keys["exp000"].slider_min <= -10 and keys["exp049"].slider_max >= 10
    keys["exp007"].value = -7.5  # negative and large coefficients are not clamped
    assert keys["exp007"].value == -7.5
    assert len(face.data.vertices) == model.vertex_count and len(face.data.polygons) == len(model.faces)
    basis = np.array([v.co for v in face.data.vertices])
    assert np.allclose(basis, axes.to_blender(model.v_template), atol=1e-6)  # Z up
    assert basis[:, 2].max() == pytest.approx(0.1, abs=1e-6)  # FLAME's top (+Y) is Blender's top (+Z)
    for column, name in enumerate(rig_mod.BONE_NAMES):  # skinning weights as vertex groups
        group = face.vertex_groups[name]
        weights = np.zeros(model.vertex_count)
        for vertex in face.data.vertices:
            for element in vertex.groups:
                if element.group == group.index:
                    weights[vertex.index] = element.weight
        assert np.allclose(weights, model.weights[:, column], atol=1e-6)
    heads = np.array([rig.data.bones[n].head_local for n in rig_mod.BONE_NAMES])
    assert np.allclose(heads, axes.to_blender(model.joints), atol=1e-6)
    materials = [m.name for m in face.data.materials]
    assert materials[0] == "DEEPTalk skin" and {"DEEPTalk lips", "DEEPTalk eyes"} <= set(materials)
    assert {p.material_index for p in face.data.polygons} == {0, 1, 2}
    skin = bpy.data.materials["DEEPTalk skin"].node_tree.nodes["Principled BSDF"]
    assert tuple(skin.inputs["Base Color"].default_value)[:3] == pytest.approx((0.80, 0.57, 0.47))
    assert any(m.type == "ARMATURE" and m.object == rig for m in face.modifiers)


def test_positive_jaw_pitch_opens_the_mouth(rig):
    face = rig_mod.face_of(rig)
    rest = evaluated_vertices(face)
    model_weights = np.array([[g.weight for g in v.groups if face.vertex_groups[g.group].name == "jaw"] or [0]
                              for v in face.data.vertices])[:, 0]
    chin = (model_weights > 0.9) & (rest[:, 1] < -0.05)  # jaw-driven vertices at the front
    assert chin.sum() >= 3
    rig.pose.bones["jaw"].rotation_quaternion = axes.flame_jaw_to_bone_quaternion(
        np.array([[0.3, 0.0, 0.0]]), rig_mod.jaw_rest(rig))[0]
    opened = evaluated_vertices(face)
    assert (opened[chin, 2] < rest[chin, 2] - 0.005).all()  # lower lip / chin move down
    top = rest[:, 2] > 0.05
    assert np.abs(opened[top] - rest[top]).max() < 0.002  # the skull stays (bar small pose correctives)


@pytest.mark.parametrize("seed", [0, 1])
def test_rig_matches_flame_forward_pass(rig, flame_npz, seed):
    """Expression keys + jaw bone + driven correctives == FLAME's LBS with pose correctives."""
    model = flame_file.load_flame_npz(flame_npz)
    rng = np.random.default_rng(seed)
    exp = rng.normal(size=50)
    jaw = np.array([0.25, 0.05, -0.03]) * (1 + seed)
    face = rig_mod.face_of(rig)
    for name, value in zip(rig_mod.EXPRESSION_KEYS, exp):
        face.data.shape_keys.key_blocks[name].value = value
    rig.pose.bones["jaw"].rotation_quaternion = axes.flame_jaw_to_bone_quaternion(jaw[None], rig_mod.jaw_rest(rig))[0]
    got = axes.to_flame(evaluated_vertices(face))
    expected = flame_forward(model, exp, jaw)
    assert np.abs(got - expected).max() < 2e-5
    drivers = face.data.shape_keys.animation_data.drivers
    assert len(drivers) == 9 and all(d.driver.is_valid and d.driver.is_simple_expression for d in drivers)
    without = flame_forward(model.__class__(**{**model.__dict__, "jaw_posedirs": 0 * model.jaw_posedirs}), exp, jaw)
    assert np.abs(expected - without).max() > 1e-4  # the correctives do contribute


def test_invalid_flame_file_adds_nothing(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, v_template=np.zeros((4, 3)))
    objects, meshes = len(bpy.data.objects), len(bpy.data.meshes)
    with pytest.raises(RuntimeError, match="missing key"):
        bpy.ops.deeptalk.add_flame_head(filepath=str(bad))
    assert (len(bpy.data.objects), len(bpy.data.meshes)) == (objects, meshes)


def test_flame_npz_with_pickled_object_array_is_refused(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, v_template=np.array([object()], dtype=object))
    with pytest.raises(flame_file.FlameFileError):
        flame_file.load_flame_npz(evil)


def test_find_rig_after_save_and_reload(rig, tmp_path):
    path = tmp_path / "rig.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.open_mainfile(filepath=str(path))
    found = rig_mod.find_rigs(bpy.context.scene)
    assert [o.name for o in found] == ["FLAME"]
    assert bpy.context.scene.deeptalk.rig == found[0] and rig_mod.check_rig(found[0]) is None
