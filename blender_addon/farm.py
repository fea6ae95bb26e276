"""Headless batch for render farms and CI: animate every sound strip of .blend files.

Each scene with a DEEPTalk rig (its chosen one, or its only one) gets every unmuted sound
strip animated with the settings stored in the scene (alpha, temperatures, seed, takes,
emotion override), then the file is saved and, on request, rendered.

Blender (add-on installed and enabled; no file arguments = the open file):
    blender -b shot.blend --python-expr "import bl_ext.user_default.deeptalk.farm as f; f.main()" -- --render
The bpy module (CI), from the repository root:
    python -m blender_addon.farm shot1.blend shot2.blend [--render] [--no-save]
Backend overrides: --python, --model-dir, --device (default: preferences, then the
DEEPTALK_PYTHON / DEEPTALK_MODEL_DIR / DEEPTALK_DEVICE environment variables).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import bpy

from . import animate, compat, preferences, properties, rig, takes
from .batch import BatchRun
from .client import BackendSettings

log = logging.getLogger(__name__)


class FarmError(RuntimeError):
    """A scene could not be animated; the file is left unsaved."""


@dataclass(frozen=True)
class SceneReport:
    scene: str
    strips: int
    actions: int  # datablocks (4.2 makes one per animated ID and take)
    takes: int


def ensure_registered() -> bool:
    """Register the add-on if Blender has not (bpy module, `--factory-startup`); True if it did."""
    if hasattr(bpy.types.Scene, "deeptalk"):
        return False
    importlib.import_module(__package__).register()
    return True


def animate_scene(scene: bpy.types.Scene, settings: BackendSettings) -> SceneReport | None:
    """Animate the scene's sound strips onto its rig (blocking); None if it has no rig/strips."""
    target = properties.target_rig(scene)
    strips = [s for s in compat.sound_strips(scene) if not s.mute]
    if target is None or not strips:
        return None
    problem = rig.check_rig(target)
    if problem:
        raise FarmError(f"scene {scene.name!r}: {problem}")
    try:
        clips = [animate.prepare_strip(scene, strip) for strip in strips]
    except (ValueError, OSError) as exc:
        raise FarmError(f"scene {scene.name!r}: {exc}") from None
    run = BatchRun(settings=settings, clips=clips)
    run.run_blocking(poll_s=0.2, on_progress=lambda f, s: log.info("%s %3.0f%% %s", scene.name, 100 * f, s))
    if run.error or len(run.results) != len(clips):
        animate.discard_results(clips)
        raise FarmError(f"scene {scene.name!r}: {run.error or 'incomplete'}")
    try:
        actions = animate.apply_results(scene, target, clips, replace=scene.deeptalk.replace_takes)
    except (ValueError, RuntimeError, KeyError) as exc:
        animate.discard_results(clips)
        raise FarmError(f"scene {scene.name!r}: {exc}") from None
    return SceneReport(scene=scene.name, strips=len(clips), actions=len(actions), takes=takes.count_takes(actions))


def process_open_file(settings: BackendSettings, *, save: bool = True, render: bool = False) -> list[SceneReport]:
    """Animate every scene of the open file, then save and optionally render it."""
    reports = [r for scene in bpy.data.scenes if (r := animate_scene(scene, settings)) is not None]
    if save:
        bpy.ops.wm.save_mainfile()
    if render:
        for report in reports:
            try:
                bpy.ops.render.render(animation=True, scene=report.scene)
            except RuntimeError as exc:  # no camera, unwritable output ...
                raise FarmError(f"scene {report.scene!r}: rendering failed: {exc}") from None
    return reports


def process_files(paths: list[Path], settings: BackendSettings, *, save: bool = True,
                  render: bool = False) -> dict[str, list[SceneReport] | str]:
    """Open, animate, save (and render) each file; a failed file is reported and left unsaved."""
    outcome: dict[str, list[SceneReport] | str] = {}
    for path in paths:
        bpy.ops.wm.open_mainfile(filepath=str(path))
        try:
            outcome[str(path)] = process_open_file(settings, save=save, render=render)
        except FarmError as exc:
            log.error("%s: %s", path, exc)
            outcome[str(path)] = str(exc)
    return outcome


def settings_from_args(args: argparse.Namespace) -> BackendSettings:
    base = preferences.backend_settings()
    overrides = {k: v for k, v in (("python", args.python), ("model_dir", args.model_dir),
                                   ("device", args.device)) if v}
    return dataclasses.replace(base, **overrides)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry; with no argv, reads the arguments after `--` (Blender's convention)."""
    if argv is None:
        argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    parser = argparse.ArgumentParser(prog="deeptalk-farm", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help=".blend files (default: the open file)")
    parser.add_argument("--render", action="store_true", help="render each animated scene's frame range")
    parser.add_argument("--no-save", dest="save", action="store_false", help="do not save the files")
    parser.add_argument("--python", help="backend Python")
    parser.add_argument("--model-dir", help="model folder")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"))
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="deeptalk-farm %(levelname)s: %(message)s",
                            stream=sys.stderr)
    registered_here = ensure_registered()
    try:
        return _run(args)
    finally:
        if registered_here:  # leave the bpy module as found (4.2's crashes at exit otherwise)
            importlib.import_module(__package__).unregister()


def _run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    if args.files:
        outcome = process_files(args.files, settings, save=args.save, render=args.render)
    else:
        try:
            outcome = {bpy.data.filepath or "<unsaved>": process_open_file(settings, save=args.save,
                                                                           render=args.render)}
        except FarmError as exc:
            outcome = {bpy.data.filepath or "<unsaved>": str(exc)}
    failed = 0
    for path, result in outcome.items():
        if isinstance(result, str):
            failed += 1
            print(f"FAILED {path}: {result}", file=sys.stderr)
        else:
            print(f"OK {path}: " + (", ".join(f"{r.scene}: {r.strips} strip(s), {r.takes} take(s)"
                                             for r in result) or "nothing to animate"), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
