"""Official-format DEEPTalk checkpoints regenerated from `data/manifest.json` (its fill rule).

`write_official_checkpoints(folder, which)` writes plain state dicts in the official key order
under the official file names (`FER.pth`, `TH-VQVAE.pth`, `DEE.pth`, `DEEPTalk.pth`), checking
every tensor's sha256 against the manifest. Alias rows are the very tensor of the row they
alias, and the DEE / TH-VQVAE copies inside DEEPTalk.pth are the tensors of the standalone
files (same fill id), as in a real release. `data/README.md` states the rule.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Iterable

import numpy as np
import torch

DATA = Path(__file__).resolve().parent / "data"
FILES = {  # our short name -> official path in the manifest
    "FER.pth": "FER/checkpoint/best_model.pth",
    "TH-VQVAE.pth": "DEEPTalk/checkpoint/TH-VQVAE/TH-VQVAE.pth",
    "DEE.pth": "DEE/checkpoint/DEE.pth",
    "DEEPTalk.pth": "DEEPTalk/checkpoint/DEEPTalk/DEEPTalk.pth",
}
# kinds whose last bits depend on numpy's float32 exp (README: may differ on CPUs without AVX2)
EXP_KINDS = ("rvar", "count")


def load_manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))


def _noise(seed: int, fill_id: str, shape: tuple[int, ...]) -> np.ndarray:
    crc = zlib.crc32(fill_id.encode("utf-8")) & 0xFFFFFFFF
    rng = np.random.Generator(np.random.PCG64([seed, crc]))
    return np.asarray(rng.standard_normal(shape, dtype=np.float32), dtype=np.float32)


def _fan_in(shape: tuple[int, ...]) -> int:
    return math.prod(shape[1:]) if len(shape) >= 2 else shape[0]


def _sinusoid(shape: tuple[int, ...]) -> np.ndarray:
    _, length, dim = shape
    pos = torch.arange(length, dtype=torch.float32)[:, None]  # (L, 1)
    w = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * torch.tensor(-math.log(10000.0) / dim,
                                                                               dtype=torch.float32))  # (d/2,)
    angle = pos * w[None]  # (L, d/2)
    table = torch.zeros(1, length, dim, dtype=torch.float32)
    table[0, :, 0::2] = torch.sin(angle)
    table[0, :, 1::2] = torch.cos(angle)
    return table.numpy()


def _sinusoid_is_close(table: np.ndarray, atol: float = 1e-4) -> bool:
    """The sinusoid table within float32 sin/cos error of the exact one (float64 maths on the same
    float32 angles). The manifest's sha256 of it was written with torch's float32 kernels on one
    CPU; on others (seen: a Sapphire Rapids Xeon, every ATEN_CPU_CAPABILITY) the last bits of
    sin(a) for angles up to ~500 rad differ (max 3e-5 from the exact value)."""
    _, length, dim = table.shape
    w = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * torch.tensor(-math.log(10000.0) / dim,
                                                                               dtype=torch.float32))  # (d/2,)
    angle = (torch.arange(length, dtype=torch.float32)[:, None] * w[None]).double().numpy()  # (L, d/2)
    exact = np.zeros(table.shape)
    exact[0, :, 0::2], exact[0, :, 1::2] = np.sin(angle), np.cos(angle)
    return bool(np.abs(table - exact).max() <= atol)


def fill_value(seed: int, row: dict) -> np.ndarray:
    """The value of one manifest row by the fill rule (float32 arithmetic throughout)."""
    shape, kind = tuple(row["shape"]), row["kind"]
    f32 = np.float32
    if kind == "int":
        return np.zeros(shape, np.int64)
    if kind == "keep":
        return _sinusoid(shape)
    n = _noise(seed, row["fill_id"], shape)
    if kind == "weight":
        return n * f32(1.0 / math.sqrt(_fan_in(shape)))
    if kind == "weight_attn_out":
        return n * f32(0.25 / math.sqrt(_fan_in(shape)))
    if kind == "gain":
        return f32(1.0) + f32(0.1) * n
    if kind == "bias":
        return f32(0.02) * n
    if kind == "rmean":
        return f32(0.1) * n
    if kind in EXP_KINDS:
        return np.exp(f32(0.2) * n)
    if kind == "code":
        return n
    if kind == "embed":
        return f32(0.1) * n
    if kind == "scalar5":
        return f32(5.0) + f32(0.5) * n
    raise ValueError(f"unknown fill kind {kind!r}")


def sha256_of(value: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()


def _exp_is_exact_here() -> bool:
    """numpy's vectorised float32 exp (AVX2 / AVX-512) reproduces the manifest; others may not."""
    try:
        from numpy.core._multiarray_umath import __cpu_features__ as features  # numpy 1.x
    except ImportError:  # numpy 2.x
        from numpy._core._multiarray_umath import __cpu_features__ as features
    return bool(features.get("AVX2") or features.get("AVX512F"))


def write_official_checkpoints(folder: str | Path, which: Iterable[str] = tuple(FILES)) -> dict[str, Path]:
    """Write the named official files (keys of FILES) into `folder`; sha256-checked. -> name -> path."""
    manifest = load_manifest()
    seed = int(manifest["seed"])
    strict_exp = _exp_is_exact_here()
    cache: dict[str, torch.Tensor] = {}  # fill id -> tensor (shared across files, as in a release)
    out: dict[str, Path] = {}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in which:
        rows = manifest["checkpoints"][FILES[name]]
        state: OrderedDict[str, torch.Tensor] = OrderedDict()
        for row in rows:
            if "alias_of" in row:
                state[row["key"]] = state[row["alias_of"]]
                continue
            tensor = cache.get(row["fill_id"])
            if tensor is None:
                value = fill_value(seed, row)
                digest = sha256_of(value)
                tolerated = (not strict_exp and row["kind"] in EXP_KINDS) or (
                    row["kind"] == "keep" and _sinusoid_is_close(value))
                if digest != row["sha256"] and not tolerated:
                    raise AssertionError(f"{name}: {row['key']}: sha256 {digest} != manifest {row['sha256']}")
                tensor = torch.from_numpy(value)
                cache[row["fill_id"]] = tensor
            if list(tensor.shape) != list(row["shape"]):
                raise AssertionError(f"{name}: {row['key']}: shape {list(tensor.shape)} != {row['shape']}")
            state[row["key"]] = tensor
        path = folder / name
        torch.save(state, path)
        out[name] = path
        del state
    cache.clear()
    return out
