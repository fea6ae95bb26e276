"""ICT-FaceKit import from a tiny synthetic folder in ICT's layout (written here; no ICT data is used)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import bpy
from blender_addon import axes, backend_locator, ict_facekit, mesh_target

EXPRESSIONS = ("eyeBlink_L", "eyeBlink_R", "jawOpen", "mouthSmile_L", "mouthSmile_R", "browInnerUp_L",
               "browInnerUp_R", "cheekRaiser_L", "mouthClose", "mouthPress_L", "mouthPress_R")


def grid(n: int = 5) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    ys, xs = np.mgrid[0:n, 0:n].astype(float)
    verts = np.stack([xs.ravel() - 2, ys.ravel() - 2, np.zeros(n * n)], 1) * 4.0  # centimetres, Y up
    quads = [(r * n + c, r * n + c + 1, (r + 1) * n + c + 1, (r + 1) * n + c) for r in range(n - 1) for c in range(n - 1)]
    return verts, quads


def write_obj(path: Path, verts: np.ndarray, quads) -> None:
    lines = [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in verts] + ["vt 0 0"]
    lines += ["f " + " ".join(f"{i + 1}/1" for i in q) for q in quads]
    path.write_text("# synthetic\n" + "\n".join(lines) + "\n")


@pytest.fixture
def ict_folder(tmp_path):
    root = tmp_path / "ICT-FaceKit-master" / "FaceXModel"
    root.mkdir(parents=True)
    verts, quads = grid()
    write_obj(root / "generic_neutral_mesh.obj", verts, quads)
    for k, name in enumerate(EXPRESSIONS):
        moved = verts.copy()
        moved[k % len(verts), 2] += 1.0 + k  # one vertex forward by (1 + k) cm
        write_obj(root / f"{name}.obj", moved, quads)
    write_obj(root / "identity000.obj", verts * 2, quads)  # identity modes are not expressions
    write_obj(root / "broken.obj", verts[:-1], quads[:-4])
    return root.parent, verts


def test_import_builds_an_arkit_character(ict_folder, capfd):
    folder, verts = ict_folder
    assert bpy.ops.deeptalk.import_ict_facekit(directory=str(folder)) == {"FINISHED"}
    assert "skipped 1: broken.obj (24 vertices, the neutral has 25)" in capfd.readouterr().out
    obj = bpy.context.scene.deeptalk_arkit_mesh
    assert obj is not None and obj.name == "ICT_head"
    key = obj.data.shape_keys
    names = [b.name for b in key.key_blocks]
    for expected in ("Basis", "eyeBlinkLeft", "eyeBlinkRight", "jawOpen", "mouthSmileLeft", "browInnerUp",
                     "cheekRaiser_L", "mouthPressRight"):
        assert expected in names, expected
    assert "identity000" not in names and "broken" not in names
    co = np.empty(3 * len(verts), np.float32)
    key.key_blocks["jawOpen"].data.foreach_get("co", co)
    want = verts.copy()
    want[2, 2] += 3.0
    assert np.allclose(co.reshape(-1, 3), axes.to_blender(want * 0.01), atol=1e-6)  # metres, Z up
    key.key_blocks["browInnerUp"].data.foreach_get("co", co)
    both = verts.copy()
    both[5, 2] += 6.0
    both[6, 2] += 7.0
    assert np.allclose(co.reshape(-1, 3), axes.to_blender(both * 0.01), atol=1e-6)  # L + R summed
    assert mesh_target.check_mesh_target(obj) is None
    mapping = mesh_target.auto_mapping(obj)
    assert mapping["eyeBlinkLeft"] == "eyeBlinkLeft" and mapping["browInnerUp"] == "browInnerUp"
    assert len(obj.data.polygons) == 16


def test_not_an_ict_folder_is_refused_with_what_to_do(tmp_path):
    objects = len(bpy.data.objects)
    with pytest.raises(RuntimeError, match="not an ICT-FaceKit folder"):
        bpy.ops.deeptalk.import_ict_facekit(directory=str(tmp_path))
    assert len(bpy.data.objects) == objects
    with pytest.raises(ict_facekit.IctFolderError, match="no expression OBJs"):
        verts, quads = grid()
        write_obj(tmp_path / "generic_neutral_mesh.obj", verts, quads)
        ict_facekit.read_folder(tmp_path, mesh_target.arkit_names())


def test_standin_arkit_head_imports_as_a_complete_character(tmp_path):
    """`deeptalk arkit-head` writes the stand-in's ARKit shapes in ICT's layout; the importer reads them back.

    The backend runs in its own (torch) Python, as from Blender; it also writes the expected smile shape."""
    python = backend_locator.default_python(None) or Path(sys.executable)
    script = ("import sys, numpy as np; from deeptalk.flame.standin import standin_model; "
              "from deeptalk.retarget.obj_folder import write_arkit_obj_folder; "
              "from deeptalk.retarget.shapes import build_arkit_shapes; "
              "m = standin_model(); s = build_arkit_shapes(m); write_arkit_obj_folder(m, s, sys.argv[1]); "
              "np.save(sys.argv[2], m.v_template + s.deltas[s.names.index('mouthSmileLeft')])")
    subprocess.run([str(python), "-c", script, str(tmp_path / "standin-arkit"), str(tmp_path / "want.npy")],
                   check=True, timeout=300, env={**os.environ, "PYTHONPATH": str(backend_locator.backend_dir())})
    assert bpy.ops.deeptalk.import_ict_facekit(directory=str(tmp_path / "standin-arkit")) == {"FINISHED"}
    obj = bpy.context.scene.deeptalk_arkit_mesh
    assert mesh_target.unmatched(obj) == []  # all 52 channels, exact names
    key = obj.data.shape_keys.key_blocks["mouthSmileLeft"]
    smile = np.load(tmp_path / "want.npy")
    co = np.empty(3 * len(smile), np.float32)
    key.data.foreach_get("co", co)
    want = axes.to_blender(smile)
    assert np.abs(co.reshape(-1, 3) - want).max() < 2e-6  # 5 decimals of a centimetre
