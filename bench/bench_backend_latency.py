"""Backend latency: cold start (spawn -> hello), warm request latency and real-time factor.

Starts the real `deeptalk serve` process on the default model directory (or, with
`--untrained PRESET`, on a freshly built randomly-initialised model of that preset),
makes a speech file of `--seconds` seconds (espeak-ng when installed, else synthetic
speech-like audio), and prints:

    cold start        spawn -> hello reply
    first request     the first animate (includes lazy warm-up)
    warm latency      median of `--repeats` animate requests (min / max beside it)
    real-time factor  warm latency / audio seconds (< 1 is faster than real time)
    cancel latency    cancel sent mid-request -> `cancelled` reply

    python bench/bench_backend_latency.py [--untrained tiny] [--seconds 60] [--device auto]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from deeptalk.audio import SAMPLE_RATE, load_audio, write_wav
from deeptalk.motion_io import read_motion
from deeptalk.paths import default_model_dir
from deeptalk.protocol import AnimateRequest, CancelRequest, ErrorReply, ProgressReply
from deeptalk.serve_client import ServeClient

TEXT = ("The quick brown fox jumps over the lazy dog. I can't believe you did that! "
        "Please, tell me what happened yesterday at the station. We will meet again soon, my friend. ")


def speech(seconds: float, folder: Path) -> Path:
    """A mono 16 kHz wav of `seconds` seconds of speech (espeak-ng) or speech-like sound."""
    path = folder / f"speech_{seconds:g}s.wav"
    if shutil.which("espeak-ng"):
        raw = folder / "espeak.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), TEXT * 8], check=True)
        voice = load_audio(raw).samples  # (S,) 16 kHz
        reps = int(np.ceil(seconds * SAMPLE_RATE / len(voice)))
        samples = np.tile(voice, reps)[: int(seconds * SAMPLE_RATE)]
    else:
        t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
        pitch = 120 + 20 * np.sin(2 * np.pi * 0.3 * t)
        phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
        voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
        syllables = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 2
        samples = 0.2 * voiced * syllables
    write_wav(path, samples.astype(np.float32))
    return path


def cancel_latency(client: ServeClient, audio: Path, folder: Path) -> float:
    """Seconds from a cancel sent once the model is working to the request's `cancelled` reply."""
    client.send(AnimateRequest(id="bench-cancel", audio_path=str(audio), output_path=str(folder / "cancel.npz")))
    while True:
        reply = client.read(600)
        if isinstance(reply, ProgressReply) and reply.id == "bench-cancel" and reply.fraction > 0.3:
            break
    sent = time.perf_counter()
    client.send(CancelRequest(id="bench-stop", target="bench-cancel"))
    ended = client.wait_for("bench-cancel", 600)
    elapsed = time.perf_counter() - sent
    client.wait_for("bench-stop", 10)
    if not (isinstance(ended, ErrorReply) and ended.code == "cancelled"):
        raise RuntimeError(f"the request was not cancelled: {ended}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=None, help="default: the embedded model")
    parser.add_argument("--untrained", metavar="PRESET", default=None,
                        help="build and serve a randomly initialised model of this preset (e.g. tiny)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the timed file")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--takes", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="deeptalk-bench-") as tmp:
        folder = Path(tmp)
        model_dir = args.model_dir or default_model_dir()
        if args.untrained:
            from deeptalk.model_dir import build_untrained_model_dir

            model_dir = build_untrained_model_dir(folder / "model", preset=args.untrained)
        elif not (model_dir / "manifest.json").is_file():
            print(f"no model at {model_dir}; pass --untrained tiny (or --model-dir)", file=sys.stderr)
            return 2
        audio = speech(args.seconds, folder)
        short = speech(5.0, folder)

        spawned = time.perf_counter()
        with ServeClient.start(model_dir=model_dir, device=args.device, args=["--log-level", "warning"]) as client:
            hello = client.hello(timeout=600)
            cold = time.perf_counter() - spawned

            def timed(path: Path, n: int) -> tuple[float, int]:
                started = time.perf_counter()
                result = client.animate(AnimateRequest(
                    id=f"bench-{path.stem}-{n}", audio_path=str(path), output_path=str(folder / f"{path.stem}.npz"),
                    fps=args.fps, takes=args.takes, seed=n))
                return time.perf_counter() - started, result.frames

            first, _ = timed(audio, 0)
            warm = [timed(audio, n)[0] for n in range(1, args.repeats + 1)]
            short_warm = [timed(short, n)[0] for n in range(1, args.repeats + 1)]
            frames = read_motion(folder / f"{audio.stem}.npz").frames
            cancel_s = cancel_latency(client, audio, folder)

        median = statistics.median(warm)
        print(f"model            {hello.model_id} on {hello.device} (model dir {model_dir})")
        print(f"audio            {args.seconds:g} s speech -> {frames} frames at {args.fps:g} fps, {args.takes} take(s)")
        print(f"cold start       {cold:8.3f} s  (spawn -> hello)")
        print(f"first request    {first:8.3f} s")
        print(f"warm latency     {median:8.3f} s  (median of {len(warm)}; min {min(warm):.3f}, max {max(warm):.3f})")
        print(f"real-time factor {median / args.seconds:8.4f}  ({args.seconds / median:.1f}x faster than real time)")
        print(f"warm 5 s file    {statistics.median(short_warm):8.3f} s")
        print(f"cancel latency   {cancel_s:8.3f} s  (cancel sent mid-request -> 'cancelled' reply)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
