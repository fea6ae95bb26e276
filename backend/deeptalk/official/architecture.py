"""The official DEEPTalk networks' sizes, as our configs (the "paper" preset uses these).

Facts from the released configs (whwjdqls/DEEPTalk): DEE speech branch emotion2vec-base
(768 x 12, 12 heads, 50 Hz) -> 768-d transformer x 2 (no input projection); motion branch
FER features (layer 128) -> 512 x 6; 8 heads, ff 2048, embedding 128, GPO 32; the FER is
53 -> 256 -> 512 -> 1024 -> 512 -> 256 -> 128 -> 64 -> 8 and the DEE reads its 128-d layer
without batch norm; the TH-VQVAE is our "paper" config; the generator reads
wav2vec2-base-960h, 32 MEAD actors as styles, FaceFormer's periodic ALiBi (period 25).
"""

from __future__ import annotations

import json

from deeptalk.models.audio_backbone import AudioBackboneConfig
from deeptalk.models.dee import DeeConfig
from deeptalk.models.fer import FerConfig
from deeptalk.models.generator import GeneratorConfig
from deeptalk.models.thvqvae import ThVqvaeConfig

# MEAD's 8 emotions in the style one-hot's order (columns 0-7)
MEAD_EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "surprised", "fear", "disgusted", "angry", "contempt")
# the 32 MEAD training actors in the style one-hot's order (columns 11-42): --style K picks ACTORS[K]
ACTORS: tuple[str, ...] = (
    "M003", "M005", "M007", "M009", "M011", "M012", "M013", "M019", "M022", "M023", "M024", "M025", "M026",
    "M027", "M028", "M029", "M030", "M031", "W009", "W011", "W014", "W015", "W016", "W018", "W019", "W021",
    "W023", "W024", "W025", "W026", "W028", "W029")

# transformers' Wav2Vec2Config of facebook/wav2vec2-base-960h (architecture only; no weights)
WAV2VEC2_BASE_960H: dict = {
    "model_type": "wav2vec2", "activation_dropout": 0.1, "apply_spec_augment": True, "attention_dropout": 0.1,
    "bos_token_id": 1, "conv_bias": False, "conv_dim": [512] * 7, "conv_kernel": [10, 3, 3, 3, 3, 2, 2],
    "conv_stride": [5, 2, 2, 2, 2, 2, 2], "ctc_loss_reduction": "sum", "ctc_zero_infinity": False,
    "do_stable_layer_norm": False, "eos_token_id": 2, "feat_extract_activation": "gelu",
    "feat_extract_dropout": 0.0, "feat_extract_norm": "group", "feat_proj_dropout": 0.1, "final_dropout": 0.1,
    "hidden_act": "gelu", "hidden_dropout": 0.1, "hidden_size": 768, "initializer_range": 0.02,
    "intermediate_size": 3072, "layer_norm_eps": 1e-05, "layerdrop": 0.1, "mask_feature_length": 10,
    "mask_feature_prob": 0.0, "mask_time_length": 10, "mask_time_prob": 0.05, "num_attention_heads": 12,
    "num_conv_pos_embedding_groups": 16, "num_conv_pos_embeddings": 128, "num_feat_extract_layers": 7,
    "num_hidden_layers": 12, "pad_token_id": 0, "vocab_size": 32,
}


def emotion2vec_config() -> AudioBackboneConfig:
    """emotion2vec-base: data2vec-audio 768 x 12 with 5 position convs of kernel 19, 16 groups."""
    return AudioBackboneConfig(kind="emotion2vec", conv_dim=(512,) * 7, hidden_size=768, num_layers=12,
                               num_heads=12, intermediate_size=3072, pos_conv_kernel=19, pos_conv_groups=16,
                               pos_conv_layers=5, dropout=0.0, freeze_feature_encoder=True, frozen_layers=-1,
                               target_fps=50.0)


def wav2vec2_config() -> AudioBackboneConfig:
    return AudioBackboneConfig(kind="pretrained", hf_path="facebook/wav2vec2-base-960h (official DEEPTalk.pth)",
                               hf_config_json=json.dumps(WAV2VEC2_BASE_960H), freeze_feature_encoder=True,
                               frozen_layers=-1, min_std=0.0, target_fps=25.0)


def fer_config() -> FerConfig:
    return FerConfig(hidden_dims=(256, 512, 1024, 512, 256, 128, 64), num_classes=len(MEAD_EMOTIONS),
                     feature_layer=5, features_skip_batchnorm=True)


def dee_config() -> DeeConfig:
    return DeeConfig(audio=emotion2vec_config(), fer=fer_config(), embed_dim=128, audio_dim=768, audio_layers=2,
                     motion_dim=512, motion_layers=6, num_heads=8, ff_dim=2048, head_layers=1, gpo_dim=32,
                     max_seconds=10.0, audio_input_projection=False, clip_after_encoding=True)


def thvqvae_config() -> ThVqvaeConfig:
    return ThVqvaeConfig.preset("paper")


def generator_config(prior: ThVqvaeConfig | None = None) -> GeneratorConfig:
    prior = prior or thvqvae_config()
    return GeneratorConfig(audio=wav2vec2_config(), emotion_dim=128, num_styles=len(ACTORS), feature_dim=128,
                           model_dim=256, heads=8, ff_dim=256, decoder_layers=1, token_layers=6, period=25,
                           period_units=True, prior_dim=prior.dim, codes_top=prior.codes_top,
                           codes_bottom=prior.codes_bottom)
