"""The `deeptalk` command line: one sub-command module per concept.

Each module in `COMMAND_MODULES` (under `deeptalk.commands`) exposes
`register(subparsers: argparse._SubParsersAction) -> None`, which adds its parser
and sets `func=<callable(args) -> int>` as the parser default.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from deeptalk import __version__

COMMAND_MODULES: tuple[str, ...] = (
    "info",
    "serve",
    "animate",
    "batch",
    "flame",
    "export",
    "corpus",
    "train",
    "eval",
    "arkit",
    "arkit_head",
    "convert_official",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deeptalk",
        description="DEEPTalk: emotional, lip-synced FLAME animation from speech.",
    )
    parser.add_argument("--version", action="version", version=f"deeptalk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"deeptalk.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)
