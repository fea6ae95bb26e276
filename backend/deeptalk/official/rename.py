"""Apply the rename tables (`rename_tables`) to an official state dict: our names, checked.

`rename_section(state, prefix, network, path)` takes the keys of `state` under `prefix`,
applies `RULES[network]` (first matching rule per key) and returns the renamed tensors plus
what was dropped and why. A key no rule matches, a failed alias or sinusoid check, or a
NaN / Inf value is a `ConvertError` naming the file and the first offending keys.
`match_target(...)` then lines the result up with a live network's state dict: the
weight-norm names of old and new torch, missing / unexpected keys, shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch

from deeptalk.models.positional import sinusoidal_table
from deeptalk.official.loading import ConvertError, _first
from deeptalk.official.rename_tables import RULES, TARGET_DEFAULTS, WEIGHT_NORM_NAMES

_SHIFT = re.compile(r"\{(\w+)([+-]\d+)\}")


@dataclass
class Renamed:
    tensors: dict[str, torch.Tensor] = field(default_factory=dict)  # our key -> tensor
    dropped: dict[str, str] = field(default_factory=dict)           # source key -> why
    sources: dict[str, str] = field(default_factory=dict)           # our key -> source key


def _format(template: str, groups: dict[str, str]) -> str:
    template = _SHIFT.sub(lambda m: str(int(groups[m.group(1)]) + int(m.group(2))), template)
    return template.replace("{qkv}", "{{qkv}}").format(**groups)


def _compiled(network: str) -> list[tuple[re.Pattern[str], str, str]]:
    return [(re.compile(p), t, op) for p, t, op in RULES[network]]


def rename_section(state: dict[str, torch.Tensor], prefix: str, network: str, path: object,
                   claimed: set[str] | None = None) -> Renamed:
    """Rename the keys of `state` starting with `prefix` (minus those in `claimed`) for `network`."""
    rules = _compiled(network)
    out = Renamed()
    unmatched: list[str] = []
    for key, value in state.items():
        if not key.startswith(prefix) or (claimed is not None and key in claimed):
            continue
        if claimed is not None:
            claimed.add(key)
        local = key[len(prefix):]
        for pattern, template, op in rules:
            m = pattern.fullmatch(local)
            if m is None:
                continue
            groups = {k: v for k, v in m.groupdict().items() if v is not None}
            _apply(out, key, value, _format(template, groups) if op not in ("drop", "sinusoid") else template,
                   op, state, path)
            break
        else:
            unmatched.append(key)
    if unmatched:
        raise ConvertError(f"{path}: keys no conversion rule knows: {_first(unmatched)}; this is not an official "
                           f"{network} checkpoint of the supported release (or it was modified)")
    bad = [k for k, v in out.tensors.items() if v.is_floating_point() and not _finite(v)]
    if bad:
        raise ConvertError(f"{path}: NaN or infinite values in {_first([out.sources[k] for k in bad])}; the file "
                           f"is damaged, download it again")
    return out


def _finite(value: torch.Tensor) -> bool:
    """All values finite (a NaN / Inf makes the sum non-finite; the exact test runs only then)."""
    return bool(torch.isfinite(value.sum())) or bool(torch.isfinite(value).all())


def _apply(out: Renamed, key: str, value: torch.Tensor, target: str, op: str,
           state: dict[str, torch.Tensor], path: object) -> None:
    if op == "copy":
        out.tensors[target] = value
        out.sources[target] = key
    elif op == "qkv":
        if value.shape[0] % 3:
            raise ConvertError(f"{path}: {key} has shape {list(value.shape)}, not a fused q/k/v tensor")
        for name, part in zip(("q", "k", "v"), value.chunk(3, dim=0)):
            out.tensors[target.replace("{qkv}", name)] = part.contiguous()
            out.sources[target.replace("{qkv}", name)] = key
    elif op == "scalar":
        if value.numel() != 1:
            raise ConvertError(f"{path}: {key} has shape {list(value.shape)}, expected one value")
        out.tensors[target] = value.reshape(())
        out.sources[target] = key
    elif op == "alias":
        other = state.get(target)
        if other is None or other.shape != value.shape or not torch.equal(other, value):
            raise ConvertError(f"{path}: {key} should be the same tensor as {target} but differs; the file was "
                               f"modified, download it again")
        out.dropped[key] = f"alias of {target}"
    elif op == "sinusoid":
        if value.dim() != 3 or value.shape[0] != 1:
            raise ConvertError(f"{path}: {key} has shape {list(value.shape)}, expected a (1, L, d) table")
        table = sinusoidal_table(value.shape[1], value.shape[2])[None]
        if not torch.allclose(value.float(), table, atol=1e-4):
            raise ConvertError(f"{path}: {key} is not the sinusoid position table; the file was modified")
        out.dropped[key] = target
    elif op == "drop":
        out.dropped[key] = target
    else:
        raise AssertionError(f"unknown op {op!r}")


def match_target(renamed: Renamed, target_state: dict[str, torch.Tensor], network: str,
                 path: object) -> dict[str, torch.Tensor]:
    """A complete state dict for a live network: names fixed, defaults filled, shapes checked."""
    tensors = dict(renamed.tensors)
    for old, new in WEIGHT_NORM_NAMES:  # torch < 2.1 names <-> parametrizations
        for key in [k for k in tensors if k.endswith("." + old) or k.endswith("." + new)]:
            stem, _, last = key.rpartition(".")
            if key in target_state:
                continue
            if last == old and key[: -len(old)] + new in target_state:
                tensors[key[: -len(old)] + new] = tensors.pop(key)
            elif key.endswith(new) and key[: -len(new)] + old in target_state:
                tensors[key[: -len(new)] + old] = tensors.pop(key)
    for (net, key), kind in TARGET_DEFAULTS.items():
        if net == network and key in target_state and key not in tensors:
            ref = target_state[key]
            tensors[key] = {"true": torch.ones_like(ref), "zeros": torch.zeros_like(ref),
                            "ones": torch.ones_like(ref)}[kind]
    missing = [k for k in target_state if k not in tensors]
    extra = [k for k in tensors if k not in target_state]
    if missing:
        raise ConvertError(f"{path}: missing tensors for {network}: {_first(missing)}; the file is incomplete or "
                           f"from another release")
    if extra:
        raise ConvertError(f"{path}: tensors the {network} network has no place for: "
                           f"{_first([renamed.sources.get(k, k) for k in extra])}")
    wrong = [f"{renamed.sources.get(k, k)} {list(v.shape)} (expected {list(target_state[k].shape)})"
             for k, v in tensors.items() if v.shape != target_state[k].shape]
    if wrong:
        raise ConvertError(f"{path}: wrong shapes: {_first(wrong, 2)}; the file is from another release or "
                           f"was modified")
    return {k: tensors[k].to(target_state[k].dtype) for k in target_state}
