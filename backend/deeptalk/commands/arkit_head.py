"""`deeptalk arkit-head -o FOLDER`: the stand-in's 52 ARKit shapes as OBJs (import them in Blender)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("arkit-head", help="write the stand-in head with its 52 ARKit shapes as OBJs "
                                                      "(ICT-FaceKit layout, for Blender's Import ICT-FaceKit Head)")
    parser.add_argument("-o", "--output", required=True, help="folder to write (FaceXModel/ inside)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from deeptalk.flame.standin import standin_model
    from deeptalk.retarget.obj_folder import write_arkit_obj_folder
    from deeptalk.retarget.shapes import build_arkit_shapes

    model = standin_model()
    try:
        root = write_arkit_obj_folder(model, build_arkit_shapes(model), args.output)
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote the stand-in ARKit head to {root} (neutral + 52 shapes)")
    return 0
