"""Pipeline on a real (untrained, tiny) model directory: lengths, knobs, seeds, windows, cancel."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf
import torch

from deeptalk.audio import load_audio, open_audio
from deeptalk.audio_source import ArraySource
from deeptalk.model_dir import build_untrained_model_dir
from deeptalk.pipeline import (AnimationResult, Cancelled, Pipeline, PipelineConfig, crossfade_weights,
                               frame_windows)


pytestmark = pytest.mark.usefixtures("one_torch_thread")

SR = 16000


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return build_untrained_model_dir(tmp_path_factory.mktemp("model"), "tiny")


@pytest.fixture(scope="module")
def pipeline(model_dir) -> Pipeline:
    return Pipeline.load(model_dir, device="cpu")


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    """Noise bursts under a syllable-rate envelope (a stand-in with speech-like dynamics)."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * SR))
    t = np.arange(n) / SR
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * t) ** 2
    return (0.1 * envelope * rng.standard_normal(n)).astype(np.float32)


@pytest.mark.parametrize("samples", [1, 700, SR + 333, int(2.5 * SR) + 1])
def test_shapes_for_any_length(pipeline, samples):
    result = pipeline.animate(speech_like(samples / SR)[:samples], takes=2, seed=3)
    frames = max(1, round(samples / 640))
    assert isinstance(result, AnimationResult)
    assert result.motion.shape == (2, frames, 53) and result.motion.dtype == np.float32
    assert np.isfinite(result.motion).all()
    assert result.seeds == [3, 4]
    assert result.duration_s == pytest.approx(samples / SR)
    seconds = max(1, math.ceil(samples / SR))
    assert result.emotion_track.shape == (seconds, len(pipeline.emotions))
    assert np.allclose(result.emotion_track.sum(1), 1.0, atol=1e-5)
    d = pipeline.dee.embed_dim
    assert result.emotion_mean.shape == (d,) and result.emotion_logvar.shape == (d,)
    assert np.linalg.norm(result.emotion_mean) == pytest.approx(1.0, abs=1e-5)


def test_same_seed_is_bit_identical_and_seeds_matter(pipeline):
    audio = speech_like(3.0)
    knobs = dict(alpha=0.7, temperature_top=0.8, temperature_bottom=0.5, takes=2)
    a = pipeline.animate(audio, seed=11, **knobs)
    b = pipeline.animate(audio, seed=11, **knobs)
    c = pipeline.animate(audio, seed=12, **knobs)
    assert np.array_equal(a.motion, b.motion)
    assert not np.array_equal(a.motion, c.motion)
    assert np.array_equal(a.emotion_track, c.emotion_track)  # the reading of the speech is not random


def test_alpha_zero_and_zero_temperatures_give_identical_takes(pipeline):
    audio = speech_like(3.0, seed=1)
    result = pipeline.animate(audio, alpha=0.0, temperature_top=0.0, temperature_bottom=0.0, takes=3, seed=5)
    assert np.array_equal(result.motion[0], result.motion[1]) and np.array_equal(result.motion[0], result.motion[2])
    other_seed = pipeline.animate(audio, takes=1, seed=99)  # batch of 1: same up to float rounding
    assert np.allclose(other_seed.motion[0], result.motion[0], atol=1e-5)


# an untrained DEE's sigma is ~0.03: alpha 4 moves the vector enough to change an argmax code
@pytest.mark.parametrize("knobs", [dict(alpha=4.0), dict(temperature_top=1.0), dict(temperature_bottom=1.0)])
def test_any_randomness_gives_different_takes(pipeline, knobs):
    result = pipeline.animate(speech_like(3.0, seed=2), takes=2, seed=0, **knobs)
    assert not np.array_equal(result.motion[0], result.motion[1])


