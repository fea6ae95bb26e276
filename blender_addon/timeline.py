"""Sound strip -> audio slice in seconds and timeline frames; scene frame rate.

A sound strip plays audio time `(f - frame_start) / fps + sound_offset` at timeline frame
`f`, visible from `frame_final_start` to `frame_final_end` (exclusive). The backend is
asked for the slice [start_s, end_s) at the scene fps, so its frame i lands on timeline
frame `first_frame + i`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import bpy


class StripError(ValueError):
    """A strip the add-on cannot animate (no sound, retimed, silent range)."""


def scene_fps(scene: bpy.types.Scene) -> float:
    """Frames per second: render.fps / render.fps_base (29.97 = 30 / 1.001)."""
    return scene.render.fps / scene.render.fps_base


@dataclass(frozen=True)
class StripTiming:
    """Where a strip's audio goes on the timeline."""

    first_frame: float  # timeline frame of audio time start_s
    frame_count: int  # frames to key: first_frame + i for i < frame_count
    start_s: float  # slice start in the sound file (>= 0)
    end_s: float  # slice end in the sound file
    fps: float

    def __post_init__(self) -> None:
        if not (self.fps > 0 and self.frame_count > 0 and self.end_s > self.start_s >= 0):
            raise StripError("the strip plays no audio")


def timing_from_values(*, frame_final_start: float, frame_final_end: float, frame_offset_start: float,
                       sound_offset: float, fps: float) -> StripTiming:
    """Pure mapping from a strip's numbers to its StripTiming."""
    audio_at_first = frame_offset_start / fps + sound_offset  # audio time at frame_final_start
    delay_s = max(0.0, -audio_at_first)  # a negative offset plays silence first
    first_frame = frame_final_start + delay_s * fps
    span = frame_final_end - first_frame  # frames of audible strip
    frame_count = math.ceil(span - 1e-6)
    start_s = max(0.0, audio_at_first)
    return StripTiming(first_frame=first_frame, frame_count=frame_count, start_s=start_s,
                       end_s=start_s + span / fps, fps=fps)


def strip_timing(strip: bpy.types.Strip, fps: float) -> StripTiming:
    """StripTiming of a sound strip at `fps`; raise StripError for what is not supported."""
    if strip.type != "SOUND" or strip.sound is None:
        raise StripError(f"{strip.name!r} is not a sound strip")
    if len(getattr(strip, "retiming_keys", ())) > 0:
        raise StripError(f"{strip.name!r} is retimed; clear its retiming keys first")
    try:
        return timing_from_values(frame_final_start=strip.frame_final_start, frame_final_end=strip.frame_final_end,
                                  frame_offset_start=strip.frame_offset_start,
                                  sound_offset=getattr(strip, "sound_offset", 0.0), fps=fps)
    except StripError:
        raise StripError(f"{strip.name!r} plays no audio: its trim or sound offset leaves nothing to hear; "
                         f"widen it or reset its sound offset in the Video Sequencer") from None


def strip_audio_path(strip: bpy.types.Strip, scratch_dir: Path) -> str:
    """Absolute path of the strip's audio; packed sounds are written to `scratch_dir` first."""
    sound = strip.sound
    if sound is None:
        raise StripError(f"{strip.name!r} has no sound")
    if sound.packed_file is not None:
        name = Path(bpy.path.basename(sound.filepath) or f"{sound.name}.wav").name
        target = Path(scratch_dir) / f"packed-{sound.session_uid}-{name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(sound.packed_file.data))
        return str(target)
    path = bpy.path.abspath(sound.filepath, library=sound.library)
    path = os.path.normpath(path)
    if not os.path.isfile(path):
        raise StripError(f"{strip.name!r}: audio file not found: {path}; relink the strip's sound or restore the file")
    return path
