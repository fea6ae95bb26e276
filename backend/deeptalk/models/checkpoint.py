"""Model files: `{"format", "model", "config": asdict(cfg), "state_dict", "extra"}` via torch.save.

Loading uses `torch.load(..., weights_only=True)` (no arbitrary pickles) and rebuilds the
model as `model_cls(config_cls(**ckpt["config"]))`; configs turn their nested dicts back
into dataclasses in `__post_init__`, so nested configs round-trip. `extra` may hold only
what weights_only can read back (dict/list/tuple/str/int/float/bool/None/tensors); that is
checked before writing. Files are written to a temporary name and renamed into place.
`half=True` stores floating-point weights as float16 (shipped model folders: half the bytes);
loading copies them back into the float32 parameters. A tensor outside float16's range stays
float32.
"""

from __future__ import annotations

import os
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import nn

from deeptalk.model_integrity import check_checkpoint

CHECKPOINT_FORMAT = 1
_SCALARS = (str, int, float, bool, type(None))
_FLOAT16_MAX = 60000.0


def _half_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Float32 tensors as float16 where every value fits; other tensors unchanged."""
    out = {}
    for key, value in state.items():
        fits = value.is_floating_point() and value.dtype == torch.float32 and (
            value.numel() == 0 or float(value.detach().abs().max()) < _FLOAT16_MAX)
        out[key] = value.detach().to(torch.float16) if fits else value
    return out


class LoadedCheckpoint(NamedTuple):
    model: nn.Module  # in eval mode
    config: Any
    extra: dict[str, Any]


def _check_plain(value: Any, where: str) -> None:
    if isinstance(value, _SCALARS) or isinstance(value, torch.Tensor):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"{where}: dict keys must be str or int, got {type(key).__name__}")
            _check_plain(item, f"{where}[{key!r}]")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
        return
    raise TypeError(f"{where}: {type(value).__name__} cannot be stored in a weights-only checkpoint")


def save_checkpoint(path: str | Path, model: nn.Module, config: Any, extra: dict[str, Any] | None = None,
                    *, half: bool = False) -> Path:
    """Write model weights, its dataclass config and plain `extra` data to `path`."""
    if not is_dataclass(config) or isinstance(config, type):
        raise TypeError("config must be a dataclass instance")
    payload = {
        "format": CHECKPOINT_FORMAT,
        "model": type(model).__name__,
        "config_class": type(config).__name__,
        "config": asdict(config),
        "state_dict": _half_state(model.state_dict()) if half else model.state_dict(),
        "extra": dict(extra or {}),
    }
    _check_plain(payload["config"], "config")
    _check_plain(payload["extra"], "extra")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path, model_cls: type[nn.Module], config_cls: type,
                    map_location: str | torch.device = "cpu") -> LoadedCheckpoint:
    """Rebuild `model_cls(config_cls(**ckpt["config"]))`, load its weights strictly, return it in eval mode."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    ckpt = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(ckpt, dict) or "config" not in ckpt or "state_dict" not in ckpt:
        raise ValueError(f"{path} is not a deeptalk checkpoint (needs 'config' and 'state_dict')")
    stored = ckpt.get("model")
    if stored is not None and stored != model_cls.__name__:
        raise ValueError(f"{path} holds a {stored}, not a {model_cls.__name__}")
    config = config_cls(**ckpt["config"])
    check_checkpoint(path, model_cls, config, ckpt["state_dict"])  # sizes fit, weights finite: before allocating
    model = model_cls(config)
    model.load_state_dict(ckpt["state_dict"])
    model.to(map_location)
    return LoadedCheckpoint(model.eval(), config, dict(ckpt.get("extra") or {}))
