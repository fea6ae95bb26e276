"""Contact sheet of a stand-in head: rest, jaw open and each emotion's full pose, rendered with Cycles.

Run from the repository root with the project environment:
    .venv/bin/python -m scripts.head_sheet --out out/head_v2.png
The head is built by the add-on's own rig builder (materials included) from the committed
`assets/flame/standin-v2/standin.npz`; poses come from `semantics_v2.EMOTION_POSES_V2`.
Tiles, left to right and top to bottom: rest, jaw open 0.35 rad, happy, sad, angry,
surprised, both blinks, rest at three-quarter view.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HEAD = ROOT / "assets" / "flame" / "standin-v2" / "standin.npz"
sys.path.insert(0, str(ROOT / "backend"))

from deeptalk.flame.semantics_v2 import EMOTION_POSES_V2, INDEX_V2  # noqa: E402

TILES: tuple[tuple[str, dict[str, float], float], ...] = (
    ("rest", {}, 0.0), ("jaw open", {"jaw": 0.35}, 0.0),
    *((name, EMOTION_POSES_V2[name], 0.0) for name in ("happy", "sad", "angry", "surprised")),
    ("blink", {"blink_L": 1.0, "blink_R": 1.0}, 0.0), ("rest 3/4", {}, 0.6),
)


def setup_scene(bpy, face, size: int, samples: int):
    """Portrait camera, three area lights, grey world, Cycles on the CPU."""
    from mathutils import Vector

    corners = [face.matrix_world @ Vector(c) for c in face.bound_box]
    low, high = np.min(corners, axis=0), np.max(corners, axis=0)
    height = float(high[2] - low[2])
    centre = Vector((0.0, 0.0, float(low[2]) + 0.60 * height))
    scene = bpy.context.scene
    cam = bpy.data.objects.new("SheetCamera", bpy.data.cameras.new("SheetCamera"))
    cam.data.lens = 85
    scene.collection.objects.link(cam)
    scene.camera = cam
    for name, energy, offset in (("Key", 14.0, (-0.9, -1.5, 0.9)), ("Fill", 4.0, (1.3, -1.2, 0.1)),
                                 ("Front", 9.0, (0.0, -1.6, -0.45)),
                                 ("Rim", 10.0, (0.6, 1.4, 1.2))):
        light = bpy.data.objects.new(name, bpy.data.lights.new(name, type="AREA"))
        light.data.energy, light.data.size = energy, 0.5
        light.location = centre + Vector(offset) * 0.7
        light.rotation_euler = (centre - light.location).to_track_quat("-Z", "Y").to_euler()
        scene.collection.objects.link(light)
    world = bpy.data.worlds.new("SheetWorld")
    world.color = (0.18, 0.19, 0.21)
    scene.world = world
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    scene.cycles.use_denoising = False
    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    return cam, centre


def place_camera(cam, centre, turn: float, distance: float = 0.62) -> None:
    from mathutils import Vector

    cam.location = centre + Vector((distance * np.sin(turn), -distance * np.cos(turn), 0.0))
    cam.rotation_euler = (np.pi / 2, 0.0, turn)


def pose(rig_obj, rig_mod, axes, values: dict[str, float]) -> None:
    key = rig_mod.shape_keys_of(rig_obj)
    names = rig_mod.expression_keys(rig_obj)
    for i, name in enumerate(names):
        key.key_blocks[name].value = 0.0
    for name, value in values.items():
        if name != "jaw":
            key.key_blocks[names[INDEX_V2[name]]].value = value
    quat = axes.flame_jaw_to_bone_quaternion(np.array([[values.get("jaw", 0.0), 0.0, 0.0]]), rig_mod.jaw_rest(rig_obj))
    rig_obj.pose.bones[rig_mod.JAW_BONE].rotation_quaternion = quat[0]


def render_sheet(out: Path, head: Path, size: int, samples: int, columns: int = 4, only: str = "",
                 distance: float = 0.62, height: float = 0.0, turn: float | None = None) -> Path:
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    sys.path.insert(0, str(ROOT))
    from blender_addon import axes, flame_file
    from blender_addon import rig as rig_mod

    model = flame_file.load_flame_npz(head)
    rig_obj = rig_mod.build_rig(model, name="Head", collection=bpy.context.scene.collection)
    face = rig_mod.face_of(rig_obj)
    face.data.shape_keys.animation_data_clear()  # the rest track would hold every key at 0
    if os.environ.get("HEAD_SHEET_NO_SSS"):
        for material in face.data.materials:
            for node in material.node_tree.nodes:
                if node.type == "BSDF_PRINCIPLED":
                    node.inputs["Subsurface Weight"].default_value = 0.0
    cam, centre = setup_scene(bpy, face, size, samples)
    tiles = []
    scratch = tempfile.TemporaryDirectory(prefix="head_sheet_")  # tiles are read back, not kept beside the sheet
    frames = Path(scratch.name)
    centre.z += height
    turn_override = turn
    for index, (label, values, turn) in enumerate(TILES):
        if only and only not in label:
            continue
        pose(rig_obj, rig_mod, axes, values)
        place_camera(cam, centre, turn if turn_override is None else turn_override, distance)
        bpy.context.view_layer.update()
        path = frames / f"{index}_{label.replace(' ', '_').replace('/', '')}.png"
        bpy.context.scene.render.filepath = str(path)
        began = time.monotonic()
        bpy.ops.render.render(write_still=True)
        print(f"[head_sheet] {label}: {time.monotonic() - began:.1f} s", flush=True)
        image = bpy.data.images.load(str(path))
        pixels = np.empty(size * size * 4, dtype=np.float32)
        image.pixels.foreach_get(pixels)
        tiles.append(pixels.reshape(size, size, 4))
        bpy.data.images.remove(image)
    columns = min(columns, len(tiles))
    rows = (len(tiles) + columns - 1) // columns
    sheet = np.zeros((rows * size, columns * size, 4), dtype=np.float32)
    sheet[..., 3] = 1.0
    for index, tile in enumerate(tiles):
        r, c = rows - 1 - index // columns, index % columns  # Blender images start at the bottom row
        sheet[r * size:(r + 1) * size, c * size:(c + 1) * size] = tile
    image = bpy.data.images.new("head_sheet", width=columns * size, height=rows * size, alpha=True)
    image.pixels.foreach_set(sheet.ravel())
    out.parent.mkdir(parents=True, exist_ok=True)
    image.filepath_raw = str(out)
    image.file_format = "PNG"
    image.save()
    scratch.cleanup()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "head_v2.png")
    parser.add_argument("--head", type=Path, default=HEAD)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--samples", type=int, default=12)
    parser.add_argument("--only", default="", help="render only the tiles whose label contains this")
    parser.add_argument("--distance", type=float, default=0.62, help="camera distance (m)")
    parser.add_argument("--height", type=float, default=-0.02, help="camera target offset up (m)")
    parser.add_argument("--turn", type=float, default=None, help="view every tile from this yaw (rad; 0.6 = 3/4)")
    args = parser.parse_args(argv)
    path = render_sheet(args.out.resolve(), args.head, args.size, args.samples, only=args.only,
                        distance=args.distance, height=args.height, turn=args.turn)
    print(f"[head_sheet] wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
