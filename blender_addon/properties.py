"""Per-scene animation settings (saved in the .blend, used by farms) and runtime status."""

from __future__ import annotations

import json
from pathlib import Path

import bpy

from . import preferences, rig

MAX_TAKES = 16
_emotion_cache: dict[str, tuple[float, tuple[str, ...]]] = {}
_enum_items: list[tuple[str, str, str, int]] = []  # Blender needs Python to keep dynamic items alive


NO_PROTOTYPES_HINT = ("This model has no emotion prototypes (converted official weights): the override is off. "
                      "Rebuild it with deeptalk convert-official ... --prototype-clips DIR")


def model_has_prototypes(context: bpy.types.Context | None = None) -> bool:
    """False when the configured model's manifest lists no emotion prototypes (no override possible)."""
    model_emotions(context)
    manifest = preferences.resolved_model_dir(context) / "manifest.json"
    return str(manifest) not in _no_prototypes


_no_prototypes: set[str] = set()


def model_emotions(context: bpy.types.Context | None = None) -> tuple[str, ...]:
    """Emotion names of the configured model (its manifest.json), or the last backend's.
    A model without emotion prototypes has none (its override is unavailable)."""
    manifest = preferences.resolved_model_dir(context) / "manifest.json"
    try:
        mtime = manifest.stat().st_mtime
    except OSError:
        mtime = -1.0
    cached = _emotion_cache.get(str(manifest))
    if cached is None or cached[0] != mtime:
        names: tuple[str, ...] = ()
        if mtime >= 0:
            try:
                data = json.loads(Path(manifest).read_text(encoding="utf-8"))
                names = tuple(str(e) for e in data.get("emotions", ()))
                if "prototypes" in data and data["prototypes"] is None:
                    _no_prototypes.add(str(manifest))
                else:
                    _no_prototypes.discard(str(manifest))
            except (OSError, ValueError, AttributeError):
                names = ()
        _emotion_cache[str(manifest)] = (mtime, names)
        cached = _emotion_cache[str(manifest)]
    if str(manifest) in _no_prototypes:
        return ()
    if cached[1]:
        return cached[1]
    scene = (context or bpy.context).scene
    stored = scene.deeptalk.known_emotions if scene is not None else ""
    return tuple(e for e in stored.split(",") if e)


def _emotion_items(self, context):
    names = model_emotions(context)
    if self.emotion_name and self.emotion_name not in names:
        names = names + (self.emotion_name,)  # keep a stored choice visible
    _enum_items[:] = [("NONE", "From Speech", "No override: the emotion the model hears", 0)] + [
        (name, name.replace("_", " ").title(), f"Blend the speech's emotion toward '{name}'", i + 1)
        for i, name in enumerate(names)]
    return _enum_items


def _get_emotion(self) -> int:
    for identifier, _, _, number in _emotion_items(self, bpy.context):
        if identifier == (self.emotion_name or "NONE"):
            return number
    return 0


def _set_emotion(self, value: int) -> None:
    for identifier, _, _, number in _emotion_items(self, bpy.context):
        if number == value:
            self.emotion_name = "" if identifier == "NONE" else identifier
            return


