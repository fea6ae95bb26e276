"""Speech encoder behind one interface: a local Hugging Face wav2vec2-family model or a small scratch one.

`AudioBackbone(config)(wave (B, S) 16 kHz, num_frames) -> (B, num_frames, C)`.

Pipeline (spec §4.1): each clip is normalised to zero mean / unit variance over its
valid samples (what `Wav2Vec2FeatureExtractor(do_normalize=True)` does; padding is set
to 0 afterwards); the CNN feature encoder runs at its native rate (50 Hz for the
320-sample stride); its features are linearly interpolated (align_corners=True) to
`num_frames` *before* the feature projection and transformer, so the transformer runs
at the motion rate (`target_fps`, 25 by default); optional Linear to `output_dim`.

Kinds:
- "pretrained": any model `transformers.AutoModel` builds with `feature_extractor`,
  `feature_projection` and `encoder` (Wav2Vec2, HuBERT, WavLM, Data2VecAudio), read with
  `AutoModel.from_pretrained(path, local_files_only=True)` (`AudioBackbone.load_pretrained`).
  Its architecture is copied into the config (`hf_config_json`), so a checkpoint rebuilds
  the network without the folder; the weights come from the checkpoint's state dict.
- "scratch": the wav2vec2 architecture built from the small sizes in the config by
  `wav2vec2_small` (the same modules and parameter names as `transformers.Wav2Vec2Model`, without
  importing it; LayerNorm feature encoder so zero padding cannot leak into valid frames).
- "mel": the same small model with its CNN feature encoder replaced by a log-mel front end
  (`deeptalk.models.log_mel`, 100 Hz, `conv_dim[-1]` channels): the embedded default's DEE
  speech branch, which must hear prosody within a CPU training budget.
- "emotion2vec": the paper's DEE speech encoder (`deeptalk.models.emotion2vec`), sized by the
  same fields (`pos_conv_kernel` per conv, `pos_conv_layers` convs). It differs from the others
  in two ways: its input is `layer_norm(wave)` over the clip (eps 1e-5, no affine), and it runs
  at the CNN's native rate (`native_rate`): `forward(wave, None)` returns its own
  `native_frames(S)` frames; a given `num_frames` resamples its output linearly.

Decisions:
- Freezing: `freeze_feature_encoder` freezes the CNN; `frozen_layers = k > 0` also freezes the
  feature projection, the convolutional position embedding (and the dropout after it) and the
  first k transformer layers
  (k = -1 or k >= number of layers: the whole transformer side, final norm included). Frozen
  parts stay in eval mode when the module is put in training mode (`train()` override).
- LayerDrop is switched off (it would randomly skip frozen layers too) and SpecAugment masking
  is not applied (we call the sub-modules, not the HF `forward`).
- Inputs shorter than the CNN's receptive field (400 samples) are zero-padded to it.
- Padded batches (`lengths`): the transformer masks padded frames, but a model whose first
  conv uses GroupNorm over time (`feat_extract_norm="group"`, e.g. wav2vec2-base-960h) still
  lets the zero padding shift valid features slightly; encode one clip at a time (or
  equal-length windows) where exactness matters. The scratch model uses LayerNorm, so padding
  content never reaches valid frames.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from deeptalk.models.config_tools import int_tuple, require, set_field
from deeptalk.models.emotion2vec import Emotion2Vec, emotion2vec_hf_config
from deeptalk.models.freezing import Freezable
from deeptalk.models.log_mel import LogMelFeatures
from deeptalk.models.wav2vec2_small import SmallWav2Vec2, SmallWav2Vec2Config

log = logging.getLogger(__name__)

KINDS = ("scratch", "pretrained", "mel", "emotion2vec")


@dataclass(frozen=True, kw_only=True)
class AudioBackboneConfig:
    """Audio encoder settings. Sizes below `hf_config_json` only apply to kind="scratch"."""

    kind: str = "scratch"
    hf_path: str = ""  # local Hugging Face folder (kind="pretrained"); informative once loaded
    hf_config_json: str = ""  # the pretrained model's `config.to_json_string()`, set by load_pretrained
    conv_dim: tuple[int, ...] = (32, 64, 64, 128, 128, 128, 128)  # ~10 ms per second of audio, 1 CPU thread
    conv_kernel: tuple[int, ...] = (10, 3, 3, 3, 3, 2, 2)
    conv_stride: tuple[int, ...] = (5, 2, 2, 2, 2, 2, 2)
    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    intermediate_size: int = 256
    pos_conv_kernel: int = 32
    pos_conv_groups: int = 8
    pos_conv_layers: int = 5  # kind="emotion2vec" only (data2vec-audio position convs)
    dropout: float = 0.1
    freeze_feature_encoder: bool = False
    frozen_layers: int = 0  # 0 none, k first k layers (+ projection), -1 all
    output_dim: int | None = None  # None: no projection, C = hidden size
    # floor of the per-clip standard deviation when normalising: audio quieter than this is not
    # blown up to unit variance (room tone in a long pause stays quiet); 0 = always unit variance,
    # what HF feature extractors do and pretrained models expect
    min_std: float = 0.0
    target_fps: float = 25.0
    sample_rate: int = 16000

    def __post_init__(self) -> None:
        require(self.kind in KINDS, f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "pretrained":
            require(bool(self.hf_path or self.hf_config_json), "kind='pretrained' needs hf_path or hf_config_json")
        for name in ("conv_dim", "conv_kernel", "conv_stride"):
            set_field(self, name, int_tuple(getattr(self, name), name))
        require(len(self.conv_dim) == len(self.conv_kernel) == len(self.conv_stride) >= 1,
                "conv_dim, conv_kernel and conv_stride must have the same non-zero length")
        require(all(v >= 1 for v in self.conv_dim + self.conv_kernel + self.conv_stride), "conv sizes must be >= 1")
        require(self.hidden_size >= 1 and self.num_layers >= 1 and self.intermediate_size >= 1, "sizes must be >= 1")
        require(self.num_heads >= 1 and self.hidden_size % self.num_heads == 0, "hidden_size % num_heads must be 0")
        require(self.pos_conv_layers >= 1, "pos_conv_layers must be >= 1")
        require(self.pos_conv_kernel >= 1 and self.pos_conv_groups >= 1
                and self.hidden_size % self.pos_conv_groups == 0, "hidden_size % pos_conv_groups must be 0")
        require(0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)")
        require(self.frozen_layers >= -1, "frozen_layers must be >= -1")
        require(self.output_dim is None or self.output_dim >= 1, "output_dim must be None or >= 1")
        require(self.min_std >= 0.0, "min_std must be >= 0")
        require(self.target_fps > 0 and self.sample_rate > 0, "target_fps and sample_rate must be > 0")


def frames_for_samples(num_samples: int | torch.Tensor, *, fps: float = 25.0,
                       sample_rate: int = 16000) -> int | torch.Tensor:
    """Frames needed to cover `num_samples` at `fps` (ceil; at least 1). Works on ints and tensors."""
    if isinstance(num_samples, torch.Tensor):
        frames = torch.ceil(num_samples.to(torch.float64) * fps / sample_rate - 1e-9).long()
        return frames.clamp_min(1)
    return max(1, math.ceil(num_samples * fps / sample_rate - 1e-9))


def normalize_waveform(wave: torch.Tensor, lengths: torch.Tensor | None = None, min_std: float = 0.0) -> torch.Tensor:
    """Zero mean / unit variance per clip over its valid samples (dividing by at least `min_std`);
    padding set to 0: (B, S) -> (B, S)."""
    batch, samples = wave.shape
    if lengths is None:
        mean = wave.mean(dim=1, keepdim=True)  # (B, 1)
        var = wave.var(dim=1, unbiased=False, keepdim=True)  # (B, 1)
        return (wave - mean) / torch.sqrt(var + 1e-7).clamp_min(min_std)
    valid = (torch.arange(samples, device=wave.device)[None, :] < lengths.to(wave.device)[:, None]).to(wave.dtype)
    count = valid.sum(dim=1, keepdim=True).clamp_min(1.0)  # (B, 1)
    mean = (wave * valid).sum(dim=1, keepdim=True) / count  # (B, 1)
    var = ((wave - mean).pow(2) * valid).sum(dim=1, keepdim=True) / count  # (B, 1)
    return (wave - mean) / torch.sqrt(var + 1e-7).clamp_min(min_std) * valid  # (B, S)


def _scratch_hf_config(cfg: AudioBackboneConfig) -> Any:
    """The scratch network as a `transformers.Wav2Vec2Config` (the reference `wav2vec2_small` matches)."""
    from transformers import Wav2Vec2Config

    return Wav2Vec2Config(
        hidden_size=cfg.hidden_size, num_hidden_layers=cfg.num_layers, num_attention_heads=cfg.num_heads,
        intermediate_size=cfg.intermediate_size, hidden_act="gelu",
        conv_dim=list(cfg.conv_dim), conv_kernel=list(cfg.conv_kernel), conv_stride=list(cfg.conv_stride),
        feat_extract_norm="layer", conv_bias=True, do_stable_layer_norm=False,
        num_conv_pos_embeddings=cfg.pos_conv_kernel, num_conv_pos_embedding_groups=cfg.pos_conv_groups,
        hidden_dropout=cfg.dropout, attention_dropout=cfg.dropout, activation_dropout=cfg.dropout,
        feat_proj_dropout=cfg.dropout, layerdrop=0.0, mask_time_prob=0.0, mask_feature_prob=0.0,
        vocab_size=2, pad_token_id=0, bos_token_id=None, eos_token_id=None,
    )


def small_wav2vec2_config(cfg: AudioBackboneConfig) -> SmallWav2Vec2Config:
    """The scratch / mel network's sizes (the same network `_scratch_hf_config` describes to HF)."""
    return SmallWav2Vec2Config(
        hidden_size=cfg.hidden_size, num_hidden_layers=cfg.num_layers, num_attention_heads=cfg.num_heads,
        intermediate_size=cfg.intermediate_size, conv_dim=cfg.conv_dim, conv_kernel=cfg.conv_kernel,
        conv_stride=cfg.conv_stride, num_conv_pos_embeddings=cfg.pos_conv_kernel,
        num_conv_pos_embedding_groups=cfg.pos_conv_groups, dropout=cfg.dropout)


