"""The real backend's result baked and reported without a sound strip, so it runs on every bpy of the
matrix (bpy 4.2 wheels cannot make sound strips), and the take count of the status line."""

from __future__ import annotations

import uuid

import soundfile

import bpy
from blender_addon import animate, backend_locator, compat, operators_animate, preferences, takes
from blender_addon.batch import BatchRun, PreparedClip

from .test_operators_animate import DEMO


def prepared_clip(tmp_path, *, takes_: int, seed: int = 3) -> PreparedClip:
    """What `animate.prepare_strip` makes for a strip: here for 2 s of the demo line at 24 fps."""
    audio, rate = soundfile.read(DEMO, dtype="float32")
    wav = tmp_path / f"{uuid.uuid4().hex}.wav"
    soundfile.write(wav, audio[: 2 * rate], rate)
    knobs = {"alpha": 0.5, "temperature_top": 1.0, "temperature_bottom": 1.0, "seed": seed, "takes": takes_,
             "emotion": None, "emotion_weight": 0.0}
    params = {"audio_path": str(wav), "output_path": str(animate.scratch_dir() / f"{uuid.uuid4().hex}.npz"),
              "start_s": 0.0, "end_s": 2.0, "fps": 24.0, **knobs}
    backend_locator.protocol().AnimateRequest(id="check", **params)
    return PreparedClip(clip="line", params=params, first_frame=10, frame_count=48, knobs=knobs, clip_id="id-1")


def test_status_line_counts_takes_not_actions(rig, backend, tmp_path):
    """On 4.2 each take is two actions (face keys + rig); the message said "6 take(s)" for 3."""
    bpy.context.scene.render.fps = 24
    clips = [prepared_clip(tmp_path, takes_=3)]
    run = BatchRun(settings=preferences.backend_settings(), clips=clips)
    run.run_blocking(poll_s=0.1)
    reports = []
    result = operators_animate.finish_run(bpy.context, run, clips, lambda kind, text: reports.append((kind, text)))
    assert result == {"FINISHED"}, reports
    assert reports == [({"INFO"}, "Animated 1 strip(s): 3 take(s)")]
    clip_takes = takes.strip_takes(rig, "line", "id-1")
    assert [(t.number, t.seed) for t in clip_takes] == [(1, 3), (2, 4), (3, 5)]
    assert takes.count_takes([a for t in clip_takes for a in t.actions]) == 3
    # one action per take (two on 4.2: face keys + rig) plus its expression layer (`expression_layer`)
    assert len({a.name for t in clip_takes for a in t.actions}) == 3 * ((1 if compat.HAS_SLOTS else 2) + 1)
