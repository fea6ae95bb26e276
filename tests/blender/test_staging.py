"""A head that fails half way through building leaves nothing behind; a good one leaves no scaffolding."""

from __future__ import annotations

import pytest

import bpy
from blender_addon import rig as rig_mod, staging


KINDS = ("objects", "meshes", "armatures", "actions", "materials", "shape_keys", "collections")


def inventory() -> dict[str, list[str]]:
    return {kind: sorted(block.name for block in getattr(bpy.data, kind)) for kind in KINDS}


def linked_collection(tmp_path) -> bpy.types.Collection:
    """A collection linked from another .blend (read-only here), made the active collection."""
    library = tmp_path / "set.blend"
    bpy.data.collections.new("Set")
    bpy.data.libraries.write(str(library), {bpy.data.collections["Set"]})
    bpy.data.collections.remove(bpy.data.collections["Set"])
    with bpy.data.libraries.load(str(library), link=True) as (source, target):
        target.collections = ["Set"]
    linked = target.collections[0]
    bpy.context.scene.collection.children.link(linked)
    layer = bpy.context.view_layer.layer_collection.children[linked.name]
    bpy.context.view_layer.active_layer_collection = layer
    assert linked.library is not None and bpy.context.collection == linked
    return linked


def test_a_late_failure_leaves_no_half_built_rig(flame_npz, tmp_path):
    """The last step fails: the whole head is built, then linking it into the active collection is
    refused because that collection comes from a library file. Nothing may stay behind."""
    bpy.ops.deeptalk.add_flame_head(filepath=str(flame_npz), name="Existing")  # a head already in the file
    linked_collection(tmp_path)
    before = inventory()
    with pytest.raises(RuntimeError) as failure:
        bpy.ops.deeptalk.add_flame_head(filepath=str(flame_npz), name="Broken")
    message = str(failure.value)
    assert "could not add a head from synthetic_flame.npz" in message and "nothing was added" in message, message
    assert "Traceback" not in message
    assert inventory() == before  # no objects, meshes, armatures, rest actions, materials or collections left
    assert bpy.context.mode == "OBJECT"
    assert [o.name for o in rig_mod.find_rigs(bpy.context.scene)] == ["Existing"]
    assert bpy.context.scene.deeptalk.rig.name == "Existing"


def test_a_good_build_links_into_the_active_collection_and_removes_the_staging_one(flame_npz):
    shots = bpy.data.collections.new("Shots")
    bpy.context.scene.collection.children.link(shots)
    bpy.context.view_layer.active_layer_collection = bpy.context.view_layer.layer_collection.children["Shots"]
    assert bpy.ops.deeptalk.add_flame_head(filepath=str(flame_npz)) == {"FINISHED"}
    rig = bpy.context.scene.deeptalk.rig
    assert rig_mod.check_rig(rig) is None
    assert sorted(o.name for o in shots.objects) == sorted([rig.name, rig_mod.face_of(rig).name])
    assert [c.name for c in bpy.data.collections] == ["Shots"]  # the staging collection is gone
    assert rig.users_collection == (shots,)


def test_staged_build_removes_what_the_body_made(tmp_path):
    before = inventory()
    with pytest.raises(ZeroDivisionError):
        with staging.staged_build(bpy.context.scene, bpy.context.scene.collection) as temp:
            mesh = bpy.data.meshes.new("m")
            temp.objects.link(bpy.data.objects.new("o", mesh))
            bpy.data.materials.new("mat")
            1 / 0
    assert inventory() == before
