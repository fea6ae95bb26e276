"""The wav2vec2 architecture of our own speech encoders, without importing `transformers`.

`SmallWav2Vec2(config)` is the network `transformers.Wav2Vec2Model` builds for the
"scratch" and "mel" backbones (`audio_backbone`): a LayerNorm CNN feature encoder, a
feature projection, a weight-normed convolutional position embedding and post-LN
transformer layers, with the same submodule and parameter names, so checkpoints written
through either load into the other and give the same outputs (`tests/models/test_wav2vec2_small.py`
checks both against `transformers`). Only what those backbones use is here: no SpecAugment
(`mask_time_prob` 0 builds no `masked_spec_embed`), no LayerDrop, no stable-LN variant.

Why: importing `transformers` cost ~3 s of every `deeptalk` start on this project's 2-core
machines (it pulls in torch's compiler stack and scipy's optimisers), more than the rest of a CLI run;
the backend, the batch CLI and render-farm jobs start faster without it. User-supplied
Hugging Face models ("pretrained") and the official emotion2vec still load through it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

LAYER_NORM_EPS = 1e-5  # Wav2Vec2Config's default
INIT_STD = 0.02  # Wav2Vec2Config.initializer_range


@dataclass(frozen=True, kw_only=True)
class SmallWav2Vec2Config:
    """The fields of `Wav2Vec2Config` this network reads (and `AudioBackbone` consults)."""

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    conv_dim: tuple[int, ...]
    conv_kernel: tuple[int, ...]
    conv_stride: tuple[int, ...]
    num_conv_pos_embeddings: int
    num_conv_pos_embedding_groups: int
    dropout: float = 0.0
    layerdrop: float = 0.0  # never applied; read by `AudioBackbone` like HF's config field
    do_stable_layer_norm: bool = False


class ConvLayer(nn.Module):
    """Conv1d -> LayerNorm over channels -> GELU (`Wav2Vec2LayerNormConvLayer`)."""

    def __init__(self, in_dim: int, out_dim: int, kernel: int, stride: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(in_dim, out_dim, kernel_size=kernel, stride=stride, bias=True)
        self.layer_norm = nn.LayerNorm(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T) -> (B, C', T')
        x = self.conv(x)
        return F.gelu(self.layer_norm(x.transpose(-2, -1)).transpose(-2, -1))


class FeatureEncoder(nn.Module):
    """(B, S) wave -> (B, conv_dim[-1], frames)."""

    def __init__(self, config: SmallWav2Vec2Config) -> None:
        super().__init__()
        dims = (1, *config.conv_dim)
        self.conv_layers = nn.ModuleList(ConvLayer(dims[i], dims[i + 1], config.conv_kernel[i], config.conv_stride[i])
                                         for i in range(len(config.conv_dim)))

    def _freeze_parameters(self) -> None:  # the name HF's feature encoders use
        self.requires_grad_(False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        x = wave[:, None]  # (B, 1, S)
        for layer in self.conv_layers:
            x = layer(x)
        return x


class FeatureProjection(nn.Module):
    """LayerNorm -> Linear -> dropout; returns (projected, normalised) as HF does."""

    def __init__(self, config: SmallWav2Vec2Config) -> None:
        super().__init__()
        self.layer_norm = nn.LayerNorm(config.conv_dim[-1], eps=LAYER_NORM_EPS)
        self.projection = nn.Linear(config.conv_dim[-1], config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        normed = self.layer_norm(x)
        return self.dropout(self.projection(normed)), normed


class WeightNorm(nn.Module):
    """Parametrization w = g * v / ||v|| (norm over every dim but `dim`), as torch's `weight_norm`
    registers it (so the parameters are `parametrizations.weight.original0` = g and `original1` = v).
    Unlike torch's, it computes nothing on the "meta" device: a norm there imports torch's compiler
    stack (~1 s), and `model_integrity` builds every network on "meta" first."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, weight_g: torch.Tensor, weight_v: torch.Tensor) -> torch.Tensor:
        return torch._weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if weight.device.type == "meta":
            shape = [1] * weight.dim()
            shape[self.dim] = weight.shape[self.dim]
            return weight.new_empty(shape), weight
        return torch.norm_except_dim(weight, 2, self.dim), weight


class PositionalConvEmbedding(nn.Module):
    """Grouped, weight-normed Conv1d over time -> same-length trim -> GELU."""

    def __init__(self, config: SmallWav2Vec2Config) -> None:
        super().__init__()
        k = config.num_conv_pos_embeddings
        conv = nn.Conv1d(config.hidden_size, config.hidden_size, kernel_size=k, padding=k // 2,
                         groups=config.num_conv_pos_embedding_groups)
        if conv.weight.device.type != "meta":  # a skeleton (model_integrity) has no values to set
            nn.init.normal_(conv.weight, mean=0.0, std=2 * math.sqrt(1 / (k * config.hidden_size)))
            nn.init.zeros_(conv.bias)
        self.conv = nn.utils.parametrize.register_parametrization(conv, "weight", WeightNorm(dim=2), unsafe=True)
        self.trim = 1 if k % 2 == 0 else 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, H) -> (B, T, H)
        y = self.conv(x.transpose(1, 2))
        if self.trim:
            y = y[:, :, :-self.trim]
        return F.gelu(y).transpose(1, 2)


