"""Data: how each key of the official checkpoints maps onto our networks' state dicts.

A rule is `(pattern, target, op)`: `pattern` is a regular expression matched against the
whole source key (named groups), `target` a `str.format` template over those groups (an
integer group may be shifted: `{n+4}`, `{n-1}`), `op` what to do with the value:
- "copy": the same tensor under the new name;
- "qkv": a fused (3D, ...) q/k/v tensor split in thirds along dim 0; `target` holds `{qkv}`;
- "scalar": a (1,) tensor stored 0-d;
- "sinusoid": checked against the sinusoid table (`pos_enc`), then dropped;
- "alias": must equal (torch.equal) the source key `target`, then dropped;
- "drop": saved in the release but never used; `target` says what it is.
Every source key must match exactly one rule (the first that matches), and every target key
of our networks must be produced by a rule or be listed in `TARGET_DEFAULTS`.
"""

from __future__ import annotations

# nn.TransformerEncoderLayer names -> our AlibiEncoderLayer names
_TEL_TO_ALIBI = (
    ("self_attn.in_proj_weight", "qkv.weight"), ("self_attn.in_proj_bias", "qkv.bias"),
    ("self_attn.out_proj.weight", "out.weight"), ("self_attn.out_proj.bias", "out.bias"),
    ("linear1.weight", "ff.0.weight"), ("linear1.bias", "ff.0.bias"),
    ("linear2.weight", "ff.3.weight"), ("linear2.bias", "ff.3.bias"),
    ("norm1.weight", "norm1.weight"), ("norm1.bias", "norm1.bias"),
    ("norm2.weight", "norm2.weight"), ("norm2.bias", "norm2.bias"),
)
# data2vec 2.0 block names -> transformers Data2VecAudioEncoderLayer names
_BLOCK_TO_HF = (
    ("attn.qkv.weight", "attention.{qkv}_proj.weight", "qkv"), ("attn.qkv.bias", "attention.{qkv}_proj.bias", "qkv"),
    ("attn.proj.weight", "attention.out_proj.weight", "copy"), ("attn.proj.bias", "attention.out_proj.bias", "copy"),
    ("norm1.weight", "layer_norm.weight", "copy"), ("norm1.bias", "layer_norm.bias", "copy"),
    ("mlp.fc1.weight", "feed_forward.intermediate_dense.weight", "copy"),
    ("mlp.fc1.bias", "feed_forward.intermediate_dense.bias", "copy"),
    ("mlp.fc2.weight", "feed_forward.output_dense.weight", "copy"),
    ("mlp.fc2.bias", "feed_forward.output_dense.bias", "copy"),
    ("norm2.weight", "final_layer_norm.weight", "copy"), ("norm2.bias", "final_layer_norm.bias", "copy"),
)


def _esc(name: str) -> str:
    return name.replace(".", r"\.")


def _alibi_layers(src: str, dst: str) -> list[tuple[str, str, str]]:
    return [(rf"{src}\.layers\.(?P<n>\d+)\.{_esc(a)}", f"{dst}.layers.{{n}}.{b}", "copy") for a, b in _TEL_TO_ALIBI]


def _blocks(src: str, dst: str, shift: int) -> list[tuple[str, str, str]]:
    n = "{n+%d}" % shift if shift else "{n}"
    return [(rf"{src}\.(?P<n>\d+)\.{_esc(a)}", f"{dst}.{n}.{b}", op) for a, b, op in _BLOCK_TO_HF]


_E2V = r"audio_encoder\.embedding_model"
_AUDIO = _E2V + r"\.modality_encoders\.AUDIO"
_HF = "audio_backbone.model"

FER_RULES: list[tuple[str, str, str]] = [
    (r"in_fc\.(?P<p>weight|bias)", "linears.0.{p}", "copy"),
    (r"hidden_layers\.(?P<n>\d+)\.(?P<p>weight|bias)", "linears.{n+1}.{p}", "copy"),
    (r"out_fc\.(?P<p>weight|bias)", "out.{p}", "copy"),
    (r"bn_layers\.(?P<n>\d+)\.(?P<p>weight|bias|running_mean|running_var|num_batches_tracked)", "bns.{n}.{p}", "copy"),
]

