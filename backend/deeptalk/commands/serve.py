"""`deeptalk serve`: the backend process the add-on starts (JSON lines on stdin/stdout)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from deeptalk.paths import default_model_dir

LOG_LEVELS = ("debug", "info", "warning", "error")


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """--model-dir, --device, --max-seconds, --threads (shared by serve, animate, batch)."""
    parser.add_argument("--model-dir", type=Path, default=None,
                        help="model directory (manifest.json + weights); default: the embedded model "
                             f"({default_model_dir()})")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--max-seconds", type=float, default=1800.0,
                        help="longest audio accepted, in seconds (default 1800)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the backend process (JSON-lines protocol on stdin/stdout)",
        description="Serve animate requests over the JSON-lines protocol of deeptalk/protocol.py. "
                    "stdout carries protocol lines only; logs go to stderr. Exits on EOF, on "
                    "`shutdown`, or when the parent process disappears.")
    add_model_args(parser)
    parser.add_argument("--max-queue", type=int, default=8,
                        help="animate requests that may wait behind the running one (more: 'busy')")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="where results go when a request names no output_path (default: a temp folder)")
    parser.add_argument("--log-level", choices=LOG_LEVELS, default=None, help="stderr log level")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the throw-away pass that makes the first request run at warm speed")
    parser.add_argument("--no-parent-watch", action="store_true",
                        help="keep running when the parent process exits (stdin EOF still stops it)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from deeptalk.server import Server, ServerConfig
    from deeptalk.server_io import claim_stdout, watch_parent

    if args.log_level:
        logging.getLogger().setLevel(args.log_level.upper())
    config = ServerConfig(model_dir=(args.model_dir or default_model_dir()).expanduser().resolve(),
                          device=args.device, max_seconds=args.max_seconds, max_queue=args.max_queue,
                          output_dir=args.output_dir, threads=args.threads,
                          warmup=not args.no_warmup)
    out = claim_stdout()
    server = Server(config=config, out=out)

    def orphaned() -> None:
        server.stop()
        _exit(0)

    if not args.no_parent_watch:
        watch_parent(orphaned)
    logging.getLogger(__name__).info("deeptalk serve pid %d, model dir %s, device %s", os.getpid(),
                                     config.model_dir, config.device)
    try:
        status = server.serve(sys.stdin.buffer)
    except KeyboardInterrupt:
        server.stop()
        status = 130
    _exit(status)
    return status  # not reached


def _exit(status: int) -> None:
    """Leave now: a worker thread still inside torch must not hold up (or crash) interpreter exit."""
    logging.shutdown()
    sys.stderr.flush()
    os._exit(status)
