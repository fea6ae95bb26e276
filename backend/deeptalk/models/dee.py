"""DEE: a probabilistic joint emotion space for speech and facial motion (spec §2).

`DEE(config)`:
- `encode_audio(wave (B, S) 16 kHz, lengths (B,) samples | None) -> GaussianEmbedding`
- `encode_motion(motion (B, T, 53), lengths (B,) frames | None) -> GaussianEmbedding`
each `GaussianEmbedding(mean (B, D) L2-normalised, logvar (B, D))`. `criterion` is the
PCME++ loss (`dee_loss.DeeLoss`) whose learnable scale/shift live in the checkpoint, as in
the released DEE.pth, because the generator's audio-visual loss reuses them.

Speech branch: `AudioBackbone` (a local HF wav2vec2/HuBERT emotion model with its CNN and
first layers frozen, or the small scratch model) at `audio.target_fps` -> Linear -> PE ->
transformer -> mean / variance heads -> GPO (`gaussian_encoder`). The released branch is
emotion2vec (fairseq, not a transformers model) at 50 Hz; we run the transformer at 25 fps.
Motion branch: frozen FER features (`fer.FerClassifier.features`) -> the same structure.
The FER is part of the DEE (its weights are in the DEE checkpoint, copied in by `set_fer`),
so `encode_motion` takes raw motion and gradients flow through it to the motion.

Decisions (spec §9):
- §9.3: one global Gaussian per clip; each branch sees at most the first `max_seconds`
  (10 s, as released). Callers wanting a per-second emotion track encode windows.
- §9.4: the branches accept different lengths, but training should feed the same time span
  to both (the released 2.0 s audio vs 2.4 s motion windows look accidental); positives are
  defined in `dee_loss` (identity, or same emotion + intensity when labels are given).
- §9.2: alpha is a sigma multiplier (`gaussian.sample_embedding`).
- §9.11: frozen sub-networks (FER here; DEE itself inside the generator via `freeze()`)
  stay in eval mode under a parent's `.train()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from deeptalk.models.audio_backbone import AudioBackbone, AudioBackboneConfig, frames_for_samples
from deeptalk.models.config_tools import nested_config, require, set_field
from deeptalk.models.dee_loss import DeeLoss
from deeptalk.models.fer import FerClassifier, FerConfig
from deeptalk.models.freezing import Freezable
from deeptalk.models.gaussian import GaussianEmbedding, kl_to_standard_normal, sample_embedding
from deeptalk.models.gaussian_encoder import GaussianSequenceEncoder

__all__ = ["DeeConfig", "DEE", "GaussianEmbedding", "sample_embedding", "kl_to_standard_normal"]


@dataclass(frozen=True, kw_only=True)
class DeeConfig:
    """DEE sizes. Defaults are CPU-trainable; the paper's: audio dim 768 x 2 layers,
    motion dim 512 x 6 layers, 8 heads, ff 2048, embed 128."""

    audio: AudioBackboneConfig = field(default_factory=AudioBackboneConfig)
    fer: FerConfig = field(default_factory=FerConfig)
    embed_dim: int = 128
    audio_dim: int = 128
    audio_layers: int = 2
    motion_dim: int = 128
    motion_layers: int = 4
    num_heads: int = 4
    ff_dim: int = 256
    head_layers: int = 1
    dropout: float = 0.1
    gpo_dim: int = 32
    gpo_temperature: float = 0.1
    init_logvar: float = -7.0  # variance heads' starting log sigma^2 (see gaussian_encoder)
    max_seconds: float = 10.0
    motion_fps: float = 25.0
    loss_init_scale: float = 5.0
    loss_init_shift: float = 5.0
    vib_beta: float = 1e-6
    # > 0: a linear emotion classifier on both branches' means, a training aid (`emotion_logits`)
    emotion_classes: int = 0
    # official DEE: speech features enter the audio transformer without a Linear (audio_dim must
    # equal the backbone's width), and the backbone runs over the whole clip before the first
    # `max_seconds` of its frames are kept (False: the wave is cut to max_seconds first)
    audio_input_projection: bool = True
    clip_after_encoding: bool = False

    def __post_init__(self) -> None:
        set_field(self, "audio", nested_config(AudioBackboneConfig, self.audio))
        set_field(self, "fer", nested_config(FerConfig, self.fer))
        for name in ("embed_dim", "audio_dim", "audio_layers", "motion_dim", "motion_layers",
                     "num_heads", "ff_dim", "head_layers", "gpo_dim"):
            require(getattr(self, name) >= 1, f"{name} must be >= 1")
        require(self.audio_dim % self.num_heads == 0 and self.motion_dim % self.num_heads == 0,
                "audio_dim and motion_dim must be divisible by num_heads")
        require(0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)")
        require(self.gpo_temperature > 0 and self.max_seconds > 0 and self.motion_fps > 0,
                "gpo_temperature, max_seconds and motion_fps must be > 0")
        require(self.vib_beta >= 0, "vib_beta must be >= 0")
        require(self.emotion_classes >= 0, "emotion_classes must be >= 0")


class DEE(Freezable):
    """Speech and motion encoders into one Gaussian emotion space, plus their PCME++ criterion."""

    def __init__(self, config: DeeConfig) -> None:
        super().__init__()
        self.config = config
        branch: dict[str, Any] = dict(heads=config.num_heads, ff_dim=config.ff_dim, dropout=config.dropout,
                                      head_layers=config.head_layers, embed_dim=config.embed_dim,
                                      gpo_dim=config.gpo_dim, gpo_temperature=config.gpo_temperature,
                                      init_logvar=config.init_logvar)
        self.audio_backbone = AudioBackbone(config.audio)
        self.audio_encoder = GaussianSequenceEncoder(in_dim=self.audio_backbone.output_dim, dim=config.audio_dim,
                                                     layers=config.audio_layers,
                                                     input_projection=config.audio_input_projection, **branch)
        self.fer = FerClassifier(config.fer)
        self.fer.freeze()
        self.motion_encoder = GaussianSequenceEncoder(in_dim=self.fer.feature_dim, dim=config.motion_dim,
                                                      layers=config.motion_layers, **branch)
        self.criterion = DeeLoss(init_scale=config.loss_init_scale, init_shift=config.loss_init_shift,
                                 vib_beta=config.vib_beta)
        self.emotion_head = nn.Linear(config.embed_dim, config.emotion_classes) if config.emotion_classes else None

    @property
    def embed_dim(self) -> int:
        return self.config.embed_dim

    def set_fer(self, fer: FerClassifier) -> None:
        """Copy a trained FER's weights (and input statistics) into this DEE; it stays frozen."""
        if fer.config != self.config.fer:
            raise ValueError("the FER's config differs from DeeConfig.fer")
        self.fer.load_state_dict(fer.state_dict())
        self.fer.freeze()

    @property
    def max_samples(self) -> int:
        return int(round(self.config.max_seconds * self.config.audio.sample_rate))

    @property
    def max_frames(self) -> int:
        return int(round(self.config.max_seconds * self.config.motion_fps))

    def encode_audio(self, wave: torch.Tensor, lengths: torch.Tensor | None = None) -> GaussianEmbedding:
        """wave (B, S) 16 kHz, lengths (B,) valid samples or None -> GaussianEmbedding((B, D), (B, D))."""
        if not self.config.clip_after_encoding:
            wave = wave[:, : self.max_samples]  # (B, S)
        samples = wave.shape[1]
        if lengths is not None:
            lengths = lengths.to(wave.device).clamp(1, samples)  # (B,)
        audio = self.config.audio
        if self.audio_backbone.native_rate:
            feats = self.audio_backbone(wave, None, lengths=lengths)  # (B, T_native, C)
            frames = feats.shape[1]
            keep = int(round(self.config.max_seconds * audio.sample_rate / self.audio_backbone.stride))
        else:
            frames = int(frames_for_samples(samples, fps=audio.target_fps, sample_rate=audio.sample_rate))
            feats = self.audio_backbone(wave, frames, lengths=lengths)  # (B, T, C)
            keep = int(round(self.config.max_seconds * audio.target_fps))
        mask = None if lengths is None else self.audio_backbone.frame_mask(lengths, samples, frames)  # (B, T)
        if self.config.clip_after_encoding:
            feats = feats[:, :keep]  # (B, <= keep, C)
            mask = None if mask is None else mask[:, :keep]
        return self.audio_encoder(feats, mask)

    def encode_motion(self, motion: torch.Tensor, lengths: torch.Tensor | None = None) -> GaussianEmbedding:
        """motion (B, T, 53), lengths (B,) valid frames or None -> GaussianEmbedding((B, D), (B, D))."""
        motion = motion[:, : self.max_frames]  # (B, T, 53)
        frames = motion.shape[1]
        feats = self.fer.features(motion)  # (B, T, F) frozen FER, differentiable in motion
        mask = None
        if lengths is not None:
            valid = lengths.to(motion.device).clamp(1, frames)  # (B,)
            mask = torch.arange(frames, device=motion.device)[None, :] < valid[:, None]  # (B, T)
        return self.motion_encoder(feats, mask)

    def forward(self, wave: torch.Tensor, motion: torch.Tensor, *, audio_lengths: torch.Tensor | None = None,
                motion_lengths: torch.Tensor | None = None) -> tuple[GaussianEmbedding, GaussianEmbedding]:
        """Both embeddings of B paired clips."""
        return self.encode_audio(wave, audio_lengths), self.encode_motion(motion, motion_lengths)

    def emotion_logits(self, embedding: GaussianEmbedding) -> torch.Tensor:
        """Emotion class logits (B, K) of either branch's mean: one linear map shared by both, so
        training it makes each emotion a region of the joint space (needs `emotion_classes`)."""
        if self.emotion_head is None:
            raise ValueError("this DEE has no emotion classifier (DeeConfig.emotion_classes = 0)")
        return self.emotion_head(embedding.mean)

    def audio_visual_logits(self, audio: GaussianEmbedding, motion: GaussianEmbedding) -> torch.Tensor:
        """Row-aligned PCME++ logits -a * CSD + b (B,): BCE of these against 1 is the generator's L_AV."""
        return self.criterion.paired_logits(audio, motion)
