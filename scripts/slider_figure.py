"""The sliders' picture for the user guide: jaw opening of three takes under five settings.

    .venv/bin/python -m scripts.slider_figure [--out docs/images/sliders.png]

Runs the embedded default model on the sample line. Each band is one setting (top to
bottom: all sliders 0; Temperature Top 1; Temperature Bottom 1; Alpha 1; Emotion "happy"
at weight 1, each labelled), each colour one take (seeds 0, 1, 2, in the legend); the grey
band behind the curves is where the line is silent. Identical curves mean identical takes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from deeptalk.audio import load_audio
from deeptalk.paths import assets_dir, default_model_dir
from deeptalk.pipeline import Pipeline
from scripts.pixel_font import draw_text, text_mask
from scripts.png import write_png

SETTINGS = (
    ("all sliders 0", {}),
    ("temperature top 1", {"temperature_top": 1.0}),
    ("temperature bottom 1", {"temperature_bottom": 1.0}),
    ("alpha 1", {"alpha": 1.0}),
    ("emotion happy, weight 1", {"emotion": "happy", "emotion_weight": 1.0}),
)
TAKE_COLOURS = np.array([[230, 85, 60], [60, 140, 230], [90, 190, 90]], np.uint8)
BAND_HEIGHT, WIDTH, GAP, HEADER = 120, 900, 12, 22


def draw_band(canvas: np.ndarray, top: int, curves: np.ndarray, silent: np.ndarray, scale: float) -> None:
    """Curves (takes, T) of jaw opening in radians into rows [top, top + BAND_HEIGHT)."""
    takes, frames = curves.shape
    xs = np.linspace(0, WIDTH - 1, frames)
    for x0, x1, quiet in zip(xs[:-1], xs[1:], silent[:-1]):
        if quiet:
            canvas[top:top + BAND_HEIGHT, int(x0):int(x1) + 1] = 225
    canvas[top + BAND_HEIGHT - 1, :] = 150  # baseline: jaw closed
    for take in range(takes):
        ys = top + BAND_HEIGHT - 1 - np.clip(curves[take] / scale, 0, 1) * (BAND_HEIGHT - 8)
        for i in range(frames - 1):  # line segments, 2 px thick
            n = int(max(abs(xs[i + 1] - xs[i]), abs(ys[i + 1] - ys[i]))) + 1
            px = np.linspace(xs[i], xs[i + 1], n).round().astype(int)
            py = np.linspace(ys[i], ys[i + 1], n).round().astype(int)
            for dy in (0, 1):
                canvas[np.clip(py + dy, 0, canvas.shape[0] - 1), px] = TAKE_COLOURS[take]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images/sliders.png"))
    args = parser.parse_args(argv)
    pipeline = Pipeline.load(default_model_dir(), device="cpu")
    audio = load_audio(assets_dir() / "audio" / "demo_line.wav").samples  # (S,) 16 kHz
    frames = int(round(len(audio) / 640))
    silent = np.array([np.abs(audio[i * 640:(i + 1) * 640]).max() < 0.02 for i in range(frames)])
    bands = [pipeline.animate(audio, takes=3, seed=0, **knobs).motion[:, :, 50] for _, knobs in SETTINGS]
    scale = max(float(np.percentile(np.concatenate([b.ravel() for b in bands]), 99.5)), 1e-3)
    canvas = np.full((HEADER + len(bands) * (BAND_HEIGHT + GAP) + GAP, WIDTH, 3), 255, np.uint8)
    for index, ((name, _), curves) in enumerate(zip(SETTINGS, bands)):
        top = HEADER + GAP + index * (BAND_HEIGHT + GAP)
        draw_band(canvas, top, curves, silent[:curves.shape[1]], scale)
        draw_text(canvas, name.upper(), top=top + 6, left=8, colour=(60, 60, 60))  # over the opening silence
    draw_text(canvas, "JAW OPENING OF THREE TAKES:", top=8, left=8, colour=(60, 60, 60))  # the legend
    left = 8 + text_mask("JAW OPENING OF THREE TAKES: ").shape[1]
    for take, colour in enumerate(TAKE_COLOURS):
        label = f"SEED {take}"
        draw_text(canvas, label, top=8, left=left, colour=tuple(int(c) for c in colour))
        left += text_mask(label + "  ").shape[1]
    path = write_png(args.out, canvas)
    for (name, _), curves in zip(SETTINGS, bands):
        spread = float(curves.std(axis=0).mean())
        print(f"{name:26s} mean jaw {curves.mean():.3f} rad, spread across takes {spread:.4f} rad")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
