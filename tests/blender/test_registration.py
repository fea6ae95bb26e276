"""Register / unregister: classes, properties, menus, panels; disabling stops the backend."""

from __future__ import annotations

import dataclasses

import addon_utils
import bpy
import pytest

import blender_addon
from blender_addon import backend_session, operators_animate, panels, preferences

OPERATORS = ("add_flame_head", "animate_strip", "animate_all", "cancel", "use_take", "import_motion",
             "export_motion", "setup_backend", "restore_shape_key_ranges",
             "export_takes_fbx")


def test_everything_is_registered():
    for name in OPERATORS:
        assert hasattr(bpy.ops.deeptalk, name), name
        bl_options = getattr(getattr(bpy.types, f"DEEPTALK_OT_{name}"), "bl_options", set())
        if name in ("animate_strip", "animate_all", "use_take", "add_flame_head", "import_motion"):
            assert {"REGISTER", "UNDO"} <= set(bl_options), name  # one undo step per run
    for panel in panels.classes:
        registered = getattr(bpy.types, panel.bl_idname)
        assert registered.bl_region_type == "UI" and registered.bl_category == "DEEPTalk"
    assert {p.bl_space_type for p in panels.classes} == {"SEQUENCE_EDITOR", "VIEW_3D"}
    settings = bpy.context.scene.deeptalk
    assert (settings.alpha, settings.temperature_top, settings.temperature_bottom, settings.takes) == (
        pytest.approx(0.5), pytest.approx(0.3), 0.0, 1)
    assert settings.emotion == "NONE" and bpy.context.window_manager.deeptalk_status.running is False
    assert preferences.get_preferences() is not None
    assert not operators_animate.DEEPTALK_OT_cancel.poll(bpy.context)  # nothing running


def test_settings_are_validated_like_the_protocol():
    settings = bpy.context.scene.deeptalk
    settings.takes = 99
    settings.alpha = -1.0
    assert settings.takes == 16 and settings.alpha == 0.0  # clamped to AnimateRequest's ranges


def test_disabling_stops_the_backend_and_unregisters(tmp_path):
    # a backend without a model starts fast (no model to load) and keeps serving: enough to see it stopped
    settings = dataclasses.replace(preferences.backend_settings(), model_dir=str(tmp_path / "none"), device="cpu")
    client = backend_session.acquire(settings)
    assert client.alive and backend_session.current() is client
    addon_utils.disable("blender_addon", default_set=True)
    try:
        assert not client.alive and backend_session.current() is None
        assert not hasattr(bpy.types.Scene, "deeptalk")
        assert not hasattr(bpy.types, "DEEPTALK_PT_sequencer")
        assert "blender_addon" not in bpy.context.preferences.addons
    finally:
        addon_utils.enable("blender_addon", default_set=True)
    assert hasattr(bpy.types.Scene, "deeptalk")


def test_register_unregister_round_trip_in_place():
    blender_addon.unregister()
    assert not hasattr(bpy.types.WindowManager, "deeptalk_status")
    blender_addon.register()
    assert bpy.context.window_manager.deeptalk_status.stage == ""


def test_ui_icons_exist_in_this_blender():
    """Panels can't be drawn headless; at least every icon they name must exist (names change across versions)."""
    import re
    from pathlib import Path

    icons = set(bpy.types.UILayout.bl_rna.functions["prop"].parameters["icon"].enum_items.keys())
    folder = Path(blender_addon.__file__).parent
    used = set()
    for path in folder.glob("*.py"):
        for line in path.read_text().splitlines():
            if "icon" in line:
                used.update(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', line))
    assert {"PLAY_SOUND", "RADIOBUT_ON", "MONKEY"} <= used
    assert used <= icons, used - icons
