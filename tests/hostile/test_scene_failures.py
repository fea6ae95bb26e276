"""Hostile scenes through the real Animate operator and backend: each failure names the problem
and what to do, and leaves the scene (earlier takes, the user's own keys and properties)
byte-for-byte as it was; odd NTSC / high frame rates animate onto the strip's exact frames;
the backend keeps serving after every failure.

Every test first animates one strip for real ("kept"), so the rig has prior animation, then
adds animation and properties of the user's own (`add_user_data`), then runs the case.
In background mode an operator that reports ERROR raises RuntimeError carrying the message.
"""

from __future__ import annotations

import re
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile

import bpy
from blender_addon import backend_locator, backend_session, compat, rig as rig_mod, takes, timeline

from blender.scene_state import scene_state

DEMO = backend_locator.assets_dir() / "audio" / "demo_line.wav"
SCENE_UNCHANGED = "the scene is unchanged"


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    """Two short real-speech clips (1.5 s and 1.25 s) cut from the demo line."""
    folder = tmp_path_factory.mktemp("hostile-speech")
    audio, rate = soundfile.read(DEMO, dtype="float32")
    clips = {}
    for name, (start, end) in {"first": (0.0, 1.5), "second": (1.5, 2.75)}.items():
        clips[name] = folder / f"{name}.wav"
        soundfile.write(clips[name], audio[int(start * rate):int(end * rate)], rate, subtype="PCM_16")
    return clips


def set_fps(fps: int, base: float = 1.0) -> None:
    bpy.context.scene.render.fps, bpy.context.scene.render.fps_base = fps, base


def add_strip(path, *, name: str, frame_start: int, channel: int = 1, trim=(0, 0)):
    strip = compat.new_sound_strip(bpy.context.scene, name=name, filepath=str(path), channel=channel,
                                   frame_start=frame_start)
    strip.frame_offset_start, strip.frame_offset_end = trim
    return strip


def animate(strip_name: str) -> None:
    assert bpy.ops.deeptalk.animate_strip(strip_name=strip_name) == {"FINISHED"}


def animate_fails(strip_name: str, *fragments: str) -> str:
    """Run the operator on a strip that must fail; return the message after checking its fragments."""
    with pytest.raises(RuntimeError, match=re.escape(fragments[0])) as info:
        bpy.ops.deeptalk.animate_strip(strip_name=strip_name)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def add_user_data(rig) -> None:
    """The user's own work beside the DEEPTalk takes: keys on a shape key and the jaw, properties."""
    key = rig_mod.shape_keys_of(rig)
    block = key.key_blocks["exp005"]
    for frame, value in ((3, 0.25), (30, -0.75)):
        block.value = value
        assert block.keyframe_insert("value", frame=frame)
    jaw = rig.pose.bones[rig_mod.JAW_BONE]
    jaw.rotation_quaternion = (0.98, 0.2, 0.0, 0.0)
    assert jaw.keyframe_insert("rotation_quaternion", frame=5)
    jaw.location = (0.0, 0.01, 0.0)
    key.key_blocks["exp049"].slider_max = 3.0
    key.key_blocks["exp048"].mute = True
    rig["user_note"] = "keep me"
    rig_mod.face_of(rig)["user_weight"] = [1.0, 2.0, 3.5]


@pytest.fixture
def shot(rig, backend, speech):
    """A rig animated once from the strip "kept" (24 fps), plus the user's own keys and properties."""
    set_fps(24)
    add_strip(speech["first"], name="kept", frame_start=1)
    animate("kept")
    client = backend_session.current()
    assert client is not None
    add_user_data(rig)
    (take,) = takes.strip_takes(rig, "kept")
    assert take.active
    return SimpleNamespace(rig=rig, client=client, take_action=take.action.name)


def assert_backend_kept(shot) -> None:
    """The same backend process serves on: a failed request does not cost a restart."""
    assert backend_session.current() is shot.client and shot.client.alive


# ------------------------------------------------------------------ failures caught in the add-on


