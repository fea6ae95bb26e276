"""Non-autoregressive DEEPTalk generator (spec §4): speech + emotion + style -> motion tokens.

content (B, T, C_audio) from the audio backbone, one emotion vector (B, D) per clip and a
style id (B,) -> frame features (B, T, F) -> top logits (B, T/4, K_t); the chosen top
codes go through the frozen TH-VQVAE's top decoder -> (B, T/2, C), which conditions the
bottom logits (B, T/2, K_b); both code sequences decode through the frozen TH-VQVAE to
motion (B, T, 53). All tokens of a level are predicted in parallel.

Training (`forward`) picks codes with straight-through hard Gumbel-softmax at
temperature `tau` (anneal it, e.g. 2 -> 0.1). Inference (`sample`) picks them by
`argmax` at temperature 0, otherwise by sampling softmax(logits / temperature) with the
Gumbel-max trick, using one CPU `torch.Generator` per batch row so every take is
reproducible from its seed on any device. Lengths that are not a multiple of 4 are
padded by repeating the last content frame and the motion is trimmed back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from deeptalk.models.alibi import AlibiTransformer
from deeptalk.models.audio_backbone import AudioBackbone, AudioBackboneConfig
from deeptalk.models.config_tools import nested_config, set_field
from deeptalk.models.thvqvae import ThVqvae, ThVqvaeConfig, pad_to_multiple


@dataclass(frozen=True, kw_only=True)
class GeneratorConfig:
    """Generator sizes. `prior_dim`, `codes_top`, `codes_bottom` must match the TH-VQVAE's
    `dim`, `codes_top`, `codes_bottom`; `emotion_dim` the DEE embedding size."""

    audio: AudioBackboneConfig = field(default_factory=AudioBackboneConfig)
    emotion_dim: int = 128
    num_styles: int = 32
    feature_dim: int = 128      # audio projection / frame feature width F (the frame decoder runs at 2F)
    model_dim: int = 256        # token transformers
    heads: int = 8
    ff_dim: int = 256
    decoder_layers: int = 1     # periodic-ALiBi frame decoder
    token_layers: int = 6       # per level
    period: int = 25
    # True: the frame decoder's ALiBi distance is floor(|i - j| / period) (FaceFormer, the official
    # checkpoints); False: period * floor(|i - j| / period) frames (our trained models)
    period_units: bool = False
    dropout: float = 0.1        # frame decoder
    token_dropout: float = 0.0  # token transformers
    prior_dim: int = 128
    codes_top: int = 256
    codes_bottom: int = 256
    # > 0: a linear viseme classifier on the content features, trained with frame labels where
    # the data has them (our corpus): phonetic supervision for a content encoder trained from
    # scratch, standing in for a pretrained wav2vec2's. Not used at inference.
    content_classes: int = 0

    def __post_init__(self) -> None:
        set_field(self, "audio", nested_config(AudioBackboneConfig, self.audio))
        for name in ("emotion_dim", "num_styles", "feature_dim", "model_dim", "heads", "ff_dim",
                     "decoder_layers", "token_layers", "period", "prior_dim"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if (2 * self.feature_dim) % self.heads or self.model_dim % self.heads:
            raise ValueError(f"2*feature_dim and model_dim must be divisible by heads {self.heads}")
        if self.codes_top < 2 or self.codes_bottom < 2:
            raise ValueError("codebooks need at least 2 codes")
        if not (0 <= self.dropout < 1 and 0 <= self.token_dropout < 1):
            raise ValueError("dropouts must be in [0, 1)")
        if self.content_classes < 0 or self.content_classes == 1:
            raise ValueError("content_classes must be 0 (no content classifier) or >= 2")

    @staticmethod
    def preset(name: str, *, audio: AudioBackboneConfig, prior: ThVqvaeConfig,
               emotion_dim: int, num_styles: int = 32, content_classes: int = 0) -> GeneratorConfig:
        """"paper" (spec §4 sizes), "default" (CPU-trainable) or "tiny" (tests), sized to a prior."""
        sizes = {
            "paper": dict(feature_dim=128, model_dim=256, heads=8, ff_dim=256, token_layers=6),
            "default": dict(feature_dim=64, model_dim=128, heads=4, ff_dim=256, token_layers=3),
            "tiny": dict(feature_dim=16, model_dim=32, heads=2, ff_dim=32, token_layers=1, dropout=0.0),
        }
        if name not in sizes:
            raise ValueError(f"unknown generator preset {name!r}; choose paper, default or tiny")
        return GeneratorConfig(audio=audio, emotion_dim=emotion_dim, num_styles=num_styles,
                               prior_dim=prior.dim, codes_top=prior.codes_top,
                               codes_bottom=prior.codes_bottom, content_classes=content_classes, **sizes[name])

    def check_prior(self, prior: ThVqvaeConfig) -> None:
        """Raise ValueError if this generator was not built for `prior`."""
        mine = (self.prior_dim, self.codes_top, self.codes_bottom)
        theirs = (prior.dim, prior.codes_top, prior.codes_bottom)
        if mine != theirs:
            raise ValueError(f"generator expects a TH-VQVAE with (dim, codes_top, codes_bottom) = {mine}, "
                             f"got {theirs}")


class GeneratorOutput(NamedTuple):
    motion: torch.Tensor         # (B, T, 53)
    logits_top: torch.Tensor     # (B, T4/4, K_t)
    logits_bottom: torch.Tensor  # (B, T4/2, K_b)
    codes_top: torch.Tensor      # (B, T4/4) chosen codes
    codes_bottom: torch.Tensor   # (B, T4/2)


def gumbel_noise(shape: torch.Size | tuple[int, ...], generators: Sequence[torch.Generator] | None,
                 device: torch.device) -> torch.Tensor:
    """Standard Gumbel noise; row b drawn from `generators[b]` (CPU) when given: (B, ...)."""
    if generators is None:
        u = torch.rand(shape, device=device)
    else:
        if len(generators) != shape[0]:
            raise ValueError(f"need one generator per batch row ({shape[0]}), got {len(generators)}")
        u = torch.stack([torch.rand(shape[1:], generator=g) for g in generators]).to(device)
    u = u.clamp(1e-10, 1.0 - 1e-7)
    return -torch.log(-torch.log(u))


def straight_through_gumbel(logits: torch.Tensor, tau: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Hard Gumbel-softmax: one-hot forward, soft gradient. (..., K) -> ((..., K), (...))."""
    if tau <= 0:
        raise ValueError(f"tau must be > 0, got {tau}")
    soft = F.softmax((logits + gumbel_noise(logits.shape, None, logits.device)) / tau, dim=-1)  # (..., K)
    index = soft.argmax(-1)  # (...)
    hard = F.one_hot(index, logits.shape[-1]).to(soft.dtype)
    return hard - soft.detach() + soft, index


