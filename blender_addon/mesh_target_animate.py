"""Backend results -> ARKit character takes (the bpy side), all clips or none.

Requests are the FLAME rig's (`animate.prepare_strip`) plus `arkit: true`, so the backend
writes ARKit weights beside the motion; every result file is read before anything is baked.
"""

from __future__ import annotations

import dataclasses

import numpy as np

import bpy

from . import animate, backend_locator, bake, mesh_target
from .batch import PreparedClip


def prepare_strip(scene: bpy.types.Scene, strip) -> PreparedClip:
    clip = animate.prepare_strip(scene, strip)
    return dataclasses.replace(clip, params={**clip.params, "arkit": True})


def read_result(clip: PreparedClip) -> tuple[bake.BakeRequest, np.ndarray]:
    request = animate.bake_request_from_file(clip.output_path, clip=clip.clip, first_frame=clip.first_frame,
                                             frame_count=clip.frame_count, knobs_=clip.knobs,
                                             scene_fps=float(clip.params["fps"]), strict_fps=True)
    motion_io = backend_locator.motion_io()
    try:
        motion = motion_io.read_motion(clip.output_path)
    except (motion_io.MotionFileError, OSError) as exc:
        raise ValueError(f"unusable result file: {exc}") from None
    if not np.asarray(motion.arkit).size or tuple(motion.arkit_names) != mesh_target.arkit_names():
        raise ValueError("the backend returned no ARKit weights; update the backend (it must know `arkit`)")
    return request, np.asarray(motion.arkit, dtype=np.float64)


def apply_results(scene: bpy.types.Scene, obj: bpy.types.Object, clips: list[PreparedClip],
                  replace: bool) -> list[bpy.types.Action]:
    """Bake every clip's result onto the character, all or nothing; store the mapping if it was automatic."""
    results = [read_result(clip) for clip in clips]
    outcomes: list[bake.BakeOutcome] = []
    try:
        for request, weights in results:
            outcomes.append(mesh_target.bake_mesh(obj, request, weights, replace=replace))
    except Exception:
        for outcome in reversed(outcomes):
            bake.rollback(outcome)
        raise
    for outcome in outcomes:
        bake.commit(outcome)
    if not len(obj.deeptalk_arkit.channels):
        mesh_target.store_mapping(obj)  # reused (and editable) from now on
    names = [e for request, _ in results for e in request.emotions]
    if names:
        scene.deeptalk.known_emotions = ",".join(dict.fromkeys(names))
    for clip in clips:
        clip.output_path.unlink(missing_ok=True)
    return [action for outcome in outcomes for action in outcome.actions]
