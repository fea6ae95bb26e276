"""Baking 53 channels x 1500 frames onto the stand-in rig: the add-on's bake
(`keyframe_points.add` + `foreach_set`) vs per-frame `keyframe_insert`, measured in one run.

    .venv/bin/python -m bench.bench_bake
"""

from __future__ import annotations

import time

import numpy as np

FRAMES = 1500


def main() -> None:
    import bpy  # first: puts Blender's modules on the path
    import addon_utils

    bpy.ops.wm.read_factory_settings(use_empty=True)
    addon_utils.enable("blender_addon", default_set=True)
    from blender_addon import bake, rig as rig_mod

    bpy.ops.deeptalk.add_flame_head()
    rig = bpy.context.view_layer.objects.active
    rng = np.random.default_rng(0)
    exp = rng.normal(0, 0.5, (1, FRAMES, 50)).astype(np.float32)
    jaw = np.zeros((1, FRAMES, 3), np.float32)
    jaw[..., 0] = rng.uniform(0, 0.3, FRAMES)
    request = bake.BakeRequest(clip="bench", exp=exp, jaw=jaw, seeds=(0,), fps=25.0, first_frame=1.0,
                               frame_count=FRAMES, frame_step=1.0, knobs={})
    t0 = time.perf_counter()
    bake.commit(bake.bake(rig, request))
    ours = time.perf_counter() - t0

    face = rig_mod.face_of(rig)
    key = face.data.shape_keys
    blocks = [key.key_blocks[f"exp{i:03d}"] for i in range(50)]
    jaw_bone = rig.pose.bones["jaw"]
    jaw_bone.rotation_mode = "QUATERNION"
    key.animation_data_clear()
    rig.animation_data_clear()
    t0 = time.perf_counter()
    for frame in range(FRAMES):
        for i, block in enumerate(blocks):
            block.value = float(exp[0, frame, i])
            block.keyframe_insert("value", frame=frame + 1)
        jaw_bone.rotation_quaternion = (1.0, float(jaw[0, frame, 0]) / 2, 0.0, 0.0)
        jaw_bone.keyframe_insert("rotation_quaternion", frame=frame + 1)
    naive = time.perf_counter() - t0
    channels = 50 + 4
    print(f"frames: {FRAMES}, channels: {channels} (50 shape keys + jaw quaternion)")
    print(f"add-on bake (foreach_set):  {ours:8.3f} s")
    print(f"per-frame keyframe_insert:  {naive:8.3f} s")
    print(f"speed-up: {naive / ours:.0f}x")


if __name__ == "__main__":
    main()