def test_emotion_override_blends_towards_the_prototype(pipeline):
    clip_mean = torch.nn.functional.normalize(torch.randn(1, pipeline.dee.embed_dim), dim=-1)
    clip = type(pipeline.dee.encode_audio(torch.zeros(1, 800)))(clip_mean, torch.full_like(clip_mean, -3.0))
    gens = [torch.Generator().manual_seed(0)]
    happy = torch.from_numpy(pipeline.prototypes.mean[pipeline.emotions.index("happy")])
    full = pipeline._emotion_vectors(clip, 0.0, gens, "happy", 1.0)
    assert torch.allclose(full[0], torch.nn.functional.normalize(happy, dim=0), atol=1e-6)
    none = pipeline._emotion_vectors(clip, 0.0, gens, "happy", 0.0)
    assert torch.equal(none, clip_mean)
    half = pipeline._emotion_vectors(clip, 0.0, gens, "happy", 0.5)
    assert float(half[0] @ happy) > float(clip_mean[0] @ happy)
    audio = speech_like(3.0, seed=4)
    plain = pipeline.animate(audio)
    steered = [pipeline.animate(audio, emotion=name, emotion_weight=1.0) for name in pipeline.emotions]
    assert any(not np.array_equal(plain.motion, s.motion) for s in steered)  # the vector reaches the generator
    assert all(np.array_equal(plain.emotion_mean, s.emotion_mean) for s in steered)  # report = the speech's


def test_silence_gives_finite_motion(pipeline):
    result = pipeline.animate(np.zeros(2 * SR, np.float32), alpha=1.0, temperature_top=0.5, takes=2)
    assert np.isfinite(result.motion).all() and np.isfinite(result.emotion_track).all()


def test_windows_bound_the_work_per_call_and_cover_the_clip(model_dir):
    """With 16-frame windows the audio encoders never see more than one window or 2 s."""
    pipeline = Pipeline.load(model_dir, device="cpu",
                             config=PipelineConfig(window_frames=16, overlap_frames=4, emotion_batch=3))
    seen_frames, seen_samples = [], []
    h1 = pipeline.generator.audio.register_forward_hook(lambda m, args, out: seen_frames.append(out.shape[1]))
    h2 = pipeline.dee.audio_backbone.register_forward_hook(lambda m, args, out: seen_samples.append(args[0].shape))
    try:
        result = pipeline.animate(speech_like(5.3), takes=2, alpha=0.5, temperature_top=0.5, seed=1)
    finally:
        h1.remove()
        h2.remove()
    frames = round(5.3 * SR / 640)
    assert result.motion.shape == (2, frames, 53) and np.isfinite(result.motion).all()
    assert max(seen_frames) == 16 and len(seen_frames) == len(frame_windows(frames, 16, 4))
    assert all(shape[0] <= 3 and shape[1] == 2 * SR for shape in seen_samples)
    # Cross-fading keeps motion continuous: no jump at window seams larger than inside windows.
    steps = np.abs(np.diff(result.motion, axis=1)).max(-1)  # (takes, T-1)
    assert steps.max() < 10 * np.median(steps) + 1e-3


def test_frame_windows_and_crossfade_weights():
    assert frame_windows(10, 200, 24) == [(0, 10)]
    windows = frame_windows(450, 200, 24)
    assert windows[0] == (0, 200) and windows[-1] == (250, 450)
    assert all(b - a == 200 for a, b in windows)
    covered = np.zeros(450)
    for a, b in windows:
        covered[a:b] += crossfade_weights(a, b, 450, 24)
    assert covered.min() > 0
    w = crossfade_weights(176, 376, 450, 24)
    assert w[0] < w[12] < w[23] < 1.0 and w[24] == 1.0 and w[-1] < 1.0
    # Two constant pieces fade linearly into each other across the overlap.
    a, b = (0, 16), (12, 28)
    total = np.zeros(28)
    mix = np.zeros(28)
    for (s, e), value in ((a, 0.0), (b, 1.0)):
        wts = crossfade_weights(s, e, 28, 4)
        mix[s:e] += value * wts
        total[s:e] += wts
    blend = mix / total
    assert np.all(blend[:12] == 0) and np.all(blend[16:] == 1) and np.all(np.diff(blend[11:17]) > 0)