def _build_hf_model(cfg: AudioBackboneConfig) -> nn.Module:
    if cfg.kind == "scratch":
        return SmallWav2Vec2(small_wav2vec2_config(cfg))  # no `transformers` import (see wav2vec2_small)
    if cfg.kind == "mel":
        model = SmallWav2Vec2(small_wav2vec2_config(cfg))
        model.feature_extractor = LogMelFeatures(cfg.conv_dim[-1])
        return model
    if cfg.kind == "emotion2vec":
        return Emotion2Vec(emotion2vec_hf_config(
            hidden_size=cfg.hidden_size, num_layers=cfg.num_layers, num_heads=cfg.num_heads,
            intermediate_size=cfg.intermediate_size, conv_dim=cfg.conv_dim, conv_kernel=cfg.conv_kernel,
            conv_stride=cfg.conv_stride, pos_conv_kernel=cfg.pos_conv_kernel,
            pos_conv_layers=cfg.pos_conv_layers, pos_conv_groups=cfg.pos_conv_groups))
    from transformers import AutoConfig, AutoModel

    if cfg.hf_config_json:
        data = json.loads(cfg.hf_config_json)
        hf_config = AutoConfig.for_model(data.pop("model_type"), **data)
        return AutoModel.from_config(hf_config)
    # weights_only: a `pytorch_model.bin` is read without running pickled code (safetensors never can)
    return AutoModel.from_pretrained(str(cfg.hf_path), local_files_only=True, weights_only=True)


