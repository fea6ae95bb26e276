"""The whole default recipe: corpus -> FER -> lip-reader -> DEE -> TH-VQVAE -> generator
(stages 1 and 2) -> emotion calibration on the validation split (`emotion_calibration`) and the
override targets (`emotion_steering`) -> the bilabial pose of the lip seal (`lip_seal`) -> model
directory. Every stage writes into `work_dir/<stage>/`
and is skipped when its checkpoint exists, so an interrupted run resumes where it stopped
(and a stage interrupted mid-way resumes from its own `last.pt`).
"""

from __future__ import annotations

import json
import logging
import time

import numpy as np
import torch
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from deeptalk.corpus.build import build_corpus
from deeptalk.corpus.visemes import BILABIAL
from deeptalk.data.manifest import read_dataset
from deeptalk.emotion_calibration import calibrate
from deeptalk.emotion_steering import DEFAULT_MAX_COSINE, max_pairwise_cosine, separated_steering
from deeptalk.flame.semantics import ARTICULATION_CHANNELS
from deeptalk.flame.semantics_v2 import ARTICULATION_CHANNELS_V2
from deeptalk.lip_seal import LipSealPose, measure_pose
from deeptalk.model_dir import write_model_dir
from deeptalk.model_presets import preset_configs
from deeptalk.paths import STANDIN_FOLDERS, standin_flame_file
from deeptalk.models.checkpoint import load_checkpoint
from deeptalk.models.dee import DEE, DeeConfig
from deeptalk.models.fer import FerClassifier, FerConfig
from deeptalk.models.generator import Generator, GeneratorConfig
from deeptalk.models.lipreader import LipReaderConfig, MotionLipReader
from deeptalk.models.thvqvae import ThVqvae, ThVqvaeConfig
from deeptalk.train.clipbank import ClipBank
from deeptalk.train.loop import LoopConfig
from deeptalk.train.train_dee import DeeTrainConfig, build_prototypes, train_dee
from deeptalk.train.train_fer import FerTrainConfig, train_fer
from deeptalk.train.train_generator import GeneratorTrainConfig, clip_emotions, train_generator
from deeptalk.train.train_lipreader import LipReaderTrainConfig, train_lipreader
from deeptalk.train.train_vqvae import VqvaeTrainConfig, train_vqvae

log = logging.getLogger(__name__)

# steps per stage of the default recipe; seconds per step measured on one pinned core of a 2-core
# AMD EPYC (`OMP_NUM_THREADS=1 taskset -c 0 deeptalk train all --steps-scale 0.01`): FER 0.38,
# lip-reader 0.15, DEE ~1.0, TH-VQVAE 0.36, generator 0.67 (validation included). The DEE's
# validation loss was best near step 600 of a 1,400-step run (it overfits the 960 clips), so it
# stops at 700 and the generator, whose figures miss most, gets the time (3,200 -> 4,200). The
# TH-VQVAE's validation error was still falling at 3,300 steps; at 6,600 (v7) the prior's own
# lip-reading error on held-out clips fell 0.27 -> 0.21 (docs/training.md, runs of the recipe),
# yet the generator's stayed ~0.42; v9 gave it 5,600 steps: its validation error flattened after
# ~2,000 (4.5e-6 at 1,400, 4.4e-6 at 3,400) and its figures did not improve, so it keeps 4,200
STEPS_FER = 250
STEPS_LIPREADER = 1250
STEPS_DEE = 700
STEPS_THVQVAE = 6600
STEPS_GENERATOR_STAGE1 = 4200


