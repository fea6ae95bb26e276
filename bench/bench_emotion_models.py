"""Inference cost of the emotion-side networks with their default (embedded-model) configs.

Prints milliseconds per second of input (median of `--repeats`, after one warm-up) for:

    audio backbone   scratch wav2vec2 (goal: ~10 ms per second of audio on one CPU thread)
    DEE speech       encode_audio (backbone + transformer + GPO heads)
    DEE motion       encode_motion (FER features + transformer + GPO heads)
    lip-reader       logits on motion

    python bench/bench_emotion_models.py [--seconds 10] [--threads 1] [--device cpu]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import torch

from deeptalk.device import resolve_device
from deeptalk.model_presets import preset_configs
from deeptalk.models.audio_backbone import AudioBackbone, AudioBackboneConfig
from deeptalk.models.dee import DEE
from deeptalk.models.lipreader import LipReaderConfig, MotionLipReader


def median_ms(fn: Callable[[], object], repeats: int, device: torch.device) -> float:
    fn()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    samples, frames = int(args.seconds * 16000), int(args.seconds * 25)
    wave = torch.randn(1, samples, device=device)
    motion = torch.randn(1, frames, 53, device=device)
    backbone = AudioBackbone(AudioBackboneConfig()).to(device).eval()
    mel = AudioBackbone(AudioBackboneConfig(kind="mel")).to(device).eval()
    dee = DEE(preset_configs("default", num_emotions=5).dee).to(device).eval()
    reader = MotionLipReader(LipReaderConfig(num_classes=16)).to(device).eval()
    rows = {
        "audio backbone": lambda: backbone(wave, frames),
        "log-mel backbone": lambda: mel(wave, frames),
        "DEE speech": lambda: dee.encode_audio(wave),
        "DEE motion": lambda: dee.encode_motion(motion),
        "lip-reader": lambda: reader.logits(motion),
    }
    print(f"device {device}, threads {args.threads}, input {args.seconds:g} s")
    with torch.no_grad():
        for name, fn in rows.items():
            ms = median_ms(fn, args.repeats, device)
            print(f"{name:15s} {ms:8.1f} ms total  {ms / args.seconds:6.2f} ms per second of input")


if __name__ == "__main__":
    main()
