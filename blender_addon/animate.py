"""Sound strips -> backend requests, and backend results -> baked takes (the bpy side).

`prepare_strip` validates everything before any backend work; `apply_results` reads every
result file first, then bakes all clips, rolling all of them back if one fails, so the
scene changes completely or not at all. Used by the operators (modal and blocking) and
the farm entry alike.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np

import bpy

from . import backend_locator, bake, emotion_track, flame_basis, idle_motion, properties, rig as rig_mod, takes, timeline
from .batch import PreparedClip

log = logging.getLogger(__name__)
_scratch: list[Path] = []


def scratch_dir() -> Path:
    """A private temporary folder for result files and unpacked sounds (one per session)."""
    if not _scratch:
        _scratch.append(Path(tempfile.mkdtemp(prefix="deeptalk-addon-")))
        atexit.register(shutil.rmtree, _scratch[0], ignore_errors=True)  # removed when Blender quits
    return _scratch[0]


def knobs(settings) -> dict[str, Any]:
    """The scene's sampling settings as AnimateRequest fields."""
    return {
        "alpha": float(settings.alpha),
        "temperature_top": float(settings.temperature_top),
        "temperature_bottom": float(settings.temperature_bottom),
        "seed": int(settings.seed),
        "takes": int(settings.takes),
        "emotion": settings.emotion_name or None,
        "emotion_weight": float(settings.emotion_weight) if settings.emotion_name else 0.0,
        "lip_seal": float(settings.lip_seal),
    }


def idle_options(settings) -> idle_motion.IdleOptions | None:
    """The scene's idle-layer switches, or None when every layer is off."""
    options = idle_motion.IdleOptions(blinks=bool(settings.idle_blinks), eyes=bool(settings.idle_eyes),
                                      head=bool(settings.idle_head), strength=float(settings.idle_strength))
    return options if options.enabled else None


def prepare_strip(scene: bpy.types.Scene, strip) -> PreparedClip:
    """Validate a sound strip and the scene settings; raise ValueError saying what is wrong."""
    fps = timeline.scene_fps(scene)
    timing = timeline.strip_timing(strip, fps)
    sampling = knobs(scene.deeptalk)  # "seed" stays the panel's base seed (stored as deeptalk_base_seed)
    clip_id = takes.ensure_strip_id(strip, scene)
    params = {
        "audio_path": timeline.strip_audio_path(strip, scratch_dir()),
        "output_path": str(scratch_dir() / f"{uuid.uuid4().hex}.npz"),
        "start_s": timing.start_s,
        "end_s": timing.end_s,
        "fps": fps,
        **sampling,
        "seed": first_seed(scene, strip, clip_id, sampling["seed"], sampling["takes"]),
    }
    protocol = backend_locator.protocol()
    protocol.AnimateRequest(id="check", **params)  # raises ValueError on bad settings
    return PreparedClip(clip=strip.name, params=params, first_frame=timing.first_frame,
                        frame_count=timing.frame_count, knobs=sampling, idle=idle_options(scene.deeptalk),
                        clip_id=clip_id)


def first_seed(scene: bpy.types.Scene, strip, clip_id: str, base: int, count: int) -> int:
    """Seed of a run's first take: `base`, moved past the seeds the strip's kept takes already used.

    Animate again with the same settings then gives new takes, not copies; with Replace
    Takes the old ones go, so the run starts at `base` again (same settings, same motion).
    """
    target = properties.target_rig(scene)
    if scene.deeptalk.replace_takes or rig_mod.check_rig(target) is not None:
        return base
    return takes.next_seeds(takes.strip_takes(target, strip.name, clip_id), base, count)


def bake_request_from_file(path: Path, *, clip: str, first_frame: float, frame_count: int | None,
                           knobs_: dict[str, Any], scene_fps: float, strict_fps: bool,
                           idle: idle_motion.IdleOptions | None = None,
                           clip_id: str = "") -> bake.BakeRequest:
    """Read and validate a motion `.npz` into a BakeRequest; raise ValueError if unusable.

    strict_fps: the file must be at `scene_fps` (backend results); otherwise samples are
    spaced `scene_fps / fps` frames apart so they keep their timing (imports).
    idle: the idle layer to add to each take (files without `speech_energy` use the jaw).
    """
    motion_io = backend_locator.motion_io()
    try:
        motion = motion_io.read_motion(path)
    except (motion_io.MotionFileError, OSError) as exc:
        raise ValueError(f"unusable result file: {exc}") from None
    if strict_fps and abs(motion.fps - scene_fps) > 1e-6 * scene_fps:
        raise ValueError(f"the result is at {motion.fps:g} fps but the scene runs at {scene_fps:g} fps")
    track = np.asarray(motion.emotion_track, dtype=np.float64)
    summary = emotion_track.summarize(tuple(motion.emotions), track, np.asarray(motion.emotion_logvar))
    return bake.BakeRequest(
        clip=clip, exp=np.asarray(motion.exp, dtype=np.float64), jaw=np.asarray(motion.jaw, dtype=np.float64),
        seeds=tuple(motion.seeds), fps=float(motion.fps), first_frame=first_frame,
        frame_count=frame_count if frame_count is not None else motion.frames,
        frame_step=1.0 if strict_fps else scene_fps / float(motion.fps),
        knobs={**knobs_, "model_id": motion.model_id,
               **({"flame_basis": motion.flame_basis} if getattr(motion, "flame_basis", "") else {})},
        emotions=tuple(motion.emotions),
        emotion_track=track, emotion_summary=summary, idle=idle,
        speech_energy=np.asarray(motion.speech_energy, dtype=np.float64) if motion.speech_energy.size else None,
        clip_id=clip_id, face_emotion=_face_emotion(motion))


def _face_emotion(motion) -> np.ndarray | None:
    """(takes, K) face reading of a result file, or None (older files, models without a FER)."""
    face = np.asarray(getattr(motion, "face_emotion", np.zeros((0, 0))), dtype=np.float64)
    return face if face.size and face.shape == (motion.takes, len(motion.emotions)) else None


def apply_results(scene: bpy.types.Scene, rig: bpy.types.Object, clips: list[PreparedClip],
                  replace: bool) -> list[bpy.types.Action]:
    """Bake every clip's result file onto `rig`, all or nothing; return the new actions."""
    requests = [bake_request_from_file(clip.output_path, clip=clip.clip, first_frame=clip.first_frame,
                                       frame_count=clip.frame_count, knobs_=clip.knobs,
                                       scene_fps=float(clip.params["fps"]), strict_fps=True, idle=clip.idle,
                                       clip_id=clip.clip_id)
                for clip in clips]
    for request in requests:  # refused before anything in the scene changes
        problem = flame_basis.mismatch_message(rig.name, flame_basis.rig_basis(rig),
                                               str(request.knobs.get("flame_basis", "")))
        if problem:
            raise ValueError(problem)
    outcomes: list[bake.BakeOutcome] = []
    try:
        for request in requests:
            outcomes.append(bake.bake(rig, request, replace=replace))
    except Exception:
        for outcome in reversed(outcomes):
            bake.rollback(outcome)
        raise
    for outcome in outcomes:
        bake.commit(outcome)
    names = [e for request in requests for e in request.emotions]
    if names:
        scene.deeptalk.known_emotions = ",".join(dict.fromkeys(names))
    for clip in clips:
        clip.output_path.unlink(missing_ok=True)
    return [action for outcome in outcomes for action in outcome.actions]


def discard_results(clips: list[PreparedClip]) -> None:
    """Delete result files of a batch that will not be applied."""
    for clip in clips:
        clip.output_path.unlink(missing_ok=True)