def test_deleted_audio_file_is_named_with_its_path(shot, speech, tmp_path):
    audio = tmp_path / "moved away.wav"
    shutil.copy(speech["second"], audio)
    add_strip(audio, name="gone", frame_start=60)
    audio.unlink()  # moved or deleted after the strip was added
    before = scene_state(shot.rig)
    animate_fails("gone", "'gone': audio file not found", str(audio), "relink the strip's sound")
    assert scene_state(shot.rig) == before
    assert_backend_kept(shot)


@pytest.mark.parametrize("how", ["trimmed_away", "offset_past_start"])
def test_strip_that_plays_no_audio(shot, speech, how):
    strip = add_strip(speech["second"], name="silent", frame_start=60)
    duration = strip.frame_final_duration
    assert duration == 30  # 1.25 s at 24 fps
    if how == "trimmed_away":  # Blender accepts trims that overlap: the strip ends before it starts
        strip.frame_offset_start, strip.frame_offset_end = 20, 20
        assert strip.frame_final_end <= strip.frame_final_start
    else:  # a negative sound offset longer than the strip: only the silence before the sound is visible
        strip.sound_offset = -2.0
    before = scene_state(shot.rig)
    animate_fails("silent", "'silent' plays no audio", "Video Sequencer")
    assert scene_state(shot.rig) == before
    assert_backend_kept(shot)


def test_rig_with_a_deleted_expression_key(shot, speech):
    rig = shot.rig
    face = rig_mod.face_of(rig)
    face.shape_key_remove(face.data.shape_keys.key_blocks["exp007"])
    add_strip(speech["second"], name="line", frame_start=60)
    before = scene_state(rig)
    message = animate_fails("line", f"'{rig.name}' has no face mesh with the 50 expression shape keys",
                            "missing exp007", "Add FLAME Head")
    assert "exp006" not in message and "exp008" not in message  # only what is missing is named
    assert scene_state(rig) == before
    assert_backend_kept(shot)


def test_plain_mesh_as_target_rig(shot, speech):
    mesh = bpy.data.meshes.new("box")
    mesh.from_pydata([(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)], [],
                     [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)])
    cube = bpy.data.objects.new("Box", mesh)
    bpy.context.scene.collection.objects.link(cube)
    cube["user_tag"] = 7
    cube.location = (1.0, 2.0, 3.0)
    assert cube.keyframe_insert("location", frame=1)
    bpy.context.scene.deeptalk.rig = cube  # the panel's picker refuses it; a script or an old file need not
    add_strip(speech["second"], name="line", frame_start=60)
    before, rig_before = scene_state(cube), scene_state(shot.rig)
    animate_fails("line", "'Box' is not a DEEPTalk FLAME rig", "Add FLAME Head")
    assert scene_state(cube) == before and scene_state(shot.rig) == rig_before
    assert tuple(cube.location) == (1.0, 2.0, 3.0) and cube["user_tag"] == 7
    assert_backend_kept(shot)


# ------------------------------------------------------------------ failures the backend reports


def _text_named_wav(path):
    path.write_bytes(b"this is a text file, not audio\n" * 40)


def _truncated_wav(path):
    path.write_bytes(path.read_bytes()[:20000])  # the data chunk promises ~40000 bytes


def _header_only_wav(path):
    path.write_bytes(path.read_bytes()[:44])  # a RIFF header, no samples


@pytest.mark.parametrize("damage,code,says,hint", [
    (_text_named_wav, "audio_unreadable", "not a readable audio file", "use a WAV, FLAC, OGG or MP3 file"),
    (_truncated_wav, "audio_invalid", "WAV file is truncated", "export the audio again from its source"),
    (_header_only_wav, "audio_empty", "holds no samples", "choose a file or strip range that holds sound"),
], ids=["text_renamed_wav", "truncated_wav", "header_only_wav"])
def test_damaged_audio_file_is_refused_by_the_backend(shot, speech, tmp_path, damage, code, says, hint):
    audio = tmp_path / "line.wav"
    shutil.copy(speech["second"], audio)
    add_strip(audio, name="damaged", frame_start=60)  # a valid file when the strip is added ...
    damage(audio)  # ... replaced on disk before animating
    before = scene_state(shot.rig)
    animate_fails("damaged", f"damaged: backend error ({code})", says, str(audio), hint, SCENE_UNCHANGED)
    assert scene_state(shot.rig) == before
    assert_backend_kept(shot)