class AudioBackbone(Freezable):
    """Speech -> per-frame features: (B, S) 16 kHz, num_frames -> (B, num_frames, C)."""

    def __init__(self, config: AudioBackboneConfig) -> None:
        super().__init__()
        self.config = config
        model = _build_hf_model(config)
        for name in ("feature_extractor", "feature_projection", "encoder"):
            if not hasattr(model, name):
                raise ValueError(f"{type(model).__name__} has no `{name}`; use a wav2vec2/HuBERT/WavLM-style model")
        if getattr(model.config, "layerdrop", 0.0):  # HF configs; ours is frozen and has none
            model.config.layerdrop = 0.0
        self.model = model
        self.hidden_size = int(model.config.hidden_size)
        if isinstance(model.feature_extractor, LogMelFeatures):
            self.stride, self.receptive_field = LogMelFeatures.stride, LogMelFeatures.receptive_field
        else:
            self.stride = math.prod(int(s) for s in model.config.conv_stride)
            field, jump = 1, 1
            for k, s in zip(model.config.conv_kernel, model.config.conv_stride):
                field, jump = field + (int(k) - 1) * jump, jump * int(s)
            self.receptive_field = field
        self.native_rate = config.kind == "emotion2vec"
        self.proj = nn.Linear(self.hidden_size, config.output_dim) if config.output_dim else None
        self.output_dim = config.output_dim or self.hidden_size
        self._frozen_parts = self._apply_freezing()

    # ------------------------------------------------------------------ construction

    @classmethod
    def load_pretrained(cls, path: str | Path, *, freeze_feature_encoder: bool = True, frozen_layers: int = -1,
                        output_dim: int | None = None, target_fps: float = 25.0) -> "AudioBackbone":
        """Load a local HF folder (`AutoModel.from_pretrained(path, local_files_only=True)`).

        Defaults freeze everything (the content encoder of spec §4.1); pass `frozen_layers=k`
        to fine-tune the layers after k (the DEE speech branch of spec §2 uses k = 6 of 12).
        """
        path = Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"no Hugging Face model folder at {path}")
        config = AudioBackboneConfig(
            kind="pretrained", hf_path=str(path), freeze_feature_encoder=freeze_feature_encoder,
            frozen_layers=frozen_layers, output_dim=output_dim, target_fps=target_fps,
        )
        backbone = cls(config)  # AutoModel.from_pretrained(path, local_files_only=True)
        backbone.config = replace(config, hf_config_json=backbone.model.config.to_json_string(use_diff=False))
        log.info("loaded %s from %s (%d layers, hidden %d)", type(backbone.model).__name__, path,
                 len(backbone.model.encoder.layers), backbone.hidden_size)
        return backbone

    def _apply_freezing(self) -> list[nn.Module]:
        cfg, model = self.config, self.model
        parts: list[nn.Module] = []
        if cfg.freeze_feature_encoder:
            parts.append(model.feature_extractor)
            freeze_cnn = getattr(model.feature_extractor, "_freeze_parameters", None)
            if freeze_cnn is not None:
                freeze_cnn()  # also stops HF from forcing requires_grad on the input
        if getattr(model, "masked_spec_embed", None) is not None:
            model.masked_spec_embed.requires_grad_(False)  # SpecAugment is not used
        layers = list(model.encoder.layers)
        k = len(layers) if cfg.frozen_layers == -1 else min(cfg.frozen_layers, len(layers))
        if k > 0:
            stable = bool(getattr(model.config, "do_stable_layer_norm", False))
            parts += [model.feature_projection, model.encoder.pos_conv_embed, model.encoder.dropout]
            if not stable or k == len(layers):
                parts.append(model.encoder.layer_norm)  # applied before the layers unless stable-LN
            parts += layers[:k]
            for name, child in model.encoder.named_children():
                if k == len(layers) and name not in ("layers", "pos_conv_embed", "layer_norm", "dropout"):
                    parts.append(child)  # e.g. WavLM's relative position tables
        if cfg.freeze_feature_encoder and k == len(layers):
            parts = [model]  # fully frozen: the whole HF model (containers included) stays in eval
        for part in parts:
            part.requires_grad_(False)
            part.eval()
        return parts

    def _partial_freeze(self) -> None:
        for part in self._frozen_parts:
            part.requires_grad_(False)

    def _after_train(self, mode: bool) -> None:
        if mode:
            for part in self._frozen_parts:
                part.eval()

    # ------------------------------------------------------------------ forward

    def frame_mask(self, lengths: torch.Tensor, num_samples: int, num_frames: int) -> torch.Tensor:
        """(B, num_frames) bool: frames whose time span starts inside the valid audio."""
        valid = torch.ceil(lengths.to(torch.float64) * num_frames / num_samples - 1e-9).long().clamp(1, num_frames)
        return torch.arange(num_frames, device=lengths.device)[None, :] < valid[:, None]

    def native_frames(self, num_samples: int) -> int:
        """Frames the CNN makes from `num_samples` (after padding to the receptive field)."""
        return (max(num_samples, self.receptive_field) - self.receptive_field) // self.stride + 1

    def forward(self, wave: torch.Tensor, num_frames: int | None, *,
                lengths: torch.Tensor | None = None) -> torch.Tensor:
        """wave (B, S) float 16 kHz, lengths (B,) valid samples or None -> (B, num_frames, C).

        `num_frames=None` (native-rate kinds only): the CNN's own frame count."""
        if wave.dim() != 2:
            raise ValueError(f"wave must be (B, S), got {tuple(wave.shape)}")
        if num_frames is None and not self.native_rate:
            raise ValueError(f"kind {self.config.kind!r} needs num_frames")
        if num_frames is not None and num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {num_frames}")
        if self.native_rate:
            return self._forward_native(wave, num_frames, lengths)
        batch, samples = wave.shape
        x = normalize_waveform(wave.float(), lengths, self.config.min_std)  # (B, S)
        if samples < self.receptive_field:
            x = F.pad(x, (0, self.receptive_field - samples))  # (B, S')
        feats = self.model.feature_extractor(x)  # (B, Ccnn, T50)
        feats = F.interpolate(feats, size=num_frames, mode="linear", align_corners=True)  # (B, Ccnn, T)
        projected = self.model.feature_projection(feats.transpose(1, 2))  # (B, T, H) or tuple
        hidden = projected[0] if isinstance(projected, tuple) else projected  # (B, T, H)
        mask = None
        if lengths is not None:
            mask = self.frame_mask(lengths.to(wave.device), samples, num_frames)  # (B, T)
            if bool(mask.all()):
                mask = None
        out = self.model.encoder(hidden, attention_mask=mask).last_hidden_state  # (B, T, H)
        if self.proj is not None:
            out = self.proj(out)  # (B, T, output_dim)
        return out

    def _forward_native(self, wave: torch.Tensor, num_frames: int | None,
                        lengths: torch.Tensor | None) -> torch.Tensor:
        """emotion2vec: layer_norm(wave) over each clip's valid samples -> native frames (B, T, C)."""
        samples = wave.shape[1]
        x = wave.float()
        if lengths is None:
            x = F.layer_norm(x, (samples,), eps=1e-5)  # (B, S)
        else:
            x = torch.stack([torch.cat([F.layer_norm(row[:n], (n,), eps=1e-5), row.new_zeros(samples - n)])
                             for row, n in zip(x, lengths.clamp(1, samples).tolist())])  # (B, S)
        if samples < self.receptive_field:
            x = F.pad(x, (0, self.receptive_field - samples))
        mask = None
        if lengths is not None:
            total = self.native_frames(samples)
            valid = torch.tensor([self.native_frames(int(n)) for n in lengths.tolist()], device=x.device)
            mask = torch.arange(total, device=x.device)[None, :] < valid[:, None]  # (B, T50)
        out = self.model(x, mask)  # (B, T50, H)
        if num_frames is not None and num_frames != out.shape[1]:
            out = F.interpolate(out.transpose(1, 2), size=num_frames, mode="linear",
                                align_corners=True).transpose(1, 2)  # (B, num_frames, H)
        if self.proj is not None:
            out = self.proj(out)
        return out
