"""The demo's emotion sheet: one line, one frame, each emotion override at weight 1, and the rest head.

Called by `scripts/demo.py` after the demo scene is animated and saved: every emotion the
model knows (in the order neutral, happy, sad, angry, surprised, then any others) becomes
one more take of the same strip with the same seed and the idle layer off (so only the
emotion differs); the frame shown is the one where the takes differ most from the neutral
take. The last tile is the head with every take muted (the rest pose). Labels are drawn
with `scripts.pixel_font`; the PNG is written by `scripts.png`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scripts.pixel_font import draw_text
from scripts.png import write_png

ORDER = ("neutral", "happy", "sad", "angry", "surprised")
COLUMNS = 3
LABEL_HEIGHT = 28
PORTRAIT_ZOOM = 1.6  # the demo camera frames the whole head; the sheet frames the face
PORTRAIT_SHIFT = -0.07  # and looks a little lower (lens shift, in frame widths): brows to chin


class portrait:
    """Context manager: the scene camera zoomed onto the face (lens x zoom, shifted), restored after."""

    def __init__(self, bpy, zoom: float = PORTRAIT_ZOOM, size: int | None = None,
                 shift: float = PORTRAIT_SHIFT) -> None:
        self.scene = bpy.context.scene
        self.zoom, self.size, self.shift = zoom, size, shift

    def __enter__(self) -> "portrait":
        camera, render = self.scene.camera.data, self.scene.render
        self.saved = (camera.lens, camera.shift_y, render.resolution_x, render.resolution_y)
        camera.lens *= self.zoom
        camera.shift_y += self.shift
        if self.size:
            render.resolution_x = render.resolution_y = self.size
        return self

    def __exit__(self, *exc) -> None:
        camera, render = self.scene.camera.data, self.scene.render
        camera.lens, camera.shift_y, render.resolution_x, render.resolution_y = self.saved


def render_tile(bpy, path: Path, frame: int) -> np.ndarray:
    """Render `frame` of the scene (Cycles settings already set) -> (H, W, 3) uint8, top row first."""
    scene = bpy.context.scene
    scene.frame_set(frame)
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    image = bpy.data.images.load(str(path))
    try:
        width, height = image.size
        pixels = np.empty(width * height * 4, dtype=np.float32)
        image.pixels.foreach_get(pixels)  # linear -> the file's display values: reload as saved
    finally:
        bpy.data.images.remove(image)
    rgb = pixels.reshape(height, width, 4)[::-1, :, :3]
    return (np.clip(rgb, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def expression_track(take, key, key_names) -> np.ndarray:
    """(T, 50) expression keys of one take."""
    from blender_addon import compat

    columns = []
    for name in key_names:
        fcurve = compat.find_fcurve(take.actions, key, f'key_blocks["{name}"].value')
        co = np.empty(2 * len(fcurve.keyframe_points), dtype=np.float32)
        fcurve.keyframe_points.foreach_get("co", co)
        columns.append(co[1::2])
    return np.stack(columns, -1)


def at_rest(target, key, key_names) -> None:
    """Every expression key 0 and every bone at its rest pose: muted tracks leave the last values."""
    for name in key_names:
        if name in key.key_blocks:
            key.key_blocks[name].value = 0.0
    for bone in target.pose.bones:
        bone.location = (0.0, 0.0, 0.0)
        bone.rotation_quaternion = (1.0, 0.0, 0.0, 0.0)
        bone.rotation_euler = (0.0, 0.0, 0.0)


def render_emotion_sheet(bpy, out: Path, target, clip: str, emotions: tuple[str, ...],
                         size: int = 256) -> tuple[Path, int]:
    """Animate one take per emotion, render the chosen frame of each and the rest head; (png, frame)."""
    from blender_addon import rig, takes

    scene = bpy.context.scene
    settings = scene.deeptalk
    names = [e for e in ORDER if e in emotions] + [e for e in emotions if e not in ORDER]
    settings.idle_blinks = settings.idle_eyes = settings.idle_head = False
    settings.replace_takes, settings.takes, settings.emotion_weight = False, 1, 1.0
    numbers = {}
    for name in names:
        settings.emotion = name
        if bpy.ops.deeptalk.animate_strip() != {"FINISHED"}:
            raise RuntimeError(f"animating with the {name!r} override failed: "
                               f"{bpy.context.window_manager.deeptalk_status.message}")
        numbers[name] = takes.active_take(target, clip).number
    key = rig.shape_keys_of(target)
    by_number = {t.number: t for t in takes.strip_takes(target, clip)}
    key_names = rig.expression_keys(target)  # named keys on head v2, exp### on older heads
    tracks = {name: expression_track(by_number[numbers[name]], key, key_names) for name in names}
    reference = tracks.get("neutral", np.zeros_like(next(iter(tracks.values()))))
    spread = sum(np.linalg.norm(track - reference, axis=1) for track in tracks.values())  # (T,)
    first = int(by_number[numbers[names[0]]].action["deeptalk_first_frame"])
    frame = first + int(np.argmax(spread))
    folder = out / "emotions"
    folder.mkdir(parents=True, exist_ok=True)
    tiles = []
    with portrait(bpy, size=size):
        for name in names:
            takes.use_take(target, clip, numbers[name])
            tiles.append((name, render_tile(bpy, folder / f"{name}.png", frame)))
        for take in takes.strip_takes(target, clip):
            for _, track in take.tracks + take.idle_tracks:
                track.mute = True
        at_rest(target, key, key_names)
        tiles.append(("head at rest", render_tile(bpy, folder / "rest.png", frame)))
    return write_png(out / "demo_emotions.png", compose(tiles, f"emotion override at weight 1, frame {frame}")), frame


def compose(tiles: list[tuple[str, np.ndarray]], title: str) -> np.ndarray:
    """Tiles in rows of COLUMNS, each labelled below, under a title line -> (H, W, 3) uint8."""
    height, width = tiles[0][1].shape[:2]
    rows = -(-len(tiles) // COLUMNS)
    sheet = np.full((LABEL_HEIGHT + rows * (height + LABEL_HEIGHT), COLUMNS * width, 3), 24, np.uint8)
    draw_text(sheet, title, top=7, left=8, colour=(235, 235, 235))
    for index, (label, tile) in enumerate(tiles):
        top = LABEL_HEIGHT + (index // COLUMNS) * (height + LABEL_HEIGHT)
        left = (index % COLUMNS) * width
        sheet[top:top + height, left:left + width] = tile
        draw_text(sheet, label, top=top + height + 7, left=left + 8, colour=(255, 214, 120))
    return sheet
