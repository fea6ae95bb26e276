"""Is a model folder intact? Checksums of its files, finite weights, configs that fit their weights.

- `weight_hashes(root, names)` is the one function every manifest writer calls (model_dir
  builders, the training recipe, converters): `{file name: sha256 hex}`, stored in
  `manifest.json` under `"sha256"`. `verify_sha256` checks one file against it at load; a
  manifest without hashes still loads (logged once per file).
- `check_checkpoint(path, model_cls, config, state_dict)` runs after `torch.load` and
  before the model is built: the config must not ask for more weights than the file holds
  (the model is first built on torch's "meta" device, which allocates nothing, so an absurd
  `model_dim` or codebook size is refused in milliseconds instead of allocating gigabytes),
  and every floating-point weight must be finite.
Every problem raises `ModelIntegrityError` naming the file and what to do.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from deeptalk.finite import describe, non_finite

log = logging.getLogger(__name__)

HASH_KEY = "sha256"
MAX_CONFIG_INT = 1 << 20  # fallback bound on any one config integer (sizes, layers, codes)
MAX_ELEMENTS = 4_000_000_000  # weights one network may ask for (16 GB at float32): far beyond any preset
_HEX = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class ModelIntegrityError(ValueError):
    """A model file that was changed, damaged or describes an impossible network."""


def file_sha256(path: str | Path) -> str:
    """The sha256 hex digest of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def weight_hashes(root: str | Path, names: Iterable[str]) -> dict[str, str]:
    """`{name: sha256}` of the files `names` inside `root` (what manifests record under "sha256")."""
    return {name: file_sha256(Path(root) / name) for name in sorted(set(names))}


def valid_hashes(value: Any) -> bool:
    """True for a manifest "sha256" value: an object of file name -> 64 lower-case hex digits."""
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) and _HEX.fullmatch(v)
                                           for k, v in value.items())


def verify_sha256(path: str | Path, expected: Mapping[str, str]) -> None:
    """Check `path` against `expected[path.name]`; log (not fail) when no hash is recorded."""
    path = Path(path)
    recorded = expected.get(path.name)
    if recorded is None:
        log.info("%s: no sha256 recorded in manifest.json; loading it unchecked", path)
        return
    actual = file_sha256(path)
    if actual != recorded:
        raise ModelIntegrityError(
            f"{path}: its contents differ from the model's manifest.json (sha256 {actual[:12]}... instead of "
            f"{recorded[:12]}...), so it was changed or swapped for another model's file; restore the model "
            f"folder from its source (or rebuild it with `deeptalk train`)")


def _elements(state: Mapping[str, Any]) -> int:
    return sum(int(value.numel()) for value in state.values() if hasattr(value, "numel"))


def _bound_config_ints(path: str | Path, config: Mapping[str, Any], where: str = "config") -> None:
    """Fallback size check: no integer in the config beyond MAX_CONFIG_INT."""
    for key, value in config.items():
        if isinstance(value, Mapping):
            _bound_config_ints(path, value, f"{where}.{key}")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_CONFIG_INT:
            raise ModelIntegrityError(f"{path}: {where}.{key} = {value:,} is beyond any real network "
                                      f"(the limit is {MAX_CONFIG_INT:,}); the file is damaged")


def check_checkpoint(path: str | Path, model_cls: type, config: Any, state_dict: Any) -> None:
    """Refuse a checkpoint whose config does not fit its weights or whose weights are not finite.

    Call between `torch.load` and `model_cls(config)`: nothing real is allocated here.
    """
    import torch

    if not isinstance(state_dict, Mapping) or not all(isinstance(k, str) for k in state_dict):
        raise ModelIntegrityError(f"{path}: its 'state_dict' is not a mapping of names to tensors")
    held = _elements(state_dict)
    try:
        with torch.device("meta"):
            skeleton = model_cls(config)
        wanted = _elements(skeleton.state_dict())
    except (RuntimeError, NotImplementedError) as exc:
        if "meta" not in str(exc):
            raise ModelIntegrityError(f"{path}: its config describes a network that cannot be built "
                                      f"({type(exc).__name__}: {str(exc)[:200]})") from None
        log.info("%s: %s cannot be built on the meta device (%s); bounding its config sizes instead",
                 path, model_cls.__name__, exc)
        _bound_config_ints(path, asdict(config) if is_dataclass(config) else {})
        wanted = 0
    except (ValueError, TypeError, OverflowError, MemoryError) as exc:
        raise ModelIntegrityError(f"{path}: its config describes a network that cannot be built "
                                  f"({type(exc).__name__}: {str(exc)[:200]})") from None
    if wanted > MAX_ELEMENTS or wanted > held:
        raise ModelIntegrityError(
            f"{path}: its config asks for {wanted:,} weights but the file holds {held:,} "
            f"(the config sizes are damaged or absurd); nothing was allocated")
    bad = non_finite(state_dict.items())
    if bad:
        raise ModelIntegrityError(f"{path}: weights hold NaN or infinite values in {describe(bad)}; "
                                  f"the file is damaged")