def test_text_file_added_directly_as_a_strip(shot, tmp_path):
    """Blender adds any file as a 1-frame sound strip; the backend names what is wrong with it."""
    notes = tmp_path / "notes.wav"
    _text_named_wav(notes)
    strip = add_strip(notes, name="notes", frame_start=60)
    assert strip.frame_final_duration == 1
    before = scene_state(shot.rig)
    animate_fails("notes", "notes: backend error (audio_unreadable)", str(notes),
                  "use a WAV, FLAC, OGG or MP3 file", SCENE_UNCHANGED)
    assert scene_state(shot.rig) == before
    assert_backend_kept(shot)


# ------------------------------------------------------------------ odd frame rates succeed


@pytest.mark.parametrize("fps,base", [(24, 1.001), (30, 1.001), (60, 1.0)], ids=["23.976", "29.97", "60"])
def test_ntsc_and_high_frame_rates_key_the_strips_frames(shot, speech, fps, base):
    rig = shot.rig
    before = scene_state(rig)
    set_fps(fps, base)
    scene = bpy.context.scene
    editor = scene.sequence_editor
    (editor.strips if hasattr(editor, "strips") else editor.sequences).remove(compat.find_strip(scene, "kept"))
    strip = add_strip(speech["second"], name="kept", frame_start=41, trim=(3, 2))  # new audio, same clip name
    timing = timeline.strip_timing(strip, fps / base)
    assert timing.frame_count == strip.frame_final_duration and timing.first_frame == 44
    animate("kept")
    old, new = takes.strip_takes(rig, "kept")
    assert (old.active, new.active) == (False, True)  # the new take is active, the earlier one muted
    assert old.action.name == shot.take_action and new.action["deeptalk_fps"] == pytest.approx(fps / base)
    key = rig_mod.shape_keys_of(rig)
    for target, data_path in ((key, 'key_blocks["exp000"].value'), (rig, 'pose.bones["jaw"].rotation_quaternion')):
        fcurve = compat.find_fcurve(new.actions, target, data_path, 0)
        co = np.empty(2 * len(fcurve.keyframe_points), dtype=np.float32)
        fcurve.keyframe_points.foreach_get("co", co)
        assert len(co) // 2 == timing.frame_count
        assert np.array_equal(co[0::2], timing.first_frame + np.arange(timing.frame_count))
    after = scene_state(rig)
    # every action that existed (the earlier take, the user's keys) is byte-for-byte the same
    assert {name: after["actions"][name] for name in before["actions"]} == before["actions"]
    assert without_values(after) == without_values(before)  # (values: what frame 1 evaluates to now)
    # the emotion properties are animated too, so only their names are compared
    assert [name for name, _ in after["rig_props"]] == [name for name, _ in before["rig_props"]]
    assert ("user_note", repr("keep me")) in after["rig_props"]
    assert after["children_props"] == before["children_props"]


def without_values(state: dict) -> list:
    """The shape key blocks' settings, without the animated values."""
    return [block[:1] + block[2:] for block in state["shape_keys"]["blocks"]]


# ------------------------------------------------------------------ and the backend still serves


def test_backend_serves_after_failures(shot, speech, tmp_path):
    bad = tmp_path / "bad.wav"
    _text_named_wav(bad)
    add_strip(bad, name="bad", frame_start=60)
    animate_fails("bad", "backend error (audio_unreadable)")
    add_strip(speech["second"], name="good", frame_start=100)
    before = scene_state(shot.rig)
    animate("good")
    assert_backend_kept(shot)
    (take,) = takes.strip_takes(shot.rig, "good")
    assert take.active and take.action["deeptalk_frames"] == 30
    assert scene_state(shot.rig)["actions"][shot.take_action] == before["actions"][shot.take_action]
