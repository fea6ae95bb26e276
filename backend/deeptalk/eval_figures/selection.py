"""What `deeptalk eval` measures on: the head of the model's basis, and which clips.

The head: `--flame` when given, else the stand-in of the model's `flame_basis` (a FLAME 2020
model needs the user's FLAME file). Clips: the split's clips of one engine (or all), taken
round-robin over engines so a `--max-clips` subset still holds every engine; `spread` picks
a few clips evenly over a list (voices, emotions and engines vary along it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from deeptalk.flame.basis import STANDIN_V1, STANDIN_V2

T = TypeVar("T")
STANDIN_OF_BASIS = {STANDIN_V1: "standin", STANDIN_V2: "standin-v2"}


def head_for_basis(flame_basis: str, flame: str | None = None) -> str:
    """The FLAME file (or stand-in name) to pose this model's motion with."""
    if flame:
        return flame
    if flame_basis in STANDIN_OF_BASIS:
        return STANDIN_OF_BASIS[flame_basis]
    raise ValueError(f"this model speaks the {flame_basis} expression basis and there is no stand-in for it; "
                     "pass the FLAME model it was trained with as --flame PATH")


def round_robin(items: Sequence[T], groups: Sequence[str], limit: int | None) -> list[int]:
    """Indices of up to `limit` items, alternating between groups (each group in its order)."""
    queues: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        queues.setdefault(group, []).append(i)
    order: list[int] = []
    while any(queues.values()):
        for queue in queues.values():
            if queue:
                order.append(queue.pop(0))
    return order[:limit] if limit is not None else order


def spread(items: Sequence[T], count: int) -> list[int]:
    """Indices of `count` items spaced evenly over the list (all of them when it is shorter)."""
    n = len(items)
    if count >= n:
        return list(range(n))
    return sorted({int(round(k * (n - 1) / max(1, count - 1))) for k in range(count)}) if count > 1 else [0]
