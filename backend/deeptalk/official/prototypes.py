"""Emotion prototypes for a converted model from a folder of labelled clips (`--prototype-clips`).

The official release ships none, so its emotion override has nothing to steer towards. Layout:
`DIR/<emotion>/*.wav` (any audio the loader reads) with emotion folder names from MEAD's eight
(`architecture.MEAD_EMOTIONS`); each clip is embedded by the converted DEE's speech branch
exactly as reference mode does (whole clip, first 10 s of features) and each class's
prototype is the normalised mean of its clips' means and their average variance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

from deeptalk.emotion_track import EmotionPrototypes, prototypes_from_embeddings
from deeptalk.models.dee import DEE
from deeptalk.models.gaussian import GaussianEmbedding
from deeptalk.official.architecture import MEAD_EMOTIONS
from deeptalk.official.loading import ConvertError

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


def labelled_clips(folder: Path) -> dict[str, list[Path]]:
    """emotion -> clip paths, in MEAD order; ConvertError for an unusable folder."""
    if not folder.is_dir():
        raise ConvertError(f"{folder}: no such folder (--prototype-clips expects <emotion>/*.wav sub-folders)")
    unknown = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in MEAD_EMOTIONS)
    if unknown:
        raise ConvertError(f"{folder}: sub-folders {', '.join(unknown)} are not MEAD emotions "
                           f"({', '.join(MEAD_EMOTIONS)}); rename or remove them")
    clips = {e: sorted(p for p in (folder / e).glob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
             for e in MEAD_EMOTIONS if (folder / e).is_dir()}
    clips = {e: c for e, c in clips.items() if c}
    if not clips:
        raise ConvertError(f"{folder}: no audio clips in <emotion>/ sub-folders (e.g. {folder}/happy/line01.wav)")
    return clips


def prototypes_builder(folder: Path) -> Callable[[DEE], EmotionPrototypes]:
    """Check the folder now (before the slow conversion); build the prototypes once the DEE exists."""
    clips = labelled_clips(Path(folder))

    def build(dee: DEE) -> EmotionPrototypes:
        from deeptalk.audio import load_audio

        means, logvars, labels = [], [], []
        with torch.inference_mode():
            for label, (emotion, paths) in enumerate(clips.items()):
                for path in paths:
                    try:
                        wave = load_audio(path).samples
                    except Exception as exc:  # AudioError and decoder errors
                        raise ConvertError(f"{path}: unreadable audio ({exc}); fix or remove the clip") from None
                    emb = dee.encode_audio(torch.from_numpy(wave)[None])
                    means.append(emb.mean)
                    logvars.append(emb.logvar)
                    labels.append(label)
        emb = GaussianEmbedding(torch.cat(means), torch.cat(logvars))
        return prototypes_from_embeddings(emb, torch.tensor(labels), tuple(clips), float(dee.criterion.scale.detach()))

    return build