class Attention(nn.Module):
    """Multi-head self-attention with HF's projection names (k, v, q, out)."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"hidden size {dim} must be divisible by {heads} heads")
        self.heads, self.head_dim, self.dropout = heads, dim // heads, dropout
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.q_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None) -> torch.Tensor:
        batch, frames, _ = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, frames, self.heads, self.head_dim).transpose(1, 2)  # (B, h, T, d)

        mask = None if key_mask is None else key_mask[:, None, None, :]  # (B, 1, 1, T) True = attend
        out = F.scaled_dot_product_attention(heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x)),
                                             attn_mask=mask, dropout_p=self.dropout if self.training else 0.0,
                                             scale=self.head_dim ** -0.5)  # (B, h, T, d)
        return self.out_proj(out.transpose(1, 2).reshape(batch, frames, -1))


class FeedForward(nn.Module):
    def __init__(self, config: SmallWav2Vec2Config) -> None:
        super().__init__()
        self.intermediate_dropout = nn.Dropout(config.dropout)
        self.intermediate_dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.output_dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.output_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.intermediate_dropout(F.gelu(self.intermediate_dense(x)))
        return self.output_dropout(self.output_dense(x))


class EncoderLayer(nn.Module):
    """Post-LN: x + attn -> LayerNorm -> + feed-forward -> LayerNorm."""

    def __init__(self, config: SmallWav2Vec2Config) -> None:
        super().__init__()
        self.attention = Attention(config.hidden_size, config.num_attention_heads, config.dropout)
        self.dropout = nn.Dropout(config.dropout)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=LAYER_NORM_EPS)
        self.feed_forward = FeedForward(config)
        self.final_layer_norm = nn.LayerNorm(config.hidden_size, eps=LAYER_NORM_EPS)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None) -> torch.Tensor:
        x = self.layer_norm(x + self.dropout(self.attention(x, key_mask)))
        return self.final_layer_norm(x + self.feed_forward(x))


@dataclass(frozen=True)
class EncoderOutput:
    last_hidden_state: torch.Tensor  # (B, T, H)


class Encoder(nn.Module):
    """Padding zeroed -> + position embedding -> LayerNorm -> dropout -> layers."""

    def __init__(self, config: SmallWav2Vec2Config) -> None:
        super().__init__()
        self.pos_conv_embed = PositionalConvEmbedding(config)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=LAYER_NORM_EPS)
        self.dropout = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, x: torch.Tensor, attention_mask: torch.Tensor | None = None) -> EncoderOutput:
        """x (B, T, H), attention_mask (B, T) bool True = valid frame, or None."""
        if attention_mask is not None:
            x = x.masked_fill(~attention_mask[..., None], 0.0)  # padded frames enter as 0, as in HF
        x = self.dropout(self.layer_norm(x + self.pos_conv_embed(x)))
        for layer in self.layers:
            x = layer(x, attention_mask)
        return EncoderOutput(last_hidden_state=x)


def init_weights(model: nn.Module, position_conv: nn.Module) -> None:
    """HF's initialisation: Linear N(0, 0.02) with zero bias, Conv1d Kaiming with a uniform bias, the
    feature projection uniform(+-1/sqrt(in)); LayerNorms keep 1 / 0 and `position_conv` its own."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=INIT_STD)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Conv1d) and module is not position_conv:
            nn.init.kaiming_normal_(module.weight)
            k = math.sqrt(module.groups / (module.in_channels * module.kernel_size[0]))
            nn.init.uniform_(module.bias, -k, k)
    for module in model.modules():
        if isinstance(module, FeatureProjection):
            k = math.sqrt(1 / module.projection.in_features)
            nn.init.uniform_(module.projection.weight, -k, k)
            nn.init.uniform_(module.projection.bias, -k, k)


class SmallWav2Vec2(nn.Module):
    """`feature_extractor`, `feature_projection` and `encoder` as `Wav2Vec2Model` names them."""

    def __init__(self, config: SmallWav2Vec2Config) -> None:
        super().__init__()
        if not (len(config.conv_dim) == len(config.conv_kernel) == len(config.conv_stride) >= 1):
            raise ValueError("conv_dim, conv_kernel and conv_stride need one entry per conv layer")
        self.config = config
        self.feature_extractor: nn.Module = FeatureEncoder(config)
        self.feature_projection = FeatureProjection(config)
        self.encoder = Encoder(config)
        if self.encoder.layer_norm.weight.device.type != "meta":
            init_weights(self, self.encoder.pos_conv_embed.conv)
