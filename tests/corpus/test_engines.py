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


@pytest.mark.parametrize("name", ("us_m1", "fest_kal", "fest_slt", "flite_awb"))
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
