"""`deeptalk info`: versions, device and model directory."""

from __future__ import annotations

import argparse
import json
import platform

from deeptalk import __version__
from deeptalk.device import resolve_device
from deeptalk.paths import default_model_dir
from deeptalk.protocol import PROTOCOL_VERSION


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("info", help="print versions, device and model directory")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy
    import torch

    info = {
        "deeptalk": __version__,
        "protocol": PROTOCOL_VERSION,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "device": str(resolve_device(args.device)),
        "cuda_available": torch.cuda.is_available(),
        "default_model_dir": str(default_model_dir()),
    }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>18}: {value}")
    return 0
