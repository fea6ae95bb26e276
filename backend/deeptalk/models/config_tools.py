"""Helpers for frozen dataclass configs that round-trip through `asdict` and checkpoints.

`asdict` turns nested configs into dicts and keeps tuples; JSON turns tuples into lists.
Configs call these in `__post_init__` so `Config(**asdict(cfg)) == cfg` from either source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

C = TypeVar("C")


def require(condition: bool, message: str) -> None:
    """Raise ValueError(message) unless condition holds."""
    if not condition:
        raise ValueError(message)


def nested_config(cls: type[C], value: C | Mapping[str, Any]) -> C:
    """`value` as a `cls` instance: pass instances through, build from a (stored) dict."""
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(value) - known)
        require(not unknown, f"{cls.__name__}: unknown field(s) {', '.join(unknown)}")
        return cls(**value)
    raise TypeError(f"expected {cls.__name__} or a dict, got {type(value).__name__}")


def int_tuple(value: Any, name: str) -> tuple[int, ...]:
    """A tuple of ints from a tuple or list (JSON gives lists); reject anything else."""
    require(isinstance(value, (tuple, list)), f"{name} must be a tuple of ints")
    items = tuple(value)
    require(all(isinstance(v, int) and not isinstance(v, bool) for v in items), f"{name} must hold ints")
    return items


def set_field(config: Any, name: str, value: Any) -> None:
    """Assign inside `__post_init__` of a frozen dataclass (normalisation only)."""
    assert is_dataclass(config)
    object.__setattr__(config, name, value)
