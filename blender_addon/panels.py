"""DEEPTalk sidebar panels in the Video Sequence Editor and the 3D viewport (draw only)."""

from __future__ import annotations

import math

import bpy

from . import compat, emotion_readout, properties, takes
from .operators_animate import running_batch


def draw_deeptalk(layout: bpy.types.UILayout, context: bpy.types.Context) -> None:
    scene = context.scene
    settings = scene.deeptalk
    status = context.window_manager.deeptalk_status
    target = properties.target_rig(scene)

    col = layout.column(align=True)
    col.prop(settings, "rig")
    if target is None:
        col.operator("deeptalk.add_flame_head", icon="ADD")
    strip = compat.active_strip(scene)
    sound = strip if strip is not None and strip.type == "SOUND" else None
    col.label(text=f"Strip: {sound.name}" if sound else "Strip: select a sound strip",
              icon="SOUND" if sound else "INFO")

    box = layout.box()
    col = box.column(align=True)
    col.prop(settings, "alpha")
    col.prop(settings, "temperature_top")
    col.prop(settings, "temperature_bottom")
    col.prop(settings, "seed")
    col.prop(settings, "takes")
    col.prop(settings, "lip_seal")
    row = box.row(align=True)
    has_prototypes = properties.model_has_prototypes(context)
    row.enabled = has_prototypes  # greyed: the model cannot steer its emotion (see NO_PROTOTYPES_HINT)
    row.prop(settings, "emotion")
    sub = row.row(align=True)
    sub.enabled = bool(settings.emotion_name)
    sub.prop(settings, "emotion_weight", text="")
    if not has_prototypes:
        box.label(text="Emotion override off: this model has no emotion prototypes", icon="INFO")
    box.prop(settings, "replace_takes")

    box = layout.box()
    box.label(text="Idle Layer", icon="HIDE_OFF")
    row = box.row(align=True)
    for name in ("idle_blinks", "idle_eyes", "idle_head"):
        row.prop(settings, name, toggle=True)
    sub = box.row()
    sub.enabled = settings.idle_eyes or settings.idle_head
    sub.prop(settings, "idle_strength")

    if running_batch() is not None or status.running:
        layout.progress(factor=status.fraction, text=status.stage or "working", type="BAR")
        layout.operator("deeptalk.cancel", icon="CANCEL")
    else:
        col = layout.column(align=True)
        col.operator("deeptalk.animate_strip", icon="PLAY_SOUND")
        col.operator("deeptalk.animate_all", icon="SEQ_STRIP_DUPLICATE")
        if status.message:
            layout.label(text=status.message)

    if target is None or sound is None:
        return
    clip_takes = takes.takes_of_strip(target, sound)
    if not clip_takes:
        return
    box = layout.box()
    box.label(text=f"Takes of {sound.name}")
    for take in clip_takes:
        row = box.row(align=True)
        icon = "RADIOBUT_ON" if take.active else "RADIOBUT_OFF"
        op = row.operator("deeptalk.use_take", text=f"Take {take.number}  seed {take.seed}", icon=icon,
                          depress=take.active)
        op.clip, op.number = sound.name, take.number
    active = next((t for t in clip_takes if t.active), None)
    if active is not None:
        _draw_emotion(box, active.action)
        emotion_readout.draw_take(box, active)


def _draw_emotion(layout: bpy.types.UILayout, action: bpy.types.Action) -> None:
    dominant = str(action.get("deeptalk_dominant_emotion", ""))
    if not dominant:
        return
    confidence = float(action.get("deeptalk_emotion_confidence", math.nan))
    entropy = float(action.get("deeptalk_emotion_entropy", math.nan))
    sigma = float(action.get("deeptalk_emotion_sigma", math.nan))
    col = layout.column(align=True)
    col.label(text=emotion_readout.heard_text(action, dominant, confidence), icon="OUTLINER_OB_SPEAKER")
    col.label(text=f"Uncertainty: entropy {entropy:.2f}"
                   + (f", sigma {sigma:.2f}" if math.isfinite(sigma) else ""))


class DEEPTALK_PT_sequencer(bpy.types.Panel):
    bl_idname = "DEEPTALK_PT_sequencer"
    bl_label = "DEEPTalk"
    bl_space_type = "SEQUENCE_EDITOR"
    bl_region_type = "UI"
    bl_category = "DEEPTalk"

    def draw(self, context: bpy.types.Context) -> None:
        draw_deeptalk(self.layout, context)


class DEEPTALK_PT_view3d(bpy.types.Panel):
    bl_idname = "DEEPTALK_PT_view3d"
    bl_label = "DEEPTalk"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "DEEPTalk"

    def draw(self, context: bpy.types.Context) -> None:
        draw_deeptalk(self.layout, context)


classes = (DEEPTALK_PT_sequencer, DEEPTALK_PT_view3d)
