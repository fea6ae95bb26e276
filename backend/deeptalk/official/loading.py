"""Reading one official checkpoint safely: weights only, one clear error naming the file.

`read_official(path, slot)` returns the plain state dict (key -> tensor) of an official
DEEPTalk file, or raises `ConvertError` with one sentence that names the file, what is wrong
and what to do: missing or truncated files, pickles carrying code (refused by
`torch.load(weights_only=True)`), files that are no state dict, and a file of another kind
than its slot (DEE.pth passed as --generator) or of no official kind at all.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from deeptalk.official.rename_tables import SIGNATURES

log = logging.getLogger(__name__)

SLOT_FLAGS = {"generator": "--generator", "dee": "--dee", "thvqvae": "--thvqvae", "fer": "--fer"}
SLOT_FILES = {"generator": "DEEPTalk.pth", "dee": "DEE.pth", "thvqvae": "TH-VQVAE.pth", "fer": "FER best_model.pth"}


class ConvertError(ValueError):
    """An input that cannot be converted; the message names the file and what to do."""


def _first(keys: list[str], n: int = 3) -> str:
    return ", ".join(keys[:n]) + (f" (+{len(keys) - n} more)" if len(keys) > n else "")


def read_official(path: str | Path, slot: str) -> dict[str, torch.Tensor]:
    """The state dict of the official file for `slot` (generator, dee, thvqvae, fer)."""
    path = Path(path)
    flag, expected = SLOT_FLAGS[slot], SLOT_FILES[slot]
    if not path.is_file():
        raise ConvertError(f"{path}: no such file ({flag} expects the official {expected})")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError, RuntimeError (truncated zip), EOFError ...
        log.debug("torch.load(%s) failed", path, exc_info=True)
        text = str(exc)
        if "Weights only load failed" in text or "weights_only" in text:
            raise ConvertError(f"{path}: refused: the file carries pickled code or objects beyond plain tensors "
                               f"(loaded with weights_only=True); use the official {expected} as downloaded") from None
        detail = text.splitlines()[0][:200] if text else type(exc).__name__
        raise ConvertError(f"{path}: not a readable torch checkpoint ({detail}); the file may be truncated, "
                           f"download {expected} again") from None
    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]  # a training wrapper around the same state dict
    if not isinstance(data, dict) or not data or not all(isinstance(k, str) for k in data):
        raise ConvertError(f"{path}: not a state dict (a mapping of names to tensors); {flag} expects the "
                           f"official {expected}")
    bad = [k for k, v in data.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise ConvertError(f"{path}: entries that are not tensors: {_first(bad)}; {flag} expects the official "
                           f"{expected}")
    _check_kind(path, slot, data)
    return data


def _check_kind(path: Path, slot: str, state: dict[str, torch.Tensor]) -> None:
    if SIGNATURES[slot] in state:
        return
    for other, key in SIGNATURES.items():
        if key in state:
            raise ConvertError(f"{path}: this is the official {SLOT_FILES[other]} (it has {key}), not "
                               f"{SLOT_FILES[slot]}; pass it as {SLOT_FLAGS[other]}")
    raise ConvertError(f"{path}: not an official DEEPTalk checkpoint (no {SIGNATURES[slot]}; its first keys: "
                       f"{_first(list(state))}); {SLOT_FLAGS[slot]} expects the official {SLOT_FILES[slot]}")
