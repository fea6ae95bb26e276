"""DEEPTalk for Blender: speech -> emotional, lip-synced FLAME face animation.

Registration only; see the modules for the parts. This package imports bpy, numpy,
bpy_extras and the standard library — never torch; the backend runs as a subprocess.
"""

from __future__ import annotations

import bpy

from . import (backend_session, mesh_target_properties, operators_animate, operators_fbx, operators_fixup,
               operators_ict, operators_io, operators_mesh_target, operators_rig, operators_setup, panel_mesh_target,
               panels, preferences, properties)

bl_info = {  # legacy add-on install; Blender 4.2+ extensions read blender_manifest.toml
    "name": "DEEPTalk",
    "author": "DEEPTalk contributors",
    "version": (0, 1, 0),
    "blender": (4, 2, 0),
    "location": "Video Sequencer / 3D Viewport > Sidebar > DEEPTalk",
    "description": "Emotional, lip-synced FLAME face animation from speech",
    "category": "Animation",
}

classes = (
    properties.DEEPTalkSceneSettings,
    properties.DEEPTalkStatus,
    preferences.DEEPTALK_AP_preferences,
    *operators_setup.classes,
    *operators_rig.classes,
    *operators_animate.classes,
    *operators_io.classes,
    *operators_fixup.classes,
    *operators_fbx.classes,
    *panels.classes,
    *mesh_target_properties.classes,
    *operators_mesh_target.classes,
    *operators_ict.classes,
    *panel_mesh_target.classes,
)

_MENUS = (
    ("VIEW3D_MT_add", operators_rig.menu_func),
    ("TOPBAR_MT_file_import", operators_io.import_menu_func),
    ("TOPBAR_MT_file_import", operators_ict.import_menu_func),
    ("TOPBAR_MT_file_export", operators_io.export_menu_func),
    ("TOPBAR_MT_file_export", operators_fbx.menu_func),
    ("VIEW3D_MT_object", operators_fixup.menu_func),
)


def register() -> None:
    for cls in classes:
        bpy.utils.register_class(cls)
    properties.register_properties()
    mesh_target_properties.register_properties()
    for menu, func in _MENUS:
        getattr(bpy.types, menu).append(func)


def unregister() -> None:
    backend_session.shutdown()
    for menu, func in reversed(_MENUS):
        getattr(bpy.types, menu).remove(func)
    mesh_target_properties.unregister_properties()
    properties.unregister_properties()
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
