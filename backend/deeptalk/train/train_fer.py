"""Train the FER-style motion emotion classifier (spec §2) on per-clip emotion labels.

Where the corpus has each clip at every emotion's full strength (`Batch.alt_motion`), a
share `alt_rate` of each batch is one of those faces with its class as the label, so the
critic also knows the faces the emotion override asks for (and reads emotion apart from the
speech the face came with).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from deeptalk.models.fer import FerClassifier, FerConfig, augment_noise, fer_class_weights, fer_loss
from deeptalk.train.clipbank import ClipBank
from deeptalk.train.common import finish, save_config, setup
from deeptalk.train.distributed import unwrap_model, wrap_model
from deeptalk.train.loop import LoopConfig, run_loop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FerTrainConfig:
    model: FerConfig = field(default_factory=FerConfig)
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(steps=3000, lr=1e-3, validate_every=200))
    clips_per_batch: int = 64
    frames_per_clip: int = 32
    noise_sigma: float = 0.02
    alt_rate: float = 0.25  # share of rows taken from the alternative-emotion motion, where there is one
    device: str = "auto"


def train_fer(config: FerTrainConfig, train: ClipBank, val: ClipBank, out: Path) -> FerClassifier:
    """Fit input statistics, train, keep the best validation checkpoint at `out/fer.pt`."""
    device, info = setup(config.device, config.loop.seed)
    save_config(config, out / "config.json")
    model = FerClassifier(config.model)
    model.fit_normalization(torch.from_numpy(train.all_frames()))
    model.to(device)
    counts = torch.bincount(torch.tensor([c.emotion for c in train.clips]), minlength=config.model.num_classes)
    weights = fer_class_weights(counts).to(device)
    noise = torch.Generator().manual_seed(config.loop.seed)
    val_batch = val.windows(batch_size=256, frames=config.frames_per_clip,
                            generator=torch.Generator().manual_seed(1))

    def step(net, batch, _):
        motion, labels = with_alt_rows(batch, config.alt_rate, noise)
        motion = augment_noise(motion, sigma=config.noise_sigma, generator=noise).to(device)
        logits = net(motion)
        loss = fer_loss(logits, labels.to(device), weights)
        accuracy = (logits.argmax(-1) == labels.to(device)[:, None]).float().mean()
        return loss, {"acc": float(accuracy)}

    def validate(net):
        logits = net(val_batch.motion.to(device))
        labels = val_batch.emotion.to(device)
        return {"val_loss": float(fer_loss(logits, labels)),
                "val_acc": float((logits.argmax(-1) == labels[:, None]).float().mean())}

    wrapped = wrap_model(model, info, device)
    run_loop(model=wrapped, parameters=list(wrapped.parameters()),
             batches=train.stream(batch_size=config.clips_per_batch, frames=config.frames_per_clip,
                                  seed=config.loop.seed, rank=info.rank),
             step_fn=step, config=config.loop, run_dir=out, dist_info=info, validate_fn=validate,
             description="fer")
    return finish(unwrap_model(wrapped), out, "fer", device)


def with_alt_rows(batch, rate: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T, 53) motion and (B,) labels with a random `rate` of the rows swapped for the same
    window at a random emotion's full strength (when the batch carries `alt_motion`)."""
    if not rate or batch.alt_motion is None:
        return batch.motion, batch.emotion
    rows, classes = batch.motion.shape[0], batch.alt_motion.shape[1]
    chosen = torch.rand(rows, generator=generator) < rate  # (B,)
    k = torch.randint(classes, (rows,), generator=generator)  # (B,)
    alt = batch.alt_motion[torch.arange(rows), k]  # (B, T, 53)
    return torch.where(chosen[:, None, None], alt, batch.motion), torch.where(chosen, k, batch.emotion)
