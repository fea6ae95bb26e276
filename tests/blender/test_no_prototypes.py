"""A model without emotion prototypes (converted official weights): the add-on offers no emotion
override (the list holds only "From Speech") instead of names the backend would refuse."""

from __future__ import annotations

import json
import os
import shutil

import bpy
from blender_addon import properties

from .conftest import addon_preferences


def test_override_is_off_for_a_model_without_prototypes(model_dir, tmp_path):
    prefs = addon_preferences()
    model = tmp_path / "official"
    model.mkdir()
    shutil.copy(model_dir / "manifest.json", model / "manifest.json")
    prefs.model_dir = str(model)
    assert properties.model_emotions() and properties.model_has_prototypes()
    manifest = json.loads((model / "manifest.json").read_text())
    manifest["prototypes"] = None
    (model / "manifest.json").write_text(json.dumps(manifest))
    os.utime(model / "manifest.json", (1, 1))  # a new mtime so the cached names are re-read
    assert properties.model_emotions() == () and not properties.model_has_prototypes()
    settings = bpy.context.scene.deeptalk
    items = [item[0] for item in properties._emotion_items(settings, bpy.context)]
    assert items == ["NONE"]