THVQVAE_RULES: list[tuple[str, str, str]] = [
    (r"(?P<m>encoder_[bt])\.squasher\.0\.0\.(?P<p>weight|bias)", "{m}.conv.{p}", "copy"),
    (r"(?P<m>encoder_[bt])\.squasher\.0\.2\.(?P<p>\w+)", "{m}.norm.{p}", "copy"),
    (r"(?P<m>encoder_[bt])\.encoder_linear_embedding\.net\.(?P<p>weight|bias)", "{m}.linear.{p}", "copy"),
    *_alibi_layers(r"(?P<m>encoder_[bt])\.encoder_transformer", "{m}.transformer"),
    (r"(?P<m>decoder_[bt])\.expander\.0\.0\.(?P<p>weight|bias)", "{m}.conv.{p}", "copy"),
    (r"(?P<m>decoder_[bt])\.expander\.0\.2\.(?P<p>\w+)", "{m}.norm.{p}", "copy"),
    (r"(?P<m>decoder_[bt])\.decoder_linear_embedding\.(?P<p>weight|bias)", "{m}.linear.{p}", "copy"),
    *_alibi_layers(r"(?P<m>decoder_[bt])\.decoder_transformer", "{m}.transformer"),
    (r"upsample_t\.(?P<p>weight|bias)", "upsample_t.{p}", "copy"),
    (r"decoder_b\.cross_smooth_layer\.(?P<p>weight|bias)", "out_conv.{p}", "copy"),
    (r"decoder_b\.post_transformer_linear\.(weight|bias)", "unused linear after the bottom decoder", "drop"),
    (r"(?P<m>quantize_[tb])\.codebook\.weight", "{m}.codebook", "copy"),
    (r"(?P<m>quantize_[tb])\.(?P<p>ema_weight|ema_count)", "{m}.{p}", "copy"),
]

DEE_RULES: list[tuple[str, str, str]] = [
    # emotion2vec (data2vec 2.0 audio) -> transformers Data2VecAudioModel layout
    (_AUDIO + r"\.extra_tokens", f"{_HF}.extra_tokens", "copy"),
    (_AUDIO + r"\.alibi_scale", f"{_HF}.alibi_scale", "copy"),
    (_AUDIO + r"\.local_encoder\.conv_layers\.(?P<n>\d+)\.0\.weight",
     f"{_HF}.feature_extractor.conv_layers.{{n}}.conv.weight", "copy"),
    (_AUDIO + r"\.local_encoder\.conv_layers\.(?P<n>\d+)\.2\.1\.(?P<p>weight|bias)",
     f"{_HF}.feature_extractor.conv_layers.{{n}}.layer_norm.{{p}}", "copy"),
    (_AUDIO + r"\.project_features\.1\.(?P<p>weight|bias)", f"{_HF}.feature_projection.layer_norm.{{p}}", "copy"),
    (_AUDIO + r"\.project_features\.2\.(?P<p>weight|bias)", f"{_HF}.feature_projection.projection.{{p}}", "copy"),
    (_AUDIO + r"\.relative_positional_encoder\.(?P<n>\d+)\.0\.(?P<p>weight|bias)",
     f"{_HF}.encoder.pos_conv_embed.layers.{{n-1}}.conv.{{p}}", "copy"),
    (_AUDIO + r"\.context_encoder\.norm\.(?P<p>weight|bias)", f"{_HF}.encoder.layer_norm.{{p}}", "copy"),
    *_blocks(_AUDIO + r"\.context_encoder\.blocks", f"{_HF}.encoder.layers", 0),
    *_blocks(_E2V + r"\.blocks", f"{_HF}.encoder.layers", 4),  # after the 4 modality-specific blocks
    (_AUDIO + r"\.decoder\..*", "emotion2vec's pretraining decoder", "drop"),
    # speech head: no input projection; trunk / mean / variance stacks, maps, GPO pools
    (r"audio_encoder\.audio_pos_encoder\.pos_enc", "sinusoid table (recomputed)", "sinusoid"),
    (r"audio_encoder\.audio_(encoder|mean|uncertainty)_layer\..*", "template layer (copied into the stacks)", "drop"),
    (r"audio_encoder\.audio_encoder\.layers\.(?P<r>.*)", "audio_encoder.trunk.layers.{r}", "copy"),
    (r"audio_encoder\.audio_mean_encoder\.layers\.(?P<r>.*)", "audio_encoder.mean_layers.layers.{r}", "copy"),
    (r"audio_encoder\.audio_uncertainty_encoder\.layers\.(?P<r>.*)", "audio_encoder.var_layers.layers.{r}", "copy"),
    # motion head (reads FER features through exp_map)
    (r"exp_encoder\.exp_map\.(?P<p>weight|bias)", "motion_encoder.inp.{p}", "copy"),
    (r"exp_encoder\.exp_pos_encoder\.pos_enc", "sinusoid table (recomputed)", "sinusoid"),
    (r"exp_encoder\.exp_(encoder|mean|uncertainty)_layer\..*", "template layer (copied into the stacks)", "drop"),
    (r"exp_encoder\.exp_encoder\.layers\.(?P<r>.*)", "motion_encoder.trunk.layers.{r}", "copy"),
    (r"exp_encoder\.exp_mean_encoder\.layers\.(?P<r>.*)", "motion_encoder.mean_layers.layers.{r}", "copy"),
    (r"exp_encoder\.exp_uncertainty_encoder\.layers\.(?P<r>.*)", "motion_encoder.var_layers.layers.{r}", "copy"),
]
for _src, _dst in (("audio_encoder", "audio_encoder"), ("exp_encoder", "motion_encoder")):
    DEE_RULES += [
        (rf"{_src}\.mean_feature_map\.(?P<p>weight|bias)", f"{_dst}.mean_map.{{p}}", "copy"),
        (rf"{_src}\.std_feature_map\.(?P<p>weight|bias)", f"{_dst}.var_map.{{p}}", "copy"),
        (rf"{_src}\.mean_pool\.(?P<r>.*)", f"{_dst}.mean_pool.{{r}}", "copy"),
        (rf"{_src}\.std_pool\.(?P<r>.*)", f"{_dst}.var_pool.{{r}}", "copy"),
    ]
