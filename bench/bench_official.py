"""The official DEEPTalk architecture on 60 s of audio, 2 CPU threads: exact fp32 and a fast path.

Networks: `deeptalk.official.architecture` (emotion2vec-base DEE, wav2vec2-base-960h generator,
the spec TH-VQVAE) with random weights (speed does not depend on the values; converted
official weights give the same timings). Each mode runs end to end, audio file in -> `.npz`
out (`jobs.run_animate`: decode, DEE, generator, decode, resample, write), after one warm-up
call on 3 s:

- reference: the official demo's path (one DEE pass and one generator window over the clip);
- windowed: the product mode (per-second emotion windows, 8 s motion windows with cross-fades).

Fast paths, compared with the same mode's fp32 output: `bf16` (CPU autocast to bfloat16;
AVX-512 BF16 / AMX machines) and `int8` (dynamic int8 quantisation of every Linear). Reported:
wall time, fraction of codes that changed, max / mean |motion - fp32 motion|.

    python -m bench.bench_official [--seconds 60] [--threads 2] [--modes reference windowed]
                                   [--fast int8 [bf16]]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from bench.bench_pipeline import speech_like
from deeptalk.audio import write_wav
from deeptalk.jobs import run_animate
from deeptalk.motion_io import read_motion
from deeptalk.official.convert import _empty_network
from deeptalk.pipeline import Pipeline, PipelineConfig
from deeptalk.protocol import AnimateRequest
from deeptalk.reference_mode import reference_animate


def official_networks(seed: int = 0) -> dict[str, torch.nn.Module]:
    torch.manual_seed(seed)
    nets = {slot: _empty_network(slot).eval() for slot in ("dee", "thvqvae", "generator")}
    prior = nets["thvqvae"]
    prior.train()
    with torch.no_grad():  # codebooks from one batch, as a first training step would
        prior(0.1 * torch.randn(4, 32, 53))
    prior.eval()
    return nets


def int8(nets: dict[str, torch.nn.Module]) -> dict[str, torch.nn.Module]:
    """Dynamic int8 Linears in the two audio encoders (emotion2vec, wav2vec2): most of the cost.
    (nn.TransformerEncoderLayer's fast-path checks break on quantised Linears, so the heads stay fp32.)"""
    from torch.ao.quantization import quantize_dynamic

    out = {k: copy.deepcopy(v) for k, v in nets.items()}
    out["dee"].audio_backbone = quantize_dynamic(out["dee"].audio_backbone, {torch.nn.Linear}, dtype=torch.qint8)
    out["generator"].audio = quantize_dynamic(out["generator"].audio, {torch.nn.Linear}, dtype=torch.qint8)
    return out


def pipeline(nets: dict[str, torch.nn.Module], reference: bool) -> Pipeline:
    return Pipeline(model_id="official-random", emotions=[], dee=nets["dee"], thvqvae=nets["thvqvae"],
                    generator=nets["generator"], prototypes=None, device=torch.device("cpu"),
                    config=PipelineConfig(), reference=reference, flame_basis="flame2020")


def run(pipe: Pipeline, wav: Path, out: Path, autocast: bool) -> tuple[float, np.ndarray]:
    request = AnimateRequest(id="bench", audio_path=str(wav), output_path=str(out), fps=25.0, alpha=0.0,
                             temperature_top=0.0, temperature_bottom=0.0)
    ctx = torch.autocast("cpu", dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
    started = time.perf_counter()
    with ctx:
        run_animate(pipe, request, output_path=out, max_seconds=3600)
    wall = time.perf_counter() - started
    motion = read_motion(out)
    return wall, np.concatenate([motion.exp[0], motion.jaw[0]], axis=-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--modes", nargs="+", default=["reference", "windowed"], choices=("reference", "windowed"))
    parser.add_argument("--fast", nargs="*", default=["int8"], choices=("bf16", "int8"),
                        help="fast paths to compare (bf16 autocast was 17x slower than fp32 here)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    nets = official_networks()
    variants = {"fp32": (nets, False)}
    if "bf16" in args.fast:
        variants["bf16"] = (nets, True)
    if "int8" in args.fast:
        variants["int8"] = (int8(nets), False)
    with tempfile.TemporaryDirectory() as tmp:
        wav, warm = Path(tmp) / "speech.wav", Path(tmp) / "warm.wav"
        write_wav(wav, speech_like(args.seconds))
        write_wav(warm, speech_like(3.0, seed=1))
        print(f"official architecture, random weights, {args.seconds:g} s of audio, {args.threads} threads")
        print(f"{'mode':10s} {'path':5s} {'wall s':>7s} {'x real time':>11s} {'motion max|d|':>13s} "
              f"{'mean|d|':>8s} {'codes changed (reference run)':>30s}")
        wave = speech_like(args.seconds)
        codes_exact = None
        for mode in args.modes:
            exact = None
            for name, (variant, autocast) in variants.items():
                pipe = pipeline(variant, reference=mode == "reference")
                run(pipe, warm, Path(tmp) / "warm.npz", autocast)
                wall, motion = run(pipe, wav, Path(tmp) / f"{mode}-{name}.npz", autocast)
                if exact is None:
                    exact = motion
                diff = np.abs(motion - exact)
                changed = ""
                if mode == "reference":  # codes of the same clip through reference_animate (not timed)
                    ctx = torch.autocast("cpu", dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
                    with ctx:
                        ref = reference_animate(variant["dee"], variant["thvqvae"], variant["generator"], wave)
                    codes = np.concatenate([ref.codes_top, ref.codes_bottom])
                    codes_exact = codes if codes_exact is None else codes_exact
                    changed = f"{(codes != codes_exact).mean():.1%} of {codes.size}"
                print(f"{mode:10s} {name:5s} {wall:7.2f} {args.seconds / wall:11.1f} {diff.max():13.2e} "
                      f"{diff.mean():8.2e} {changed:>30s}", flush=True)


if __name__ == "__main__":
    main()
