"""Export Takes (FBX): each take exactly once, at its own timeline frames, the scene left as it was."""

from __future__ import annotations

import addon_utils
import pytest

import bpy
from blender_addon import bake, takes

from . import synthetic

KTIME_PER_SECOND = 46186158000  # FBX time unit


def bake_clip(rig, clip: str, seeds: tuple[int, ...], first_frame: int, frames: int) -> None:
    motion = synthetic.make_motion(len(seeds), frames, 24.0, seed=first_frame)
    bake.commit(bake.bake(rig, bake.BakeRequest(clip=clip, exp=motion["exp"], jaw=motion["jaw"], seeds=seeds, fps=24.0,
                                                first_frame=first_frame, frame_count=frames, frame_step=1.0,
                                                knobs={})))


def animation_stacks(path) -> list[tuple[str, float, float]]:
    """(name, first frame, last frame) of every animation stack in an FBX file (the exporter's own parser)."""
    from io_scene_fbx import parse_fbx

    root, _ = parse_fbx.parse(str(path))

    def walk(element):
        for child in element.elems:
            yield child
            yield from walk(child)

    stacks = []
    for element in walk(root):
        if element.id == b"AnimationStack":
            times = {p.props[0]: p.props[-1] for p in walk(element) if p.id == b"P"}
            to_frame = 24.0 / KTIME_PER_SECOND
            stacks.append((element.props[1].split(b"\x00")[0].decode(), times.get(b"LocalStart", 0) * to_frame,
                           times.get(b"LocalStop", 0) * to_frame))
    return stacks


@pytest.fixture
def fbx_addon():
    addon_utils.enable("io_scene_fbx", default_set=False)
    yield


def test_each_take_once_at_its_own_frames(rig, fbx_addon, tmp_path):
    scene = bpy.context.scene
    scene.render.fps, scene.frame_start, scene.frame_end, scene.frame_current = 24, 1, 250, 7
    bake_clip(rig, "line a", (1, 2), first_frame=10, frames=30)
    bake_clip(rig, "b", (5,), first_frame=100, frames=20)
    mutes = [(t.clip, t.number, [track.mute for _, track in t.tracks]) for t in takes.all_takes(rig)]
    assert bpy.ops.deeptalk.export_takes_fbx(filepath=str(tmp_path / "shot.fbx")) == {"FINISHED"}
    files = sorted(p.name for p in tmp_path.glob("*.fbx"))
    assert files == ["shot_b_take1.fbx", "shot_line_a_take1.fbx", "shot_line_a_take2.fbx"]
    for name, (start, end) in (("shot_line_a_take1.fbx", (10, 39)), ("shot_line_a_take2.fbx", (10, 39)),
                               ("shot_b_take1.fbx", (100, 119))):
        (stack,) = animation_stacks(tmp_path / name)  # one stack: the take, once
        assert stack[1:] == pytest.approx((start, end), abs=1e-3), (name, stack)
    # the scene is as it was: mute flags, frame range, current frame
    assert [(t.clip, t.number, [track.mute for _, track in t.tracks]) for t in takes.all_takes(rig)] == mutes
    assert (scene.frame_start, scene.frame_end, scene.frame_current) == (1, 250, 7)


def test_blenders_default_fbx_export_repeats_takes_and_moves_them_to_frame_0(rig, fbx_addon, tmp_path):
    """Why the operator exists: the exporter's defaults do not carry the 2 takes once each (5.0 writes take 1
    twice, 4.5 leaves the muted take out), and every stack starts at frame 0 instead of frame 10."""
    bake_clip(rig, "a", (1, 2), first_frame=10, frames=30)
    bpy.ops.export_scene.fbx(filepath=str(tmp_path / "default.fbx"))
    stacks = animation_stacks(tmp_path / "default.fbx")
    assert len(stacks) != 2 and {s[1] for s in stacks} == {0.0}, stacks


def test_export_needs_takes(rig, fbx_addon, tmp_path):
    with pytest.raises(RuntimeError, match="no takes yet"):
        bpy.ops.deeptalk.export_takes_fbx(filepath=str(tmp_path / "x.fbx"))
