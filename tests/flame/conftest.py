"""Fixtures: a small FLAME-format pickle and the committed stand-in head."""

from __future__ import annotations

from pathlib import Path

import pytest

from .synthetic_flame import dump_with_fake_chumpy, tiny_flame_dict


@pytest.fixture
def tiny_flame_pickle(tmp_path: Path) -> Path:
    path = tmp_path / "generic_model.pkl"
    path.write_bytes(dump_with_fake_chumpy(tiny_flame_dict()))
    return path


@pytest.fixture(scope="session")
def standin():
    from deeptalk.flame.standin import standin_model

    return standin_model()


@pytest.fixture(scope="session")
def standin_layer(standin):
    from deeptalk.flame.layer import FlameLayer

    return FlameLayer(standin)
