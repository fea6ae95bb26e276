"""Add-on preferences (backend Python, device, model folder, FLAME file) and their resolution.

Empty fields mean "default": the project `.venv` when the add-on runs from a checkout,
else the environment "Set up backend" creates; the embedded default model; the
stand-in head in the basis of the model in use (its manifest's `flame_basis`). Environment
variables `DEEPTALK_PYTHON`, `DEEPTALK_MODEL_DIR` and `DEEPTALK_DEVICE` fill in when the
preferences are unavailable or empty (farms, CI).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import bpy

from . import backend_locator
from .client import BackendSettings

ADDON_ID = __package__
DEVICE_ITEMS = [
    ("auto", "Auto", "CUDA, then Apple MPS, then CPU"),
    ("cpu", "CPU", "Always the CPU"),
    ("cuda", "CUDA", "An NVIDIA GPU"),
    ("mps", "Apple MPS", "Apple silicon GPU"),
]


class DEEPTALK_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    python_path: bpy.props.StringProperty(
        name="Backend Python", subtype="FILE_PATH",
        description="Python with the DEEPTalk backend's dependencies (empty: project .venv or the "
                    "environment made by 'Set up backend')")
    device: bpy.props.EnumProperty(name="Device", items=DEVICE_ITEMS, default="auto")
    model_dir: bpy.props.StringProperty(
        name="Model Folder", subtype="DIR_PATH",
        description="Folder with manifest.json and the networks (empty: the embedded default model)")
    flame_file: bpy.props.StringProperty(
        name="FLAME Model", subtype="FILE_PATH",
        description="Your FLAME model (.pkl, or a converted .npz); empty: the bundled stand-in head "
                    "in the model's basis")
    wheel_folder: bpy.props.StringProperty(
        name="Wheel Folder", subtype="DIR_PATH",
        description="Set up Backend without internet: a folder of wheels (torch, numpy, ... fetched with "
                    "`pip download` elsewhere) installed with --no-index --find-links; empty: the package index")
    max_audio_minutes: bpy.props.FloatProperty(
        name="Longest Strip (minutes)", default=30.0, min=0.1, soft_max=120.0,
        description="The backend refuses longer audio with a clear message instead of running out of memory")

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        layout.prop(self, "python_path")
        python = resolved_python(context)
        layout.label(text=f"Using: {python}" if python else "No backend Python yet: set one or set up the backend",
                     icon="CHECKMARK" if python else "ERROR")
        layout.prop(self, "wheel_folder")
        row = layout.row()
        row.operator("deeptalk.setup_backend", icon="CONSOLE")
        status = context.window_manager.deeptalk_status
        if status.setup_running:
            layout.progress(factor=status.setup_fraction, text=status.setup_stage)
        elif status.setup_message:
            layout.label(text=status.setup_message)
        layout.prop(self, "device")
        layout.prop(self, "model_dir")
        layout.prop(self, "flame_file")
        layout.prop(self, "max_audio_minutes")


def get_preferences(context: bpy.types.Context | None = None) -> DEEPTALK_AP_preferences | None:
    """The preferences when the add-on is enabled through Blender's add-on system."""
    context = context or bpy.context
    addon = context.preferences.addons.get(ADDON_ID)
    return addon.preferences if addon is not None else None


def user_dir() -> Path:
    """A writable per-user folder for the managed environment, logs and caches."""
    if ADDON_ID.startswith("bl_ext.") and hasattr(bpy.utils, "extension_path_user"):
        return Path(bpy.utils.extension_path_user(ADDON_ID, create=True))
    path = bpy.utils.user_resource("DATAFILES", path="deeptalk", create=True)
    return Path(path) if path else Path(tempfile.gettempdir()) / "deeptalk"


def managed_env_dir() -> Path:
    return user_dir() / "backend-env"


def resolved_python(context: bpy.types.Context | None = None) -> str:
    prefs = get_preferences(context)
    if prefs is not None and prefs.python_path:
        return bpy.path.abspath(prefs.python_path)
    found = backend_locator.default_python(managed_env_dir())
    return str(found) if found else ""


def resolved_model_dir(context: bpy.types.Context | None = None) -> Path:
    prefs = get_preferences(context)
    if prefs is not None and prefs.model_dir:
        return Path(bpy.path.abspath(prefs.model_dir))
    return backend_locator.default_model_dir()


def resolved_flame_file(context: bpy.types.Context | None = None) -> Path:
    prefs = get_preferences(context)
    if prefs is not None and prefs.flame_file:
        return Path(bpy.path.abspath(prefs.flame_file))
    return backend_locator.standin_flame_file(backend_locator.model_flame_basis(resolved_model_dir(context)))


def resolved_max_seconds(context: bpy.types.Context | None = None) -> float:
    prefs = get_preferences(context)
    return 60.0 * (prefs.max_audio_minutes if prefs is not None else 30.0)


def resolved_device(context: bpy.types.Context | None = None) -> str:
    prefs = get_preferences(context)
    if prefs is not None and prefs.device != "auto":
        return prefs.device
    return os.environ.get("DEEPTALK_DEVICE", prefs.device if prefs is not None else "auto")


def backend_settings(context: bpy.types.Context | None = None) -> BackendSettings:
    """What to run; raise ValueError when no backend Python is available."""
    return BackendSettings(
        python=resolved_python(context),
        backend_dir=str(backend_locator.backend_dir()),
        model_dir=str(resolved_model_dir(context)),
        device=resolved_device(context),
        log_path=str(user_dir() / "logs" / "backend.log"),
        max_seconds=resolved_max_seconds(context),
    )


def resolved_wheel_folder(context: bpy.types.Context | None = None) -> str:
    """The wheel folder Set up Backend installs from ("" = the package index)."""
    prefs = get_preferences(context)
    return bpy.path.abspath(prefs.wheel_folder) if prefs is not None and prefs.wheel_folder else ""


def base_python() -> str:
    """The interpreter that creates the managed environment (Blender's bundled Python)."""
    return sys.executable
