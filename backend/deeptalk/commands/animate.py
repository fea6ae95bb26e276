"""`deeptalk animate IN.wav -o OUT.npz`: animate one file in this process."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from deeptalk.commands.serve import add_model_args
from deeptalk.paths import default_model_dir

log = logging.getLogger(__name__)


def add_animation_args(parser: argparse.ArgumentParser) -> None:
    """The animate knobs (one flag per `AnimateRequest` field), shared with `deeptalk batch`."""
    group = parser.add_argument_group("animation")
    group.add_argument("--fps", type=float, default=25.0, help="output frame rate (e.g. 24, 25, 29.97, 30, 60)")
    group.add_argument("--alpha", type=float, default=0.5, help="emotion sampling spread (0 = the mean)")
    group.add_argument("--temperature-top", type=float, default=0.3, help="coarse codebook temperature (0 = argmax)")
    group.add_argument("--temperature-bottom", type=float, default=0.0, help="fine codebook temperature (0 = argmax)")
    group.add_argument("--seed", type=int, default=0, help="take k uses seed + k")
    group.add_argument("--takes", type=int, default=1, help="number of takes (variations) to generate")
    group.add_argument("--emotion", default=None, help="emotion override (one of the model's emotion names)")
    group.add_argument("--emotion-weight", type=float, default=1.0,
                       help="blend of the override with the speech's emotion (used with --emotion)")
    group.add_argument("--emotion-intensity", type=float, default=1.0,
                       help="0..1: how strongly the face shows its emotion (expression channels towards rest; "
                            "lips and jaw unchanged)")
    group.add_argument("--lip-seal", type=float, default=1.0,
                       help="0..1: how firmly the lips meet on m, b and p (0 = as generated)")
    group.add_argument("--start", type=float, default=None, help="start of the audio slice, seconds")
    group.add_argument("--end", type=float, default=None, help="end of the audio slice, seconds")
    group.add_argument("--arkit", action="store_true",
                       help="also write ARKit-52 weights (arkit (takes, T, 52), arkit_names) to the .npz")


def animation_fields(args: argparse.Namespace) -> dict[str, Any]:
    """AnimateRequest keyword arguments from parsed flags."""
    return {
        "fps": args.fps, "alpha": args.alpha, "temperature_top": args.temperature_top,
        "temperature_bottom": args.temperature_bottom, "seed": args.seed, "takes": args.takes,
        "emotion": args.emotion, "emotion_weight": args.emotion_weight if args.emotion else 0.0,
        "start_s": args.start, "end_s": args.end, "arkit": bool(getattr(args, "arkit", False)),
        "emotion_intensity": float(getattr(args, "emotion_intensity", 1.0)),
        "lip_seal": float(getattr(args, "lip_seal", 1.0)),
    }


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("animate", help="animate one audio file to an .npz",
                                   description="Speech -> FLAME expression + jaw motion, written as .npz.")
    parser.add_argument("audio", type=Path, help="input audio (wav, flac, ogg, mp3, ...)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output .npz (default: beside the input, IN.npz; IN.motion.npz when IN is an .npz)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_animation_args(parser)
    official = parser.add_argument_group("reference mode and heads")
    official.add_argument("--reference", action="store_true",
                          help="reproduce the official DEEPTalk demo: one DEE pass and one generator window over "
                               "the padded clip, no noise gate, emotion = DEE mean, argmax codes (alpha and the "
                               "temperatures are not used)")
    official.add_argument("--style", type=int, default=0,
                          help="speaking style id (converted official models: MEAD actor K, 0 = M003)")
    official.add_argument("--flame", type=Path, default=None,
                          help="the FLAME head (.npz/.pkl) the motion is for: warns when its expression basis "
                               "differs from the model's")
    add_model_args(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from deeptalk.jobs import JobError, check_request_paths, run_animate, validate_request
    from deeptalk.protocol import AnimateRequest
    from deeptalk.safe_write import OutputError, check_path_text

    try:
        audio = check_path_text(args.audio, "audio path")
        output = check_path_text(args.output, "output path") if args.output else default_output(audio)
        request = AnimateRequest(id="cli", audio_path=str(audio), output_path=str(output),
                                 **animation_fields(args))
    except (OutputError, ValueError) as exc:
        print(f"deeptalk animate: invalid_argument: {exc}", file=sys.stderr)
        return 2
    try:
        found = audio.is_file()
    except OSError as exc:
        found, why = False, f" ({exc.strerror})"
    else:
        why = ""
    if not found:
        print(f"deeptalk animate: file_not_found: no audio file at {audio}{why}; check the path", file=sys.stderr)
        return 1
    try:  # before the model loads: a refused output path or emotion costs no wait
        emotions = _manifest_emotions(args)
        if emotions is None:
            check_request_paths(request, output)
        else:  # the paths and the emotion name
            validate_request(request, emotions=emotions, output_path=output)
    except JobError as exc:
        print(f"deeptalk animate: {exc.code.value}: {exc.message}", file=sys.stderr)
        return 1
    pipeline = _load_pipeline(args)
    if pipeline is None:
        return 2
    _warn_basis(args, pipeline)
    started = time.perf_counter()
    with tqdm(total=100, unit="%", file=sys.stderr, disable=args.no_progress, leave=False,
              bar_format="{l_bar}{bar}| {elapsed}<{remaining}") as bar:
        def progress(fraction: float, stage: str) -> None:
            bar.update(round(fraction * 100) - bar.n)
            bar.set_description(stage)

        try:
            result = run_animate(pipeline, request, output_path=output, max_seconds=args.max_seconds,
                                 progress=progress)
        except JobError as exc:
            bar.close()
            print(f"deeptalk animate: {exc.code.value}: {exc.message}", file=sys.stderr)
            return 1
    elapsed = time.perf_counter() - started
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(f"wrote {result.path}: {len(result.seeds)} take(s) x {result.frames} frames at {result.fps:g} fps ({result.duration_s:.2f} s of audio "
              f"in {elapsed:.2f} s)")
    return 0


def default_output(audio: Path) -> Path:
    """`IN.npz` beside the input, `IN.motion.npz` when the input itself ends in `.npz` (never the input)."""
    if audio.suffix.lower() == ".npz":
        return audio.with_name(audio.stem + ".motion.npz")
    return audio.with_suffix(".npz")


def _manifest_emotions(args: argparse.Namespace) -> list[str] | None:
    """The emotion names an override may use, read from the manifest alone (no weights: a converted
    official model is ~1 GB); None when the manifest cannot be read (the load then says why)."""
    from deeptalk.model_dir import ModelDirError, read_manifest

    try:
        manifest = read_manifest((args.model_dir or default_model_dir()).expanduser())
    except (ModelDirError, OSError):
        return None
    return list(manifest.emotions) if manifest.prototypes is not None else []


def _load_pipeline(args: argparse.Namespace) -> Any:
    """Load the model named by --model-dir/--device (None after printing why it failed)."""
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    from deeptalk.pipeline import Pipeline, PipelineConfig

    model_dir = (args.model_dir or default_model_dir()).expanduser()
    if not (model_dir / "manifest.json").is_file():
        print(f"deeptalk animate: model_error: no model at {model_dir} (manifest.json is missing)", file=sys.stderr)
        return None
    try:
        return Pipeline.load(model_dir, device=args.device, config=PipelineConfig(style=getattr(args, "style", 0)),
                             reference=getattr(args, "reference", False))
    except Exception as exc:  # missing files, bad manifest, unavailable device ...
        log.debug("model load failed", exc_info=True)
        print(f"deeptalk animate: model_error: cannot load the model from {model_dir}: {exc}", file=sys.stderr)
        return None


def _warn_basis(args: argparse.Namespace, pipeline: Any) -> None:
    """Warn on stderr when --flame names a head in another expression basis than the model's."""
    if getattr(args, "flame", None) is None:
        return
    from deeptalk.flame.basis import basis_of_flame_path, mismatch_warning

    try:
        head = basis_of_flame_path(args.flame)
    except Exception as exc:  # unreadable / unsafe file: say so, the animation itself does not need it
        log.debug("reading %s failed", args.flame, exc_info=True)
        print(f"deeptalk animate: warning: cannot read the FLAME file {args.flame} ({exc})", file=sys.stderr)
        return
    message = mismatch_warning(args.flame, head, pipeline.flame_basis)
    if message:
        print(f"deeptalk animate: warning: {message}", file=sys.stderr)
