"""Train the motion lip-reader: frame-wise visemes from (T, 53) motion (our stand-in for the
paper's video lip-reading network, used frozen as a loss and as a lip-sync metric)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from deeptalk.corpus.visemes import VISEMES
from deeptalk.models.lipreader import LipReaderConfig, MotionLipReader, lipreader_loss, viseme_accuracy
from deeptalk.train.clipbank import ClipBank
from deeptalk.train.common import finish, save_config, setup
from deeptalk.train.distributed import unwrap_model, wrap_model
from deeptalk.train.loop import LoopConfig, run_loop


@dataclass(frozen=True)
class LipReaderTrainConfig:
    model: LipReaderConfig = field(default_factory=lambda: LipReaderConfig(num_classes=len(VISEMES)))
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(steps=4000, lr=2e-3, validate_every=200))
    batch_size: int = 32
    frames: int = 64
    device: str = "auto"


def train_lipreader(config: LipReaderTrainConfig, train: ClipBank, val: ClipBank, out: Path) -> MotionLipReader:
    device, info = setup(config.device, config.loop.seed)
    save_config(config, out / "config.json")
    model = MotionLipReader(config.model)
    model.fit_normalization(torch.from_numpy(train.all_frames()))
    model.to(device)
    val_batch = val.windows(batch_size=128, frames=config.frames, generator=torch.Generator().manual_seed(1))

    def step(net, batch, _):
        logits = net(batch.motion.to(device))
        targets = batch.visemes.to(device)
        return lipreader_loss(logits, targets), {"acc": viseme_accuracy(logits, targets)}

    def validate(net):
        logits = net(val_batch.motion.to(device))
        targets = val_batch.visemes.to(device)
        return {"val_loss": float(lipreader_loss(logits, targets)), "val_acc": viseme_accuracy(logits, targets)}

    wrapped = wrap_model(model, info, device)
    run_loop(model=wrapped, parameters=list(wrapped.parameters()),
             batches=train.stream(batch_size=config.batch_size, frames=config.frames, seed=config.loop.seed,
                                  rank=info.rank),
             step_fn=step, config=config.loop, run_dir=out, dist_info=info, validate_fn=validate,
             description="lipreader")
    return finish(unwrap_model(wrapped), out, "lipreader", device)