@dataclass(frozen=True)
class RecipeConfig:
    """`preset` sizes the networks; every stage runs a fixed number of steps (`steps_*`, sized so
    the default recipe takes about 90 min on 2 CPU cores), so the same command gives the same model
    however busy the machine is; `steps_scale` shrinks them all (tests use ~0.002).
    `budget_scale` > 0 also stops each stage at its time budget (`budget_*` seconds x scale): a cap
    for slow machines that makes the result depend on the machine's speed; 0 (default) = no cap."""

    preset: str = "default"
    corpus_profile: str = "default"
    seed: int = 0
    device: str = "auto"
    steps_scale: float = 1.0
    budget_scale: float = 0.0
    model_id: str = "deeptalk-default-v10"
    steps_fer: int = STEPS_FER
    steps_lipreader: int = STEPS_LIPREADER
    steps_dee: int = STEPS_DEE
    steps_thvqvae: int = STEPS_THVQVAE
    steps_generator_stage1: int = STEPS_GENERATOR_STAGE1
    generator_stage2_steps: int = 300
    batch_scale: float = 1.0  # scales every stage's batch size (tests use small batches)
    budget_fer: float = 90.0
    budget_lipreader: float = 180.0
    budget_thvqvae: float = 1200.0
    budget_dee: float = 900.0
    budget_generator_stage1: float = 2100.0
    budget_generator_stage2: float = 420.0
    # override targets pushed apart to this pairwise cosine (`emotion_steering`); None: the plain prototypes
    steer_max_cosine: float | None = DEFAULT_MAX_COSINE


