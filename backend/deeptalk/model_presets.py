"""Matching configs for every network of a model, by preset name.

- "tiny": seconds to build and run; for tests of the server, add-on and pipeline.
- "default": the embedded model; every part trains on 2 CPU cores (the CPU-sized DEE and
  content encoder, both small transformers on a log-mel front end; the "default" TH-VQVAE and
  generator, whose content features also feed a viseme classifier during training).
- "paper": the official DEEPTalk sizes for every network (`deeptalk.official.architecture`):
  DEE on emotion2vec-base (768 x 2 speech head, 512 x 6 motion head, 8 heads, ff 2048), FER
  53 -> ... -> 64 with its 128-d feature layer read without batch norm, the spec TH-VQVAE,
  the generator on wav2vec2-base-960h with FaceFormer's periodic ALiBi. The FER has
  `num_emotions` classes and the generator `num_styles` styles (the release: 8 and 32), so a
  model trained on our corpus fits; `deeptalk convert-official` builds the release's exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from deeptalk.corpus.visemes import VISEMES
from deeptalk.flame.semantics import ARTICULATION_CHANNELS
from deeptalk.models.audio_backbone import AudioBackboneConfig
from deeptalk.models.dee import DeeConfig
from deeptalk.models.fer import FerConfig
from deeptalk.models.generator import GeneratorConfig
from deeptalk.models.lipreader import LipReaderConfig
from deeptalk.models.thvqvae import ThVqvaeConfig

PRESETS = ("tiny", "default", "paper")


@dataclass(frozen=True)
class PresetConfigs:
    dee: DeeConfig
    thvqvae: ThVqvaeConfig
    generator: GeneratorConfig
    fer: FerConfig
    lipreader: LipReaderConfig


def tiny_audio_config() -> AudioBackboneConfig:
    """A scratch wav2vec2 small enough for unit tests."""
    return AudioBackboneConfig(conv_dim=(16,) * 7, hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32,
                               pos_conv_kernel=8, pos_conv_groups=2, dropout=0.0)


def preset_configs(preset: str, *, num_emotions: int, num_styles: int = 8,
                   articulation: tuple[int, ...] = ARTICULATION_CHANNELS) -> PresetConfigs:
    """Configs that fit together (emotion size, codebooks, FER classes) for one preset.
    `articulation`: the motion channels that shape speech on the training head (what the
    default lip-reader reads; `flame.semantics[_v2]`)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if preset == "paper":
        return _paper_configs(num_emotions, num_styles)
    if preset == "tiny":
        fer = FerConfig(hidden_dims=(16, 16, 8), feature_layer=1, dropout=0.0, num_classes=num_emotions)
        dee = DeeConfig(audio=tiny_audio_config(), fer=fer, embed_dim=16, audio_dim=16, audio_layers=1,
                        motion_dim=16, motion_layers=1, num_heads=2, ff_dim=32, gpo_dim=8, dropout=0.0)
        lipreader = LipReaderConfig(num_classes=len(VISEMES), channels=16, dilations=(1, 2), dropout=0.0)
        content_audio = tiny_audio_config()
        content_classes = len(VISEMES)
    else:
        fer = FerConfig(num_classes=num_emotions)
        dee = DeeConfig(fer=fer, audio=AudioBackboneConfig(kind="mel"))  # hears prosody within a CPU budget
        lipreader = LipReaderConfig(num_classes=len(VISEMES), read_channels=articulation)
        # log-mel: phonetic detail within a CPU budget; min_std -46 dBFS: room tone in pauses stays quiet
        content_audio = AudioBackboneConfig(kind="mel", min_std=0.005) if preset == "default" \
            else AudioBackboneConfig(min_std=0.005)
        # phonetic supervision for a content encoder trained from scratch (paper: pretrained wav2vec2)
        content_classes = len(VISEMES) if preset == "default" else 0
    thvqvae = ThVqvaeConfig.preset(preset)
    generator = GeneratorConfig.preset(preset, audio=content_audio, prior=thvqvae, emotion_dim=dee.embed_dim,
                                       num_styles=num_styles, content_classes=content_classes)
    return PresetConfigs(dee=dee, thvqvae=thvqvae, generator=generator, fer=fer, lipreader=lipreader)


def _paper_configs(num_emotions: int, num_styles: int) -> PresetConfigs:
    from dataclasses import replace

    from deeptalk.official import architecture as arch

    fer = replace(arch.fer_config(), num_classes=num_emotions)
    dee = replace(arch.dee_config(), fer=fer)
    thvqvae = arch.thvqvae_config()
    generator = replace(arch.generator_config(thvqvae), num_styles=num_styles)
    lipreader = LipReaderConfig(num_classes=len(VISEMES), read_channels=ARTICULATION_CHANNELS)
    return PresetConfigs(dee=dee, thvqvae=thvqvae, generator=generator, fer=fer, lipreader=lipreader)
