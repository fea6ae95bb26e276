"""Rendering one clip: emotion audible in the audio, visible in the motion, timings aligned."""

from __future__ import annotations

import numpy as np
import pytest

from deeptalk.corpus.emotion_styles import EMOTIONS, sample_style
from deeptalk.corpus.tts import ClipSpec, RenderConfig, markup, render_clip
from deeptalk.corpus.voices import VOICE_BY_NAME
from deeptalk.flame.semantics import COMPONENT_INDEX as C
from deeptalk.flame.semantics_v2 import INDEX_V2 as C2

TEXT = "Maria said that the brave fox moved away very slowly."
CLEAN = RenderConfig(p_augment=0.0, p_speed=0.0)
CLEAN_V1 = RenderConfig(p_augment=0.0, p_speed=0.0, basis="standin-v1", alt_emotions=False)


def median_f0(x: np.ndarray, rate: int = 16000) -> float:
    n = int(0.04 * rate)
    found = []
    for i in range(0, len(x) - n, n // 2):
        frame = x[i:i + n] - x[i:i + n].mean()
        if np.sqrt(np.mean(frame**2)) < 0.01:
            continue
        ac = np.correlate(frame, frame, "full")[n - 1:]
        lo, hi = rate // 400, rate // 60
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] > 0.3 * ac[0]:
            found.append(rate / k)
    return float(np.median(found))


def speech_span(clip) -> tuple[float, float]:
    spoken = [p for p in clip.phonemes if not p.phoneme.startswith("_")]
    return spoken[0].start_s, spoken[-1].end_s


@pytest.fixture(scope="module")
def clips():
    voice = VOICE_BY_NAME["us_m1"]
    return {e: render_clip(ClipSpec("t", TEXT, 0, voice, e, 1 if e == "neutral" else 3, (11, 0)), CLEAN)
            for e in EMOTIONS}


def test_shapes_and_frame_alignment(clips) -> None:
    for clip in clips.values():
        frames = clip.exp.shape[0]
        assert clip.audio.shape == (frames * 640,) and clip.audio.dtype == np.float32
        assert clip.jaw.shape == (frames, 3) and clip.visemes.shape == (frames,)
        assert np.isfinite(clip.exp).all() and np.abs(clip.exp).max() <= 1.5
        start, end = speech_span(clip)
        assert 0.15 <= start and end + 0.2 <= len(clip.audio) / 16000 + 1e-6
        assert np.abs(clip.audio[: int((start - 0.02) * 16000)]).max() < 1e-3  # silence before the speech


def test_emotion_is_audible(clips) -> None:
    f0 = {e: median_f0(c.audio) for e, c in clips.items()}
    assert f0["surprised"] > f0["happy"] > f0["neutral"] > f0["sad"]
    level = {e: float(np.sqrt(np.mean(c.audio**2))) for e, c in clips.items()}
    assert level["angry"] > 1.5 * level["neutral"] > 1.5 * level["sad"]
    length = {e: np.subtract(*speech_span(c)[::-1]) for e, c in clips.items()}
    assert length["sad"] > 1.15 * length["neutral"]


def test_happy_and_surprised_sound_different(clips) -> None:
    # happy is fast with a bouncing pitch through the sentence; surprised slower, rising at the end
    length = {e: np.subtract(*speech_span(c)[::-1]) for e, c in clips.items()}
    assert length["happy"] < 0.92 * length["neutral"] < 0.92 * length["surprised"]
    style = sample_style("happy", 3, np.random.default_rng(0))
    lifted = markup("Maria said that the brave fox moved away very slowly.", style, np.random.default_rng(0))
    assert lifted.count("<prosody") >= 3 and lifted.count("<prosody") == lifted.count("</prosody>")


def test_emotion_is_visible(clips) -> None:
    def mean(e: str, name: str) -> float:
        return float(clips[e].exp[:, C2[name]].mean())

    for emotion, names in (("happy", ("smile_L", "cheek_squint_R")), ("sad", ("brow_inner_up_L", "frown_R")),
                           ("angry", ("brow_down_L", "lip_tighten_R")), ("surprised", ("brow_outer_up_L", "eye_wide_R"))):
        for name in names:
            assert mean(emotion, name) > 0.2 + mean("neutral", name), (emotion, name)


def test_head_v1_basis_still_renders() -> None:
    voice = VOICE_BY_NAME["us_m1"]
    happy = render_clip(ClipSpec("t", TEXT, 0, voice, "happy", 3, (11, 0)), CLEAN_V1)
    neutral = render_clip(ClipSpec("t", TEXT, 0, voice, "neutral", 1, (11, 0)), CLEAN_V1)
    assert happy.alt_exp is None
    assert happy.exp[:, C["smile"]].mean() > 0.2 + neutral.exp[:, C["smile"]].mean()


def test_every_emotion_at_full_strength_on_the_same_lips(clips) -> None:
    clip = clips["sad"]
    assert clip.alt_exp.shape == (len(EMOTIONS), *clip.exp.shape) and clip.alt_jaw.shape == (len(EMOTIONS), *clip.jaw.shape)
    happy, neutral = clip.alt_exp[EMOTIONS.index("happy")], clip.alt_exp[EMOTIONS.index("neutral")]
    # the override's target: the full smile on this clip's own speech
    assert happy[:, C2["smile_L"]].mean() > 0.6 > neutral[:, C2["smile_L"]].max() + 0.3
    # the lips still close on the same bilabials
    press = C2["lip_press"]
    assert np.corrcoef(happy[:, press], clip.exp[:, press])[0, 1] > 0.95
    assert np.corrcoef(clip.alt_jaw[0, :, 0], clip.jaw[:, 0])[0, 1] > 0.9


def test_silence_keeps_the_mouth_closed(clips) -> None:
    for emotion, clip in clips.items():
        start, end = speech_span(clip)
        quiet = list(range(0, int(start * 25) - 3)) + list(range(int(end * 25) + 5, clip.exp.shape[0]))
        assert clip.jaw[quiet, 0].max() < 0.02, emotion
        assert np.abs(clip.exp[quiet, C2["lips_part"]]).max() < 0.05, emotion


def test_deterministic_and_speed_rescales_timings() -> None:
    voice = VOICE_BY_NAME["gb_f3"]
    spec = ClipSpec("t", "Five fish swam past the moon.", 3, voice, "happy", 2, (4, 2))
    a, b = render_clip(spec), render_clip(spec)
    assert np.array_equal(a.audio, b.audio) and np.array_equal(a.exp, b.exp) and a.phonemes == b.phonemes
    slow = render_clip(spec, RenderConfig(p_speed=1.0, speed=(0.8, 0.8), p_augment=0.0))
    base = render_clip(spec, RenderConfig(p_speed=0.0, p_augment=0.0))
    ratio = np.subtract(*speech_span(slow)[::-1]) / np.subtract(*speech_span(base)[::-1])
    assert slow.speed == pytest.approx(0.8) and ratio == pytest.approx(1 / 0.8, rel=0.01)
