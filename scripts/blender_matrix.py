"""The Blender version matrix: the add-on's Blender-facing tests on every supported bpy.

`python3 build_addon.py test` runs the whole suite in `.venv` (bpy 5.0.1 beside torch)
and, on the other core at the same time (the main suite keeps to one), this matrix: each
other Blender release in its own cached environment `.venvs/bpy-<version>/` (bpy + numpy +
the few test tools; no torch: the add-on never imports it, and the tests reach the backend
through `.venv`'s Python as a subprocess, exactly like Blender does). Blender 5.1+ runs Python 3.13 (the bpy 5.2 wheel is
cp313-only); that entry runs where a working `python3.13` exists (or
`DEEPTALK_PYTHON313` names one) and says so clearly when not.

Standard library only (it runs before anything is installed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / ".venvs"
# The Blender-facing tests: install the built zip, add a head, animate strips through the
# real backend, takes, bake, import/export, farm entry, registration.
TEST_PATHS = ("tests/blender", "tests/test_build_addon.py")
TEST_TOOLS = ("pytest>=8", "soundfile>=0.12", "scipy>=1.11", "trimesh>=4")  # bpy pins its own numpy


@dataclass(frozen=True)
class BlenderTarget:
    """One matrix entry: a bpy wheel and the CPython minor version it is built for."""

    label: str  # what users call it: "4.2 LTS"
    bpy: str  # exact version on PyPI
    python: str  # "3.11" / "3.13"

    @property
    def env_dir(self) -> Path:
        return ENVS / f"bpy-{self.bpy}"


# 5.0.1 (Python 3.11) is `.venv`'s own bpy: the main suite covers it.
MAIN_BLENDER = BlenderTarget("5.0", "5.0.1", "3.11")
MATRIX: tuple[BlenderTarget, ...] = (
    BlenderTarget("4.2 LTS", "4.2.23", "3.11"),
    BlenderTarget("4.5 LTS", "4.5.15", "3.11"),
    BlenderTarget("5.2 LTS", "5.2.3", "3.13"),
)


@dataclass(frozen=True)
class MatrixResult:
    target: BlenderTarget
    status: str  # "passed" / "FAILED" / "not available"
    seconds: float
    detail: str = ""


def say(message: str) -> None:
    print(f"[deeptalk] {message}", flush=True)


def interpreter_candidates(minor: str) -> list[str]:
    """Where a CPython `minor` may live: the override, PATH, then common install places
    (pyenv's versions folder, /usr/local, /usr) -- a pyenv shim on PATH may not run."""
    override = os.environ.get(f"DEEPTALK_PYTHON{minor.replace('.', '')}")
    if override:
        return [override]
    found = [shutil.which(f"python{minor}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found += [str(p) for p in sorted((pyenv_root / "versions").glob(f"{minor}*/bin/python{minor}"), reverse=True)]
    found += [f"/usr/local/bin/python{minor}", f"/usr/bin/python{minor}"]
    seen: list[str] = []
    for path in found:
        if path and path not in seen and Path(path).is_file():
            seen.append(path)
    return seen


def probe_interpreter(candidate: str, minor: str) -> str:
    """"" when `candidate` runs as CPython `minor` with venv, else why not."""
    try:
        probe = subprocess.run([candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{candidate} does not run ({exc})"
    if probe.returncode != 0 or probe.stdout.strip() != minor:
        first = (probe.stderr.strip().splitlines() or ["wrong version " + probe.stdout.strip()])[0]
        return f"{candidate} does not run as Python {minor} ({first})"
    return ""


def find_interpreter(minor: str) -> tuple[str | None, str]:
    """(path, "") of a working CPython `minor`, or (None, why not)."""
    if sys.version_info[:2] == tuple(int(p) for p in minor.split(".")):
        return sys.executable, ""
    candidates = interpreter_candidates(minor)
    if not candidates:
        return None, f"no python{minor} found (set DEEPTALK_PYTHON{minor.replace('.', '')} to use one elsewhere)"
    reasons = []
    for candidate in candidates:
        problem = probe_interpreter(candidate, minor)
        if not problem:
            return candidate, ""
        reasons.append(problem)
    return None, "; ".join(reasons)


def _fingerprint(target: BlenderTarget, interpreter: str) -> str:
    digest = hashlib.sha256()
    digest.update(" ".join((target.bpy, *TEST_TOOLS)).encode())
    digest.update(subprocess.run([interpreter, "-c", "import sys; print(sys.version)"], capture_output=True,
                                 text=True, timeout=60).stdout.encode())
    return digest.hexdigest()


def env_python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_env(target: BlenderTarget, interpreter: str) -> Path:
    """Create or refresh `.venvs/bpy-<version>`; a no-op when its stamp matches."""
    stamp = target.env_dir / ".deeptalk-setup-stamp"
    fingerprint = _fingerprint(target, interpreter)
    python = env_python(target.env_dir)
    if python.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        say(f"bpy {target.bpy} environment up to date: {target.env_dir}")
        return python
    if not python.exists():
        say(f"creating {target.env_dir} (Python {target.python}) for Blender {target.label}")
        subprocess.run([interpreter, "-m", "venv", str(target.env_dir)], check=True)
    say(f"installing bpy {target.bpy} and the test tools (the first time downloads ~400 MB)")
    subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                    f"bpy=={target.bpy}", *TEST_TOOLS], check=True)
    stamp.write_text(fingerprint)
    return python


def run_target(target: BlenderTarget, pytest_args: list[str], log: Path | None = None) -> MatrixResult:
    """Set up `target`'s environment and run the Blender-facing tests in it; with `log`, pytest's
    output goes to that file (its tail is printed when the run fails)."""
    started = time.monotonic()
    interpreter, why = find_interpreter(target.python)
    if interpreter is None:
        return MatrixResult(target, "not available", 0.0, why)
    try:
        python = ensure_env(target, interpreter)
    except (subprocess.CalledProcessError, OSError) as exc:
        return MatrixResult(target, "FAILED", time.monotonic() - started, f"setting up its environment failed: {exc}")
    say(f"Blender {target.label} (bpy {target.bpy}, Python {target.python}): running {' '.join(TEST_PATHS)}"
        + (f" (output in {log})" if log else ""))
    with tempfile.TemporaryDirectory(prefix=f"deeptalk-bpy-{target.bpy}-") as user:
        # the backend runs in `.venv` (found beside the add-on in a checkout, as in the main suite)
        env = {**os.environ, "BLENDER_USER_RESOURCES": user}
        command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *TEST_PATHS, *pytest_args]
        if log is None:
            proc = subprocess.run(command, cwd=ROOT, env=env)
        else:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("w", encoding="utf-8") as out:
                proc = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            if proc.returncode != 0:
                tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-80:]
                say(f"Blender {target.label} failed; the last lines of {log}:\n" + "\n".join(tail))
    status = "passed" if proc.returncode == 0 else "FAILED"
    return MatrixResult(target, status, time.monotonic() - started,
                        "" if proc.returncode == 0 else f"pytest exit {proc.returncode}")


def run_matrix(pytest_args: list[str] | None = None, targets: tuple[BlenderTarget, ...] = MATRIX,
               log_dir: Path | None = None) -> int:
    """Run every target; print one line each; 0 when none failed (unavailable ones don't fail).
    With `log_dir`, each target's pytest output goes to `log_dir/bpy-<version>.log`."""
    results = [run_target(target, list(pytest_args or []),
                          None if log_dir is None else log_dir / f"bpy-{target.bpy}.log") for target in targets]
    say("Blender matrix (the main suite ran on bpy "
        f"{MAIN_BLENDER.bpy} = Blender {MAIN_BLENDER.label}):")
    for result in results:
        line = f"  Blender {result.target.label:8} bpy {result.target.bpy:7} Python {result.target.python}: "
        if result.status == "not available":
            line += f"NOT RUN - Python {result.target.python} is not available here: {result.detail}"
        else:
            line += f"{result.status} in {result.seconds:.0f} s" + (f" ({result.detail})" if result.detail else "")
        say(line)
    return 1 if any(r.status == "FAILED" for r in results) else 0