def pick_codes(logits: torch.Tensor, temperature: float,
               generators: Sequence[torch.Generator] | None) -> torch.Tensor:
    """argmax at temperature 0, else a sample of softmax(logits / temperature): (B, N, K) -> (B, N)."""
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if temperature == 0:
        return logits.argmax(-1)
    return (logits / temperature + gumbel_noise(logits.shape, generators, logits.device)).argmax(-1)


class _TokenHead(nn.Module):
    """Linear in -> symmetric-ALiBi transformer -> Linear to code logits."""

    def __init__(self, *, c_in: int, config: GeneratorConfig, num_codes: int) -> None:
        super().__init__()
        c = config
        self.pre = nn.Linear(c_in, c.model_dim)
        self.encoder = AlibiTransformer(dim=c.model_dim, heads=c.heads, ff_dim=c.ff_dim,
                                        layers=c.token_layers, dropout=c.token_dropout)
        self.post = nn.Linear(c.model_dim, num_codes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, N, c_in) -> (B, N, K)."""
        return self.post(self.encoder(self.pre(x)))


class Generator(nn.Module):
    """Speech-driven token predictor over a frozen TH-VQVAE passed in at call time."""

    def __init__(self, config: GeneratorConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.audio = AudioBackbone(c.audio)
        self.audio_proj = nn.Linear(self.audio.output_dim, c.feature_dim)
        self.emotion_map = nn.Linear(c.emotion_dim, c.feature_dim)
        self.condition = nn.Linear(c.feature_dim + c.num_styles, c.feature_dim)
        self.frame_decoder = AlibiTransformer(dim=2 * c.feature_dim, heads=c.heads, ff_dim=c.ff_dim,
                                              layers=c.decoder_layers, dropout=c.dropout, period=c.period,
                                              period_units=c.period_units)
        self.frame_out = nn.Linear(2 * c.feature_dim, c.feature_dim)
        self.top = _TokenHead(c_in=4 * c.feature_dim, config=c, num_codes=c.codes_top)
        self.bottom = _TokenHead(c_in=2 * c.feature_dim + c.prior_dim, config=c, num_codes=c.codes_bottom)
        self.content_head = nn.Linear(self.audio.output_dim, c.content_classes) if c.content_classes else None

    def content(self, wave: torch.Tensor, num_frames: int) -> torch.Tensor:
        """Speech content features: wave (B, S) 16 kHz -> (B, num_frames, C_audio)."""
        return self.audio(wave, num_frames)

    def content_logits(self, content: torch.Tensor) -> torch.Tensor:
        """Viseme logits of the content features (training only): (B, T, C_audio) -> (B, T, V)."""
        if self.content_head is None:
            raise ValueError("this generator has no content classifier (content_classes = 0)")
        return self.content_head(content)

    def frame_features(self, content: torch.Tensor, emotion: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """content (B, T, C_audio), emotion (B, D), style (B,) int -> (B, T, F)."""
        c = self.config
        if emotion.shape[-1] != c.emotion_dim:
            raise ValueError(f"emotion must be (B, {c.emotion_dim}), got {tuple(emotion.shape)}")
        a = self.audio_proj(content)  # (B, T, F)
        style_1h = F.one_hot(style.long(), c.num_styles).to(a.dtype)  # (B, S)
        cond = self.condition(torch.cat([self.emotion_map(emotion), style_1h], -1))  # (B, F)
        h = torch.cat([a, cond[:, None].expand(-1, a.shape[1], -1)], -1)  # (B, T, 2F)
        return self.frame_out(self.frame_decoder(h))  # (B, T, F)

    def top_logits(self, feats: torch.Tensor) -> torch.Tensor:
        """(B, T4, F) -> (B, T4/4, K_t): 4 frames per top token."""
        b, t, f = feats.shape
        return self.top(feats.reshape(b, t // 4, 4 * f))

    def bottom_logits(self, feats: torch.Tensor, dec_top: torch.Tensor) -> torch.Tensor:
        """(B, T4, F), top decoder output (B, T4/2, C) -> (B, T4/2, K_b): 2 frames per token."""
        b, t, f = feats.shape
        return self.bottom(torch.cat([feats.reshape(b, t // 2, 2 * f), dec_top], -1))

    def forward(self, content: torch.Tensor, emotion: torch.Tensor, style: torch.Tensor,
                prior: ThVqvae, *, tau: float) -> GeneratorOutput:
        """Training path (straight-through hard Gumbel at `tau`): -> motion (B, T, 53)."""
        length = content.shape[1]
        feats = self.frame_features(pad_to_multiple(content, 4), emotion, style)  # (B, T4, F)
        logits_t = self.top_logits(feats)  # (B, N, K_t)
        onehot_t, codes_t = straight_through_gumbel(logits_t, tau)
        quant_t = prior.quantize_t.from_onehot(onehot_t)  # (B, N, C)
        logits_b = self.bottom_logits(feats, prior.decode_top(quant_t))  # (B, 2N, K_b)
        onehot_b, codes_b = straight_through_gumbel(logits_b, tau)
        quant_b = prior.quantize_b.from_onehot(onehot_b)  # (B, 2N, 2C)
        motion = prior.decode(quant_t, quant_b)[:, :length]  # (B, T, 53)
        return GeneratorOutput(motion, logits_t, logits_b, codes_t, codes_b)

    def sample(self, content: torch.Tensor, emotion: torch.Tensor, style: torch.Tensor, prior: ThVqvae, *,
               temperature_top: float = 0.0, temperature_bottom: float = 0.0,
               generators: Sequence[torch.Generator] | None = None) -> GeneratorOutput:
        """Inference path (argmax or temperature sampling, row b seeded by generators[b])."""
        length = content.shape[1]
        feats = self.frame_features(pad_to_multiple(content, 4), emotion, style)  # (B, T4, F)
        logits_t = self.top_logits(feats)  # (B, N, K_t)
        codes_t = pick_codes(logits_t, temperature_top, generators)  # (B, N)
        logits_b = self.bottom_logits(feats, prior.decode_top(prior.quantize_t.lookup(codes_t)))  # (B, 2N, K_b)
        codes_b = pick_codes(logits_b, temperature_bottom, generators)  # (B, 2N)
        motion = prior.decode_codes(codes_t, codes_b, length)  # (B, T, 53)
        return GeneratorOutput(motion, logits_t, logits_b, codes_t, codes_b)

