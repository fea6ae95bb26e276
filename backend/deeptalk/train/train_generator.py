"""Train the DEEPTalk generator (spec §4) over the frozen TH-VQVAE, DEE and lip-reader.

Stage 1: vertex (+ mouth and velocity) reconstruction through FLAME via straight-through
Gumbel (tau annealed), emotion consistency through the frozen DEE, the motion lip-reader
feature loss, and cross-entropy to the TH-VQVAE's own codes of the ground truth (our
addition: it makes a CPU-sized budget converge; set `weights.codes = 0` for the paper's
objective). Also ours: a viseme classifier on the content features (`content_viseme`, where the
generator has one and the data has labels: phonetic supervision for a content encoder trained
from scratch), and a closure term (`weights.closure`): the mouth vertex error on the frames
labelled p/b/m, which the all-frames mouth term averages away.
Stage 2 (initialised from stage 1) adds the emotion-swap and swapped lip terms.

Emotion override (ours, where the corpus has each clip at every emotion's full strength,
`Batch.alt_motion`): a fraction `override_rate` of each batch is steered the way inference
steers an override, z = normalize((1 - w) z_speech + w steer_k) (`EmotionPrototypes.steering`,
the prototypes pushed apart by `emotion_steering`), with w = 1 half of the
time and uniform in [0, 1] otherwise, and its target is the matching blend
(1 - w) own motion + w motion at emotion k. The generator cannot ignore the emotion vector
(the same audio asks for five faces), and the override weight is monotone by construction.

The speech emotion of each training clip is read once, the way inference reads it
(`deeptalk.emotion_track.read_emotion`), and sampled with `alpha` every step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from deeptalk.emotion_track import EmotionPrototypes, read_emotion
from deeptalk.models.dee import DEE
from deeptalk.models.gaussian import GaussianEmbedding, sample_embedding
from deeptalk.models.generator import Generator, GeneratorConfig, GeneratorOutput
from deeptalk.models.lipreader import MotionLipReader
from deeptalk.models.losses import (GeneratorLossWeights, code_cross_entropy, emotion_consistency_loss,
                                    emotion_swap_loss, frame_cross_entropy, lip_reading_loss, reconstruction_terms,
                                    swap_permutation, viseme_loss, weighted_sum)
from deeptalk.models.thvqvae import ThVqvae
from deeptalk.corpus.visemes import BILABIAL
from deeptalk.train.clipbank import IGNORE, ClipBank
from deeptalk.train.common import finish, flame_layer, mouth_ids, save_config, setup
from deeptalk.train.distributed import TrainingStep, unwrap_model, wrap_model
from deeptalk.train.loop import LoopConfig, run_loop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeneratorTrainConfig:
    model: GeneratorConfig | None = None  # None: sized by the recipe from the preset and the prior
    stage: int = 1
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(steps=20000, lr=5e-4, warmup_steps=100,
                                                                validate_every=200))
    weights: GeneratorLossWeights = field(default_factory=lambda: GeneratorLossWeights(
        vertex=2e5, mouth_vertex=5e5, mouth_velocity=2e6, emotion=0.05, swap=0.02, lip=0.5, lip_swap=0.2,
        codes=1.0, content_viseme=1.0, viseme=0.5, closure=5e5))
    batch_size: int = 16
    frames: int = 64
    alpha: float = 1.0
    tau_start: float = 2.0
    tau_end: float = 0.1
    # vertices of the vertex terms: every `vertex_stride`-th of the head plus all of `vertex_regions`;
    # the mouth terms use the mouth vertices among them (`common.flame_layer`, `common.mouth_ids`)
    vertex_stride: int = 32
    vertex_regions: tuple[str, ...] = ("lips",)
    override_rate: float = 0.5  # share of each batch trained on an emotion override (needs alt motion)
    flame: str | None = None
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.stage not in (1, 2):
            raise ValueError("stage must be 1 or 2")
        if not 0.0 <= self.override_rate <= 1.0:
            raise ValueError("override_rate must be in [0, 1]")
        if isinstance(self.model, dict):
            object.__setattr__(self, "model", GeneratorConfig(**self.model))
        if isinstance(self.weights, dict):
            object.__setattr__(self, "weights", GeneratorLossWeights(**self.weights))

    def tau(self, fraction: float) -> float:
        """Linear anneal tau_start -> tau_end over the run's progress in [0, 1] (spec §4)."""
        return self.tau_start + (self.tau_end - self.tau_start) * min(1.0, max(0.0, fraction))


