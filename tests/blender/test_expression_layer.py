"""The keyable emotion intensity: each take's expression channels on an ADD NLA track whose influence scales them."""

from __future__ import annotations

import numpy as np
import pytest

import bpy
from blender_addon import (axes, bake, compat, emotion_readout, emotion_track, expression_channels, expression_layer,
                           rig as rig_mod, takes)

from . import synthetic

EMOTIONS = ("neutral", "happy", "sad")
SPLIT = expression_channels.SPLITS[synthetic.MODEL_BASIS]  # the synthetic head claims the model's basis
SPEECH = [i for i in range(50) if i not in SPLIT.expression]  # lips and blinks: never scaled


def make_request(*, frames=40, takes_=2, seed=3, face=None) -> bake.BakeRequest:
    motion = synthetic.make_motion(takes_, frames, 24.0, seed=seed)
    track = np.random.default_rng(seed).dirichlet(np.ones(3), size=2)
    return bake.BakeRequest(
        clip="line", exp=motion["exp"], jaw=motion["jaw"], seeds=tuple(range(seed, seed + takes_)), fps=24.0,
        first_frame=10.0, frame_count=frames, frame_step=1.0, knobs={"alpha": 0.5}, emotions=EMOTIONS,
        emotion_track=track, emotion_summary=emotion_track.summarize(EMOTIONS, track, np.zeros(8)), face_emotion=face)


def evaluated(rig, frame: int) -> tuple[np.ndarray, np.ndarray]:
    """(50,) shape-key values and (3,) FLAME jaw of the evaluated rig at `frame`."""
    bpy.context.scene.frame_set(frame)
    key = rig_mod.shape_keys_of(rig)
    exp = np.array([key.key_blocks[name].value for name in rig_mod.expression_keys(rig)])
    quat = np.array([rig.pose.bones[rig_mod.JAW_BONE].rotation_quaternion])
    return exp, axes.bone_quaternion_to_flame_jaw(quat, rig_mod.jaw_rest(rig))[0]


def test_split_table_covers_every_component_once():
    for split in expression_channels.SPLITS.values():
        parts = [*split.articulation, *split.blinks, *split.expression]
        assert sorted(parts) == list(range(50))
        assert len(split.expression) >= 20


def test_each_take_gets_an_expression_strip_that_plays_the_generated_face(rig):
    request = make_request()
    bake.commit(bake.bake(rig, request))
    clip_takes = takes.strip_takes(rig, "line")
    assert [t.action.name for t in clip_takes] == ["line.take1.seed3", "line.take2.seed4"]
    key = rig_mod.shape_keys_of(rig)
    names = rig_mod.expression_keys(rig)
    for take in clip_takes:
        strip = expression_layer.intensity_strip(take)
        assert strip is not None and strip.blend_type == "ADD" and strip.use_animated_influence
        assert strip.influence == pytest.approx(1.0)
        layer_paths = {f.data_path for f in compat.iter_fcurves(strip.action, key)}
        assert layer_paths == {f'key_blocks["{names[i]}"].value' for i in SPLIT.expression}
    exp, jaw = evaluated(rig, 10 + 20)  # take 1 is active; intensity 1 = the generated motion
    assert np.allclose(exp, request.exp[0, 20], atol=1e-5)
    assert np.allclose(jaw, request.jaw[0, 20], atol=1e-5)
    takes.use_take(rig, "line", 2)
    exp, _ = evaluated(rig, 10 + 20)
    assert np.allclose(exp, request.exp[1, 20], atol=1e-5)  # the layer switches with its take


def test_intensity_zero_rests_the_expression_and_keeps_lips_and_jaw(rig):
    request = make_request()
    bake.commit(bake.bake(rig, request))
    take = takes.active_take(rig, "line")
    expression_layer.set_intensity(expression_layer.intensity_strip(take), 0.0)
    for sample in (5, 20, 33):
        exp, jaw = evaluated(rig, 10 + sample)
        assert np.allclose(exp[list(SPLIT.expression)], 0.0, atol=1e-6)  # the neutral face ...
        assert np.allclose(exp[SPEECH], request.exp[0, sample, SPEECH], atol=1e-5)  # ... with the same lips
        assert np.allclose(jaw, request.jaw[0, sample], atol=1e-5)
    assert np.abs(request.exp[0, :, list(SPLIT.expression)]).max() > 0.05  # there was expression to remove


def test_keyed_intensity_ramps_the_expression_over_time(rig):
    request = make_request()
    bake.commit(bake.bake(rig, request))
    strip = expression_layer.intensity_strip(takes.active_take(rig, "line"))
    expression_layer.set_intensity(strip, 0.0, frame=14)
    expression_layer.set_intensity(strip, 1.0, frame=34)
    curve = strip.fcurves.find("influence")
    for point in curve.keyframe_points:
        point.interpolation = "LINEAR"
    channels = list(SPLIT.expression)
    for frame, weight in ((14, 0.0), (19, 0.25), (24, 0.5), (34, 1.0)):
        exp, _ = evaluated(rig, frame)
        sample = frame - 10
        assert np.allclose(exp[channels], weight * request.exp[0, sample, channels], atol=1e-5), frame
        assert np.allclose(exp[SPEECH], request.exp[0, sample, SPEECH], atol=1e-5)
    exp, _ = evaluated(rig, 24)  # scrubbing back: no lag, no memory of the last frame
    assert np.allclose(exp[channels], 0.5 * request.exp[0, 14, channels], atol=1e-5)


