"""Pipeline speed and memory against clip length (goal: 60 s of audio in < 3 s on 2 CPU cores).

Each length runs in its own child process so its peak resident memory is its own. For
each length the child loads the model, warms up on 3 s of audio, then times `--repeats`
`animate` calls and prints:

    seconds   wall time (median)   real-time factor   peak RSS (MiB)

A flat peak RSS from 60 s to 600 s shows the windowing keeps memory independent of the
clip length (only the (takes, T, 53) output grows: 600 s is 3 MB per take).

    python bench/bench_pipeline.py [--preset default] [--model-dir DIR] [--lengths 10 60 600]
                                   [--threads 2] [--takes 1] [--device cpu]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    """Noise under a 4 Hz syllable envelope, built in float32 so the input itself stays small."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * 16000))
    t = np.arange(n, dtype=np.float32) / np.float32(16000)
    audio = np.sin(np.float32(2 * np.pi * 4.0) * t)
    audio *= audio
    audio = np.float32(0.05) + np.float32(0.05) * audio
    audio *= rng.standard_normal(n, dtype=np.float32)
    return audio


def child(args: argparse.Namespace) -> None:
    import torch

    from deeptalk.pipeline import Pipeline

    torch.set_num_threads(args.threads)
    pipeline = Pipeline.load(args.model_dir, device=args.device)
    knobs = dict(alpha=0.5, temperature_top=0.3, temperature_bottom=0.0, takes=args.takes)
    pipeline.animate(speech_like(3.0), **knobs)
    audio = speech_like(args.child)
    times = []
    for i in range(args.repeats):
        start = time.perf_counter()
        result = pipeline.animate(audio, seed=i, **knobs)
        times.append(time.perf_counter() - start)
    assert np.isfinite(result.motion).all()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall = statistics.median(times)
    print(f"{args.child:8.0f} s {wall:10.2f} s {wall / args.child:12.3f} {peak_mib:14.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="default", help="untrained preset to build when no --model-dir")
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--lengths", type=float, nargs="+", default=[10.0, 60.0, 600.0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--takes", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model_dir
        if model_dir is None:
            from deeptalk.model_dir import build_untrained_model_dir

            model_dir = build_untrained_model_dir(Path(tmp) / "model", args.preset)
        print(f"model {model_dir}  threads {args.threads}  takes {args.takes}  device {args.device}")
        print(f"{'audio':>10} {'wall':>12} {'wall/audio':>12} {'peak RSS MiB':>14}")
        for seconds in args.lengths:
            repeats = args.repeats if seconds <= 120 else 1
            subprocess.run([sys.executable, __file__, "--model-dir", str(model_dir), "--child", str(seconds),
                            "--threads", str(args.threads), "--takes", str(args.takes),
                            "--repeats", str(repeats), "--device", args.device], check=True)


if __name__ == "__main__":
    main()