class GeneratorStep(TrainingStep):
    """One step's generator passes in one `forward` (see `TrainingStep`): the content encoding,
    the motion, the content classifier's logits and (stage 2) the motion of emotion-swapped vectors."""

    def forward(self, audio: torch.Tensor, frames: int, z: torch.Tensor, style: torch.Tensor, prior: ThVqvae, *,
                tau: float, content_logits: bool, swap: bool) -> tuple[GeneratorOutput, torch.Tensor | None,
                                                                      torch.Tensor | None]:
        gen = self.network
        content = gen.content(audio, frames)
        out = gen(content, z, style, prior, tau=tau)
        logits = gen.content_logits(content) if content_logits else None
        swapped = None
        if swap:
            perm = swap_permutation(z.shape[0], z.device)
            swapped = gen(content, z[perm], style, prior, tau=tau).motion
        return out, logits, swapped


@torch.no_grad()
def clip_emotions(dee: DEE, prototypes: EmotionPrototypes, bank: ClipBank) -> GaussianEmbedding:
    """The clip-level speech emotion of every clip, as inference computes it: (N, D)."""
    device = next(dee.parameters()).device
    readings = [read_emotion(dee.encode_audio, torch.from_numpy(c.audio).to(device), prototypes).clip
                for c in bank.clips]
    return GaussianEmbedding(torch.cat([r.mean for r in readings]), torch.cat([r.logvar for r in readings]))


def train_generator(config: GeneratorTrainConfig, *, dee: DEE, prior: ThVqvae, lipreader: MotionLipReader,
                    prototypes: EmotionPrototypes, train: ClipBank, val: ClipBank, out: Path,
                    init: Generator | None = None) -> Generator:
    device, info = setup(config.device, config.loop.seed)
    save_config(config, out / "config.json")
    assert config.model is not None, "the generator config must be sized before training"
    for frozen in (dee, prior, lipreader):
        frozen.to(device).eval().requires_grad_(False)
    layer = flame_layer(config.flame, device, stride=config.vertex_stride, regions=config.vertex_regions)
    mouth = mouth_ids(layer)
    model = Generator(config.model)
    if init is not None:
        model.load_state_dict(init.state_dict())
    model.to(device)
    train_emotion = clip_emotions(dee, prototypes, train)
    val_emotion = clip_emotions(dee, prototypes, val)
    noise = torch.Generator().manual_seed(config.loop.seed + 7)
    val_batch = val.windows(batch_size=32, frames=config.frames, generator=torch.Generator().manual_seed(1))
    weights = config.weights.as_dict()
    if config.stage == 1:
        weights.update(swap=0.0, lip_swap=0.0)
    if weights["content_viseme"] and config.model.content_classes == 0:
        log.info("the generator has no content classifier (content_classes = 0): no content_viseme term")
        weights["content_viseme"] = 0.0

    steer_rows = prototypes.mean if prototypes.steer is None else prototypes.steer  # `emotion_steering`
    steer = torch.from_numpy(steer_rows).to(device), torch.from_numpy(prototypes.logvar).to(device)
    override_rate = config.override_rate if train.has_alt_motion else 0.0
    if config.override_rate and not override_rate:
        log.info("the corpus has no motion at each emotion's full strength: no emotion-override training")

    def terms_for(net, batch, emotion_bank, tau, alpha, rate=0.0):
        audio, motion = batch.audio.to(device), batch.motion.to(device)
        idx = batch.clip_index
        speech = GaussianEmbedding(emotion_bank.mean[idx].to(device), emotion_bank.logvar[idx].to(device))
        z = sample_embedding(speech, alpha, noise if alpha else None)
        if rate and batch.alt_motion is not None:
            motion, speech, z = override_rows(batch.alt_motion.to(device), motion, speech, z, steer, rate, noise)
        style = batch.speaker.to(device).clamp_max(config.model.num_styles - 1)
        with torch.no_grad():
            codes_t, codes_b = prior.encode(motion)
        swap = bool(weights["swap"] or weights["lip_swap"])
        out, content_logits, swapped = net(audio, motion.shape[1], z, style, prior, tau=tau,
                                           content_logits=bool(weights["content_viseme"]), swap=swap)
        valid = (batch.visemes != IGNORE).to(device)
        closure = (batch.visemes == BILABIAL).to(device) if weights["closure"] else None  # (B, T)
        terms = reconstruction_terms(out.motion, motion, layer, mouth, closure)
        terms["codes"] = code_cross_entropy(out.logits_top, out.logits_bottom, codes_t, codes_b)
        terms["emotion"] = emotion_consistency_loss(dee, speech, out.motion)
        terms["lip"] = lip_reading_loss(lipreader, out.motion, motion, valid)
        if content_logits is not None:
            terms["content_viseme"] = frame_cross_entropy(content_logits, batch.visemes.to(device), IGNORE)
        if weights["viseme"]:
            terms["viseme"] = viseme_loss(lipreader, out.motion, batch.visemes.to(device), IGNORE)
        if swapped is not None:
            terms["swap"] = emotion_swap_loss(dee, speech, swapped)
            terms["lip_swap"] = lip_reading_loss(lipreader, swapped, motion, valid)
        return terms

    def step(net, batch, progress):
        terms = terms_for(net, batch, train_emotion, config.tau(progress.fraction), config.alpha, override_rate)
        return weighted_sum(terms, weights), {k: float(v.detach()) for k, v in terms.items()}

    def validate(net):
        terms = terms_for(net, val_batch, val_emotion, 1e-4, 0.0)
        return {"val_loss": float(terms["mouth_vertex"] if "mouth_vertex" in terms else terms["vertex"]),
                **{f"val_{k}": float(v) for k, v in terms.items()}}

    wrapped = wrap_model(GeneratorStep(model), info, device)
    run_loop(model=wrapped, parameters=list(wrapped.parameters()),
             batches=train.stream(batch_size=config.batch_size, frames=config.frames, seed=config.loop.seed,
                                  rank=info.rank),
             step_fn=step, config=config.loop, run_dir=out, dist_info=info, validate_fn=validate,
             description=f"generator stage {config.stage}")
    return finish(unwrap_model(wrapped), out, "generator", device)


