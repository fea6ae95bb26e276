"""`deeptalk corpus build|info|import-mead`: make, inspect and import training datasets."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("corpus", help="build the synthetic corpus, inspect or import datasets")
    actions = parser.add_subparsers(dest="corpus_command", metavar="ACTION")

    build = actions.add_parser("build", help="synthesise the espeak-ng speech + motion corpus")
    build.add_argument("-o", "--output", required=True, help="dataset directory to create")
    build.add_argument("--profile", default="default", choices=("default", "tiny"),
                       help="default: ~50 min of speech; tiny: 20 clips for tests")
    build.add_argument("--seed", type=int, default=0, help="same seed, same bytes")
    build.add_argument("--workers", type=int, default=2, help="TTS processes (at most 2)")
    build.add_argument("--force", action="store_true", help="replace an existing corpus in the directory")
    build.add_argument("--no-progress", action="store_true", help="no progress bar")
    build.set_defaults(func=run_build)

    info = actions.add_parser("info", help="summarise a dataset directory (clips, minutes, speakers per split)")
    info.add_argument("dataset", help="dataset directory (holds dataset.json)")
    info.set_defaults(func=run_info)

    mead = actions.add_parser("import-mead", help="convert MEAD FLAME parameters + audio to a dataset")
    mead.add_argument("--params", required=True, help="folder of 156-column FLAME parameter files (.npy/.txt)")
    mead.add_argument("--audio", required=True, help="folder of the matching audio (.wav/.flac)")
    mead.add_argument("-o", "--output", required=True, help="dataset directory to create")
    mead.add_argument("--params-fps", type=float, default=25.0, help="frame rate of the parameter files")
    mead.add_argument("--max-clips", type=int, default=None, help="import at most this many clips")
    mead.set_defaults(func=run_import_mead)
    parser.set_defaults(func=lambda args: (parser.print_help(sys.stderr), 2)[1])


def run_build(args: argparse.Namespace) -> int:
    from deeptalk.corpus.build import build_corpus
    from deeptalk.corpus.phonemes import EspeakError

    started = time.monotonic()
    try:
        build_corpus(args.output, profile=args.profile, seed=args.seed, workers=args.workers,
                     overwrite=args.force, progress=not args.no_progress)
    except (FileExistsError, EspeakError) as exc:
        log.error("%s", exc)
        return 1
    log.info("built in %.1f s", time.monotonic() - started)
    return 0


def run_info(args: argparse.Namespace) -> int:
    from deeptalk.data.manifest import ManifestError, read_dataset
    from deeptalk.data.splits import summary

    try:
        info, records = read_dataset(args.dataset)
    except ManifestError as exc:
        log.error("%s", exc)
        return 1
    print(json.dumps({"source": info.source, "emotions": list(info.emotions), "fps": info.fps,
                      "sample_rate": info.sample_rate, "splits": summary(records)}, indent=2))
    return 0


def run_import_mead(args: argparse.Namespace) -> int:
    from deeptalk.data.mead import MeadError, import_mead

    try:
        import_mead(args.params, args.audio, args.output, params_fps=args.params_fps, max_clips=args.max_clips)
    except MeadError as exc:
        log.error("%s", exc)
        return 1
    return 0
