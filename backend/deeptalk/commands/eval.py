"""`deeptalk eval MODEL_DIR --data DATASET`: held-out metrics (see `deeptalk.evaluate`).

`--quick` measures fewer clips (about a minute for the default model on one core); `--json`
writes the figures plus `"targets"`: {figure: {"target": "<= 1.2", "met": bool}}.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="evaluate a model directory on a dataset's held-out split")
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--max-clips", type=int, default=None, help="clips for the core figures (default 60)")
    parser.add_argument("--emotion-clips", type=int, default=None, help="clips for the emotion-override figures")
    parser.add_argument("--alpha-clips", type=int, default=None, help="clips for the alpha-1 take figures")
    parser.add_argument("--quick", action="store_true", help="few clips everywhere (a fast look, not the card)")
    parser.add_argument("--engine", help="only clips spoken by this synthesis engine (e.g. festival)")
    parser.add_argument("--flame", help="FLAME file to pose the motion with (default: the stand-in of the "
                                        "model's basis)")
    parser.add_argument("--critics", type=Path, help="model folder whose FER and lip-reader judge the motion "
                                                     "(default: the model's own; one set compares runs)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", type=Path, help="also write the figures (and their targets) to this file")
    parser.set_defaults(func=run)


def config_from_args(args: argparse.Namespace):
    from deeptalk.evaluate import QUICK, EvalConfig

    knobs: dict = dict(QUICK) if args.quick else {}
    for name in ("max_clips", "emotion_clips", "alpha_clips"):
        if getattr(args, name) is not None:
            knobs[name] = getattr(args, name)
    return EvalConfig(split=args.split, device=args.device, engine=args.engine, flame=args.flame,
                      critics=args.critics, **knobs)


def run(args: argparse.Namespace) -> int:
    from deeptalk.eval_figures.targets import verdicts
    from deeptalk.evaluate import evaluate

    try:
        figures = evaluate(args.model_dir, args.data, config_from_args(args))
    except (ValueError, OSError) as exc:  # no such engine / split, missing files, a model that will not load
        logging.getLogger(__name__).debug("eval failed", exc_info=True)
        print(f"deeptalk eval: {exc}", file=sys.stderr)
        return 1
    judged = verdicts(figures)
    for key, value in figures.items():
        verdict = judged.get(key)
        note = f"  (target {verdict['target']}: {'met' if verdict['met'] else 'MISSED'})" if verdict else ""
        print(f"{key:>44}: {value:.4g}{note}")
    if args.json:
        critics = {"critics": str(args.critics)} if args.critics else {}
        args.json.write_text(json.dumps({**figures, **critics, "targets": judged}, indent=2) + "\n", encoding="utf-8")
    return 0