DEE_RULES += [
    (r"criterion\.negative_scale", "criterion.scale", "scalar"),
    (r"criterion\.shift", "criterion.shift", "scalar"),
]

GENERATOR_RULES: list[tuple[str, str, str]] = [
    (r"audio_model\.model\.(?P<r>.*)", "audio.model.{r}", "copy"),
    (r"sequence_encoder\.linear\.(?P<p>weight|bias)", "audio_proj.{p}", "copy"),
    (r"sequence_decoder\.emotion_map_layer\.(?P<p>weight|bias)", "emotion_map.{p}", "copy"),
    (r"sequence_decoder\.condition_feature_layer\.(?P<p>weight|bias)", "condition.{p}", "copy"),
    *_alibi_layers(r"sequence_decoder\.bert_decoder", "frame_decoder"),
    (r"sequence_decoder\.decoder\.(?P<p>weight|bias)", "frame_out.{p}", "copy"),
    (r"sequence_decoder\.squasher_2_t\.pre_linear\.(?P<p>weight|bias)", "top.pre.{p}", "copy"),
    *_alibi_layers(r"sequence_decoder\.squasher_2_t\.encoder", "top.encoder"),
    (r"sequence_decoder\.squasher_2_t\.post_linear\.(?P<p>weight|bias)", "top.post.{p}", "copy"),
    (r"sequence_decoder\.squasher_2_b_2\.pre_linear\.(?P<p>weight|bias)", "bottom.pre.{p}", "copy"),
    *_alibi_layers(r"sequence_decoder\.squasher_2_b_2\.encoder", "bottom.encoder"),
    (r"sequence_decoder\.squasher_2_b_2\.post_linear\.(?P<p>weight|bias)", "bottom.post.{p}", "copy"),
    (r"sequence_decoder\.obj_vector\.map\.(weight|bias)", "unused style map (obj_vector)", "drop"),
    (r"sequence_decoder\.DEE_audio\.(?P<r>.*)", "sequence_decoder.DEE.audio_encoder.{r}", "alias"),
]

# DEEPTalk.pth holds full copies of the DEE and the TH-VQVAE under these prefixes
GENERATOR_FILE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("sequence_decoder.DEE.", "dee"),
    ("sequence_decoder.motion_prior.", "thvqvae"),
    ("", "generator"),
)
RULES = {"fer": FER_RULES, "thvqvae": THVQVAE_RULES, "dee": DEE_RULES, "generator": GENERATOR_RULES}

# target keys no official tensor feeds: (network, key) -> value kind
TARGET_DEFAULTS: dict[tuple[str, str], str] = {
    ("thvqvae", "quantize_t.initialized"): "true",
    ("thvqvae", "quantize_b.initialized"): "true",
    ("fer", "norm.mean"): "zeros",   # the official FER reads raw motion: identity standardiser
    ("fer", "norm.std"): "ones",
}
# the torch < 2.1 names of a weight-normed conv, and today's (parametrizations) names
WEIGHT_NORM_NAMES = (("weight_g", "parametrizations.weight.original0"),
                     ("weight_v", "parametrizations.weight.original1"))

# a key that marks each kind of official file (to name a file passed in the wrong slot)
SIGNATURES = {
    "generator": "sequence_decoder.squasher_2_t.pre_linear.weight",
    "dee": "criterion.negative_scale",
    "thvqvae": "quantize_t.codebook.weight",
    "fer": "in_fc.weight",
}
