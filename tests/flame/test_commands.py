"""`deeptalk flame ...` and `deeptalk export` run as real subprocesses."""

import subprocess
import sys

import numpy as np
import trimesh

from deeptalk.paths import standin_flame_dir

from .synthetic_flame import dump_with_fake_chumpy, tiny_flame_dict


def _deeptalk(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "deeptalk", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_standin_command_is_deterministic_and_matches_the_asset(tmp_path):
    result = _deeptalk("flame", "standin", "-o", tmp_path / "st")
    assert result.returncode == 0, result.stderr
    for name in ("standin.npz", "FLAME_NEUTRAL.npz", "flame_static_embedding.pkl"):
        assert (tmp_path / "st" / name).read_bytes() == (standin_flame_dir() / name).read_bytes(), name


def test_convert_and_info(tmp_path):
    pkl = tmp_path / "generic_model.pkl"
    pkl.write_bytes(dump_with_fake_chumpy(tiny_flame_dict()))
    result = _deeptalk("flame", "convert", pkl, "-o", tmp_path / "flame.npz")
    assert result.returncode == 0, result.stderr
    with np.load(tmp_path / "flame.npz", allow_pickle=False) as data:
        assert data["exprdirs"].shape[1:] == (3, 100) and "masks/lips" in data.files
    info = _deeptalk("flame", "info", tmp_path / "flame.npz")
    assert info.returncode == 0 and '"vertices": 642' in info.stdout
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(b"\x80\x02cposix\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R.")
    refused = _deeptalk("flame", "convert", evil, "-o", tmp_path / "evil.npz")
    assert refused.returncode == 1 and "refusing" in refused.stderr and not (tmp_path / "evil.npz").exists()


def test_export_frame_and_sequence(standin, tmp_path):
    motion = tmp_path / "motion.npz"
    exp = np.zeros((1, 4, 50), np.float32)
    exp[0, :, 1] = np.linspace(0, 1, 4)
    np.savez(motion, exp=exp, jaw=np.zeros((1, 4, 3), np.float32), fps=np.float64(25))
    single = _deeptalk("export", motion, "-o", tmp_path / "f.glb", "--frame", 2)
    assert single.returncode == 0, single.stderr
    mesh = trimesh.load(tmp_path / "f.glb", force="mesh", process=False)
    assert len(mesh.vertices) == standin.num_vertices and len(mesh.faces) == len(standin.f)
    seq = _deeptalk("export", motion, "-o", tmp_path / "seq", "--format", "obj", "--step", 2)
    assert seq.returncode == 0, seq.stderr
    assert sorted(p.name for p in (tmp_path / "seq").iterdir()) == ["frame_00000.obj", "frame_00002.obj"]
    offset = _deeptalk("export", motion, "-o", tmp_path / "seq3", "--format", "ply", "--start", 1, "--step", 2)
    assert offset.returncode == 0, offset.stderr  # file numbers are motion frame numbers
    assert sorted(p.name for p in (tmp_path / "seq3").iterdir()) == ["frame_00001.ply", "frame_00003.ply"]
    bad = _deeptalk("export", motion, "-o", tmp_path / "x", "--take", 3)
    assert bad.returncode == 1 and "take" in bad.stderr


def test_export_picks_the_stand_in_of_the_motions_basis(tmp_path):
    from deeptalk.flame.loading import load_flame

    motion = tmp_path / "v2.npz"
    np.savez(motion, exp=np.zeros((1, 2, 50), np.float32), jaw=np.zeros((1, 2, 3), np.float32), fps=np.float64(25),
             flame_basis=np.str_("standin-v2"))
    result = _deeptalk("export", motion, "-o", tmp_path / "f.obj", "--frame", 0)
    assert result.returncode == 0, result.stderr
    mesh = trimesh.load(tmp_path / "f.obj", force="mesh", process=False)
    assert len(mesh.vertices) == load_flame("standin-v2").num_vertices != load_flame("standin").num_vertices
