"""`deeptalk convert-official --generator DEEPTalk.pth ... --out MODEL_DIR`: the paper's weights."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert-official", help="convert the official DEEPTalk checkpoints into a model folder",
        description="Convert the authors' checkpoints (whwjdqls/DEEPTalk) into a deeptalk model folder. "
                    "DEEPTalk.pth alone suffices for speech -> motion; the other files are cross-checked "
                    "(DEE, TH-VQVAE) or feed the DEE's motion branch (FER). Files are read with "
                    "torch.load(weights_only=True); nothing is written unless every check passes.")
    parser.add_argument("--generator", type=Path, required=True, help="DEEPTalk/checkpoint/DEEPTalk/DEEPTalk.pth")
    parser.add_argument("--dee", type=Path, default=None, help="DEE/checkpoint/DEE.pth (cross-check)")
    parser.add_argument("--thvqvae", type=Path, default=None, help="DEEPTalk/checkpoint/TH-VQVAE/TH-VQVAE.pth")
    parser.add_argument("--fer", type=Path, default=None, help="FER/checkpoint/best_model.pth (or model_best.pth)")
    parser.add_argument("--flame", type=Path, default=None, help="FLAME 2020 generic_model.pkl to record with the model")
    parser.add_argument("--prototype-clips", type=Path, default=None,
                        help="folder of labelled clips (<emotion>/*.wav, MEAD emotion names) to build the emotion "
                             "prototypes the override needs; without it the override is unavailable")
    parser.add_argument("--out", type=Path, required=True, help="new model folder to write")
    parser.add_argument("--model-id", default="deeptalk-official", help="model id recorded in the manifest")
    parser.add_argument("--dry-run", action="store_true", help="check and convert in memory; write nothing")
    parser.add_argument("--report", type=Path, default=None, help="write a JSON report of every rule applied")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from deeptalk.official.convert import convert_official
    from deeptalk.official.loading import ConvertError
    from deeptalk.official.prototypes import prototypes_builder
    from deeptalk.official.report import summary, write_report

    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        builder = prototypes_builder(args.prototype_clips) if args.prototype_clips else None
        report = convert_official(args.generator, args.out, dee=args.dee, thvqvae=args.thvqvae, fer=args.fer,
                                  flame=args.flame, model_id=args.model_id, dry_run=args.dry_run,
                                  prototypes_from=builder)
    except ConvertError as exc:
        print(f"deeptalk convert-official: {exc}", file=sys.stderr)
        return 1
    if args.report:
        write_report(report, args.report)
    print(summary(report))
    return 0