def test_progress_is_monotone_and_cancel_stops_between_windows(model_dir):
    pipeline = Pipeline.load(model_dir, device="cpu", config=PipelineConfig(window_frames=16, overlap_frames=4))
    events: list[tuple[float, str]] = []
    pipeline.animate(speech_like(2.0), progress=lambda f, s: events.append((f, s)))
    fractions = [f for f, _ in events]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and events[-1] == (1.0, "done")
    assert {"emotion", "motion"} <= {s for _, s in events}
    polls = []

    def cancel_on_third_poll() -> bool:
        polls.append(1)
        return len(polls) >= 3

    with pytest.raises(Cancelled):
        pipeline.animate(speech_like(2.0), should_cancel=cancel_on_third_poll)
    assert len(polls) == 3


def test_array_source_input_is_bit_identical_to_an_array(model_dir):
    pipeline = Pipeline.load(model_dir, device="cpu",
                             config=PipelineConfig(window_frames=16, overlap_frames=4, emotion_batch=3))
    audio = speech_like(5.3, seed=6)
    knobs = dict(alpha=0.5, temperature_top=0.5, temperature_bottom=0.3, takes=2, seed=4)
    plain, wrapped = pipeline.animate(audio, **knobs), pipeline.animate(ArraySource(audio), **knobs)
    assert np.array_equal(plain.motion, wrapped.motion)
    assert np.array_equal(plain.emotion_track, wrapped.emotion_track)
    assert np.array_equal(plain.emotion_mean, wrapped.emotion_mean) and plain.duration_s == wrapped.duration_s


@pytest.mark.parametrize("rate, channels", [(SR, 1), (44100, 2)])
def test_file_source_input_matches_the_decoded_array(model_dir, tmp_path, rate, channels):
    """Streamed from disk window by window = decoded whole: exact at 16 kHz, float noise when resampled."""
    pipeline = Pipeline.load(model_dir, device="cpu",
                             config=PipelineConfig(window_frames=16, overlap_frames=4, emotion_batch=3))
    wave = speech_like(5.3 * rate / SR, seed=7)  # same dynamics, written at `rate`
    path = tmp_path / "in.wav"
    sf.write(str(path), np.stack([wave] * channels, 1) if channels > 1 else wave, rate, subtype="FLOAT")
    knobs = dict(alpha=0.5, temperature_top=0.5, takes=2, seed=2)
    decoded = pipeline.animate(load_audio(path).samples, **knobs)
    with open_audio(path) as source:
        streamed = pipeline.animate(source, **knobs)
    assert streamed.motion.shape == decoded.motion.shape and streamed.duration_s == decoded.duration_s
    if rate == SR:
        assert np.array_equal(streamed.motion, decoded.motion)
        assert np.array_equal(streamed.emotion_track, decoded.emotion_track)
    else:
        assert np.abs(streamed.motion - decoded.motion).max() < 1e-3
        assert np.abs(streamed.emotion_track - decoded.emotion_track).max() < 1e-4


@pytest.mark.parametrize("audio, kwargs", [
    (np.zeros(0, np.float32), {}),
    (np.zeros((2, 100), np.float32), {}),
    (np.array([0.0, np.nan], np.float32), {}),
    (np.zeros(100, np.int16), {}),
    (np.zeros(100, np.float32), dict(alpha=-1.0)),
    (np.zeros(100, np.float32), dict(temperature_top=float("inf"))),
    (np.zeros(100, np.float32), dict(emotion="bored", emotion_weight=0.5)),
    (np.zeros(100, np.float32), dict(emotion_weight=1.5)),
    (np.zeros(100, np.float32), dict(takes=0)),
    (np.zeros(100, np.float32), dict(lip_seal=1.5)),
    (np.zeros(100, np.float32), dict(lip_seal=float("nan"))),
])
def test_bad_inputs_are_rejected(pipeline, audio, kwargs):
    with pytest.raises(ValueError):
        pipeline.animate(audio, **kwargs)


