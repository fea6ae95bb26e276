"""`deeptalk train fer|lipreader|vqvae|dee|generator|all`: the training scripts.

Single stages read a dataset (`deeptalk corpus build`, or MEAD via `corpus import-mead`)
and write `OUT/<name>.pt`, `OUT/last.pt` (resume), `OUT/log.csv` and `OUT/config.json`.
`--config FILE.json` overrides any field of the stage's config (nested, e.g.
{"loop": {"steps": 500, "lr": 3e-4}}). Multi-GPU / multi-node: launch with
`torchrun --nproc-per-node N -m deeptalk train ...` (NCCL on GPUs, gloo on CPUs).
`all` runs the whole default recipe and writes a model directory.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from deeptalk.device import DEVICE_CHOICES

log = logging.getLogger(__name__)
STAGES = ("fer", "lipreader", "vqvae", "dee", "generator", "all")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train one network, or the whole default recipe")
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--data", type=Path, help="dataset folder (dataset.json + manifest.jsonl)")
    parser.add_argument("--out", type=Path, required=True, help="run folder (stage) or model folder (all)")
    parser.add_argument("--config", type=Path, help="JSON file overriding the stage's config fields")
    parser.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    parser.add_argument("--fer", type=Path, help="trained fer.pt (dee)")
    parser.add_argument("--dee", type=Path, help="trained dee.pt (generator)")
    parser.add_argument("--thvqvae", type=Path, help="trained thvqvae.pt (generator)")
    parser.add_argument("--lipreader", type=Path, help="trained lipreader.pt (generator)")
    parser.add_argument("--init", type=Path, help="generator.pt of stage 1 (generator --stage 2)")
    parser.add_argument("--stage-number", "--stage", dest="stage_number", type=int, default=1, choices=(1, 2))
    parser.add_argument("--work", type=Path, default=Path("runs/default"), help="recipe work folder (all)")
    parser.add_argument("--preset", default="default", choices=("tiny", "default", "paper"), help="(all)")
    parser.add_argument("--profile", default="default", choices=("tiny", "default"), help="corpus (all)")
    parser.add_argument("--budget-scale", type=float, default=0.0,
                        help="also stop each stage at its time budget x this (all; 0 = fixed steps only)")
    parser.add_argument("--steps-scale", type=float, default=1.0, help="scale stage step counts (all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from deeptalk.train.common import config_from_json

    if args.stage == "all":
        from deeptalk.train.recipe import RecipeConfig, run_recipe

        recipe = RecipeConfig(preset=args.preset, corpus_profile=args.profile, seed=args.seed, device=args.device,
                              steps_scale=args.steps_scale, budget_scale=args.budget_scale)
        run_recipe(recipe, args.work, args.out)
        print(args.out)
        return 0
    if not args.data:
        raise SystemExit("--data is required for a single stage")
    from deeptalk.train.clipbank import ClipBank

    train, val = ClipBank.load(args.data, ("train",)), ClipBank.load(args.data, ("val",))
    overrides = {"device": args.device}
    if args.stage == "fer":
        from deeptalk.train.train_fer import FerTrainConfig, train_fer

        train_fer(config_from_json(FerTrainConfig, args.config, **overrides), train, val, args.out)
    elif args.stage == "lipreader":
        from deeptalk.train.train_lipreader import LipReaderTrainConfig, train_lipreader

        train_lipreader(config_from_json(LipReaderTrainConfig, args.config, **overrides), train, val, args.out)
    elif args.stage == "vqvae":
        from deeptalk.train.train_vqvae import VqvaeTrainConfig, train_vqvae

        train_vqvae(config_from_json(VqvaeTrainConfig, args.config, **overrides), train, val, args.out)
    elif args.stage == "dee":
        from deeptalk.models.checkpoint import load_checkpoint
        from deeptalk.models.fer import FerClassifier, FerConfig
        from deeptalk.train.train_dee import DeeTrainConfig, train_dee

        fer = load_checkpoint(_need(args.fer, "--fer"), FerClassifier, FerConfig).model
        config = config_from_json(DeeTrainConfig, args.config, **overrides)
        if config.model.fer != fer.config:
            from dataclasses import replace
            config = replace(config, model=replace(config.model, fer=fer.config))
        train_dee(config, fer, train, val, args.out)
    else:
        _train_generator(args, train, val, overrides)
    print(args.out)
    return 0


def _train_generator(args: argparse.Namespace, train, val, overrides: dict) -> None:
    from dataclasses import replace

    from deeptalk.model_presets import preset_configs
    from deeptalk.models.checkpoint import load_checkpoint
    from deeptalk.models.dee import DEE, DeeConfig
    from deeptalk.models.generator import Generator, GeneratorConfig
    from deeptalk.models.lipreader import LipReaderConfig, MotionLipReader
    from deeptalk.models.thvqvae import ThVqvae, ThVqvaeConfig
    from deeptalk.train.common import config_from_json
    from deeptalk.train.train_dee import build_prototypes
    from deeptalk.train.train_generator import GeneratorTrainConfig, train_generator

    dee = load_checkpoint(_need(args.dee, "--dee"), DEE, DeeConfig).model
    prior = load_checkpoint(_need(args.thvqvae, "--thvqvae"), ThVqvae, ThVqvaeConfig).model
    lipreader = load_checkpoint(_need(args.lipreader, "--lipreader"), MotionLipReader, LipReaderConfig).model
    init = load_checkpoint(args.init, Generator, GeneratorConfig).model if args.init else None
    config = config_from_json(GeneratorTrainConfig, args.config, stage=args.stage_number, **overrides)
    if config.model is None:
        sizes = preset_configs(args.preset, num_emotions=len(train.emotions), num_styles=max(8, len(train.speakers)))
        model = replace(sizes.generator, emotion_dim=dee.config.embed_dim, prior_dim=prior.config.dim,
                        codes_top=prior.config.codes_top, codes_bottom=prior.config.codes_bottom)
        config = replace(config, model=init.config if init else model)
    train_generator(config, dee=dee, prior=prior, lipreader=lipreader, prototypes=build_prototypes(dee, train),
                    train=train, val=val, out=args.out, init=init)


def _need(path: Path | None, flag: str) -> Path:
    if path is None:
        raise SystemExit(f"{flag} is required for this stage")
    return path
