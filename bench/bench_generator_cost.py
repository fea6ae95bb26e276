"""Generator forward cost vs clip length: our non-autoregressive token predictor against a
FaceFormer-style autoregressive decoder of equal width (one frame per step, causal
self-attention over everything generated so far, cross-attention to the audio).

    .venv/bin/python -m bench.bench_generator_cost
"""

from __future__ import annotations

import time

import torch
from torch import nn

from deeptalk.model_presets import preset_configs
from deeptalk.models.generator import Generator
from deeptalk.models.thvqvae import ThVqvae


class AutoregressiveBaseline(nn.Module):
    """Equal-width causal transformer decoder that emits one 53-d frame per step."""

    def __init__(self, *, width: int, heads: int, layers: int, ff: int) -> None:
        super().__init__()
        self.inp = nn.Linear(53, width)
        layer = nn.TransformerDecoderLayer(width, heads, ff, batch_first=True, dropout=0.0)
        self.decoder = nn.TransformerDecoder(layer, layers)
        self.out = nn.Linear(width, 53)

    @torch.inference_mode()
    def generate(self, audio: torch.Tensor) -> torch.Tensor:
        """audio (1, T, width) -> motion (1, T, 53), frame by frame."""
        frames = [torch.zeros(1, 1, 53)]
        for t in range(audio.shape[1]):
            x = self.inp(torch.cat(frames, 1))  # (1, t+1, W)
            mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
            h = self.decoder(x, audio[:, :t + 1], tgt_mask=mask)
            frames.append(self.out(h[:, -1:]))
        return torch.cat(frames[1:], 1)


def timed(fn) -> float:
    fn()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    torch.manual_seed(0)
    sizes = preset_configs("default", num_emotions=5)
    prior = ThVqvae(sizes.thvqvae).eval()
    generator = Generator(sizes.generator).eval()
    c = sizes.generator
    baseline = AutoregressiveBaseline(width=c.model_dim, heads=c.heads, layers=c.token_layers, ff=c.ff_dim).eval()
    print(f"{'frames':>7} {'seconds':>8} {'ours (s)':>10} {'autoregressive (s)':>19} {'ratio':>7}")
    previous = None
    for frames in (50, 100, 200, 400):
        content = torch.randn(1, frames, generator.audio.output_dim)
        emotion = torch.nn.functional.normalize(torch.randn(1, c.emotion_dim), dim=-1)
        style = torch.zeros(1, dtype=torch.long)
        with torch.inference_mode():
            ours = timed(lambda: generator.sample(content, emotion, style, prior))
        ar = timed(lambda: baseline.generate(torch.randn(1, frames, c.model_dim)))
        print(f"{frames:>7} {frames / 25:>8.1f} {ours:>10.4f} {ar:>19.3f} {ar / ours:>6.0f}x")
        if previous:
            print(f"{'':>7} growth x{frames / previous[0]:.0f} length: ours x{ours / previous[1]:.1f}, "
                  f"autoregressive x{ar / previous[2]:.1f}")
        previous = (frames, ours, ar)


if __name__ == "__main__":
    main()
