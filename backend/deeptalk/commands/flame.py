"""`deeptalk flame ...`: build the stand-in head, convert a FLAME pickle, write an smplx folder, inspect."""

from __future__ import annotations

import argparse
import json
import logging
import sys

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("flame", help="FLAME models: stand-in head, conversion, inspection")
    sub = parser.add_subparsers(dest="flame_command", metavar="ACTION", required=True)
    standin = sub.add_parser("standin", help="generate the stand-in FLAME-format head into a folder")
    standin.add_argument("-o", "--output", help="folder for standin.npz and the smplx files "
                         "(default: assets/flame/standin, or assets/flame/standin-v2 with --version 2)")
    standin.add_argument("--version", type=int, choices=(1, 2), default=1,
                         help="1: head v1 (basis standin-v1); 2: head v2 (standin-v2, the default model's)")
    standin.add_argument("--pickle", action="store_true", help="also write FLAME_NEUTRAL.pkl (large)")
    standin.set_defaults(func=run_standin)
    convert = sub.add_parser("convert", help="convert a FLAME 2020/2023 pickle to a plain .npz (safely)")
    convert.add_argument("model", help="generic_model.pkl / flame2023.pkl")
    convert.add_argument("-o", "--output", required=True, help="output .npz")
    convert.add_argument("--masks", help="FLAME_masks.pkl (otherwise regions are derived from geometry)")
    convert.add_argument("--embedding", help="flame_static_embedding.pkl (landmarks)")
    convert.set_defaults(func=run_convert)
    smplx = sub.add_parser("smplx", help="write the folder smplx.FLAME loads (FLAME_NEUTRAL + embedding)")
    smplx.add_argument("model", help="'standin', a converted .npz, a FLAME .pkl or a folder")
    smplx.add_argument("-o", "--output", required=True)
    smplx.add_argument("--ext", choices=("pkl", "npz"), default="pkl")
    smplx.set_defaults(func=run_smplx)
    info = sub.add_parser("info", help="print vertex / face counts, joints and masks of a model")
    info.add_argument("model", help="'standin', a converted .npz, a FLAME .pkl or a folder")
    info.set_defaults(func=run_info)


def run_standin(args: argparse.Namespace) -> int:
    if args.version == 2:
        from deeptalk.flame.standin_v2 import write_standin_v2

        folder = write_standin_v2(args.output, pickle=args.pickle)
    else:
        from deeptalk.flame.standin import write_standin
        from deeptalk.paths import standin_flame_dir

        folder = write_standin(args.output or standin_flame_dir(), pickle=args.pickle)
    log.info("wrote the stand-in head to %s", folder)
    return 0


def run_convert(args: argparse.Namespace) -> int:
    from deeptalk.flame.loading import load_flame_pickle

    try:
        model = load_flame_pickle(args.model, masks_path=args.masks, embedding_path=args.embedding)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    path = model.save_npz(args.output)
    log.info("converted %s -> %s (masks: %s)", args.model, path, model.masks_source)
    return 0


def run_smplx(args: argparse.Namespace) -> int:
    from deeptalk.flame.loading import load_flame
    from deeptalk.flame.smplx_folder import write_smplx_folder

    try:
        model = load_flame(args.model)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_smplx_folder(model, args.output, ext=args.ext)
    log.info("wrote smplx folder %s (FLAME_NEUTRAL.%s)", args.output, args.ext)
    return 0


def run_info(args: argparse.Namespace) -> int:
    from deeptalk.flame.loading import load_flame

    try:
        model = load_flame(args.model)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    info = {
        "source": model.source, "vertices": model.num_vertices, "faces": int(len(model.f)),
        "joints": model.joints().round(5).tolist(), "masks": {k: int(len(v)) for k, v in model.masks.items()},
        "masks_source": model.masks_source, "landmarks": int(len(model.landmark_faces)),
    }
    print(json.dumps(info, indent=2))
    return 0
