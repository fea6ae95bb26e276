"""`deeptalk arkit MOTION.npz -o OUT.csv|OUT.npz`: ARKit-52 weights as Live Link Face CSV or npz."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("arkit", help="retarget a motion file to ARKit's 52 blendshapes (CSV / npz)")
    parser.add_argument("motion", help="animation .npz (from `deeptalk animate`)")
    parser.add_argument("-o", "--output", required=True,
                        help="OUT.csv (Live Link Face: Timecode, BlendShapeCount, 52 shapes + 9 rotations) or "
                             "OUT.npz (weights (T, 52), names, fps)")
    parser.add_argument("--fps", type=float, help="output frame rate (default: the motion's)")
    parser.add_argument("--take", type=int, default=0, help="which take (default 0)")
    parser.add_argument("--flame",
                        help="the head the motion is for: 'standin' (head v1), 'standin-v2' or a FLAME file / "
                             "folder (default: the stand-in in the motion's recorded basis; heads other than v1 "
                             "are retargeted through their 51 landmarks)")
    parser.add_argument("--strength", type=float, default=1.0, help="overall gain (default 1)")
    parser.add_argument("--mouth", type=float, default=1.0, help="mouth / jaw / cheeks gain")
    parser.add_argument("--brows", type=float, default=1.0, help="brow gain")
    parser.add_argument("--eyes", type=float, default=1.0, help="eye gain")
    parser.add_argument("--smoothing", type=float, default=0.0, help="Gaussian smoothing sigma in seconds")
    parser.add_argument("--fit", action="store_true", help="also print the fit report (stand-in head only)")
    parser.set_defaults(func=run)


def resample(weights: np.ndarray, src_fps: float, dst_fps: float) -> np.ndarray:
    """(T, C) at src_fps -> (N, C) at dst_fps, linear in time over the same duration."""
    if abs(src_fps - dst_fps) < 1e-9:
        return weights
    duration = len(weights) / src_fps
    count = max(int(round(duration * dst_fps)), 1)
    t_src, t_dst = np.arange(len(weights)) / src_fps, np.arange(count) / dst_fps
    return np.stack([np.interp(t_dst, t_src, weights[:, c]) for c in range(weights.shape[1])], axis=1)


def run(args: argparse.Namespace) -> int:
    from deeptalk.motion_io import MotionFileError, read_motion
    from deeptalk.retarget.controls import ArkitControls, apply_controls
    from deeptalk.retarget.livelink_csv import write_livelink_csv
    from deeptalk.retarget.motion import arkit_weights, retargeter_for
    from deeptalk.retarget.names import ARKIT_NAMES
    from deeptalk.flame.model import write_npz_deterministic
    from deeptalk.paths import standin_for_basis

    out = Path(args.output)
    if out.suffix.lower() not in (".csv", ".npz"):
        print(f"error: {out} must end in .csv (Live Link Face) or .npz", file=sys.stderr)
        return 2
    try:
        motion = read_motion(args.motion)
        controls = ArkitControls(strength=args.strength, mouth=args.mouth, brows=args.brows, eyes=args.eyes,
                                 smoothing_s=args.smoothing)
    except (MotionFileError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not 0 <= args.take < motion.takes:
        print(f"error: --take {args.take} is out of range (the file has {motion.takes})", file=sys.stderr)
        return 1
    fps = float(args.fps) if args.fps else motion.fps
    if not (np.isfinite(fps) and 0 < fps <= 240):
        print("error: --fps must be in (0, 240]", file=sys.stderr)
        return 2
    take = slice(args.take, args.take + 1)
    own_head = standin_for_basis(motion.flame_basis or "standin-v1")  # the head the stored weights were made on
    args.flame = args.flame or own_head
    if motion.arkit.size and tuple(motion.arkit_names) == ARKIT_NAMES and args.flame == own_head:
        weights = np.asarray(motion.arkit[args.take], dtype=np.float64)
    else:
        try:
            weights = arkit_weights(motion.exp[take], motion.jaw[take], args.flame)[0].astype(np.float64)
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    if args.fit:
        from deeptalk.retarget.fit import fit_report

        solver = retargeter_for(args.flame)
        report = fit_report(solver.model, solver.shapes, motion.exp[args.take], motion.jaw[args.take], weights)
        print(" ".join(f"{k}={v}" for k, v in report.as_dict().items()))
    weights = resample(apply_controls(weights, ARKIT_NAMES, controls, motion.fps), motion.fps, fps)
    try:
        if out.suffix.lower() == ".csv":
            written = write_livelink_csv(out, weights, ARKIT_NAMES, fps=fps)
        else:
            written = write_npz_deterministic(out, {"weights": weights.astype(np.float32),
                                                    "names": np.asarray(ARKIT_NAMES, dtype=np.str_),
                                                    "fps": np.float64(fps)})
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {written} ({len(weights)} frames at {fps:g} fps, 52 ARKit channels)")
    return 0
