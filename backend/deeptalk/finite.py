"""Finiteness checks at the boundaries: arrays and tensors with NaN or infinity never pass silently.

`non_finite(named)` lists the names (with a count) of the arrays or tensors holding a NaN
or an infinity; `require_finite(what, named)` raises `NonFiniteError` naming them. Used on
model weights as they load, on a result before it is written, and on reply values. Works
on numpy arrays, torch tensors (checked on their own device, no copy to the CPU), and
plain numbers; integer and boolean data are always finite.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

_SHOWN = 5  # names listed in one message


class NonFiniteError(ValueError):
    """Data that holds NaN or infinite values; the message names which."""


def _bad_count(value: Any) -> int:
    if isinstance(value, (int, bool)):
        return 0
    if isinstance(value, float):
        return 0 if math.isfinite(value) else 1
    if hasattr(value, "is_floating_point") and hasattr(value, "isfinite"):  # a torch tensor
        if not value.is_floating_point() and not value.is_complex():
            return 0
        return int((~value.detach().isfinite()).sum())
    array = np.asarray(value)
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.complexfloating)):
        return 0
    return int(array.size - np.count_nonzero(np.isfinite(array)))


def non_finite(named: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> list[str]:
    """`["name (k values)", ...]` for every item holding NaN or infinity."""
    items = named.items() if isinstance(named, Mapping) else named
    found = []
    for name, value in items:
        bad = _bad_count(value)
        if bad:
            found.append(f"{name} ({bad} value{'s' if bad != 1 else ''})")
    return found


def describe(found: list[str]) -> str:
    """The first few names of a `non_finite` list, and how many more."""
    shown = ", ".join(found[:_SHOWN])
    return shown + (f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else "")


def require_finite(what: str, named: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
    """Raise NonFiniteError("<what> holds NaN or infinite values in <names>") when any item does."""
    found = non_finite(named)
    if found:
        raise NonFiniteError(f"{what} holds NaN or infinite values in {describe(found)}")
