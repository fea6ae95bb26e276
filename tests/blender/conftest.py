"""bpy test fixtures: private Blender user folder, the add-on enabled on a factory-fresh file.

BLENDER_USER_RESOURCES must point at a temp folder before bpy is first imported; the
suite-wide tests/conftest.py sets it, and this file sets it too when run on its own.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="deeptalk-blender-user-"))

from pathlib import Path  # noqa: E402

import bpy  # noqa: E402  (first: it puts Blender's script modules on the path)
import addon_utils  # noqa: E402
import pytest  # noqa: E402

from . import synthetic  # noqa: E402

ADDON = "blender_addon"


@pytest.fixture(autouse=True)
def fresh_blender():
    """Every test starts from an empty factory file with the add-on enabled."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    addon_utils.enable(ADDON, default_set=True, handle_error=_raise)
    assert ADDON in bpy.context.preferences.addons
    yield
    addon_utils.disable(ADDON, default_set=True, handle_error=_raise)


def _raise(exc: BaseException) -> None:
    raise exc


@pytest.fixture(scope="session")
def flame_npz(tmp_path_factory) -> Path:
    """A small synthetic FLAME-format model (converted npz layout)."""
    return synthetic.make_flame_npz(tmp_path_factory.mktemp("flame") / "synthetic_flame.npz")


@pytest.fixture
def rig(flame_npz):
    """The FLAME rig built through the Add FLAME Head operator."""
    assert bpy.ops.deeptalk.add_flame_head(filepath=str(flame_npz)) == {"FINISHED"}
    obj = bpy.context.scene.deeptalk.rig
    assert obj is not None
    return obj
