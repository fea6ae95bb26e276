"""Reference mode: the official DEEPTalk demo's inference, step for step, on our networks.

`reference_animate(dee, thvqvae, generator, wave, style=k)`:
1. demo padding: `n = int(S / 16000 * 25)` frames, `target = n + 4 - n % 4` (always 1 to 4
   frames more), zeros on the right up to `int(target / 25 * 16000)` samples;
2. one DEE speech pass over the whole padded clip; the emotion is its mean (no sampling);
3. one generator window over the whole clip: content features at `ceil(T50 / 2)` frames
   (T50 = the CNN's 50 Hz frame count), no noise gate, no cross-fades;
4. codes by argmax (temperature 0) at both levels, decoded by the TH-VQVAE.
The motion covers the padded clip (`target` frames); callers trim it to the audio.
Compared with the windowed product mode (`pipeline`): no per-second emotion reading, no
8 s windows (memory and time grow with the clip), no gate on room tone.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from deeptalk.models.dee import DEE
from deeptalk.models.generator import Generator
from deeptalk.models.thvqvae import ThVqvae

SAMPLE_RATE = 16000
FPS = 25


class ReferenceOutput(NamedTuple):
    motion: np.ndarray          # (T_padded, 53) float32
    codes_top: np.ndarray       # (T_padded / 4,) int64
    codes_bottom: np.ndarray    # (T_padded / 2,) int64
    emotion_mean: np.ndarray    # (D,) the DEE mean of the padded clip
    emotion_logvar: np.ndarray  # (D,)
    padded_frames: int


def demo_padding(wave: np.ndarray) -> np.ndarray:
    """The official demo's right zero-padding to a multiple of 4 frames (always adds 1-4)."""
    n = int(len(wave) / SAMPLE_RATE * FPS)
    target = n + 4 - (n % 4)
    samples = int(target / FPS * SAMPLE_RATE)
    out = np.zeros(max(samples, len(wave)), np.float32)
    out[: len(wave)] = wave
    return out


def reference_animate(dee: DEE, thvqvae: ThVqvae, generator: Generator, wave: np.ndarray, *, style: int = 0,
                      emotion: torch.Tensor | None = None, emotion_weight: float = 0.0,
                      device: torch.device | str = "cpu") -> ReferenceOutput:
    """wave (S,) float 16 kHz -> ReferenceOutput. `emotion` (D,) blends in with `emotion_weight`."""
    if not 0 <= style < generator.config.num_styles:
        raise ValueError(f"style {style} is out of range: this model has {generator.config.num_styles} styles "
                         f"(0-{generator.config.num_styles - 1})")
    padded = torch.from_numpy(demo_padding(np.asarray(wave, np.float32)))[None].to(device)  # (1, S')
    with torch.inference_mode():
        emb = dee.encode_audio(padded)  # (1, D) x 2
        z = emb.mean
        if emotion is not None and emotion_weight > 0:
            z = F.normalize((1.0 - emotion_weight) * z + emotion_weight * emotion.to(z)[None], dim=-1)
        frames = math.ceil(generator.audio.native_frames(padded.shape[1]) / 2)
        content = generator.content(padded, frames)  # (1, T, C)
        style_ids = torch.full((1,), style, dtype=torch.long, device=padded.device)
        out = generator.sample(content, z, style_ids, thvqvae, temperature_top=0.0, temperature_bottom=0.0)
    return ReferenceOutput(out.motion[0].float().cpu().numpy(), out.codes_top[0].cpu().numpy(),
                           out.codes_bottom[0].cpu().numpy(), emb.mean[0].float().cpu().numpy(),
                           emb.logvar[0].float().cpu().numpy(), frames)
