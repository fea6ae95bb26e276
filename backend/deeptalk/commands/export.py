"""`deeptalk export MOTION.npz -o OUT --flame MODEL`: posed meshes as OBJ / PLY / GLB."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export animated FLAME meshes (OBJ / PLY / GLB)")
    parser.add_argument("motion", help=".npz with exp (takes, T, 50) or (T, 50) and jaw (..., 3)")
    parser.add_argument("-o", "--output", required=True,
                        help="a mesh file (with --frame, or a one-frame motion) or a folder for the sequence")
    parser.add_argument("--flame", help="'standin' (head v1), 'standin-v2', a converted .npz, a .pkl or a folder "
                                         "(default: the stand-in in the motion's recorded basis)")
    parser.add_argument("--take", type=int, default=0, help="which take (default 0)")
    parser.add_argument("--frame", type=int, help="export only this frame to OUTPUT")
    parser.add_argument("--start", type=int, default=0, help="first frame of the sequence")
    parser.add_argument("--end", type=int, help="end frame (exclusive)")
    parser.add_argument("--step", type=int, default=1,
                        help="frame step (files keep the motion's frame numbers: frame_00000, frame_00002, ...)")
    parser.add_argument("--format", choices=("obj", "ply", "glb"), default="obj", help="sequence file format")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from deeptalk.flame.export import (export_mesh, export_sequence, load_motion_arrays, posed_vertices,
                                       MotionArrayError)
    from deeptalk.flame.basis import standin_for_motion
    from deeptalk.flame.layer import FlameLayer
    from deeptalk.flame.loading import load_flame

    try:
        motion, fps = load_motion_arrays(args.motion)
        model = load_flame(args.flame or standin_for_motion(args.motion))
    except (MotionArrayError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    takes, frames = motion.shape[:2]
    if not 0 <= args.take < takes:
        print(f"error: --take {args.take} is out of range (the file has {takes})", file=sys.stderr)
        return 1
    layer = FlameLayer(model)
    output = Path(args.output)
    single = args.frame is not None or (frames == 1 and output.suffix.lower() in (".obj", ".ply", ".glb"))
    if single:
        index = args.frame or 0
        if not 0 <= index < frames:
            print(f"error: --frame {index} is out of range (0..{frames - 1})", file=sys.stderr)
            return 1
        vertices = posed_vertices(layer, motion[args.take, index:index + 1])
        try:
            path = export_mesh(vertices[0], model.f, output)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        log.info("wrote frame %d to %s", index, path)
        return 0
    if args.step < 1:
        print("error: --step must be >= 1", file=sys.stderr)
        return 1
    indices = range(args.start, frames if args.end is None else min(args.end, frames), args.step)
    vertices = posed_vertices(layer, motion[args.take, list(indices)])
    paths = export_sequence(vertices, model.f, output, fmt=args.format, frame_numbers=indices)
    log.info("wrote %d frames (%.2f fps source, step %d) to %s", len(paths), fps, args.step, output)
    return 0
