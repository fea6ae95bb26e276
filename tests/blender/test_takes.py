"""Takes in the animator's first hour: Animate again samples anew; takes follow a renamed strip."""

from __future__ import annotations

import numpy as np
import pytest

import bpy
from blender_addon import compat, rig as rig_mod, takes

from .test_operators_animate import add_strip, keys, set_fps, speech  # noqa: F401 (speech is a fixture)


def exp_curve(take, rig):
    return keys(take, rig_mod.shape_keys_of(rig), 'key_blocks["exp004"].value')[1]


@pytest.mark.needs_audio
def test_animate_again_with_the_same_settings_makes_a_new_take_with_a_new_seed(rig, backend, speech):
    set_fps(24)
    add_strip(speech["clip1"], name="again", frame_start=1, trim=(0, 0))
    settings = bpy.context.scene.deeptalk
    settings.seed, settings.takes = 7, 2
    settings.temperature_top = settings.temperature_bottom = 1.0  # sampling on: seeds matter
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}  # pressed again, nothing changed
    clip_takes = takes.strip_takes(rig, "again", takes.strip_id(compat.find_strip(bpy.context.scene, "again")))
    assert [(t.number, t.seed) for t in clip_takes] == [(1, 7), (2, 8), (3, 9), (4, 10)]
    assert settings.seed == 7  # the field stays the base seed
    assert all(t.action["deeptalk_base_seed"] == 7 for t in clip_takes)
    assert [t.active for t in clip_takes] == [False, False, True, False]
    assert not np.allclose(exp_curve(clip_takes[0], rig), exp_curve(clip_takes[2], rig))  # not a copy
    first = exp_curve(clip_takes[0], rig)
    settings.replace_takes = True  # replacing starts from the base seed again: same settings, same motion
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    replaced = takes.strip_takes(rig, "again", takes.strip_id(compat.find_strip(bpy.context.scene, "again")))
    assert [(t.number, t.seed) for t in replaced] == [(5, 7), (6, 8)]
    assert np.allclose(exp_curve(replaced[0], rig), first, atol=1e-6)


@pytest.mark.needs_audio
def test_takes_follow_a_renamed_strip(rig, backend, speech):
    set_fps(24)
    strip = add_strip(speech["clip0"], name="line_v1", frame_start=1, trim=(0, 0))
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    strip.name = "hero_line"
    (old,) = takes.takes_of_strip(rig, strip)  # the panel still lists it under the new name
    assert old.number == 1 and old.active
    assert bpy.ops.deeptalk.use_take(clip="hero_line", number=1) == {"FINISHED"}
    bpy.context.scene.deeptalk.replace_takes = True
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}  # Replace Takes finds the old take
    (new,) = takes.takes_of_strip(rig, strip)
    assert new.number == 2 and new.active and new.clip == "hero_line"
    playing = [track.name for target in takes.animated_ids(rig) for track in target.animation_data.nla_tracks
               if not track.mute and "take" in track.name and not track.name.endswith(("blinks", "eyes", "head", "expression"))]
    assert len(playing) == 2 and all("take 2" in name for name in playing)  # one take plays, on both IDs
    assert not [a for a in bpy.data.actions if a.get(takes.TAKE_PROP) == 1]  # the old take's actions are gone


@pytest.mark.needs_audio
def test_a_copied_strip_gets_its_own_takes(rig, backend, speech):
    set_fps(24)
    original = add_strip(speech["clip0"], name="orig", frame_start=1, trim=(0, 0))
    assert bpy.ops.deeptalk.animate_strip() == {"FINISHED"}
    copy = add_strip(speech["clip0"], name="copy", frame_start=200, trim=(0, 0), channel=2)
    copy[takes.CLIP_ID_PROP] = original[takes.CLIP_ID_PROP]  # what Shift+D / copy-paste carries over
    assert bpy.ops.deeptalk.animate_strip(strip_name="copy") == {"FINISHED"}
    assert takes.strip_id(copy) != takes.strip_id(original)
    assert [t.number for t in takes.takes_of_strip(rig, original)] == [1]
    assert [t.number for t in takes.takes_of_strip(rig, copy)] == [1]
    assert all(t.active for t in takes.all_takes(rig))


def test_next_seeds_skips_used_seeds():
    used = [takes.Take(clip="c", number=i, seed=s) for i, s in enumerate((3, 4, 6), 1)]
    assert takes.next_seeds([], 3, 2) == 3
    assert takes.next_seeds(used, 3, 1) == 5
    assert takes.next_seeds(used, 3, 2) == 7


def test_takes_match_the_strip_id_whatever_the_name(rig):
    """The bake side of a rename (runs without sound strips, so on every bpy of the matrix)."""
    from blender_addon import bake

    from . import synthetic

    def request(clip: str, seed: int):
        motion = synthetic.make_motion(1, 12, 24.0, seed=seed)
        return bake.BakeRequest(clip=clip, exp=motion["exp"], jaw=motion["jaw"], seeds=(seed,), fps=24.0,
                                first_frame=1, frame_count=12, frame_step=1.0, knobs={}, clip_id="strip-id")

    bake.commit(bake.bake(rig, request("old name", 1)))
    assert [t.number for t in takes.strip_takes(rig, "new name", "strip-id")] == [1]
    assert [t.number for t in takes.strip_takes(rig, "old name")] == [1]  # by the name it was made under
    bake.commit(bake.bake(rig, request("new name", 2), replace=True))
    (kept,) = takes.all_takes(rig)
    assert (kept.number, kept.seed, kept.clip, kept.active) == (2, 2, "new name", True)
