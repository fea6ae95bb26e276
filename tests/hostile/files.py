"""File-system helpers for the hostile output tests: exact snapshots of folders, the real CLI,
planted targets (symlinks, FIFOs, hard links, other users' files), and tampered model folders."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Callable

DEEPTALK = Path(sys.executable).with_name("deeptalk")  # the console script beside the venv's python
TIMEOUT = 180
OTHER_UID = 54321  # a user id that owns nothing here


def snapshot(*roots: Path) -> dict[str, tuple]:
    """Every entry under `roots` (not following links): kind, mode, owner, and its bytes' sha256
    (regular files) or link text (symlinks). Two snapshots compare with `==`."""
    found: dict[str, tuple] = {}
    for root in roots:
        entries = [root] + sorted(root.rglob("*")) if root.is_dir() and not root.is_symlink() else [root]
        for path in entries:
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(st.st_mode):
                detail = hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                detail = os.readlink(path)
            else:
                detail = ""
            found[str(path)] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, detail)
    return found


def unchanged_except(before: dict[str, tuple], after: dict[str, tuple], *new: Path) -> None:
    """Every entry of `before` is in `after` exactly as it was; the only additions are `new`."""
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == sorted(str(p) for p in new)


def run_cli(*args: str | Path, env: dict[str, str] | None = None,
            preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """`deeptalk <args>` as a user runs it (the console script, a fresh process)."""
    return subprocess.run([str(DEEPTALK), *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT,
                          env={**os.environ, **(env or {})}, preexec_fn=preexec)


def cli_animate(model_dir: Path, audio: Path | str, *extra: str | Path,
                preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("animate", audio, "--model-dir", model_dir, "--device", "cpu", "--threads", "1",
                   "--no-progress", *extra, preexec=preexec)


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


def owned_by_other_user(path: Path) -> Path:
    """`path` handed to another user id (as root), or a file that already belongs to one (otherwise)."""
    if os.geteuid() == 0:
        os.chown(path, OTHER_UID, OTHER_UID)
        return path
    for candidate in (Path("/etc/passwd"), Path("/etc/hostname")):
        if candidate.is_file() and candidate.stat().st_uid != os.geteuid():
            return candidate
    raise AssertionError("no file of another user found")


def copy_model(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def rehash(model_dir: Path) -> None:
    """Record the current files' sha256s in the manifest (as a model writer would)."""
    from deeptalk.model_dir import read_manifest, write_manifest

    write_manifest(model_dir, read_manifest(model_dir))


def edit_checkpoint(path: Path, edit: Callable[[dict], None], *, record_hashes: bool = True) -> None:
    """Load a checkpoint's plain payload, `edit` it in place, save it back (and re-record hashes)."""
    import torch

    payload = torch.load(path, map_location="cpu", weights_only=True)
    edit(payload)
    torch.save(payload, path)
    if record_hashes:
        rehash(path.parent)
