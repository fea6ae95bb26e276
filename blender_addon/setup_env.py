"""Create the add-on-managed backend environment: venv + torch + pip install of the shipped backend.

Runs in a worker thread so the "Set up backend" operator can poll `fraction`/`stage`
from a timer; every step is a subprocess with an argument list (no shell), its output
appended to a log file. torch comes first, as the build `torch_build.plan` picks (CUDA
with an NVIDIA GPU, else CPU; or whatever a wheel folder holds). A pip that cannot reach
the package index is reported as such, with what to do instead. No bpy in this module.
"""

from __future__ import annotations

import logging
import re
import subprocess
import threading
from pathlib import Path
from typing import Sequence

from . import torch_build
from .backend_locator import venv_python

log = logging.getLogger(__name__)

# pip prints these for each requirement; each one nudges the progress bar.
_PIP_PROGRESS = re.compile(r"^(Collecting|Downloading|Using cached|Requirement already satisfied|"
                           r"Building|Installing collected packages|Successfully installed)\b")
# pip output that means the package index could not be reached.
_OFFLINE = re.compile(r"NewConnectionError|Failed to establish a new connection|Temporary failure in name "
                      r"resolution|Name or service not known|Network is unreachable|Could not resolve host|"
                      r"ConnectTimeout|Max retries exceeded|nodename nor servname|getaddrinfo failed|"
                      r"No matching distribution found|Could not find a version that satisfies")


class SetupJob:
    """venv -> pip install backend -> import check, in a thread; poll `finished`/`error`."""

    def __init__(self, *, base_python: str, env_dir: Path, backend_dir: Path, log_path: Path,
                 pip_args: Sequence[str] = (), wheel_folder: str = "",
                 torch_plan: torch_build.TorchPlan | None = None) -> None:
        self.base_python = base_python
        self.env_dir = Path(env_dir)
        self.backend_dir = Path(backend_dir).resolve()  # pip reads a bare relative name as a project name
        self.log_path = Path(log_path)
        self.pip_args = tuple(pip_args)
        self.wheel_folder = wheel_folder
        self.torch_plan = torch_plan or torch_build.plan(gpus=torch_build.nvidia_gpus(), wheel_folder=wheel_folder)
        self.offline = False  # pip could not reach the package index
        self.fraction = 0.0
        self.stage = "waiting"
        self.error = ""
        self.finished = False
        self._cancelled = threading.Event()
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="deeptalk-setup", daemon=True)

    @property
    def python(self) -> Path:
        """The environment's interpreter (valid once the job succeeded)."""
        return venv_python(self.env_dir)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return self.finished

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()

    def steps(self) -> list[tuple[str, list[str], float]]:
        """(stage name, command, progress at the end of the step)."""
        python = str(self.python)
        pip = [python, "-m", "pip", "install", "--disable-pip-version-check"]
        steps = [("creating virtual environment", [self.base_python, "-m", "venv", str(self.env_dir)], 0.1)]
        if "--no-deps" not in self.pip_args:  # dependencies wanted: torch first, from the planned source
            steps.append((f"installing {self.torch_plan.description}",
                          [*pip, *self.torch_plan.index_args, *self.pip_args,
                           torch_build.torch_requirement(self.backend_dir)], 0.7))
        steps += [
            ("installing the backend and its dependencies",
             [*pip, *torch_build.wheel_folder_args(self.wheel_folder), *self.pip_args, str(self.backend_dir)], 0.95),
            ("checking the installation", [python, "-c", "import deeptalk; print(deeptalk.__version__)"], 1.0),
        ]
        return steps

    def _run(self) -> None:
        start = 0.0
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a", encoding="utf-8") as log_file:
                for stage, command, end in self.steps():
                    if self._cancelled.is_set():
                        self.error = "cancelled"
                        return
                    self.stage, self.fraction = stage, start
                    log_file.write(f"$ {' '.join(command)}\n")
                    log_file.flush()
                    code = self._run_step(command, log_file, start, end)
                    if self._cancelled.is_set():
                        self.error = "cancelled"
                        return
                    if code != 0:
                        self.error = self._failure(stage, code)
                        return
                    start = end
            self.fraction, self.stage = 1.0, "done"
        except OSError as exc:
            self.error = f"{self.stage} failed: {exc}"
        finally:
            self.finished = True

    def _run_step(self, command: list[str], log_file, start: float, end: float) -> int:
        with self._lock:
            self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                          bufsize=1)
        assert self._proc.stdout is not None
        seen = 0
        for line in self._proc.stdout:
            log_file.write(line)
            if _OFFLINE.search(line):
                self.offline = True
            if _PIP_PROGRESS.match(line.strip()):
                seen += 1
                # approach `end` without reaching it: 1 - 1/(1 + n/8)
                self.fraction = start + (end - start) * (1.0 - 1.0 / (1.0 + seen / 8.0))
                self.stage = line.strip()[:80]
        return self._proc.wait()

    def _failure(self, stage: str, code: int) -> str:
        """One sentence for a failed step; pip's own output stays in the log."""
        if self.offline and self.wheel_folder:
            return (f"{stage} failed: the wheel folder {self.wheel_folder} lacks a package the backend needs "
                    f"(fill it with `pip download` on a machine with internet); details in {self.log_path}")
        if self.offline:
            return (f"{stage} failed: it needs the Python package index (pypi.org) and could not reach it; "
                    f"connect to the internet, or set a Wheel Folder in the add-on preferences (wheels "
                    f"fetched with `pip download`); details in {self.log_path}")
        return f"{stage} failed (exit {code}); details in {self.log_path}"
