"""emotion2vec (data2vec 2.0 audio) in transformers' `Data2VecAudioModel` layout, pure torch.

The DEE speech branch of the paper. Network: the wav2vec2-style CNN (LayerNorm after each
conv, no conv bias) -> feature projection (LayerNorm, Linear) -> + convolutional position
embedding (5 grouped convs) -> 10 learned extra tokens prepended -> LayerNorm -> 12 post-norm
transformer layers whose attention logits get an additive ALiBi bias
`-slope_h * |i - j| * max(alibi_scale_h, 0)` (one learned scale per head, shared by all
layers; zero on the extra tokens' rows and columns) -> the extra tokens dropped.
It runs at the CNN's native 50 Hz (`T = floor((S - 400) / 320) + 1`) on `layer_norm(wave)`
over the whole clip (no affine parameters, eps 1e-5).

The transformers modules only hold the weights (names as `Data2VecAudioModel`); the forward
pass is written here, so no transformers-version behaviour (attention kernels, masks) enters.
Facts from the emotion2vec / data2vec 2.0 papers and the official DEEPTalk release notes.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from deeptalk.models.alibi import alibi_slopes

NUM_EXTRA_TOKENS = 10


def emotion2vec_hf_config(*, hidden_size: int = 768, num_layers: int = 12, num_heads: int = 12,
                          intermediate_size: int = 3072, conv_dim: tuple[int, ...] = (512,) * 7,
                          conv_kernel: tuple[int, ...] = (10, 3, 3, 3, 3, 2, 2),
                          conv_stride: tuple[int, ...] = (5, 2, 2, 2, 2, 2, 2), pos_conv_kernel: int = 19,
                          pos_conv_layers: int = 5, pos_conv_groups: int = 16, eps: float = 1e-5) -> Any:
    from transformers import Data2VecAudioConfig

    return Data2VecAudioConfig(
        hidden_size=hidden_size, num_hidden_layers=num_layers, num_attention_heads=num_heads,
        intermediate_size=intermediate_size, hidden_act="gelu", conv_dim=list(conv_dim),
        conv_kernel=list(conv_kernel), conv_stride=list(conv_stride), conv_bias=False,
        conv_pos_kernel_size=pos_conv_kernel, num_conv_pos_embeddings=pos_conv_layers,
        num_conv_pos_embedding_groups=pos_conv_groups, layer_norm_eps=eps, hidden_dropout=0.0,
        attention_dropout=0.0, activation_dropout=0.0, feat_proj_dropout=0.0, layerdrop=0.0,
        mask_time_prob=0.0, mask_feature_prob=0.0, vocab_size=2, pad_token_id=0,
        bos_token_id=None, eos_token_id=None,
    )


class Emotion2Vec(nn.Module):
    """layer-normed wave (B, S) -> (B, T50, hidden) features. Holds a `Data2VecAudioModel`
    (`feature_extractor`, `feature_projection`, `encoder`) plus `extra_tokens` and `alibi_scale`."""

    def __init__(self, hf_config: Any, num_extra_tokens: int = NUM_EXTRA_TOKENS) -> None:
        super().__init__()
        from transformers import Data2VecAudioModel

        hf_config.layerdrop = 0.0
        model = Data2VecAudioModel(hf_config)
        self.config = model.config
        self.feature_extractor = model.feature_extractor
        self.feature_projection = model.feature_projection
        self.encoder = model.encoder
        heads, dim = int(hf_config.num_attention_heads), int(hf_config.hidden_size)
        self.heads, self.num_extra = heads, num_extra_tokens
        self.extra_tokens = nn.Parameter(torch.zeros(1, num_extra_tokens, dim))
        self.alibi_scale = nn.Parameter(torch.ones(1, 1, heads, 1, 1))
        self.register_buffer("slopes", alibi_slopes(heads), persistent=False)

    def attention_bias(self, frames: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """(H, E + T, E + T): -slope_h * |i - j| * max(scale_h, 0) between frames, 0 on extra tokens."""
        pos = torch.arange(frames, device=device)
        dist = (pos[None, :] - pos[:, None]).abs().to(dtype)  # (T, T)
        bias = -self.slopes.to(device, dtype)[:, None, None] * dist[None]  # (H, T, T)
        bias = bias * self.alibi_scale.clamp_min(0).reshape(self.heads, 1, 1).to(dtype)
        return F.pad(bias, (self.num_extra, 0, self.num_extra, 0))  # (H, E+T, E+T)

    def _layer(self, layer: nn.Module, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """bias (H, L, L) or (B, H, L, L)."""
        """One post-norm encoder layer with the additive bias: (B, L, D) -> (B, L, D)."""
        att = layer.attention
        b, n, d = x.shape
        shape = (b, n, self.heads, d // self.heads)
        q = att.q_proj(x).view(shape).transpose(1, 2)  # (B, H, L, Dh)
        k = att.k_proj(x).view(shape).transpose(1, 2)
        v = att.v_proj(x).view(shape).transpose(1, 2)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias if bias.dim() == 4 else bias[None])
        x = layer.layer_norm(x + att.out_proj(out.transpose(1, 2).reshape(b, n, d)))
        return layer.final_layer_norm(x + layer.feed_forward(x))

    def _position(self, x: torch.Tensor, frame_mask: torch.Tensor | None) -> torch.Tensor:
        """The convolutional position embedding, padding zeroed before every conv: (B, T, D)."""
        keep = None if frame_mask is None else frame_mask[:, None, :].to(x.dtype)  # (B, 1, T)
        h = x.transpose(1, 2)  # (B, D, T)
        for layer in self.encoder.pos_conv_embed.layers:
            h = layer(h if keep is None else h * keep)
        return h.transpose(1, 2)

    def forward(self, wave: torch.Tensor, frame_mask: torch.Tensor | None = None) -> torch.Tensor:
        """wave (B, S), already layer-normed; frame_mask (B, T50) True = valid -> (B, T50, D).
        Padded frames are zeroed before the position convs and never attended to."""
        feats = self.feature_extractor(wave).transpose(1, 2)  # (B, T, 512)
        projected = self.feature_projection(feats)
        x = projected[0] if isinstance(projected, tuple) else projected  # (B, T, D)
        x = x + self._position(x, frame_mask)  # (B, T, D)
        frames = x.shape[1]
        x = torch.cat([self.extra_tokens.expand(x.shape[0], -1, -1).to(x.dtype), x], dim=1)  # (B, E+T, D)
        x = self.encoder.layer_norm(x)
        bias = self.attention_bias(frames, x.device, x.dtype)
        if frame_mask is not None and not bool(frame_mask.all()):
            keys = F.pad(frame_mask, (self.num_extra, 0), value=True)  # (B, E+T)
            bias = bias[None].masked_fill(~keys[:, None, None, :], float("-inf"))  # (B, H, E+T, E+T)
        for layer in self.encoder.layers:
            x = self._layer(layer, x, bias)
        return x[:, self.num_extra:]  # (B, T, D)