def test_attributes_and_config_validation(pipeline, model_dir):
    assert pipeline.model_id == "untrained-tiny"
    assert pipeline.emotions == ["neutral", "happy", "sad", "angry", "surprised"]
    assert pipeline.device == torch.device("cpu")
    assert Pipeline.load(model_dir).device.type in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError):
        PipelineConfig(window_frames=30)
    with pytest.raises(ValueError):
        PipelineConfig(window_frames=16, overlap_frames=8)
    with pytest.raises(ValueError):
        Pipeline.load(model_dir, device="cpu", config=PipelineConfig(style=99))


def test_emotion_override_steers_to_the_steering_targets_when_the_model_has_them(model_dir):
    from dataclasses import replace

    plain = Pipeline.load(model_dir, device="cpu")
    protos = plain.prototypes
    steer = np.roll(protos.mean, 1, axis=0)  # another unit vector per class
    plain.prototypes = replace(protos, steer=steer)
    clip_mean = torch.nn.functional.normalize(torch.randn(1, plain.dee.embed_dim), dim=-1)
    clip = type(plain.dee.encode_audio(torch.zeros(1, 800)))(clip_mean, torch.full_like(clip_mean, -3.0))
    full = plain._emotion_vectors(clip, 0.0, [torch.Generator().manual_seed(0)], "happy", 1.0)
    target = torch.from_numpy(steer[plain.emotions.index("happy")])
    assert torch.allclose(full[0], torch.nn.functional.normalize(target, dim=0), atol=1e-6)


def test_lip_seal_pulls_the_heard_bilabials_to_the_measured_pose(model_dir, tmp_path):
    import shutil
    from dataclasses import replace

    from deeptalk.lip_seal import LipSealPose, apply_seal
    from deeptalk.model_dir import read_manifest, write_manifest

    sealed_dir = shutil.copytree(model_dir, tmp_path / "sealed")
    pose = LipSealPose(viseme=1, channels=(0, 8, 50), pose=(-0.5, 0.9, 0.0))
    write_manifest(sealed_dir, replace(read_manifest(sealed_dir), lip_seal=pose))
    pipeline = Pipeline.load(sealed_dir, device="cpu", config=PipelineConfig(window_frames=40, overlap_frames=8))
    audio = speech_like(3.0, seed=5)
    with torch.no_grad():  # an untrained classifier hears nothing; make it hear p/b/m in about half the frames
        head = pipeline.generator.content_head
        head.weight[1] = torch.randn(head.weight.shape[1], generator=torch.Generator().manual_seed(0)) * 3.0
        logits = pipeline.generator.content_logits(pipeline.generator.content(torch.from_numpy(audio)[None], 75))[0]
        others = torch.cat((logits[:, :1], logits[:, 2:]), dim=1).max(dim=1).values  # (T,)
        head.bias[1] += (others - logits[:, 1]).median()  # p/b/m wins on about half the frames
    off = pipeline.animate(audio, lip_seal=0.0, takes=2, alpha=0.5, seed=1)
    on = pipeline.animate(audio, takes=2, alpha=0.5, seed=1)  # on by default
    w = off.lip_seal_weights
    assert w is not None and w.shape == (off.motion.shape[1],) and 0 <= w.min() and w.max() <= 1
    assert (w == 1.0).any() and (w == 0.0).any()
    assert not np.array_equal(on.motion, off.motion)
    assert np.allclose(on.motion, apply_seal(off.motion, w, pose, 1.0), atol=1e-6)
    untouched = [c for c in range(53) if c not in pose.channels]
    assert np.array_equal(on.motion[..., untouched], off.motion[..., untouched])
    # a model without a measured pose animates as before, whatever the knob says
    bare = Pipeline.load(model_dir, device="cpu", config=PipelineConfig(window_frames=40, overlap_frames=8))
    assert bare.lip_seal is None
    assert np.array_equal(bare.animate(audio, lip_seal=1.0).motion, bare.animate(audio, lip_seal=0.0).motion)
