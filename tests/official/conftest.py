"""Fixtures: official-format checkpoints regenerated from the manifest, and their conversion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.official.official_files import DATA, write_official_checkpoints


@pytest.fixture(scope="session")
def golden_inputs() -> dict[str, np.ndarray]:
    with np.load(DATA / "oracle_inputs.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="session")
def golden_outputs() -> dict[str, np.ndarray]:
    with np.load(DATA / "oracle_outputs.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="session")
def small_official_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """FER.pth and TH-VQVAE.pth (18 MB): for the bad-input tests that do not need DEEPTalk.pth."""
    return write_official_checkpoints(tmp_path_factory.mktemp("official-small"), ("FER.pth", "TH-VQVAE.pth"))


@pytest.fixture(scope="session")
def converted_official(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """All four official files regenerated (1.8 GB, deleted again) and converted: (model dir, report)."""
    import torch

    from deeptalk.official.convert import convert_official

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    src = tmp_path_factory.mktemp("official-src")
    try:
        files = write_official_checkpoints(src)
        out = tmp_path_factory.mktemp("official-model") / "model"
        report = convert_official(files["DEEPTalk.pth"], out, dee=files["DEE.pth"], thvqvae=files["TH-VQVAE.pth"],
                                  fer=files["FER.pth"])
    finally:
        for path in src.iterdir():
            path.unlink()
        torch.set_num_threads(before)
    return out, report
