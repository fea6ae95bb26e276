"""A bottom NLA track holding the neutral face (all expression keys 0) on the shape keys.

NLA evaluation writes Blender's RNA default (1.0 for a shape key's value) to every
channel that no strip covers, so frames outside the baked clips would show all 50
expressions at full strength. This track holds 0 everywhere under the takes (mute it to
edit the sliders by hand). It is created with the rig, before any take track.
"""

from __future__ import annotations

import bpy

from . import compat

REST_PROP = "deeptalk_rest"
TRACK_NAME = "DEEPTalk rest"


def find_rest_track(key: bpy.types.Key) -> bpy.types.NlaTrack | None:
    anim = key.animation_data
    if anim is None:
        return None
    for track in anim.nla_tracks:
        if any(s.action is not None and REST_PROP in s.action.keys() for s in track.strips):
            return track
    return None


def add_rest_track(key: bpy.types.Key, key_names: tuple[str, ...], name: str) -> bpy.types.NlaTrack:
    """Create the rest action and its held NLA strip on `key` (call before any other track)."""
    take = compat.new_take_action(name, [key])
    fcurves = take.fcurves(key)
    for key_name in key_names:
        fcurve = compat.new_fcurve(fcurves, f'key_blocks["{key_name}"].value', 0, "DEEPTalk rest")
        fcurve.keyframe_points.add(1)
        fcurve.keyframe_points.foreach_set("co", (1.0, 0.0))
        fcurve.update()
    action = take.action(key)
    action[REST_PROP] = 1
    track = compat.add_nla_strip(key, track_name=TRACK_NAME, action=action, slot=take.slot(key), start=1)
    track.strips[0].extrapolation = "HOLD"
    return track