def _scaled(loop: LoopConfig, scale: float, steps: int | None = None, seconds: float = 0.0) -> LoopConfig:
    total = max(2, int(round((steps or loop.steps) * scale)))
    return replace(loop, steps=total, warmup_steps=min(loop.warmup_steps, total // 4), max_seconds=seconds,
                   validate_every=max(1, min(loop.validate_every, total)) if loop.validate_every else 0,
                   checkpoint_every=max(1, min(loop.checkpoint_every, total)))


def corpus_basis(corpus: Path) -> str:
    """The stand-in basis a synthetic corpus was rendered in (corpora before bases: `standin-v1`)."""
    info, _ = read_dataset(corpus)
    return str((info.extra or {}).get("basis", "standin-v1"))


def bilabial_pose(bank: ClipBank, channels: tuple[int, ...]) -> LipSealPose | None:
    """The training split's mean pose of the speech channels on m/b/p frames (`lip_seal`);
    None when the corpus has no viseme labels (MEAD)."""
    lengths = [min(len(c.motion), len(c.visemes)) for c in bank.clips]
    motion = np.concatenate([c.motion[:n] for c, n in zip(bank.clips, lengths)])  # (N, 53)
    visemes = np.concatenate([c.visemes[:n] for c, n in zip(bank.clips, lengths)])  # (N,)
    try:
        pose = measure_pose(motion, visemes, BILABIAL, channels)
    except ValueError:
        log.info("no m/b/p frames labelled in the training split: the model gets no lip seal")
        return None
    log.info("lip seal measured on %d m/b/p frames", int((visemes == BILABIAL).sum()))
    return pose


def run_recipe(config: RecipeConfig, work_dir: Path, model_out: Path) -> Path:
    """Run (or resume) every stage; write the model directory to `model_out`."""
    began = time.monotonic()
    work_dir.mkdir(parents=True, exist_ok=True)
    corpus = work_dir / "corpus"
    if not (corpus / "dataset.json").exists():
        log.info("stage corpus: building the %s corpus", config.corpus_profile)
        build_corpus(corpus, profile=config.corpus_profile, seed=config.seed, overwrite=True)
    train, val = ClipBank.load(corpus, ("train",)), ClipBank.load(corpus, ("val",))
    basis = corpus_basis(corpus)
    flame = str(standin_flame_file(basis))
    articulation = ARTICULATION_CHANNELS_V2 if basis == "standin-v2" else ARTICULATION_CHANNELS
    log.info("corpus basis %s: training through %s", basis, flame)
    sizes = preset_configs(config.preset, num_emotions=len(train.emotions),
                           num_styles=max(8, len(train.speakers)), articulation=articulation)
    s, dev = config.steps_scale, config.device

    def b(seconds: float) -> float:
        return seconds * config.budget_scale
    timings: dict[str, float] = {}

    def stage(name: str, model_cls, config_cls, run):
        path = work_dir / name / f"{name.split('_')[0]}.pt"
        t0 = time.monotonic()
        if path.exists():
            log.info("stage %s: done before, loading %s", name, path)
            return load_checkpoint(path, model_cls, config_cls).model
        log.info("stage %s: training", name)
        model = run(work_dir / name)
        timings[name] = round(time.monotonic() - t0, 1)
        return model

    def batch(size: int) -> int:
        return max(2, int(round(size * config.batch_scale)))

    fer_cfg = FerTrainConfig(model=sizes.fer, device=dev)
    fer_cfg = replace(fer_cfg, clips_per_batch=batch(fer_cfg.clips_per_batch))
    fer = stage("fer", FerClassifier, FerConfig, lambda out: train_fer(
        replace(fer_cfg, loop=_scaled(fer_cfg.loop, s, config.steps_fer, seconds=b(config.budget_fer))), train, val, out))
    lip_cfg = LipReaderTrainConfig(model=sizes.lipreader, device=dev)
    lip_cfg = replace(lip_cfg, batch_size=batch(lip_cfg.batch_size))
    lipreader = stage("lipreader", MotionLipReader, LipReaderConfig, lambda out: train_lipreader(
        replace(lip_cfg, loop=_scaled(lip_cfg.loop, s, config.steps_lipreader, seconds=b(config.budget_lipreader))), train, val, out))
    dee_cfg = DeeTrainConfig(model=sizes.dee, device=dev)
    dee_cfg = replace(dee_cfg, batch_size=batch(dee_cfg.batch_size))
    dee = stage("dee", DEE, DeeConfig, lambda out: train_dee(
        replace(dee_cfg, loop=_scaled(dee_cfg.loop, s, config.steps_dee, seconds=b(config.budget_dee))), fer, train, val, out))
    # the prior keeps most carefully what the lip-reader reads (the lip components and the jaw)
    vq_cfg = VqvaeTrainConfig(model=sizes.thvqvae, device=dev, parameter_channels=sizes.lipreader.read_channels,
                              flame=flame)
    vq_cfg = replace(vq_cfg, batch_size=batch(vq_cfg.batch_size))
    prior = stage("thvqvae", ThVqvae, ThVqvaeConfig, lambda out: train_vqvae(
        replace(vq_cfg, loop=_scaled(vq_cfg.loop, s, config.steps_thvqvae, seconds=b(config.budget_thvqvae))), train, val, out))
    prototypes = build_prototypes(dee, train)
    if config.steer_max_cosine is not None:
        prototypes = replace(prototypes, steer=separated_steering(prototypes.mean, config.steer_max_cosine))
        log.info("override targets: pairwise cosine %.3f -> %.3f", max_pairwise_cosine(prototypes.mean),
                 max_pairwise_cosine(prototypes.steer))
    gen_cfg = GeneratorTrainConfig(model=sizes.generator, device=dev, flame=flame)
    gen_cfg = replace(gen_cfg, batch_size=batch(gen_cfg.batch_size))
    frozen = dict(dee=dee, prior=prior, lipreader=lipreader, prototypes=prototypes, train=train, val=val)
    stage1 = stage("generator_stage1", Generator, GeneratorConfig, lambda out: train_generator(
        replace(gen_cfg, loop=_scaled(gen_cfg.loop, s, config.steps_generator_stage1, seconds=b(config.budget_generator_stage1))), out=out, **frozen))
    stage2_loop = replace(gen_cfg.loop, lr=gen_cfg.loop.lr / 5, warmup_steps=0)
    generator = stage("generator_stage2", Generator, GeneratorConfig, lambda out: train_generator(
        replace(gen_cfg, stage=2, loop=_scaled(stage2_loop, s, config.generator_stage2_steps,
                                                       b(config.budget_generator_stage2))),
        out=out, init=stage1, **frozen))
    prototypes, calibration = calibrate(prototypes, clip_emotions(dee, prototypes, val),
                                        torch.tensor([c.emotion for c in val.clips]))
    seal = bilabial_pose(train, sizes.lipreader.read_channels)
    write_model_dir(model_out, model_id=config.model_id, emotions=train.emotions, dee=dee.eval(),
                    thvqvae=prior.eval(), generator=generator.eval(), fer=fer.eval(), lipreader=lipreader.eval(),
                    prototypes=prototypes, half=True, flame=STANDIN_FOLDERS[basis], flame_basis=basis, lip_seal=seal,
                    info={"preset": config.preset, "trained": True, "recipe": asdict(config),
                          "train_clips": len(train), "speakers": list(train.speakers),
                          "stage_seconds": timings, "emotion_calibration": calibration, "total_seconds": round(time.monotonic() - began, 1)})
    (work_dir / "recipe.json").write_text(json.dumps(asdict(config), indent=2) + "\n", encoding="utf-8")
    log.info("wrote model directory %s", model_out)
    return model_out
