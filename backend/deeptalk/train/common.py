"""What every trainer shares: device + DDP set-up, seeding, configs from JSON, the stand-in FLAME."""

from __future__ import annotations

import json
import random
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from deeptalk.device import resolve_device
from deeptalk.flame.layer import FlameLayer
from deeptalk.flame.loading import load_flame
from deeptalk.paths import standin_flame_dir
from deeptalk.train.distributed import DistInfo, init_distributed, local_device

C = TypeVar("C")


def setup(device: str, seed: int) -> tuple[torch.device, DistInfo]:
    """Resolve the device, join torchrun's group if any, seed every RNG (offset by rank)."""
    base = resolve_device(device)
    info = init_distributed(base)
    seed_everything(seed + info.rank)
    return local_device(base, info), info


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def config_from_json(cls: type[C], path: str | Path | None, **overrides: Any) -> C:
    """Build a (nested) dataclass config from a JSON file of field overrides."""
    data = json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    data.update(overrides)
    return _build(cls, data)


def _build(cls: type[C], data: dict[str, Any], default: Any = None) -> C:
    default = cls() if default is None else default  # type: ignore[call-arg]
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown setting(s) {', '.join(unknown)}")
    values = {f.name: getattr(default, f.name) for f in fields(cls)}  # type: ignore[arg-type]
    for name, value in data.items():
        current = getattr(default, name)
        if is_dataclass(current) and isinstance(value, dict):
            value = _build(type(current), value, current)
        elif isinstance(current, tuple) and isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return cls(**values)  # type: ignore[call-arg]


def save_config(config: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(config), indent=2) + "\n", encoding="utf-8")


LOSS_REGIONS = ("mouth", "lips")
LOSS_STRIDE = 8
TRAIN_FLAME_BASIS = "standin-v2"  # the stand-in the recipe trains on (head v2); its manifests say so


def default_train_flame() -> Path:
    """The stand-in head the losses use when a config names none (head v2's committed file)."""
    return standin_flame_dir(TRAIN_FLAME_BASIS) / "standin.npz"


def flame_layer(flame: str | Path | None, device: torch.device, *, stride: int = LOSS_STRIDE,
                regions: tuple[str, ...] = LOSS_REGIONS) -> FlameLayer:
    """The FLAME layer losses run through (the user's model, or head v2: `default_train_flame`), on a vertex
    subset: every vertex of `regions` plus every `stride`-th vertex of the head. Losses are means,
    so this weights those regions more and costs a fraction of the full mesh."""
    if stride < 1:
        raise ValueError("stride must be >= 1")
    model = load_flame(flame or default_train_flame())
    ids = [torch.arange(0, model.num_vertices, stride)]
    ids += [torch.from_numpy(model.masks[name]).long() for name in regions if name in model.masks]
    return FlameLayer(model, vertex_ids=torch.cat(ids)).to(device)


def mouth_ids(layer: FlameLayer) -> torch.Tensor | None:
    masks = layer.masks
    for name in ("mouth", "lips"):
        if name in masks:
            return masks[name]
    return None


def finish(model: torch.nn.Module, out: Path, name: str, device: torch.device) -> Any:
    """Load `out/best.pt` when validation kept one, switch to eval, write `out/<name>.pt`."""
    from deeptalk.models.checkpoint import save_checkpoint
    from deeptalk.train.distributed import barrier_all, on_main_process

    best = out / "best.pt"
    if best.exists():
        model.load_state_dict(torch.load(best, map_location=device, weights_only=True)["model"])
    model.eval()
    if on_main_process():  # under torchrun every rank holds the same weights; one writes them
        save_checkpoint(out / f"{name}.pt", model, model.config)
    barrier_all()
    return model
