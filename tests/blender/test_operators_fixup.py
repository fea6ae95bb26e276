"""glTF and USD round trips: importers clamp FLAME keys to 0..1; Restore Shape Key Ranges brings them back."""

from __future__ import annotations

import addon_utils
import numpy as np
import pytest

import bpy
from blender_addon import bake

from . import synthetic

FRAMES = (1, 5, 10, 15, 20)


def export_and_import(fmt: str, path) -> bpy.types.Object:
    if fmt == "glb":
        addon_utils.enable("io_scene_gltf2", default_set=False)
        assert bpy.ops.export_scene.gltf(filepath=str(path), export_animations=True) == {"FINISHED"}
    else:
        assert bpy.ops.wm.usd_export(filepath=str(path), export_animation=True) == {"FINISHED"}
    before = set(bpy.data.objects)
    if fmt == "glb":
        assert bpy.ops.import_scene.gltf(filepath=str(path)) == {"FINISHED"}
    else:
        assert bpy.ops.wm.usd_import(filepath=str(path)) == {"FINISHED"}
    (face,) = [o for o in bpy.data.objects if o not in before and o.type == "MESH" and o.data.shape_keys]
    return face


def played(face, name: str) -> list[float]:
    block = face.data.shape_keys.key_blocks[name]
    values = []
    for frame in FRAMES:
        bpy.context.scene.frame_set(frame)
        values.append(block.value)
    return values


@pytest.mark.parametrize("fmt", ["glb", "usdc"])
def test_round_trip_plays_negative_values_after_restoring_ranges(rig, fmt, tmp_path):
    motion = synthetic.make_motion(1, 30, 24.0)
    bpy.context.scene.render.fps = 24
    bake.commit(bake.bake(rig, bake.BakeRequest(clip="line", exp=motion["exp"], jaw=motion["jaw"], seeds=(1,),
                                                fps=24.0, first_frame=1, frame_count=30, frame_step=1.0, knobs={})))
    expected = [float(motion["exp"][0, f - 1, 0]) for f in FRAMES]
    assert min(expected) < -1 and max(expected) > 1
    face = export_and_import(fmt, tmp_path / f"shot.{fmt}")
    clamped = played(face, "exp000")
    assert min(clamped) >= 0.0 and not np.allclose(clamped, expected, atol=1e-3)  # what the importer leaves
    for obj in bpy.context.view_layer.objects:
        obj.select_set(obj == face)
    assert bpy.ops.deeptalk.restore_shape_key_ranges() == {"FINISHED"}
    assert np.allclose(played(face, "exp000"), expected, atol=1e-3)
    block = face.data.shape_keys.key_blocks["exp000"]
    assert (block.slider_min, block.slider_max) == (-10.0, 10.0)


def test_restore_needs_a_mesh_with_shape_keys():
    for obj in bpy.context.view_layer.objects:
        obj.select_set(False)
    with pytest.raises(RuntimeError, match="select the imported face mesh"):
        bpy.ops.deeptalk.restore_shape_key_ranges()
