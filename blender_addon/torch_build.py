"""Which torch build Set up Backend installs, and from where (no bpy).

An NVIDIA GPU (found with `nvidia-smi -L`) gets a CUDA build, every other machine the
CPU build (a few hundred MB instead of several GB on Linux). PyPI's Linux torch wheels
are the CUDA builds and its Windows/macOS wheels the CPU builds, so only the other
combinations need PyTorch's own index. A wheel folder (preferences) replaces every
index: `pip --no-index --find-links FOLDER`, for machines without internet.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PYTORCH_INDEX = "https://download.pytorch.org/whl"
CUDA_TAG = "cu128"  # the CUDA build PyTorch's index serves for Windows
_GPU_LINE = re.compile(r"^GPU \d+: (.+?)(?: \(UUID:.*\))?$")


@dataclass(frozen=True)
class TorchPlan:
    """How torch gets installed: a sentence for the user and the pip arguments that do it."""

    build: str  # "CUDA" / "CPU" / "wheel folder"
    reason: str  # why, for the status line
    index_args: tuple[str, ...]  # pip arguments selecting the source

    @property
    def description(self) -> str:
        return f"torch {self.build} build ({self.reason})" if self.build != "wheel folder" else \
            f"torch from the wheel folder ({self.reason})"


def nvidia_gpus(timeout_s: float = 15.0) -> list[str]:
    """Names of the NVIDIA GPUs `nvidia-smi -L` lists ([] without the tool or a GPU)."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return []
    try:
        proc = subprocess.run([tool, "-L"], capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:
        return []
    return [m.group(1) for line in proc.stdout.splitlines() if (m := _GPU_LINE.match(line.strip()))]


def wheel_folder_args(wheel_folder: str | Path | None) -> tuple[str, ...]:
    """`--no-index --find-links FOLDER` when a wheel folder is set, else nothing."""
    return ("--no-index", "--find-links", str(Path(wheel_folder).expanduser())) if wheel_folder else ()


def plan(*, gpus: list[str], platform: str = sys.platform, wheel_folder: str | Path | None = None) -> TorchPlan:
    """The torch build for a machine with `gpus` on `platform` (pure: no probing)."""
    if wheel_folder:
        return TorchPlan("wheel folder", str(wheel_folder), wheel_folder_args(wheel_folder))
    if gpus:
        reason = f"NVIDIA GPU found: {gpus[0]}"
        if platform.startswith("win"):
            return TorchPlan("CUDA", reason, ("--index-url", f"{PYTORCH_INDEX}/{CUDA_TAG}",
                                              "--extra-index-url", "https://pypi.org/simple"))
        return TorchPlan("CUDA", reason, ())  # PyPI's Linux wheels are CUDA builds
    if platform.startswith("linux"):
        return TorchPlan("CPU", "no NVIDIA GPU found", ("--index-url", f"{PYTORCH_INDEX}/cpu",
                                                        "--extra-index-url", "https://pypi.org/simple"))
    return TorchPlan("CPU", "no NVIDIA GPU found", ())  # PyPI's Windows / macOS wheels are CPU builds


def torch_requirement(backend_dir: Path) -> str:
    """The backend's pinned torch requirement (`torch==X`) from its pyproject.toml."""
    import tomllib

    data = tomllib.loads((Path(backend_dir) / "pyproject.toml").read_text(encoding="utf-8"))
    return next((dep for dep in data["project"]["dependencies"] if re.match(r"torch\b", dep)), "torch")
