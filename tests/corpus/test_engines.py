"""The engine dispatch: every engine's voice renders a whole clip, deterministically (real engines)."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.emotion_styles import sample_style
from deeptalk.corpus.engines import synthesize_for
from deeptalk.corpus.phonemes import Prosody
from deeptalk.corpus.tts import ClipSpec, render_clip
from deeptalk.corpus.voices import VOICE_BY_NAME, Voice

TEXT = "We should meet by the old bridge after lunch."


@pytest.mark.parametrize("name", ("us_m1", "fest_kal", "fest_slt", "flite_awb", "fest_it_pc"))
def test_each_engine_renders_a_deterministic_clip(name: str) -> None:
    spec = ClipSpec(clip_id="c", text=TEXT, sentence=0, voice=VOICE_BY_NAME[name], emotion="angry",
                    intensity=3, seed=(5, 1))
    one, two = render_clip(spec), render_clip(spec)
    assert one.audio.tobytes() == two.audio.tobytes() and np.array_equal(one.exp, two.exp)
    assert len(one.audio) == len(one.exp) * 640 and np.isfinite(one.audio).all()
    assert (one.visemes > 0).mean() > 0.4 and one.phonemes[-1].end_s <= len(one.audio) / 16000


def test_dispatch_uses_the_voice_engine() -> None:
    rng = np.random.default_rng(0)
    style = sample_style("happy", 2, rng)
    rates = {}
    for name in ("us_m1", "fest_ked", "flite_kal16"):
        synth = synthesize_for(VOICE_BY_NAME[name], TEXT, style, Prosody(), np.random.default_rng(1))
        rates[name] = synth.sample_rate
        assert synth.phonemes and synth.duration_s > 1.0
    assert rates == {"us_m1": 22050, "fest_ked": 16000, "flite_kal16": 16000}
    with pytest.raises(ValueError, match="engine"):
        Voice("x", "kal", 50, 165, "sapi")


def test_the_default_plan_gives_italian_voices_italian_sentences() -> None:
    from deeptalk.corpus.build import PROFILES, plan_clips

    plan = plan_clips(PROFILES["default"], seed=0)
    italian = [spec for split, spec in plan if spec.voice.language == "it"]
    assert {spec.voice.name for spec in italian} == {"fest_it_lp", "fest_it_pc"}
    assert all(split == "train" for split, spec in plan if spec.voice.language == "it")
    english_words = {"the", "and", "was", "did", "why", "that", "my", "your"}
    for spec in italian:
        words = {w.strip(",.?!").lower() for w in spec.text.split()}
        assert not words & english_words, spec.text
    english = {spec.sentence: spec.text for _, spec in plan if spec.voice.language == "en"}
    shared = [spec for spec in italian if spec.sentence in english]
    assert shared and all(spec.text != english[spec.sentence] for spec in shared)  # same slot, own language
    with pytest.raises(ValueError, match="language"):
        Voice("x", "lp_diphone", 50, 165, "festival", "klingon")
