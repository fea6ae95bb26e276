"""Regenerate the docs pictures that show the default model on the default head, in one command.

    .venv/bin/python -m scripts.docs_images [--out out/] [--only demo,idle,sliders]

Runs, each in its own process (bpy is imported once per process): the demo (`scripts.demo`,
which writes `out/demo.blend` and `out/demo_emotions.png`), then copies the emotion sheet to
`docs/images/demo_emotions.png`; the idle figure from the demo scene
(`docs/images/idle_layer.png`); the sliders figure (`docs/images/sliders.png`). The head is
whichever stand-in the embedded model's manifest names (`flame_basis`). `--only head` also
remakes head v2's own sheet (`docs/images/head_v2.png`; no model in it). The ARKit pictures
show head v1's ARKit shapes and are not remade here. Standard library only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
STEPS = ("demo", "idle", "sliders", "head")
DEFAULT_STEPS = ("demo", "idle", "sliders")  # the pictures of the embedded model


def commands(out: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "demo": [py, "-m", "scripts.demo", "--out", str(out)],
        "idle": [py, "-m", "scripts.idle_figure", str(out / "demo.blend"), "--out", str(IMAGES / "idle_layer.png")],
        "sliders": [py, "-m", "scripts.slider_figure", "--out", str(IMAGES / "sliders.png")],
        "head": [py, "-m", "scripts.head_sheet", "--out", str(IMAGES / "head_v2.png")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out", help="the demo's output folder")
    parser.add_argument("--only", default=",".join(DEFAULT_STEPS), help=f"comma-separated steps of {', '.join(STEPS)}")
    args = parser.parse_args(argv)
    steps = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    out = args.out.resolve()
    if "idle" in steps and "demo" not in steps and not (out / "demo.blend").is_file():
        parser.error(f"the idle figure reads {out / 'demo.blend'}: run the demo step first")
    todo = commands(out)
    for step in STEPS:
        if step not in steps:
            continue
        began = time.monotonic()
        print(f"[docs-images] {step}: {' '.join(todo[step][1:])}", flush=True)
        command: list[str] = todo[step]
        if subprocess.run(command, cwd=ROOT).returncode != 0:
            print(f"[docs-images] {step} failed; the pictures before it are written", file=sys.stderr)
            return 1
        if step == "demo":
            shutil.copyfile(out / "demo_emotions.png", IMAGES / "demo_emotions.png")
        print(f"[docs-images] {step} done in {time.monotonic() - began:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
