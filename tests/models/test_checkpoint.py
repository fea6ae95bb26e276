"""Checkpoints: weights_only round trips with nested configs, plain `extra`, clear errors."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
import torch

from deeptalk.models.audio_backbone import AudioBackbone, AudioBackboneConfig
from deeptalk.models.checkpoint import load_checkpoint, save_checkpoint
from deeptalk.models.dee import DEE, DeeConfig
from deeptalk.models.fer import FerClassifier, FerConfig
from deeptalk.models.lipreader import LipReaderConfig, MotionLipReader

TINY_AUDIO = dict(conv_dim=(8,) * 7, hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32,
                  pos_conv_kernel=4, pos_conv_groups=2, dropout=0.0)


def tiny_dee_config(audio: AudioBackboneConfig) -> DeeConfig:
    return DeeConfig(audio=audio, fer=FerConfig(hidden_dims=(16, 16, 8), feature_layer=1),
                     embed_dim=8, audio_dim=16, audio_layers=1, motion_dim=16, motion_layers=1, num_heads=2,
                     ff_dim=32, gpo_dim=8)


def test_lipreader_round_trip_is_exact(tmp_path):
    torch.manual_seed(0)
    model = MotionLipReader(LipReaderConfig(num_classes=7, channels=16, dilations=(1, 3)))
    model.fit_normalization(torch.randn(40, 53) * 2)
    path = save_checkpoint(tmp_path / "lip.pt", model, model.config, {"epoch": 4, "val_acc": 0.75})
    raw = torch.load(path, weights_only=True)
    assert set(raw) >= {"config", "state_dict", "extra"} and raw["config"]["num_classes"] == 7
    loaded = load_checkpoint(path, MotionLipReader, LipReaderConfig)
    assert loaded.config == model.config and loaded.extra == {"epoch": 4, "val_acc": 0.75}
    assert not loaded.model.training
    motion = torch.randn(2, 9, 53)
    assert torch.equal(loaded.model.logits(motion), model.eval().logits(motion))


def test_dee_with_a_pretrained_backbone_round_trips_without_the_hf_folder(tmp_path):
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    hf_dir = tmp_path / "hf"
    Wav2Vec2Model(Wav2Vec2Config(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                                 conv_dim=[8] * 7, num_conv_pos_embeddings=4, num_conv_pos_embedding_groups=2,
                                 vocab_size=8, pad_token_id=0, bos_token_id=None, eos_token_id=None)
                  ).save_pretrained(hf_dir)
    audio_cfg = AudioBackbone.load_pretrained(hf_dir, frozen_layers=1).config
    torch.manual_seed(0)
    dee = DEE(tiny_dee_config(audio_cfg))
    with torch.no_grad():  # so the comparison cannot pass by two fresh random inits agreeing
        for p in dee.parameters():
            p.add_(0.01 * torch.randn_like(p))
    path = save_checkpoint(tmp_path / "dee.pt", dee, dee.config)
    for item in hf_dir.iterdir():
        item.unlink()
    hf_dir.rmdir()
    loaded = load_checkpoint(path, DEE, DeeConfig)
    assert loaded.config == dee.config and isinstance(loaded.config.audio, AudioBackboneConfig)
    dee.eval()
    wave, motion = torch.randn(2, 4000), torch.randn(2, 7, 53)
    with torch.no_grad():
        for ours, theirs in zip(loaded.model(wave, motion), dee(wave, motion)):
            torch.testing.assert_close(ours.mean, theirs.mean)
            torch.testing.assert_close(ours.logvar, theirs.logvar)
    assert loaded.model.criterion.scale.item() == dee.criterion.scale.item()


def test_config_survives_json_and_back(tmp_path):
    config = tiny_dee_config(AudioBackboneConfig(**TINY_AUDIO))
    again = DeeConfig(**json.loads(json.dumps(asdict(config))))  # tuples became lists
    assert again == config


def test_extra_must_be_weights_only_loadable(tmp_path):
    model = FerClassifier(FerConfig(hidden_dims=(8, 8), feature_layer=1))
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path / "fer.pt", model, model.config, {"bad": object()})
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path / "fer.pt", model, {"not": "a dataclass"})
    assert not (tmp_path / "fer.pt").exists()


def test_wrong_class_and_missing_file_are_reported(tmp_path):
    model = FerClassifier(FerConfig(hidden_dims=(8, 8), feature_layer=1))
    path = save_checkpoint(tmp_path / "sub" / "fer.pt", model, model.config)
    with pytest.raises(ValueError, match="FerClassifier"):
        load_checkpoint(path, MotionLipReader, LipReaderConfig)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "none.pt", FerClassifier, FerConfig)
    torch.save({"config": {}, "state_dict": {}, "evil": object()}, tmp_path / "pickled.pt")
    with pytest.raises(Exception, match="(?i)weights"):
        load_checkpoint(tmp_path / "pickled.pt", FerClassifier, FerConfig)


def test_half_precision_files_are_half_the_size_and_load_as_float32(tmp_path):
    torch.manual_seed(0)
    model = MotionLipReader(LipReaderConfig(num_classes=7, channels=64, dilations=(1, 3)))
    model.fit_normalization(torch.randn(40, 53) * 2)
    with torch.no_grad():
        next(iter(model.parameters())).view(-1)[0] = 1e6  # outside float16's range: must stay float32
    full = save_checkpoint(tmp_path / "full.pt", model, model.config)
    half = save_checkpoint(tmp_path / "half.pt", model, model.config, half=True)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    raw = torch.load(half, weights_only=True)["state_dict"]
    dtypes = {value.dtype for value in raw.values()}
    assert torch.float16 in dtypes and torch.float32 in dtypes  # the out-of-range tensor kept its precision
    loaded = load_checkpoint(half, MotionLipReader, LipReaderConfig).model
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    motion = torch.randn(2, 9, 53)
    with torch.no_grad():
        expected, got = model.eval().logits(motion), loaded.logits(motion)
    assert torch.allclose(got, expected, atol=1e-2 * float(expected.abs().max()))
