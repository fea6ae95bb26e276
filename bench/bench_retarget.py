"""ARKit retarget speed and fit (goal: 60 s of 25 fps motion solved in < 1 s on 2 CPU cores).

Builds the stand-in's ARKit shapes, then solves co-articulated speech motion (random
phoneme lines from the corpus articulation model) of the given length and prints the solve
time (median of --repeats, shapes and solver set-up excluded and shown apart) and the fit:
lip vertex error of the ARKit reconstruction vs the FLAME motion, lip-gap / jaw tracking
and bilabial closures kept.

    python bench/bench_retarget.py [--seconds 60] [--repeats 3] [--path vertex|landmark]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np


def speech_motion(seconds: float, seed: int = 0):
    from deeptalk.corpus.articulation import articulate
    from deeptalk.corpus.phonemes import PhonemeSpan

    rng = np.random.default_rng(seed)
    pool = "m b p f v t d s z k n l r w A: aa @ E i: I u: U O: aI eI oU".split()
    spans, t, word = [], 0.0, 0
    while t < seconds:
        if rng.random() < 0.12:
            p, d = "_", rng.uniform(0.15, 0.5)
            word += 1
        else:
            p = pool[rng.integers(len(pool))]
            d = rng.uniform(0.06, 0.12) if len(p) == 1 and p.islower() else rng.uniform(0.09, 0.2)
        spans.append(PhonemeSpan(p, t, t + d, word))
        t += d
    frames = int(seconds * 25)
    art = articulate(spans, n_frames=frames)
    return art.exp.astype(np.float64), art.jaw.astype(np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--path", choices=("vertex", "landmark"), default="vertex")
    args = parser.parse_args()

    from deeptalk.flame.standin import standin_model
    from deeptalk.retarget.fit import fit_report
    from deeptalk.retarget.retarget import LandmarkRetargeter, VertexRetargeter
    from deeptalk.retarget.shapes import build_arkit_shapes

    model = standin_model()
    start = time.perf_counter()
    shapes = build_arkit_shapes(model)
    shapes_s = time.perf_counter() - start
    start = time.perf_counter()
    solver = VertexRetargeter(model, shapes) if args.path == "vertex" else LandmarkRetargeter(model, model, shapes)
    setup_s = time.perf_counter() - start
    exp, jaw = speech_motion(args.seconds)
    times, weights = [], None
    for _ in range(args.repeats):
        start = time.perf_counter()
        weights = solver.solve(exp, jaw)
        times.append(time.perf_counter() - start)
    report = fit_report(model, shapes, exp, jaw, weights)
    print(json.dumps({"path": args.path, "seconds": args.seconds, "frames": len(exp),
                      "shapes_s": round(shapes_s, 3), "setup_s": round(setup_s, 3),
                      "solve_s": round(statistics.median(times), 3), "fit": report.as_dict()}, indent=1))


if __name__ == "__main__":
    main()
