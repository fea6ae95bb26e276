"""The API probes of compat.py on whichever Blender runs the tests (each entry of the matrix)."""

from __future__ import annotations

import bpy
from blender_addon import compat, rig as rig_mod


def test_probes_match_this_blender():
    assert compat.HAS_SLOTS == ("slots" in bpy.types.Action.bl_rna.properties)
    editor = bpy.context.scene.sequence_editor_create()
    assert compat.all_strips(bpy.context.scene) == []  # strips / sequences, whichever this Blender has
    assert hasattr(editor, "strips_all") or hasattr(editor, "sequences_all")


def test_one_take_keeps_each_targets_channels_apart(rig):
    """4.4/4.5 still have a legacy `Action.fcurves` that only reaches the first slot: channels of the face
    keys and of the rig must land in their own slot's channelbag (or their own action on 4.2)."""
    key = rig_mod.shape_keys_of(rig)
    take = compat.new_take_action("probe", [key, rig])
    compat.new_fcurve(take.fcurves(key), 'key_blocks["exp000"].value', 0, "DEEPTalk expression")
    for index in range(4):
        compat.new_fcurve(take.fcurves(rig), 'pose.bones["jaw"].rotation_quaternion', index, "DEEPTalk jaw")
    key_paths = {fc.data_path for a in take.unique_actions() if compat.animates(a, key)
                 for fc in compat.iter_fcurves(a, key)}
    rig_paths = {(fc.data_path, fc.array_index) for a in take.unique_actions() if compat.animates(a, rig)
                 for fc in compat.iter_fcurves(a, rig)}
    assert key_paths == {'key_blocks["exp000"].value'}
    assert rig_paths == {('pose.bones["jaw"].rotation_quaternion', i) for i in range(4)}
    assert len(take.unique_actions()) == (1 if compat.HAS_SLOTS else 2)
    if compat.HAS_SLOTS:
        action = take.action(key)
        bag = compat.ensure_channelbag(action, take.slot(key))
        assert bag.slot == take.slot(key) and len(bag.fcurves) == 1  # found again, not made twice
