"""torchrun / DDP helpers: gloo on CPU, NCCL on CUDA; a no-op in a single process."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistInfo:
    rank: int
    world_size: int
    local_rank: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def init_distributed(device: torch.device) -> DistInfo:
    """Join the process group torchrun set up (env WORLD_SIZE > 1); single process otherwise."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistInfo(rank=0, world_size=1, local_rank=0)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return DistInfo(rank=dist.get_rank(), world_size=dist.get_world_size(),
                    local_rank=int(os.environ.get("LOCAL_RANK", "0")))


def local_device(device: torch.device, info: DistInfo) -> torch.device:
    """One GPU per local rank under torchrun; the CPU stays the CPU."""
    if device.type == "cuda" and info.enabled:
        torch.cuda.set_device(info.local_rank)
        return torch.device("cuda", info.local_rank)
    return device


def wrap_model(model: nn.Module, info: DistInfo, device: torch.device) -> nn.Module:
    """DistributedDataParallel when running under torchrun, the model itself otherwise."""
    if not info.enabled:
        return model
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids, find_unused_parameters=True)


class TrainingStep(nn.Module):
    """What DDP wraps when a step uses its network more than once, or beyond its `forward` (a
    criterion's parameters, a second pass): the subclass's `forward` runs all of one step's use of
    `network`, so DDP sees one forward per backward with every parameter inside it. `unwrap_model`
    returns `network`, so checkpoints hold the network's own names."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network


def unwrap_model(model: nn.Module) -> nn.Module:
    inner = model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
    return inner.network if isinstance(inner, TrainingStep) else inner


def on_main_process() -> bool:
    """True outside torchrun and on rank 0 inside it: the process that writes shared files."""
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


def barrier_all() -> None:
    """Wait for every rank (a no-op outside torchrun)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def barrier(info: DistInfo) -> None:
    if info.enabled:
        barrier_all()


def shutdown(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()
