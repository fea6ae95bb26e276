"""The demo: a stand-in FLAME head speaks the sample line, animated through the add-on.

Run from the repository root with the project environment (bpy + the backend):
    .venv/bin/python -m scripts.demo --out out/
It enables the add-on, builds a scene with the stand-in head and the sample speech strip,
runs the add-on's "Animate Selected Strip" operator against the real backend process on
the embedded default model, then writes `demo.blend`, `demo.npz` and `demo_contact_sheet.png`
(frames across the clip rendered with Cycles on the CPU), and `demo_emotions.png` (one
frame of the line under each emotion override at weight 1, and the head at rest; see
`scripts/emotion_sheet.py`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
AUDIO = ROOT / "assets" / "audio" / "demo_line.wav"
MODEL = ROOT / "assets" / "models" / "default"
ADDON = "blender_addon"


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def build_scene(bpy, fps: int) -> None:
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = fps, 1.0
    result = bpy.ops.deeptalk.add_flame_head()
    if result != {"FINISHED"}:
        raise SystemExit("could not add the FLAME head")
    from blender_addon import compat

    strip = compat.new_sound_strip(scene, name="demo_line", filepath=str(AUDIO), channel=1, frame_start=1)
    scene.sequence_editor.active_strip = strip
    scene.frame_start, scene.frame_end = 1, int(strip.frame_final_end) - 1


def add_camera_and_lights(bpy, face) -> None:
    """A portrait camera in front of the face (Blender -Y) and a soft key + fill light."""
    from mathutils import Vector

    corners = [face.matrix_world @ Vector(c) for c in face.bound_box]
    low, high = (np.min(corners, axis=0), np.max(corners, axis=0))
    centre = Vector(((low[0] + high[0]) / 2, low[1], low[2] + 0.58 * (high[2] - low[2])))
    size = float(high[2] - low[2])
    scene = bpy.context.scene
    cam_data = bpy.data.cameras.new("DemoCamera")
    cam_data.lens = 85
    camera = bpy.data.objects.new("DemoCamera", cam_data)
    scene.collection.objects.link(camera)
    camera.location = centre + Vector((0.0, -2.5 * size, 0.0))
    camera.rotation_euler = (np.pi / 2, 0.0, 0.0)
    scene.camera = camera
    for name, energy, offset in (("Key", 16.0, (-1.0, -1.6, 1.0)), ("Fill", 6.0, (1.2, -1.4, 0.2))):
        light_data = bpy.data.lights.new(name, type="AREA")
        light_data.energy, light_data.size = energy * size ** 2 * 25, size
        light = bpy.data.objects.new(name, light_data)
        light.location = centre + Vector(offset) * size * 2.5
        direction = centre - light.location
        light.rotation_euler = direction.to_track_quat("-Z", "Y").to_euler()
        scene.collection.objects.link(light)
    world = bpy.data.worlds.new("DemoWorld")
    world.color = (0.05, 0.05, 0.06)
    scene.world = world


def has_denoiser() -> bool:
    """Whether this Blender's Cycles was built with OpenImageDenoise."""
    try:
        import _cycles
    except ImportError:
        return False
    return bool(getattr(_cycles, "with_openimagedenoise", False))


def render_contact_sheet(bpy, out: Path, frames: list[int], size: int, samples: int) -> Path:
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    # a few samples leave grain in the shadow under the jaw: denoise where Cycles has OIDN (feature, not version)
    scene.cycles.use_denoising = has_denoiser()
    if scene.cycles.use_denoising:
        scene.cycles.denoiser = "OPENIMAGEDENOISE"
    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    tiles = []
    folder = out / "frames"
    folder.mkdir(parents=True, exist_ok=True)
    for frame in frames:
        scene.frame_set(frame)
        scene.render.filepath = str(folder / f"frame_{frame:04d}.png")
        bpy.ops.render.render(write_still=True)
        image = bpy.data.images.load(scene.render.filepath)
        pixels = np.empty(size * size * 4, dtype=np.float32)
        image.pixels.foreach_get(pixels)
        tiles.append(pixels.reshape(size, size, 4))
        bpy.data.images.remove(image)
    columns = 4
    rows = (len(tiles) + columns - 1) // columns
    sheet = np.zeros((rows * size, columns * size, 4), dtype=np.float32)
    sheet[..., 3] = 1.0
    for index, tile in enumerate(tiles):
        r, c = rows - 1 - index // columns, index % columns  # Blender images start at the bottom row
        sheet[r * size:(r + 1) * size, c * size:(c + 1) * size] = tile
    image = bpy.data.images.new("contact_sheet", width=columns * size, height=rows * size, alpha=True)
    image.pixels.foreach_set(sheet.ravel())
    path = out / "demo_contact_sheet.png"
    image.filepath_raw = str(path)
    image.file_format = "PNG"
    image.save()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "out")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--frames", type=int, default=12, help="frames on the contact sheet")
    parser.add_argument("--size", type=int, default=240, help="pixels per rendered frame")
    parser.add_argument("--samples", type=int, default=12, help="Cycles samples per frame")
    parser.add_argument("--model-dir", type=Path, default=MODEL, help="model folder (default: the embedded one)")
    parser.add_argument("--no-emotions", action="store_true", help="skip the emotion sheet")
    args = parser.parse_args(argv)
    if not (args.model_dir / "manifest.json").exists():
        say(f"no model at {args.model_dir}; train the embedded default with "
            "`.venv/bin/deeptalk train all --out assets/models/default`")
        return 1
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    say("loading Blender (bpy) and enabling the DEEPTalk add-on")
    import bpy  # first: it puts Blender's script modules (addon_utils) on the path
    import addon_utils

    bpy.ops.wm.read_factory_settings(use_empty=True)
    addon_utils.enable(ADDON, default_set=True)
    if ADDON not in bpy.context.preferences.addons:
        say("the add-on did not enable; see the messages above")
        return 1
    bpy.context.preferences.addons[ADDON].preferences.model_dir = str(args.model_dir.resolve())
    build_scene(bpy, args.fps)
    from blender_addon import properties, rig

    target = properties.target_rig(bpy.context.scene)
    say(f"animating {AUDIO.name} onto {target.name} through the backend (first start loads the model)")
    result = bpy.ops.deeptalk.animate_strip()
    status = bpy.context.window_manager.deeptalk_status
    if result != {"FINISHED"}:
        say(f"animation failed: {status.message or result}")
        return 1
    say(f"animated: {status.message}")
    npz = out / "demo.npz"
    bpy.ops.deeptalk.export_motion(filepath=str(npz))
    add_camera_and_lights(bpy, rig.face_of(target))
    blend = out / "demo.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    scene = bpy.context.scene
    frames = np.linspace(scene.frame_start, scene.frame_end, args.frames).round().astype(int).tolist()
    say(f"rendering {len(frames)} frames with Cycles on the CPU ({args.size}px, {args.samples} samples)")
    sheet = render_contact_sheet(bpy, out, frames, args.size, args.samples)
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    if not args.no_emotions:
        from scripts.emotion_sheet import render_emotion_sheet

        say("rendering the emotion sheet (one take per emotion override, same line and frame)")
        emotions, frame = render_emotion_sheet(bpy, out, target, "demo_line", properties.model_emotions())
    say(f"scene:         {blend}")
    say(f"motion:        {npz}")
    say(f"contact sheet: {sheet}  (frames {frames})")
    if not args.no_emotions:
        say(f"emotions:      {emotions}  (frame {frame})")
    say(f"done in {time.monotonic() - began:.0f} s")
    from blender_addon import backend_session

    backend_session.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