class DEEPTalkSceneSettings(bpy.types.PropertyGroup):
    rig: bpy.props.PointerProperty(name="Rig", type=bpy.types.Object, poll=lambda self, obj: rig.is_rig(obj),
                                   description="The FLAME rig to animate")
    alpha: bpy.props.FloatProperty(name="Alpha", default=0.5, min=0.0, max=10.0, soft_max=2.0,
                                   description="Emotion sampling spread: 0 uses the mean emotion of the speech")
    temperature_top: bpy.props.FloatProperty(name="Temperature Top", default=0.3, min=0.0, max=10.0, soft_max=2.0,
                                             description="Coarse motion codebook temperature (0 = most likely)")
    temperature_bottom: bpy.props.FloatProperty(name="Temperature Bottom", default=0.0, min=0.0, max=10.0,
                                                soft_max=2.0,
                                                description="Fine motion codebook temperature (0 = most likely)")
    seed: bpy.props.IntProperty(name="Seed", default=0, min=0, max=2**31 - 1,
                                description="Take k uses seed + k; same seed, same motion")
    takes: bpy.props.IntProperty(name="Takes", default=1, min=1, max=MAX_TAKES,
                                 description="How many variations to generate")
    emotion_name: bpy.props.StringProperty(name="Emotion Override Name", default="")
    emotion: bpy.props.EnumProperty(name="Emotion", items=_emotion_items, get=_get_emotion, set=_set_emotion,
                                    description="Override the emotion heard in the speech")
    emotion_weight: bpy.props.FloatProperty(name="Weight", default=1.0, min=0.0, max=1.0, subtype="FACTOR",
                                            description="0 = the speech's emotion, 1 = the override")
    lip_seal: bpy.props.FloatProperty(name="Lip Seal", default=1.0, min=0.0, max=1.0, subtype="FACTOR",
                                      description="How firmly the lips meet on m, b and p (0 = as generated)")
    replace_takes: bpy.props.BoolProperty(name="Replace Takes", default=False,
                                          description="Delete a strip's previous takes when animating it again")
    take_number: bpy.props.IntProperty(name="Take", default=1, min=1, description="Take to make active")
    known_emotions: bpy.props.StringProperty(name="Known Emotions", default="",
                                             description="Emotion names the backend reported (comma separated)")
    idle_blinks: bpy.props.BoolProperty(name="Blinks", default=True,
                                        description="Idle layer: seeded blinks, more in pauses than in speech")
    idle_eyes: bpy.props.BoolProperty(name="Eyes", default=True,
                                      description="Idle layer: eye saccades and slow gaze drift")
    idle_head: bpy.props.BoolProperty(name="Head", default=True,
                                      description="Idle layer: small head motion that follows the speech")
    idle_strength: bpy.props.FloatProperty(name="Idle Strength", default=1.0, min=0.0, max=4.0, soft_max=2.0,
                                           subtype="FACTOR",
                                           description="Scales the eye and head motion (blinks stay full)")


class DEEPTalkStatus(bpy.types.PropertyGroup):
    """Runtime state for the panels (window manager, not saved)."""

    running: bpy.props.BoolProperty(default=False)
    fraction: bpy.props.FloatProperty(default=0.0, min=0.0, max=1.0)
    stage: bpy.props.StringProperty(default="")
    message: bpy.props.StringProperty(default="")
    setup_running: bpy.props.BoolProperty(default=False)
    setup_fraction: bpy.props.FloatProperty(default=0.0, min=0.0, max=1.0)
    setup_stage: bpy.props.StringProperty(default="")
    setup_message: bpy.props.StringProperty(default="")


def target_rig(scene: bpy.types.Scene) -> bpy.types.Object | None:
    """The scene's chosen rig, or its only rig when none is chosen."""
    chosen = scene.deeptalk.rig
    if chosen is not None:
        return chosen
    rigs = rig.find_rigs(scene)
    return rigs[0] if len(rigs) == 1 else None


def usable_target_rig(scene: bpy.types.Scene, report) -> bpy.types.Object | None:
    """The target rig when it is usable; else None after `report`ing (an operator's) what is wrong."""
    target = target_rig(scene)
    problem = rig.check_rig(target)
    if problem:
        report({"ERROR"}, problem)
        return None
    return target


def register_properties() -> None:
    bpy.types.Scene.deeptalk = bpy.props.PointerProperty(type=DEEPTalkSceneSettings)
    bpy.types.WindowManager.deeptalk_status = bpy.props.PointerProperty(type=DEEPTalkStatus)


def unregister_properties() -> None:
    del bpy.types.WindowManager.deeptalk_status
    del bpy.types.Scene.deeptalk