def test_replacing_and_rolling_back_remove_the_layer_too(rig):
    bake.commit(bake.bake(rig, make_request()))
    layer_names = {a.name for a in bpy.data.actions if expression_layer.is_layer(a)}
    assert len(layer_names) == 2
    bake.commit(bake.bake(rig, make_request(takes_=1, seed=9), replace=True))
    remaining = {a.name for a in bpy.data.actions if expression_layer.is_layer(a)}
    assert len(remaining) == 1 and not remaining & layer_names
    before = sorted(a.name for a in bpy.data.actions)
    outcome = bake.bake(rig, make_request(seed=20))
    bake.rollback(outcome)
    assert sorted(a.name for a in bpy.data.actions) == before
    key = rig_mod.shape_keys_of(rig)
    assert sum(t.name.endswith("expression") for t in key.animation_data.nla_tracks) == 1


def test_a_basis_without_a_split_keeps_its_takes_whole(rig):
    rig["deeptalk_flame_basis"] = "flame2020"
    request = make_request(takes_=1)
    bake.commit(bake.bake(rig, request))
    take = takes.active_take(rig, "line")
    assert expression_layer.intensity_strip(take) is None
    exp, _ = evaluated(rig, 10 + 7)
    assert np.allclose(exp, request.exp[0, 7], atol=1e-5)


def test_face_reading_is_stored_per_take_and_read_out_beside_the_voice(rig):
    face = np.array([[0.05, 0.9, 0.05], [0.7, 0.2, 0.1]])
    bake.commit(bake.bake(rig, make_request(face=face)))
    clip_takes = takes.strip_takes(rig, "line")
    for take, row in zip(clip_takes, face):
        assert np.allclose(list(take.action[emotion_readout.FACE_PROBS]), row)
        assert sum(take.action[emotion_readout.FACE_PROBS]) == pytest.approx(1.0)
    voice = str(clip_takes[0].action["deeptalk_dominant_emotion"])
    confidence = round(100 * float(clip_takes[0].action["deeptalk_emotion_confidence"]))
    assert emotion_readout.readout(clip_takes[0].action) == f"Voice: {voice} {confidence} % \u00b7 Face: happy 90 %"
    assert emotion_readout.face_text(clip_takes[1].action) == "Face: neutral 70 %"


def test_without_a_face_reading_the_panel_keeps_heard(rig):
    bake.commit(bake.bake(rig, make_request(takes_=1)))
    action = takes.active_take(rig, "line").action
    assert emotion_readout.FACE_PROBS not in action.keys() and emotion_readout.face_text(action) == ""
    assert emotion_readout.heard_text(action, "sad", 0.5) == "Heard: sad (50%)"


@pytest.mark.needs_audio
def test_animating_a_strip_reads_voice_and_face_and_gives_a_keyable_intensity(rig, backend, tmp_path):
    """End to end through the real backend subprocess: the panel's readout and intensity for the active take."""
    import soundfile

    from blender_addon import backend_locator

    audio, rate = soundfile.read(backend_locator.assets_dir() / "audio" / "demo_line.wav", dtype="float32")
    path = tmp_path / "line.wav"
    soundfile.write(path, audio[: int(2.5 * rate)], rate)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 25, 1.0
    strip = compat.new_sound_strip(scene, name="line", filepath=str(path), channel=1, frame_start=1)
    scene.sequence_editor.active_strip = strip
    scene.deeptalk.takes = 2
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    clip_takes = takes.takes_of_strip(rig, strip)
    assert len(clip_takes) == 2
    names = str(clip_takes[0].action["deeptalk_emotion_names"]).split(",")
    for take in clip_takes:
        probs = list(take.action[emotion_readout.FACE_PROBS])
        assert len(probs) == len(names) and sum(probs) == pytest.approx(1.0, abs=1e-4)
        assert str(take.action[emotion_readout.FACE_DOMINANT]) in names
    text = emotion_readout.readout(takes.active_take(rig, "line").action)
    assert text.startswith("Voice: ") and " \u00b7 Face: " in text and text.endswith(" %")
    strip_ = expression_layer.intensity_strip(takes.active_take(rig, "line"))
    assert strip_ is not None
    frame = 30
    full, _ = evaluated(rig, frame)
    expression_layer.set_intensity(strip_, 0.0, frame=frame)
    rest, _ = evaluated(rig, frame)
    channels = list(SPLIT.expression)
    assert np.allclose(rest[channels], 0.0, atol=1e-6) and np.allclose(rest[SPEECH], full[SPEECH], atol=1e-6)
