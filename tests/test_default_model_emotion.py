"""The shipped default keeps emotion through its motion prior: the FER critic reads the emotion of
the TH-VQVAE's reconstructions of held-out corpus motion as it reads the ground truth.

Guards the failure the stand-in's dependent expression channels caused (`smile` equals
`smile_left + smile_right`): a prior fitted on vertices alone swapped them, and its
reconstructions read as neutral."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deeptalk.corpus.emotion_styles import EMOTIONS
from deeptalk.corpus.tts import ClipSpec, RenderConfig, render_clip
from deeptalk.corpus.voices import VOICE_BY_NAME
from deeptalk.model_dir import load_network, read_manifest
from deeptalk.paths import default_model_dir

TEXT = "Every evening the old ferryman whistled a tune across the water."
HELD_OUT_VOICE = "lanc_f4"  # a test-split voice of the default corpus

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def motions() -> dict[str, torch.Tensor]:
    clean = RenderConfig(p_augment=0.0, p_speed=0.0)
    voice = VOICE_BY_NAME[HELD_OUT_VOICE]
    out = {}
    for i, emotion in enumerate(EMOTIONS):
        clip = render_clip(ClipSpec("t", TEXT, 0, voice, emotion, 1 if emotion == "neutral" else 3, (23, i)), clean)
        out[emotion] = torch.from_numpy(np.concatenate([clip.exp, clip.jaw], axis=1))
    return out


def test_the_prior_keeps_what_the_critic_reads(motions: dict[str, torch.Tensor]) -> None:
    model_dir = default_model_dir()
    manifest = read_manifest(model_dir)
    fer = load_network(model_dir, manifest, "fer").eval()
    prior = load_network(model_dir, manifest, "thvqvae").eval()

    def read(motion: torch.Tensor) -> str:
        return manifest.emotions[int(fer(motion[None])[0].mean(0).argmax())]

    with torch.inference_mode():
        truth = {e: read(m) for e, m in motions.items()}
        rebuilt = {e: read(prior(m[None]).motion[0][:len(m)]) for e, m in motions.items()}
    assert sum(truth[e] == e for e in EMOTIONS) >= 4, truth  # the critic itself reads the corpus
    assert sum(rebuilt[e] == truth[e] for e in EMOTIONS) >= 4, (truth, rebuilt)
