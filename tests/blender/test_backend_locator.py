"""The add-on finds the backend source and loads its stdlib-only modules (one schema)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blender_addon import backend_locator

REPO = Path(__file__).resolve().parents[2]


def test_repository_layout_is_found():
    assert backend_locator.backend_dir() == REPO / "backend"
    assert backend_locator.assets_dir() == REPO / "assets"
    assert backend_locator.project_venv_python() == REPO / ".venv" / "bin" / "python"


def test_protocol_is_the_backends_own_file():
    protocol = backend_locator.protocol()
    assert Path(protocol.__file__) == REPO / "backend" / "deeptalk" / "protocol.py"
    assert protocol is backend_locator.protocol()  # loaded once
    line = protocol.encode(protocol.HelloRequest(id="a"))
    assert protocol.decode_request(line) == protocol.HelloRequest(id="a")
    assert "torch" not in protocol.__dict__


def test_only_stdlib_modules_may_be_loaded():
    with pytest.raises(ValueError, match="not a backend module"):
        backend_locator.load_backend_module("pipeline")


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPTALK_BACKEND_DIR", str(tmp_path))
    with pytest.raises(backend_locator.BackendNotFound):
        backend_locator.backend_dir()
    monkeypatch.setenv("DEEPTALK_BACKEND_DIR", str(REPO / "backend"))
    monkeypatch.setenv("DEEPTALK_MODEL_DIR", str(tmp_path / "model"))
    monkeypatch.setenv("DEEPTALK_PYTHON", "/opt/python")
    assert backend_locator.default_model_dir() == tmp_path / "model"
    assert backend_locator.default_python(None) == Path("/opt/python")


def test_the_stand_in_follows_the_models_basis(monkeypatch, tmp_path):
    monkeypatch.delenv("DEEPTALK_ASSETS", raising=False)
    assets = REPO / "assets"
    assert backend_locator.standin_flame_file("standin-v1") == assets / "flame" / "standin" / "standin.npz"
    assert backend_locator.standin_flame_file("standin-v2") == assets / "flame" / "standin-v2" / "standin.npz"
    assert backend_locator.standin_flame_file("flame2020") == assets / "flame" / "standin" / "standin.npz"
    embedded = backend_locator.model_flame_basis()  # the committed default model's manifest
    assert backend_locator.standin_flame_file() == backend_locator.standin_flame_file(embedded)
    assert backend_locator.standin_flame_file().is_file()
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "manifest.json").write_text('{"model_id": "m", "flame_basis": "standin-v2"}')
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text('{"model_id": "m"}')  # written before the basis was recorded
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    assert backend_locator.model_flame_basis(v2) == "standin-v2"
    assert [backend_locator.model_flame_basis(p) for p in (old, broken, tmp_path / "missing")] == ["standin-v1"] * 3
    monkeypatch.setenv("DEEPTALK_MODEL_DIR", str(v2))
    assert backend_locator.standin_flame_file() == assets / "flame" / "standin-v2" / "standin.npz"
