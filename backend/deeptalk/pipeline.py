"""Inference: 16 kHz speech -> `takes` FLAME motion tracks (T, 53) at 25 fps, plus its emotion.

    pipeline = Pipeline.load(model_dir, device="auto")
    result = pipeline.animate(audio, alpha=0.5, temperature_top=0.3, temperature_bottom=0.0,
                              seed=0, takes=2, emotion="happy", emotion_weight=0.5)

Knobs (all explicit):
- alpha: spread of the emotion vector sampled from the speech's Gaussian embedding,
  z = normalise(mu + alpha * sigma * eps); 0 uses mu (`gaussian.sample_embedding`).
- temperature_top / temperature_bottom: codebook temperatures of the coarse (T/4) and
  fine (T/2) motion tokens; 0 takes the argmax, > 0 samples softmax(logits / t).
- seed: take k draws all its randomness from a CPU `torch.Generator` seeded `seed + k`,
  so the same inputs and seed give bit-identical motion on CPU.
- emotion / emotion_weight: steer towards one of the model's emotion classes:
  z = normalise((1 - w) * z_speech + w * prototype); w = 0 leaves the speech's emotion.
  With alpha = 0 and both temperatures 0 all takes are identical.
- lip_seal: in [0, 1], how firmly the lips meet on m/b/p (`lip_seal`): the speech channels are
  pulled to the model's measured bilabial pose where its content classifier hears one; 0 leaves
  the generated motion. Models without a measured pose (or a content classifier) ignore it.

Length: T = round(duration * 25) frames for any duration. The emotion is read per second
over 2 s windows and averaged into the clip embedding (`emotion_track`). Motion is made in
windows of `window_frames` (a multiple of 4) that overlap by `overlap_frames` and are
cross-faded linearly in the 53-d motion space (jaw included); the last window is moved
back to end on the last frame. Every window sees the same clip-level emotion. Audio is an
(S,) array or an `AudioSource` (e.g. a `FileSource` streamed from disk); both passes read
their windows from it, so with a file memory is flat in the clip length (only the output
buffer grows). `should_cancel` is polled between windows and raises `Cancelled`.

`reference=True` runs the official demo's inference instead (`reference_mode`): demo padding,
one DEE pass, one generator window over the whole clip, no noise gate, emotion = DEE mean,
argmax codes (alpha and the temperatures are not used). A model without emotion prototypes
(converted official weights) has no emotion classes: `emotions` is empty, the track has no
columns and an emotion override is refused.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from deeptalk.audio_source import ArraySource, AudioSource
from deeptalk.device import resolve_device
from deeptalk.emotion_track import SAMPLE_RATE, EmotionPrototypes, read_emotion
from deeptalk.face_reading import face_result, load_face_reader, scale_expression
from deeptalk.lip_seal import LipSealPose, apply_seal, seal_weights
from deeptalk.model_dir import load_inference_models
from deeptalk.models.dee import DEE
from deeptalk.models.fer import FerClassifier
from deeptalk.models.gaussian import GaussianEmbedding, sample_embedding
from deeptalk.models.generator import Generator
from deeptalk.models.thvqvae import ThVqvae
from deeptalk.noise_gate import gate_quiet
from deeptalk.reference_mode import reference_animate

log = logging.getLogger(__name__)

FPS = 25
SAMPLES_PER_FRAME = SAMPLE_RATE // FPS  # 640
ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


NO_PROTOTYPES = ("this model has no emotion prototypes (converted official weights), so the emotion override is "
                 "unavailable; build them with `deeptalk convert-official ... --prototype-clips DIR`")


class Cancelled(Exception):
    """`Pipeline.animate` stopped because `should_cancel()` returned True."""


@dataclass(frozen=True)
class PipelineConfig:
    window_frames: int = 200        # 8 s; a multiple of 4
    overlap_frames: int = 24        # ~1 s cross-fade; a multiple of 4, < window_frames
    emotion_window_s: float = 2.0
    emotion_batch: int = 16         # DEE windows per call
    style: int = 0                  # generator style id
    gate_dbfs: float | None = -50.0  # content audio below this RMS (per 40 ms) is muted; None: no gate

    def __post_init__(self) -> None:
        if self.window_frames < 8 or self.window_frames % 4:
            raise ValueError("window_frames must be a multiple of 4, at least 8")
        if self.overlap_frames % 4 or not 0 <= self.overlap_frames < self.window_frames // 2:
            raise ValueError("overlap_frames must be a multiple of 4 in [0, window_frames / 2)")
        if self.emotion_window_s <= 0 or self.emotion_batch < 1 or self.style < 0:
            raise ValueError("emotion_window_s must be > 0, emotion_batch >= 1, style >= 0")


@dataclass(frozen=True)
class AnimationResult:
    motion: np.ndarray          # (takes, T, 53) float32, 25 fps: expression [0:50] + jaw axis-angle [50:53]
    seeds: list[int]            # seed of each take
    emotion_mean: np.ndarray    # (D,) float32 clip-level speech emotion (L2-normalised)
    emotion_logvar: np.ndarray  # (D,) float32 its log variance
    emotion_track: np.ndarray   # (seconds, len(emotions)) float32 per-second class probabilities
    duration_s: float
    face_emotion: np.ndarray | None = None  # (takes, len(emotions)) what the FER reads on each take's face
    lip_seal_weights: np.ndarray | None = None  # (T,) how far each frame was pulled at lip_seal 1 (None: no seal)


def frame_windows(num_frames: int, window: int, overlap: int) -> list[tuple[int, int]]:
    """[start, end) frame windows of length `window` (one shorter window if the clip is)."""
    if num_frames <= window:
        return [(0, num_frames)]
    hop = window - overlap
    starts = list(range(0, num_frames - window, hop)) + [num_frames - window]
    return [(s, s + window) for s in starts]


def crossfade_weights(start: int, end: int, num_frames: int, overlap: int) -> np.ndarray:
    """(end - start,) weights: linear ramps over `overlap` frames at inner window edges."""
    w = np.ones(end - start, np.float32)
    if overlap:
        ramp = (np.arange(overlap, dtype=np.float32) + 1.0) / (overlap + 1.0)
        if start > 0:
            w[:overlap] = np.minimum(w[:overlap], ramp)
        if end < num_frames:
            w[-overlap:] = np.minimum(w[-overlap:], ramp[::-1])
    return w


class Pipeline:
    """Frozen DEE + TH-VQVAE + generator on one device."""

    def __init__(self, *, model_id: str, emotions: list[str], dee: DEE, thvqvae: ThVqvae, generator: Generator,
                 prototypes: EmotionPrototypes | None, device: torch.device, config: PipelineConfig | None = None,
                 reference: bool = False, flame_basis: str = "standin-v1",
                 face_reader: FerClassifier | None = None, lip_seal: LipSealPose | None = None) -> None:
        self.model_id = model_id
        self.emotions = list(emotions) if prototypes is not None else []  # no prototypes: no emotion classes
        self.reference = reference
        self.flame_basis = flame_basis
        self.device = device
        self.config = config or PipelineConfig()
        if self.config.style >= generator.config.num_styles:
            raise ValueError(f"style {self.config.style} is out of range for {generator.config.num_styles} styles")
        self.dee = dee.to(device).eval()
        self.thvqvae = thvqvae.to(device).eval()
        self.generator = generator.to(device).eval()
        for net in (self.dee, self.thvqvae, self.generator):
            net.requires_grad_(False)
        self.prototypes = prototypes
        # the seal needs the pose and the content classifier that finds the bilabials
        self.lip_seal = lip_seal if getattr(self.generator, "content_head", None) is not None else None
        self.face_reader = face_reader.to(device) if face_reader is not None and self.emotions else None

    @classmethod
    def load(cls, model_dir: str | Path, device: str = "auto", config: PipelineConfig | None = None,
             reference: bool = False) -> Pipeline:
        """Read a model directory (ModelDirError names any bad file) onto `device`."""
        dev = resolve_device(device)
        models = load_inference_models(model_dir, dev)
        log.info("loaded model %s from %s on %s", models.manifest.model_id, model_dir, dev)
        return cls(model_id=models.manifest.model_id, emotions=list(models.manifest.emotions), dee=models.dee,
                   thvqvae=models.thvqvae, generator=models.generator, prototypes=models.prototypes,
                   device=dev, config=config, reference=reference, flame_basis=models.manifest.flame_basis,
                   face_reader=load_face_reader(model_dir, list(models.manifest.emotions), dev),
                   lip_seal=models.manifest.lip_seal)

    def animate(self, audio: np.ndarray | AudioSource, *, alpha: float = 0.0, temperature_top: float = 0.0,
                temperature_bottom: float = 0.0, seed: int = 0, takes: int = 1, emotion: str | None = None,
                emotion_weight: float = 0.0, progress: ProgressFn | None = None,
                should_cancel: CancelFn | None = None, emotion_intensity: float = 1.0,
                lip_seal: float = 1.0) -> AnimationResult:
        """audio (S,) float 16 kHz mono, or an AudioSource -> AnimationResult (see the module docstring)."""
        source = self._check(audio, alpha, temperature_top, temperature_bottom, seed, takes, emotion, emotion_weight)
        scale_expression(np.zeros((1, 53), np.float32), emotion_intensity, self.flame_basis)  # refuse before work
        if not (math.isfinite(lip_seal) and 0.0 <= lip_seal <= 1.0):
            raise ValueError(f"lip_seal must be in [0, 1], got {lip_seal}")
        result = self._animate(source, alpha, temperature_top, temperature_bottom, seed, takes, emotion,
                               emotion_weight, progress, should_cancel)
        if result.lip_seal_weights is not None and self.lip_seal is not None and lip_seal > 0:
            result = replace(result, motion=apply_seal(result.motion, result.lip_seal_weights, self.lip_seal,
                                                       lip_seal))
        return face_result(result, emotion_intensity, self.flame_basis, self.face_reader, self.device)

    def _animate(self, source: AudioSource, alpha: float, temperature_top: float, temperature_bottom: float,
                 seed: int, takes: int, emotion: str | None, emotion_weight: float, progress: ProgressFn | None,
                 should_cancel: CancelFn | None) -> AnimationResult:
        report = progress or (lambda fraction, stage: None)
        cancelled = should_cancel or (lambda: False)
        if self.reference:
            return self._animate_reference(source, takes, seed, emotion, emotion_weight, report, cancelled)
        num_samples = source.num_samples
        num_frames = max(1, int(round(num_samples / SAMPLES_PER_FRAME)))
        windows = frame_windows(num_frames, self.config.window_frames, self.config.overlap_frames)
        emotion_calls = math.ceil(max(1, math.ceil(num_samples / SAMPLE_RATE - 1e-9)) / self.config.emotion_batch)
        total_steps = emotion_calls + len(windows)

        def step(done: int, stage: str) -> None:
            if cancelled():
                raise Cancelled("cancelled")
            report(done / total_steps, stage)

        with torch.inference_mode():
            if cancelled():
                raise Cancelled("cancelled")
            report(0.0, "emotion")
            reading = read_emotion(self.dee.encode_audio, source, self.prototypes,
                                   window_s=self.config.emotion_window_s, batch=self.config.emotion_batch,
                                   after_batch=lambda done, total: step(math.ceil(done / self.config.emotion_batch),
                                                                        "emotion"), device=self.device)
            generators = [torch.Generator().manual_seed(seed + k) for k in range(takes)]
            z = self._emotion_vectors(reading.clip, alpha, generators, emotion, emotion_weight)  # (K, D)
            motion, bilabial = self._motion(source, num_frames, windows, z, temperature_top, temperature_bottom,
                                            generators, lambda i: step(emotion_calls + i, "motion"))
        report(1.0, "done")
        return AnimationResult(
            motion=motion, seeds=[seed + k for k in range(takes)],
            emotion_mean=reading.clip.mean[0].float().cpu().numpy(),
            emotion_logvar=reading.clip.logvar[0].float().cpu().numpy(),
            emotion_track=reading.track, duration_s=num_samples / SAMPLE_RATE,
            lip_seal_weights=None if bilabial is None else seal_weights(bilabial))

    def _animate_reference(self, source: AudioSource, takes: int, seed: int, emotion: str | None, weight: float,
                           report: ProgressFn, cancelled: CancelFn) -> AnimationResult:
        """The official demo's path (`reference_mode`); every take is the same argmax motion."""
        if cancelled():
            raise Cancelled("cancelled")
        report(0.0, "motion")
        wave = source.read(0, source.num_samples)
        proto = None
        if emotion is not None and weight > 0 and self.prototypes is not None:
            proto = torch.from_numpy(self.prototypes.steering(emotion))
        out = reference_animate(self.dee, self.thvqvae, self.generator, wave, style=self.config.style,
                                emotion=proto, emotion_weight=weight, device=self.device)
        num_frames = max(1, int(round(source.num_samples / SAMPLES_PER_FRAME)))
        motion = np.repeat(out.motion[None, :num_frames], takes, axis=0)  # (K, T, 53)
        seconds = max(1, math.ceil(source.num_samples / SAMPLE_RATE - 1e-9))
        track = np.zeros((seconds, len(self.emotions)), np.float32)
        if self.prototypes is not None:
            from deeptalk.emotion_track import class_probabilities

            emb = GaussianEmbedding(torch.from_numpy(out.emotion_mean)[None], torch.from_numpy(out.emotion_logvar)[None])
            track[:] = class_probabilities(emb, self.prototypes).numpy()
        report(1.0, "done")
        return AnimationResult(motion=motion, seeds=[seed + k for k in range(takes)], emotion_mean=out.emotion_mean,
                               emotion_logvar=out.emotion_logvar, emotion_track=track,
                               duration_s=source.num_samples / SAMPLE_RATE)

    # ------------------------------------------------------------------ steps

    def _check(self, audio: np.ndarray | AudioSource, alpha: float, t_top: float, t_bottom: float, seed: int,
               takes: int, emotion: str | None, weight: float) -> AudioSource:
        source = audio if isinstance(audio, AudioSource) else ArraySource(audio)  # ValueError if not (S,) finite
        if source.num_samples == 0:
            raise ValueError("audio is empty")
        for name, value in (("alpha", alpha), ("temperature_top", t_top), ("temperature_bottom", t_bottom),
                            ("emotion_weight", weight)):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value}")
        if weight > 1:
            raise ValueError(f"emotion_weight must be in [0, 1], got {weight}")
        if takes < 1 or seed < 0:
            raise ValueError("takes must be >= 1 and seed >= 0")
        if emotion is not None and not self.emotions:
            raise ValueError(NO_PROTOTYPES)
        if emotion is not None and emotion not in self.emotions:
            raise ValueError(f"unknown emotion {emotion!r}; this model knows {', '.join(self.emotions)}")
        return source

    def _emotion_vectors(self, clip: GaussianEmbedding, alpha: float, generators: list[torch.Generator], emotion: str | None,
                         weight: float) -> torch.Tensor:
        """One emotion vector per take: sampled from the clip Gaussian, blended with a prototype: (K, D)."""
        spread = alpha * (self.prototypes.sigma_scale if self.prototypes is not None else 1.0)  # calibrated
        z = torch.cat([sample_embedding(clip, spread, g) for g in generators])  # (K, D)
        if emotion is not None and weight > 0:
            proto = torch.from_numpy(self.prototypes.steering(emotion)).to(z)  # (D,)
            z = F.normalize((1.0 - weight) * z + weight * proto[None], dim=-1)  # (K, D)
        return z

    def _motion(self, source: AudioSource, num_frames: int, windows: list[tuple[int, int]], z: torch.Tensor,
                t_top: float, t_bottom: float, generators: list[torch.Generator],
                after_window: Callable[[int], None]) -> tuple[np.ndarray, np.ndarray | None]:
        """Cross-faded motion (K, T, 53) and, where the model has a lip seal, p(bilabial) per frame (T,)."""
        takes = z.shape[0]
        out = np.zeros((takes, num_frames, 53), np.float32)
        weight = np.zeros((num_frames, 1), np.float32)
        bilabial = np.zeros(num_frames, np.float32) if self.lip_seal is not None else None
        style = torch.full((takes,), self.config.style, dtype=torch.long, device=self.device)
        for i, (start, end) in enumerate(windows):
            frames = end - start
            chunk = source.read(start * SAMPLES_PER_FRAME, end * SAMPLES_PER_FRAME)  # (frames*640,)
            if self.config.gate_dbfs is not None:
                chunk = gate_quiet(chunk, self.config.gate_dbfs)  # room tone -> silence (see noise_gate)
            chunk = torch.from_numpy(chunk)
            content = self.generator.content(chunk[None].to(self.device), frames)  # (1, frames, C)
            motion = self.generator.sample(content.expand(takes, -1, -1), z, style, self.thvqvae,
                                           temperature_top=t_top, temperature_bottom=t_bottom,
                                           generators=generators).motion  # (K, frames, 53)
            w = crossfade_weights(start, end, num_frames, self.config.overlap_frames)[:, None]  # (frames, 1)
            out[:, start:end] += motion.float().cpu().numpy() * w[None]
            weight[start:end] += w
            if bilabial is not None:
                probs = torch.softmax(self.generator.content_logits(content)[0].float(), dim=-1)  # (frames, V)
                bilabial[start:end] += probs[:, self.lip_seal.viseme].cpu().numpy() * w[:, 0]
            after_window(i + 1)
        out /= weight[None]  # in place: the output is the one buffer that grows with the clip
        if bilabial is not None:
            bilabial /= weight[:, 0]
        return out, bilabial
