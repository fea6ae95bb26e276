"""The idle layer's picture for the user guide: four rendered moments and the layer's curves.

    .venv/bin/python -m scripts.idle_figure out/demo.blend [--out docs/images/idle_layer.png]

Opens the demo scene (`python3 build_addon.py demo` writes it), reads the active take's
idle layer and renders (Cycles, CPU) a frame with the eyes open, one in a blink, the frame
looking furthest sideways and the frame with the largest head turn. Under them, over the
whole line: the jaw opening (grey), the blink closure (orange), the gaze yaw (blue) and the
head pitch (green), with a tick at each rendered frame.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from scripts.emotion_sheet import LABEL_HEIGHT, portrait, render_tile
from scripts.pixel_font import draw_text
from scripts.png import write_png

PLOT_HEIGHT = 150
COLOURS = {"jaw": (150, 150, 150), "blink": (240, 150, 40), "gaze": (80, 150, 240), "head": (90, 200, 110)}


def curve(actions, target, data_path: str, index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    from blender_addon import compat

    fcurve = compat.find_fcurve(actions, target, data_path, index)
    frames = np.arange(int(fcurve.range()[0]), int(fcurve.range()[1]) + 1)
    return frames, np.array([fcurve.evaluate(float(f)) for f in frames])


def flame_rotation(actions, rig, bone: str) -> np.ndarray:
    """(T, 3) FLAME axis-angle of a bone's keyed quaternion, frame by frame."""
    from blender_addon import axes

    quat = np.stack([curve(actions, rig, f'pose.bones["{bone}"].rotation_quaternion', i)[1] for i in range(4)], -1)
    rest = np.array(rig.data.bones[bone].matrix_local.to_3x3(), dtype=np.float64)
    return axes.bone_quaternion_to_flame_jaw(quat, rest)


def plot(width: int, frames: np.ndarray, series: dict[str, np.ndarray], marks: list[int]) -> np.ndarray:
    """Curves scaled to [-1, 1] (jaw, blink: [0, 1]) across `width` pixels."""
    canvas = np.full((PLOT_HEIGHT, width, 3), 250, np.uint8)
    xs = np.linspace(4, width - 5, len(frames))
    for mark in marks:
        canvas[:, int(np.interp(mark, frames, xs))] = 205
    canvas[PLOT_HEIGHT // 2] = 225
    for name, values in series.items():
        y = (PLOT_HEIGHT - 8) * (0.5 - 0.5 * values) + 4
        for i in range(len(xs) - 1):
            n = int(max(abs(xs[i + 1] - xs[i]), abs(y[i + 1] - y[i]))) + 1
            px = np.linspace(xs[i], xs[i + 1], n).round().astype(int)
            py = np.clip(np.linspace(y[i], y[i + 1], n).round().astype(int), 0, PLOT_HEIGHT - 2)
            canvas[py, px] = canvas[py + 1, px] = COLOURS[name]
    return canvas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("blend", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/images/idle_layer.png"))
    args = parser.parse_args(argv)
    import bpy

    bpy.ops.wm.open_mainfile(filepath=str(args.blend.resolve()))
    from blender_addon import farm, idle_channels, properties, rig as rig_mod, takes

    farm.ensure_registered()
    target = properties.target_rig(bpy.context.scene)
    take = takes.active_take(target, "demo_line")
    key = rig_mod.shape_keys_of(target)
    blink_key = rig_mod.expression_keys(target)[idle_channels.channels_for(idle_channels.basis_of(target)).blink[0]]
    frames, blink = curve(take.idle_actions, key, f'key_blocks["{blink_key}"].value')
    gaze = np.degrees(flame_rotation(take.idle_actions, target, "eye_L")[:, 1])  # yaw: + = the head's left
    head_rotation = np.degrees(flame_rotation(take.idle_actions, target, "neck"))  # (T, 3)
    head_angle, head_pitch = np.linalg.norm(head_rotation, axis=1), head_rotation[:, 0]
    jaw = np.linalg.norm(flame_rotation(take.actions, target, "jaw"), axis=1)
    closed = frames[np.argmax(blink)]
    inside = (frames > frames[0] + 12) & (frames < frames[-1] - 12)  # past the layer's ease-in and -out
    open_ = frames[np.argmin(np.abs(gaze) + 100 * blink + np.abs(head_angle) + 1000 * ~inside)]
    picks = [("open", int(open_)), ("blink", int(closed)),
             (f"gaze {abs(gaze).max():.0f} deg", int(frames[np.argmax(np.abs(gaze) * (blink < 0.05))])),
             (f"head {head_angle.max():.1f} deg", int(frames[np.argmax(head_angle * (blink < 0.05))]))]
    with portrait(bpy, size=256):
        tiles = [(label, render_tile(bpy, Path(bpy.app.tempdir) / f"idle_{frame}.png", frame))
                 for label, frame in picks]
    height, width = tiles[0][1].shape[:2]
    sheet = np.full((height + LABEL_HEIGHT, width * len(tiles), 3), 24, np.uint8)
    for index, (label, tile) in enumerate(tiles):
        sheet[:height, index * width:(index + 1) * width] = tile
        draw_text(sheet, f"{label}, f{picks[index][1]}", top=height + 7, left=index * width + 6,
                  colour=(255, 214, 120))
    series = {"jaw": jaw / max(jaw.max(), 1e-6), "blink": blink, "gaze": gaze / max(abs(gaze).max(), 1e-6),
              "head": head_pitch / max(abs(head_pitch).max(), 1e-6)}
    figure = np.concatenate([sheet, plot(sheet.shape[1], frames, series, [f for _, f in picks])])
    path = write_png(args.out, figure)
    print(f"wrote {path}: frames {picks}; blink max {blink.max():.2f}, gaze max {abs(gaze).max():.1f} deg, "
          f"head max {head_angle.max():.1f} deg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
