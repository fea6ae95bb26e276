#!/usr/bin/env python3
"""Project entry point: set up the environment, run the demo or the tests, build the extension zip.

    python3 build_addon.py demo    # set up .venv, animate a sample line on the embedded default
    python3 build_addon.py test    # set up .venv, run the whole test suite and, beside it, the Blender matrix
    python3 build_addon.py matrix  # only the Blender matrix (bpy 4.2 / 4.5 LTS, and 5.2 LTS with python3.13)
    python3 build_addon.py build   # (default) write dist/deeptalk-<version>.zip for Blender
    python3 build_addon.py setup   # only create/refresh .venv

Standard library only, so it runs with any Python 3.11 before anything is installed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

from scripts import blender_matrix

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
DIST = ROOT / "dist"
BACKEND = ROOT / "backend"
ADDON = ROOT / "blender_addon"
ASSETS = ROOT / "assets"
STAMP = VENV / ".deeptalk-setup-stamp"
# (Debian package, file that proves it is installed): speech synthesis for the corpus builder and test audio
APT_PACKAGES = (
    ("espeak-ng", "espeak-ng"),
    ("festival", "festival"),
    ("festvox-kallpc16k", "/usr/share/festival/voices/english/kal_diphone/festvox/kal_diphone.scm"),
    ("festvox-kdlpc16k", "/usr/share/festival/voices/english/ked_diphone/festvox/ked_diphone.scm"),
    ("festvox-us-slt-hts", "/usr/share/festival/voices/us/cmu_us_slt_arctic_hts/festvox/cmu_us_slt_arctic_hts.scm"),
    # Italian diphone voices (female lp, male pc): other timbres and another language's prosody
    ("festvox-italp16k", "/usr/share/festival/voices/italian/lp_diphone/festvox/lp_diphone.scm"),
    ("festvox-itapc16k", "/usr/share/festival/voices/italian/pc_diphone/festvox/pc_diphone.scm"),
    ("flite", "flite"),
)
# both stand-in heads: v2 is the default (the embedded model's basis); v1 stays for rigs and models made
# in its basis and as the reference head of the ARKit retargeter
ZIP_ASSET_DIRS = ("models/default", "flame/standin-v2", "flame/standin", "audio")
SKIP_NAMES = {"__pycache__", ".pytest_cache", ".DS_Store"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


def say(message: str) -> None:
    print(f"[deeptalk] {message}", flush=True)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(cmd: list[str], **kwargs) -> None:
    """Run a command (never through a shell), failing loudly."""
    subprocess.run(cmd, check=True, **kwargs)


# ----------------------------------------------------------------------------- setup


def setup_fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update((BACKEND / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def ensure_venv() -> Path:
    """Create `.venv` with the backend (editable) and dev tools; a no-op when up to date."""
    fingerprint = setup_fingerprint()
    if venv_python().exists() and STAMP.exists() and STAMP.read_text() == fingerprint:
        say(f"environment up to date: {VENV}")
        return venv_python()
    if not venv_python().exists():
        say(f"creating virtual environment {VENV}")
        run([sys.executable, "-m", "venv", str(VENV)])
    say("installing the backend and its dependencies (torch CPU, bpy, ...); the first time takes ~2 min")
    run([str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q",
         "-e", f"{BACKEND}[dev]"])
    STAMP.write_text(fingerprint)
    say("environment ready")
    return venv_python()


def ensure_apt_packages() -> None:
    """Install the Debian packages the tests need when missing and we may (root + apt-get)."""
    missing = [package for package, proof in APT_PACKAGES
               if not (Path(proof).is_file() if os.path.isabs(proof) else shutil.which(proof))]
    if not missing:
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say(f"installing system packages: {', '.join(missing)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        run(["apt-get", "install", "-y", "-q", *missing], env=env, stdout=subprocess.DEVNULL)
    else:
        raise SystemExit(f"missing system packages {', '.join(missing)}: install them "
                         f"(e.g. `sudo apt-get install {' '.join(missing)}`) and run again")


# ----------------------------------------------------------------------------- commands


def cmd_setup(_: argparse.Namespace) -> int:
    ensure_venv()
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    """The whole suite in `.venv` (Blender 5.0) and, at the same time, the Blender matrix (other releases).

    pytest runs on one core, so the matrix runs beside it (its output in `.venvs/logs/`) instead of
    after it. With extra pytest arguments only the main run happens (a quick local re-run).
    """
    ensure_apt_packages()
    python = ensure_venv()
    pytest_args = args.pytest_args or []
    started = time.monotonic()
    matrix = None
    if not pytest_args:
        say("running the test suite and, beside it, the Blender matrix")
        matrix = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        matrix_result = matrix.submit(blender_matrix.run_matrix, [], log_dir=blender_matrix.ENVS / "logs")
    else:
        say("running the test suite")
    result = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args],
                            cwd=ROOT)
    say(f"main suite (bpy {blender_matrix.MAIN_BLENDER.bpy}): exit {result.returncode} in "
        f"{time.monotonic() - started:.0f} s")
    if matrix is None:
        return result.returncode
    matrix_code = matrix_result.result()
    matrix.shutdown()
    say(f"main suite and Blender matrix done in {time.monotonic() - started:.0f} s")
    return result.returncode or matrix_code


def cmd_matrix(args: argparse.Namespace) -> int:
    """Only the Blender matrix; extra arguments go to each pytest run."""
    ensure_apt_packages()
    ensure_venv()  # the backend the tests talk to
    return blender_matrix.run_matrix(args.pytest_args or [])


def cmd_demo(args: argparse.Namespace) -> int:
    python = ensure_venv()
    say("running the demo: stand-in head + sample line, animated through the add-on")
    demo = [str(python), "-m", "scripts.demo", "--out", str(args.out)]
    return subprocess.run(demo, cwd=ROOT).returncode


def cmd_build(args: argparse.Namespace) -> int:
    path = build_extension_zip(Path(args.dist))
    say(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    say("install it in Blender: Edit > Preferences > Get Extensions > Install from Disk")
    return 0


# ----------------------------------------------------------------------------- extension zip


def addon_version() -> str:
    manifest = tomllib.loads((ADDON / "blender_manifest.toml").read_text(encoding="utf-8"))
    return str(manifest["version"])


def iter_files(base: Path):
    for path in sorted(base.rglob("*")):
        if path.is_file() and not (SKIP_NAMES & set(path.parts)) and path.suffix not in SKIP_SUFFIXES:
            yield path


def build_extension_zip(dist: Path = DIST) -> Path:
    """The add-on at the zip root, plus `backend/` (source) and the shipped `assets/`."""
    dist.mkdir(parents=True, exist_ok=True)
    target = dist / f"deeptalk-{addon_version()}.zip"
    tmp = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in iter_files(ADDON):
            archive.write(path, path.relative_to(ADDON).as_posix())
        archive.write(BACKEND / "pyproject.toml", "backend/pyproject.toml")
        archive.write(BACKEND / "README.md", "backend/README.md")
        for path in iter_files(BACKEND / "deeptalk"):
            archive.write(path, "backend/" + path.relative_to(BACKEND).as_posix())
        for sub in ZIP_ASSET_DIRS:
            for path in iter_files(ASSETS / sub) if (ASSETS / sub).is_dir() else ():
                archive.write(path, "assets/" + path.relative_to(ASSETS).as_posix())
    os.replace(tmp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("setup", help="create or refresh .venv").set_defaults(func=cmd_setup)
    test = sub.add_parser("test", help="set up, then run the test suite")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments")
    test.set_defaults(func=cmd_test)
    matrix = sub.add_parser("matrix", help="run the Blender-facing tests on bpy 4.2 / 4.5 (/ 5.2) only")
    matrix.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments")
    matrix.set_defaults(func=cmd_matrix)
    demo = sub.add_parser("demo", help="set up, then animate a sample line on the embedded default")
    demo.add_argument("--out", default=str(ROOT / "out"), help="output folder (default: out/)")
    demo.set_defaults(func=cmd_demo)
    build = sub.add_parser("build", help="write the Blender extension zip")
    build.add_argument("--dist", default=str(DIST))
    build.set_defaults(func=cmd_build)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        args = parser.parse_args(["build"])
    try:
        return args.func(args)
    except subprocess.CalledProcessError as exc:
        say(f"command failed ({exc.returncode}): {' '.join(map(str, exc.cmd))}")
        return exc.returncode or 1


if __name__ == "__main__":
    raise SystemExit(main())
