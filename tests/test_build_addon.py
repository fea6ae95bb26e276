"""The extension zip: contents, manifest, and a real install + enable in the bpy module."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

import build_addon

ROOT = Path(build_addon.__file__).resolve().parent


@pytest.fixture(scope="module")
def extension_zip(tmp_path_factory) -> Path:
    return build_addon.build_extension_zip(tmp_path_factory.mktemp("dist"))


def test_zip_layout(extension_zip):
    names = set(zipfile.ZipFile(extension_zip).namelist())
    assert {"blender_manifest.toml", "__init__.py", "backend/pyproject.toml",
            "backend/deeptalk/protocol.py", "backend/deeptalk/cli.py"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "assets/audio/demo_line.wav" in names
    for head in ("standin", "standin-v2"):  # v2 (the default head) and v1 (older rigs, ARKit reference)
        assert {f"assets/flame/{head}/standin.npz", f"assets/flame/{head}/FLAME_NEUTRAL.npz"} <= names


def test_zip_holds_the_head_of_the_embedded_models_basis(extension_zip):
    from blender_addon import backend_locator

    archive = zipfile.ZipFile(extension_zip)
    names = set(archive.namelist())
    assert "assets/models/default/manifest.json" in names
    basis = json.loads(archive.read("assets/models/default/manifest.json")).get("flame_basis", "standin-v1")
    assert f"assets/flame/{backend_locator.STANDIN_FOLDERS[basis]}/standin.npz" in names
    assert extension_zip.stat().st_size < 40e6  # model + two heads + backend source stay small


def test_manifest_is_valid_and_declares_its_permissions(extension_zip):
    manifest = tomllib.loads(zipfile.ZipFile(extension_zip).read("blender_manifest.toml").decode())
    assert manifest["schema_version"] == "1.0.0"
    assert manifest["blender_version_min"] == "4.2.0"
    assert manifest["type"] == "add-on" and manifest["id"] == "deeptalk"
    assert set(manifest["permissions"]) == {"files", "network"}  # network: Set up Backend's downloads
    assert "package index" in manifest["permissions"]["network"]
    assert all(len(reason) <= 64 and not reason.endswith(".") for reason in manifest["permissions"].values())
    assert len(manifest["tagline"]) <= 64 and not manifest["tagline"].endswith(".")


def test_zip_installs_and_enables_in_blender(extension_zip, tmp_path):
    """Install through Blender's own extension operator in a fresh bpy process."""
    script = textwrap.dedent(f"""
        import bpy, sys
        result = bpy.ops.extensions.package_install_files(
            filepath={str(extension_zip)!r}, repo="user_default", enable_on_install=True)
        assert result == {{"FINISHED"}}, result
        module = "bl_ext.user_default.deeptalk"
        assert module in bpy.context.preferences.addons, list(bpy.context.preferences.addons.keys())
        import importlib
        addon = importlib.import_module(module)
        assert hasattr(addon, "register") and hasattr(addon, "unregister")
        print("INSTALLED-OK", module)
    """)
    env = {"BLENDER_USER_RESOURCES": str(tmp_path / "user"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "INSTALLED-OK bl_ext.user_default.deeptalk" in proc.stdout
