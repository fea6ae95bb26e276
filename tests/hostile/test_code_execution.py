"""No code execution from data: checkpoints and FLAME pickles carrying payloads are refused
(the payload never runs) on every path a user takes, and the source keeps the rules that
make that true (weights-only torch loads, no pickle/eval/shell, argument lists for commands)."""

from __future__ import annotations

import ast
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import bpy
import pytest
import torch

from deeptalk.model_dir import ModelDirError, load_inference_models
from deeptalk.models.checkpoint import load_checkpoint
from deeptalk.models.lipreader import LipReaderConfig, MotionLipReader
from deeptalk.serve_client import RemoteError, ServeClient

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted([*REPO.glob("backend/deeptalk/**/*.py"), *REPO.glob("blender_addon/**/*.py"),
                  *REPO.glob("scripts/**/*.py"), *REPO.glob("bench/**/*.py"), REPO / "build_addon.py"])


class TouchPayload:
    """Unpickling this with plain pickle runs `touch <marker>`."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def evil_checkpoint(path: Path, marker: Path) -> Path:
    """A file shaped like ours whose state dict smuggles a payload."""
    torch.save({"format": 1, "model": "MotionLipReader", "config": {}, "state_dict": {"w": TouchPayload(marker)},
                "extra": {}}, path)
    return path


def test_a_checkpoint_with_a_payload_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        load_checkpoint(evil_checkpoint(tmp_path / "evil.pt", marker), MotionLipReader, LipReaderConfig)
    assert not marker.exists()


def test_a_model_folder_with_a_payload_or_a_foreign_file_is_named(tiny_model_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = shutil.copytree(tiny_model_dir, tmp_path / "evil-model")
    evil_checkpoint(evil / "generator.pt", marker)
    with pytest.raises(ModelDirError, match=r"generator\.pt: not a usable Generator checkpoint"):
        load_inference_models(evil)
    foreign = shutil.copytree(tiny_model_dir, tmp_path / "foreign-model")
    torch.save({"weights": torch.zeros(3)}, foreign / "dee.pt")  # someone else's (harmless) checkpoint
    with pytest.raises(ModelDirError, match=r"dee\.pt: not a usable DEE checkpoint .*not a deeptalk checkpoint"):
        load_inference_models(foreign)
    with ServeClient.start(model_dir=evil, device="cpu", args=["--no-warmup"]) as client:  # the user's path
        with pytest.raises(RemoteError) as info:
            client.hello(timeout=120)
    assert info.value.code == "model_error" and "generator.pt" in info.value.message
    assert "deeptalk train" in info.value.message  # what to do
    assert not marker.exists()


def evil_flame_pickle(path: Path, marker: Path) -> Path:
    path.write_bytes(pickle.dumps({"v_template": TouchPayload(marker), "f": [[0, 1, 2]]}, protocol=2))
    return path


def test_a_flame_pickle_with_a_payload_is_refused_by_the_cli(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    done = subprocess.run([sys.executable, "-m", "deeptalk", "flame", "convert",
                           str(evil_flame_pickle(tmp_path / "generic_model.pkl", marker)), "-o", str(tmp_path / "out.npz")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "refusing to load global posix.system" in done.stderr or "refusing to load global os.system" in done.stderr
    assert not marker.exists() and not (tmp_path / "out.npz").exists()


def test_a_flame_pickle_with_a_payload_is_refused_in_blender(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    objects_before = sorted(o.name for o in bpy.data.objects)
    with pytest.raises(RuntimeError, match=r"a pickle that asks to run code \((posix|os)\.system\)"):
        bpy.ops.deeptalk.add_flame_head(filepath=str(evil_flame_pickle(tmp_path / "generic_model.pkl", marker)))
    assert not marker.exists()
    assert sorted(o.name for o in bpy.data.objects) == objects_before


# ----------------------------------------------------------------------------- the rules, in the source


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (f"{func.value.id}.{func.attr}" if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    else func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else "")
            yield name, node


def keyword(node: ast.Call, name: str):
    found = next((k.value for k in node.keywords if k.arg == name), None)
    return found.value if isinstance(found, ast.Constant) else found


def test_the_source_never_runs_code_from_data() -> None:
    assert len(SOURCES) > 80
    problems = []
    for path in SOURCES:
        where = path.relative_to(REPO)
        for name, node in calls(ast.parse(path.read_text(encoding="utf-8"))):
            at = f"{where}:{node.lineno}"
            if keyword(node, "shell") is not None and keyword(node, "shell") is not False:
                problems.append(f"{at}: shell=")
            if name in ("torch.load", "from_pretrained") and keyword(node, "weights_only") is not True:
                problems.append(f"{at}: {name} without weights_only=True")
            if name == "np.load" and keyword(node, "allow_pickle") is not False:
                problems.append(f"{at}: np.load without allow_pickle=False")
            if name in ("pickle.load", "pickle.loads", "marshal.loads", "os.system", "os.popen") or (
                    isinstance(node.func, ast.Name) and name in ("eval", "exec", "__import__")):
                problems.append(f"{at}: {name}")
            if name.startswith("subprocess.") and node.args and not isinstance(node.args[0], (ast.List, ast.Name,
                                                                                               ast.Call, ast.Attribute)):
                problems.append(f"{at}: {name} with a command string")
    assert problems == []
