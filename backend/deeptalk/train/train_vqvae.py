"""Train the TH-VQVAE motion prior (spec §3): vertex MSE through FLAME + commitment loss, plus
(ours) a parameter MSE in units of each channel's training std (`parameter_weight`), which
keeps the small lip-shape components that vertex MSE all but ignores, and the same term again on
the frames labelled p/b/m (`closure_weight`), where the lips must meet."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from deeptalk.corpus.visemes import BILABIAL
from deeptalk.model_presets import preset_configs
from deeptalk.models.losses import reconstruction_terms, thvqvae_loss
from deeptalk.models.thvqvae import ThVqvae, ThVqvaeConfig
from deeptalk.train.clipbank import ClipBank
from deeptalk.train.common import finish, flame_layer, save_config, setup
from deeptalk.train.distributed import unwrap_model, wrap_model
from deeptalk.train.loop import LoopConfig, run_loop


@dataclass(frozen=True)
class VqvaeTrainConfig:
    model: ThVqvaeConfig = field(default_factory=lambda: ThVqvaeConfig.preset("default"))
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(
        steps=20000, lr=5e-4, warmup_steps=100, weight_decay=0.01, validate_every=200))
    batch_size: int = 64
    frames: int = 32
    vertex_weight: float = 1e6
    quant_weight: float = 1.0
    parameter_weight: float = 20.0  # 0: the paper's objective
    # channels the parameter term covers (empty: all); the default recipe gives the articulation
    # channels (`flame.semantics.ARTICULATION_CHANNELS`), what the lip-reader reads
    parameter_channels: tuple[int, ...] = ()
    # weight of the parameter term over the channels outside `parameter_channels` (emotion, brows,
    # eyes, detail): keeps channels whose vertex effects overlap from trading places
    other_parameter_weight: float = 2.0
    # the parameter term once more on the m/b/p frames only (where the corpus has viseme labels)
    closure_weight: float = 20.0
    # vertices the vertex term covers: every `vertex_stride`-th of the head plus all of `vertex_regions`
    # (the FLAME pass is most of a step's cost; see `common.flame_layer`)
    vertex_stride: int = 32
    vertex_regions: tuple[str, ...] = ("lips",)
    flame: str | None = None
    device: str = "auto"


def train_vqvae(config: VqvaeTrainConfig, train: ClipBank, val: ClipBank, out: Path) -> ThVqvae:
    device, info = setup(config.device, config.loop.seed)
    save_config(config, out / "config.json")
    layer = flame_layer(config.flame, device, stride=config.vertex_stride, regions=config.vertex_regions)
    model = ThVqvae(config.model).to(device)
    val_batch = val.windows(batch_size=128, frames=config.frames, generator=torch.Generator().manual_seed(1))
    weights = dict(vertex_weight=config.vertex_weight, quant_weight=config.quant_weight,
                   parameter_weight=config.parameter_weight,
                   parameter_scale=train.channel_scale().to(device), parameter_channels=config.parameter_channels,
                   other_parameter_weight=config.other_parameter_weight, closure_weight=config.closure_weight)

    def step(net, batch, _):
        motion = batch.motion.to(device)
        return thvqvae_loss(net(motion), motion, layer, closure_frames=batch.visemes == BILABIAL, **weights)

    def validate(net):
        motion = val_batch.motion.to(device)
        output = net(motion)
        _, logs = thvqvae_loss(output, motion, layer, closure_frames=val_batch.visemes == BILABIAL, **weights)
        vertex = float(reconstruction_terms(output.motion, motion, layer)["vertex"])
        usage = unwrap_model(net).codebook_report()
        extra = {f"val_{k}": logs[k] for k in ("parameter", "closure") if k in logs}
        # best checkpoint by vertex error, or by the parameter error when that is the only objective
        score = vertex if config.vertex_weight or "parameter" not in logs else logs["parameter"]
        return {"val_loss": score, "val_vertex": vertex, **extra, **{f"val_{k}": float(v) for k, v in usage.items()}}

    wrapped = wrap_model(model, info, device)
    run_loop(model=wrapped, parameters=list(wrapped.parameters()),
             batches=train.stream(batch_size=config.batch_size, frames=config.frames, seed=config.loop.seed,
                                  rank=info.rank),
             step_fn=step, config=config.loop, run_dir=out, dist_info=info, validate_fn=validate,
             description="thvqvae")
    return finish(unwrap_model(wrapped), out, "thvqvae", device)


def vqvae_config_for(preset: str) -> VqvaeTrainConfig:
    return VqvaeTrainConfig(model=preset_configs(preset, num_emotions=5).thvqvae)
