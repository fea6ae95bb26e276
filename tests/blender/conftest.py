"""bpy test fixtures: private Blender user folder, the add-on enabled, an empty file per test.

BLENDER_USER_RESOURCES must point at a temp folder before bpy is first imported; the
suite-wide tests/conftest.py sets it, and this file sets it too when run on its own.

Between tests the file is reset with `read_homefile(use_empty=True,
use_factory_startup=True)`: the same empty factory file `read_factory_settings` gives,
but without unregistering add-ons — so the add-on's backend process (several seconds
to start) stays warm across the end-to-end tests. The add-on's preferences are reset to
their defaults too. `test_registration.py` covers register/unregister itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="deeptalk-blender-user-"))

from pathlib import Path  # noqa: E402

import bpy  # noqa: E402  (first: it puts Blender's script modules on the path)
import addon_utils  # noqa: E402
import pytest  # noqa: E402

from blender_addon import backend_locator  # noqa: E402

from . import synthetic  # noqa: E402

ADDON = "blender_addon"


def enable_addon() -> None:
    """Factory settings, then the add-on enabled through Blender's add-on system."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    addon_utils.enable(ADDON, default_set=True, handle_error=_raise)
    assert ADDON in bpy.context.preferences.addons


def addon_preferences():
    return bpy.context.preferences.addons[ADDON].preferences


@pytest.fixture(autouse=True)
def fresh_blender():
    """Every test starts from an empty factory file with the add-on enabled, default preferences."""
    if ADDON not in bpy.context.preferences.addons or not hasattr(bpy.types.Scene, "deeptalk"):
        enable_addon()
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    prefs = addon_preferences()
    for name in ("python_path", "device", "model_dir", "flame_file", "max_audio_minutes", "wheel_folder"):
        prefs.property_unset(name)
    yield


def pytest_collection_modifyitems(config, items) -> None:
    """`needs_audio` tests need sound strips, which a bpy built without Audaspace cannot make.

    Every bpy 4.2 wheel on PyPI is such a build (Blender 4.2 itself plays sound); the same
    tests run on the other Blender releases of the matrix, and the 4.2 matrix entry still
    animates through the real backend and bakes without a strip (test_animate_results.py).
    """
    if bpy.app.build_options.audaspace:
        return
    skip = pytest.mark.skip(reason=f"bpy {bpy.app.version_string} is built without Audaspace: no sound strips")
    for item in items:
        if "needs_audio" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus) -> None:
    """Keep the exit status for pytest_unconfigure; disable the add-on (its backend stops) and the
    format add-ons the tests enabled."""
    session.config._deeptalk_exitstatus = int(exitstatus)
    for module in (ADDON, "io_scene_fbx", "io_scene_gltf2"):
        if module in bpy.context.preferences.addons:
            addon_utils.disable(module, default_set=True)


def pytest_unconfigure(config) -> None:
    """End the process once pytest has reported, skipping the bpy module's own teardown: bpy 4.2 with
    the glTF add-on loaded segfaults there (exit -11 after every test passed). Python's atexit
    handlers (the add-on's backend shutdown and scratch cleanup among them) still run first."""
    import atexit

    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(getattr(config, "_deeptalk_exitstatus", 0))


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


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """The committed default model when present, else a real untrained tiny model built now."""
    default = backend_locator.default_model_dir()
    if (default / "manifest.json").is_file():
        return default
    target = tmp_path_factory.mktemp("model") / "untrained"
    python = backend_locator.default_python(None) or Path(sys.executable)  # the backend's (torch) Python
    subprocess.run([str(python), "-c", "import sys; from deeptalk.model_dir import build_untrained_model_dir; "
                    "build_untrained_model_dir(sys.argv[1])", str(target)], check=True, timeout=300,
                   env={**os.environ, "PYTHONPATH": str(backend_locator.backend_dir())})
    return target


@pytest.fixture
def backend(model_dir):
    """Point the add-on preferences at the test model on the CPU (the backend starts on first use)."""
    prefs = addon_preferences()
    prefs.model_dir = str(model_dir)
    prefs.device = "cpu"
    return prefs
