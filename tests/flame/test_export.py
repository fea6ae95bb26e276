import numpy as np
import pytest
import trimesh

from deeptalk.flame.export import (MotionArrayError, export_mesh, export_sequence, load_motion_arrays,
                                   posed_vertices)


def test_motion_arrays_accept_both_layouts(tmp_path):
    single = tmp_path / "single.npz"
    np.savez(single, exp=np.zeros((4, 50), np.float32), jaw=np.zeros((4, 3), np.float32))
    motion, fps = load_motion_arrays(single)
    assert motion.shape == (1, 4, 53) and fps == 25.0
    takes = tmp_path / "takes.npz"
    np.savez(takes, exp=np.zeros((2, 3, 50)), jaw=np.zeros((2, 3, 3)), fps=np.float64(30))
    motion, fps = load_motion_arrays(takes)
    assert motion.shape == (2, 3, 53) and fps == 30.0
    bad = tmp_path / "bad.npz"
    np.savez(bad, exp=np.zeros((3, 49)), jaw=np.zeros((3, 3)))
    with pytest.raises(MotionArrayError, match="exp must be"):
        load_motion_arrays(bad)


@pytest.mark.parametrize("fmt", ["obj", "ply", "glb"])
def test_frame_round_trips_through_trimesh(standin, standin_layer, tmp_path, fmt):
    motion = np.zeros((1, 53), np.float32)
    motion[0, 50] = 0.2
    vertices = posed_vertices(standin_layer, motion)[0]
    path = export_mesh(vertices, standin.f, tmp_path / f"frame.{fmt}")
    loaded = trimesh.load(path, force="mesh", process=False)
    assert len(loaded.vertices) == standin.num_vertices and len(loaded.faces) == len(standin.f)
    np.testing.assert_allclose(np.sort(np.asarray(loaded.vertices)[:, 1]), np.sort(vertices[:, 1]), atol=1e-5)


def test_sequence_writes_one_file_per_frame(standin, standin_layer, tmp_path):
    motion = np.zeros((3, 53), np.float32)
    motion[:, 0] = [0.0, 0.5, 1.0]
    frames = posed_vertices(standin_layer, motion)
    paths = export_sequence(frames, standin.f, tmp_path / "seq", fmt="ply")
    assert [p.name for p in paths] == ["frame_00000.ply", "frame_00001.ply", "frame_00002.ply"]
    first, last = (trimesh.load(p, process=False) for p in (paths[0], paths[-1]))
    assert len(first.vertices) == len(last.vertices) == standin.num_vertices
    assert not np.allclose(first.vertices, last.vertices)
    with pytest.raises(ValueError, match="unsupported"):
        export_mesh(frames[0], standin.f, tmp_path / "x.stl")
