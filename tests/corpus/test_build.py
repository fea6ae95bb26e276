"""Building the tiny corpus end to end: CLI, determinism, splits, file contents, loading."""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from deeptalk.corpus.build import PROFILES, build_corpus, plan_clips
from deeptalk.corpus.emotion_styles import EMOTIONS
from deeptalk.data.clipfile import load_clip
from deeptalk.data.manifest import read_dataset
from deeptalk.data.splits import is_speaker_disjoint
from deeptalk.train.clipbank import ClipBank


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The tiny corpus built through the real CLI, with a pool of two TTS processes."""
    out = tmp_path_factory.mktemp("corpus") / "tiny"
    env = {**os.environ, "PYTHONPATH": ""}
    result = subprocess.run([sys.executable, "-m", "deeptalk", "corpus", "build", "-o", str(out),
                             "--profile", "tiny", "--seed", "7", "--workers", "2", "--no-progress"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def test_same_seed_same_bytes_whatever_the_workers(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_corpus(again, profile="tiny", seed=7, workers=1, progress=False)
    comparison = filecmp.dircmp(corpus, again)
    assert not comparison.left_only and not comparison.right_only
    names = sorted(os.listdir(corpus / "clips"))
    _, mismatch, errors = filecmp.cmpfiles(corpus / "clips", again / "clips", names, shallow=False)
    assert not mismatch and not errors
    for name in ("manifest.jsonl", "dataset.json"):
        assert (corpus / name).read_bytes() == (again / name).read_bytes()
    other = plan_clips(PROFILES["tiny"], seed=8)
    assert [s.text for _, s in other] != [s.text for _, s in plan_clips(PROFILES["tiny"], seed=7)]


def test_splits_hold_out_speakers_and_sentences(corpus: Path) -> None:
    info, records = read_dataset(corpus)
    assert info.emotions == EMOTIONS and info.held_out_sentences
    assert {r.split for r in records} == {"train", "val", "test"}
    assert is_speaker_disjoint(records)
    sentences = {split: {r.sentence for r in records if r.split == split} for split in ("train", "val", "test")}
    assert not (sentences["test"] & (sentences["train"] | sentences["val"]))
    assert not (sentences["train"] & sentences["val"])
    assert len(records) == PROFILES["tiny"].n_clips == 20
    for split in ("train", "val", "test"):
        assert {r.emotion for r in records if r.split == split} == set(EMOTIONS)


def test_clip_files(corpus: Path) -> None:
    _, records = read_dataset(corpus)
    for record in records:
        clip = load_clip(corpus / record.motion)
        audio, rate = sf.read(str(corpus / record.audio), dtype="float32")
        info = sf.info(str(corpus / record.audio))
        assert rate == 16000 and audio.ndim == 1 and info.subtype == "PCM_16"
        assert clip.fps == 25.0 and clip.frames == record.frames and len(audio) == clip.frames * 640
        assert clip.exp.dtype == np.float32 and clip.jaw.shape == (clip.frames, 3)
        assert clip.visemes is not None and clip.visemes.max() < 15 and (clip.visemes > 0).mean() > 0.4
        assert clip.emotion == EMOTIONS.index(record.emotion) and clip.intensity == record.intensity
        assert clip.speaker == record.speaker and clip.sentence == record.sentence
        assert record.text and 2.0 < record.duration_s < 8.0
        if record.emotion == "neutral":
            assert record.intensity == 1
    lines = (corpus / "manifest.jsonl").read_text().splitlines()
    assert len(lines) == len(records) and json.loads(lines[0])["id"] == records[0].id


def test_refuses_to_overwrite(corpus: Path) -> None:
    with pytest.raises(FileExistsError):
        build_corpus(corpus, profile="tiny", seed=7, workers=1, progress=False)


def test_clip_bank_windows_on_the_corpus(corpus: Path) -> None:
    bank = ClipBank.load(corpus, ("train",))
    assert len(bank) == 10 and bank.speakers == ("gb_f3", "us_m1")
    batch = bank.windows(batch_size=3, frames=32, generator=torch.Generator().manual_seed(0))
    assert batch.audio.shape == (3, 20480) and batch.motion.shape == (3, 32, 53)
    assert (batch.visemes >= 0).any()  # the corpus carries viseme labels
    _, records = read_dataset(corpus)
    test_voices = {r.speaker for r in records if r.split == "test"}
    assert test_voices and not test_voices & set(bank.speakers)  # held-out voices get no style of their own
    assert len(ClipBank.load(corpus, ("test",), speakers=bank.speakers)) == sum(r.split == "test" for r in records)

def test_engines_corpus_records_the_engine_of_every_voice(tmp_path: Path) -> None:
    info = build_corpus(tmp_path / "engines", profile="tiny-engines", seed=3, workers=2, progress=False)
    assert info.source == "synthetic-espeak-ng+festival+flite"
    assert info.extra["engines"] == {"us_m1": "espeak-ng", "fest_kal": "festival", "fest_ked": "festival",
                                     "flite_slt": "flite"}
    read_info, records = read_dataset(tmp_path / "engines")
    assert read_info.extra["engines"] == info.extra["engines"]
    assert len(records) == PROFILES["tiny-engines"].n_clips and is_speaker_disjoint(records)
    for record in records:
        clip = load_clip(tmp_path / "engines" / record.motion)
        audio, rate = sf.read(str(tmp_path / "engines" / record.audio), dtype="float32")
        assert rate == 16000 and len(audio) == clip.frames * 640 and np.isfinite(audio).all()
        assert (clip.visemes > 0).mean() > 0.4 and clip.speaker == record.speaker
