"""Train the motion lip-reader: frame-wise visemes from (T, 53) motion (our stand-in for the
paper's video lip-reading network, used frozen as a loss and as a lip-sync metric).

Training windows are augmented (`motion_augment`: articulation scale, smoothing, jitter) so the
reader judges mouth shapes the way a viewer would, not the corpus builder's exact values;
validation reports accuracy on clean windows (`val_acc`) and on augmented ones
(`val_acc_augmented`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from deeptalk.corpus.visemes import VISEMES
from deeptalk.models.lipreader import LipReaderConfig, MotionLipReader, lipreader_loss, viseme_accuracy
from deeptalk.train.clipbank import ClipBank
from deeptalk.train.common import finish, save_config, setup
from deeptalk.train.distributed import unwrap_model, wrap_model
from deeptalk.train.loop import LoopConfig, run_loop
from deeptalk.train.motion_augment import MotionAugmentConfig, augment_motion


@dataclass(frozen=True)
class LipReaderTrainConfig:
    model: LipReaderConfig = field(default_factory=lambda: LipReaderConfig(num_classes=len(VISEMES)))
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(steps=4000, lr=2e-3, validate_every=200))
    batch_size: int = 32
    frames: int = 64
    augment: MotionAugmentConfig | None = field(default_factory=MotionAugmentConfig)  # None: clean windows only
    device: str = "auto"

    def __post_init__(self) -> None:
        if isinstance(self.augment, dict):
            object.__setattr__(self, "augment", MotionAugmentConfig(**self.augment))


def train_lipreader(config: LipReaderTrainConfig, train: ClipBank, val: ClipBank, out: Path) -> MotionLipReader:
    device, info = setup(config.device, config.loop.seed)
    save_config(config, out / "config.json")
    model = MotionLipReader(config.model)
    frames = torch.from_numpy(train.all_frames())  # (N, 53)
    model.fit_normalization(frames)
    model.to(device)
    augment = config.augment or MotionAugmentConfig(probability=0.0)
    mean, std = frames.mean(0).to(device), frames.std(0).to(device)
    draws = torch.Generator().manual_seed(config.loop.seed + 11 + 1000 * info.rank)
    val_batch = val.windows(batch_size=128, frames=config.frames, generator=torch.Generator().manual_seed(1))
    val_targets = val_batch.visemes.to(device)
    val_clean = val_batch.motion.to(device)
    val_augmented = augment_motion(val_clean, mean, std, replace(augment, probability=1.0),
                                   torch.Generator().manual_seed(2))

    def step(net, batch, _):
        motion = augment_motion(batch.motion.to(device), mean, std, augment, draws)
        logits = net(motion)
        targets = batch.visemes.to(device)
        return lipreader_loss(logits, targets), {"acc": viseme_accuracy(logits, targets)}

    def validate(net):
        logits = net(val_clean)
        return {"val_loss": float(lipreader_loss(logits, val_targets)), "val_acc": viseme_accuracy(logits, val_targets),
                "val_acc_augmented": viseme_accuracy(net(val_augmented), val_targets)}

    wrapped = wrap_model(model, info, device)
    run_loop(model=wrapped, parameters=list(wrapped.parameters()),
             batches=train.stream(batch_size=config.batch_size, frames=config.frames, seed=config.loop.seed,
                                  rank=info.rank),
             step_fn=step, config=config.loop, run_dir=out, dist_info=info, validate_fn=validate,
             description="lipreader")
    return finish(unwrap_model(wrapped), out, "lipreader", device)
