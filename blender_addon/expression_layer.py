"""A take's expression (emotion) channels on an NLA track of their own, its strip influence the intensity.

Each take keys its speech channels (lips, tongue, jaw) and blinks in its own action as
before; its expression channels (`expression_channels`: everything else) go to a second
action, tagged `deeptalk_layer = "expression"` and the take's clip / number / seed, on the
track "DEEPTalk <clip> take <n> expression" just above the take's track on the shape keys.
That strip blends ADD over the rig's rest track (all keys 0), so its influence scales how
strongly the face shows the emotion: 1 = as generated, 0 = the neutral face with the same
lips. The influence is animated (`use_animated_influence`, one key at 1 when baked), so an
animator keys it over time like any other channel: the panel shows it as "Emotion
Intensity" with its keyframe button, and the NLA editor shows the curve. Being Blender's
own NLA influence (evaluated in the animation pass, no driver and no handler), it plays,
renders, bakes and exports the same on 4.2 to 5.x, and undo covers it. The track is one of
the take's tracks: it is muted, switched and deleted with its take.

Only rigs with a split for their expression basis and a rest track get the layer (the
FLAME 2020 PCA mixes lips and emotion; without the rest track ADD would start from
Blender's default of 1.0); their takes stay whole, as before.
"""

from __future__ import annotations

import bpy

from . import compat, expression_channels, idle_channels, rest_track, rig as rig_mod

LAYER_PROP = "deeptalk_layer"
LAYER = "expression"
GROUP = "DEEPTalk expression (emotion)"


def split_of(rig: bpy.types.Object) -> expression_channels.ChannelSplit | None:
    """The rig's speech / expression split, or None when its takes stay whole."""
    if rig.type == "MESH":  # ARKit characters are keyed by `mesh_target_animate`
        return None
    key = rig_mod.shape_keys_of(rig)
    if key is None or rest_track.find_rest_track(key) is None:
        return None
    return expression_channels.split_for(idle_channels.basis_of(rig))


def new_layer_action(name: str, key: bpy.types.Key) -> compat.TakeAction:
    """The (empty) expression action of one take, ready for fcurves on the shape keys."""
    layer = compat.new_take_action(f"{name}.expression", [key])
    layer.action(key)[LAYER_PROP] = LAYER
    return layer


def add_layer_track(key: bpy.types.Key, layer: compat.TakeAction, *, clip: str, number: int,
                    start: int) -> bpy.types.NlaTrack:
    """The take's expression track: one ADD strip whose influence (animated, keyed 1) is the intensity."""
    track = compat.add_nla_strip(key, track_name=f"DEEPTalk {clip} take {number} expression",
                                 action=layer.action(key), slot=layer.slot(key), start=start)
    strip = track.strips[0]
    strip.blend_type = "ADD"
    strip.use_animated_influence = True  # Blender keys the current influence once; make that key 1
    curve = strip.fcurves.find("influence")
    if curve is not None:
        for point in curve.keyframe_points:
            point.co[1] = point.handle_left[1] = point.handle_right[1] = 1.0
        curve.update()
    strip.influence = 1.0
    return track


def is_layer(action: bpy.types.Action | None) -> bool:
    return action is not None and action.get(LAYER_PROP) == LAYER


def intensity_strip(take):
    """The NLA strip whose influence is `take`'s emotion intensity, or None (a take without the layer)."""
    for _, track in take.tracks:
        for strip in track.strips:
            if is_layer(strip.action):
                return strip
    return None


def set_intensity(strip, value: float, frame: float | None = None) -> None:
    """Set the intensity (0..1); with `frame`, key it there (else every key of the curve takes the value)."""
    value = min(max(float(value), 0.0), 1.0)
    strip.influence = value
    if frame is not None:
        strip.keyframe_insert("influence", frame=frame)
        return
    curve = strip.fcurves.find("influence")
    if curve is not None:
        for point in curve.keyframe_points:
            point.co[1] = point.handle_left[1] = point.handle_right[1] = value
        curve.update()
