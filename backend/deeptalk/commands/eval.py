"""`deeptalk eval MODEL_DIR --data DATASET`: held-out metrics (see `deeptalk.evaluate`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="evaluate a model directory on a dataset's held-out split")
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--max-clips", type=int, default=60)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from deeptalk.evaluate import EvalConfig, evaluate

    figures = evaluate(args.model_dir, args.data, EvalConfig(split=args.split, max_clips=args.max_clips,
                                                             device=args.device))
    for key, value in figures.items():
        print(f"{key:>34}: {value:.4g}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0