def override_rows(alt: torch.Tensor, motion: torch.Tensor, speech: GaussianEmbedding, z: torch.Tensor,
                  prototypes: tuple[torch.Tensor, torch.Tensor], rate: float,
                  generator: torch.Generator) -> tuple[torch.Tensor, GaussianEmbedding, torch.Tensor]:
    """Steer a random `rate` of the rows to a random class k the way inference's override does.

    alt: (B, E, T, 53) each row's motion at every emotion's full strength; motion: (B, T, 53);
    z: (B, D) the sampled speech emotion; prototypes: (E, D) means and log-variances.
    Returns the rows' targets, emotion Gaussians (for the consistency term) and vectors.
    """
    rows, classes = z.shape[0], alt.shape[1]
    chosen = (torch.rand(rows, generator=generator) < rate).to(z.device)  # (B,)
    k = torch.randint(classes, (rows,), generator=generator).to(z.device)  # (B,)
    full = torch.rand(rows, generator=generator) < 0.5
    weight = torch.where(full, torch.ones(rows), torch.rand(rows, generator=generator)).to(z)  # (B,)
    weight = torch.where(chosen, weight, torch.zeros_like(weight))  # (B,)
    mean, logvar = prototypes[0][k], prototypes[1][k]  # (B, D)
    w = weight[:, None]  # (B, 1)
    steered = torch.nn.functional.normalize((1 - w) * z + w * mean, dim=-1)  # (B, D)
    z = torch.where(chosen[:, None], steered, z)
    target = alt[torch.arange(rows, device=alt.device), k]  # (B, T, 53)
    motion = motion + weight[:, None, None] * (target - motion)
    speech = GaussianEmbedding(torch.where(chosen[:, None], steered, speech.mean),
                               torch.where(chosen[:, None], (1 - w) * speech.logvar + w * logvar, speech.logvar))
    return motion, speech, z
