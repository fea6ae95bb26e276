"""The one way DEEPTalk writes a result file: atomic, no-follow, never over an input.

`write_atomic(target, data)` (or `open_atomic` for writers that stream) guarantees:
- the target is replaced only when it does not exist or is a regular file owned by us;
  a symlink (even dangling), FIFO, device, socket or folder there is refused, never
  followed and never replaced;
- the target is never one of `inputs` (compared by device and inode, so hard links and
  symlinks to the input are caught too);
- the bytes go to a short temporary name in the target's folder, opened with
  O_CREAT|O_EXCL|O_NOFOLLOW through a descriptor of that folder, fsync'd, then renamed
  over the target (and the folder fsync'd): readers see the old file or the new one, and a
  full disk or a file-size limit leaves the old file as it was;
- every failure is an `OutputError` (an OSError) whose message names the file and says
  what to do.

`check_path_text` refuses path strings the OS cannot take (a NUL byte, `~nosuchuser`, a
name over 255 bytes) with the same kind of sentence; `private_dir` makes or verifies a
folder only we can read (0700, ours, not a symlink).

Standard library only: the Blender add-on loads `motion_io`, which writes through this file.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

NAME_MAX = 255  # bytes in one path component (Linux, macOS, Windows NTFS in UTF-16 units)
PATH_MAX = 4096
PRIVATE_MODE = 0o600
_TEMP_PREFIX = ".dt-"  # temporary names stay short: a legal 250-byte target name must work
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
log = logging.getLogger("deeptalk.safe_write")

_ERRNO_HINTS = {
    errno.ENOSPC: "the disk is full; free some space or choose another folder",
    errno.EDQUOT: "the disk quota is used up; free some space or choose another folder",
    errno.EFBIG: "the file would exceed the file-size limit; raise the limit (ulimit -f) or choose another folder",
    errno.EACCES: "permission denied; choose a folder you can write to",
    errno.EPERM: "permission denied; choose a folder you can write to",
    errno.EROFS: "the folder is on a read-only file system; choose another folder",
    errno.ENAMETOOLONG: "the name is too long; use a shorter name (at most 255 bytes per name)",
    errno.ENOENT: "the folder does not exist; create it or choose another",
    errno.ENOTDIR: "a part of the path is not a folder; check the path",
    errno.ELOOP: "the path is a symbolic link or has too many of them; write to a plain file path",
    errno.EISDIR: "it is a folder; give a file name",
}


class OutputError(OSError):
    """A file that cannot or may not be written; `message` names it and says what to do."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errno = code

    def __str__(self) -> str:
        return self.message


def describe_os_error(exc: OSError, path: str | os.PathLike[str], action: str = "cannot write") -> str:
    """One sentence for an OSError: `<action> <path>: <what to do>`."""
    hint = _ERRNO_HINTS.get(exc.errno or 0)
    reason = hint or f"{exc.strerror or exc}; check the path and try again"
    return f"{action} {os.fspath(path)}: {reason}"


def check_path_text(text: str | os.PathLike[str], what: str = "path") -> Path:
    """`text` as a Path with `~` expanded; OutputError when no OS could use it."""
    raw = os.fspath(text)
    if "\0" in raw:
        shown = raw.replace("\0", "\\0")
        raise OutputError(f"the {what} {shown!r} holds a NUL byte, which no file name may contain; "
                          f"remove it", errno.EINVAL)
    try:
        path = Path(raw).expanduser()
    except RuntimeError:
        user = raw[1:].split("/", 1)[0].split(os.sep, 1)[0]
        raise OutputError(f"the {what} {raw!r} starts with ~{user}, but there is no user {user!r}; "
                          f"write the full path", errno.ENOENT) from None
    encoded = os.fsencode(path)
    if len(encoded) >= PATH_MAX:
        raise OutputError(f"the {what} is {len(encoded)} bytes long (the limit is {PATH_MAX - 1}); "
                          f"use a shorter path", errno.ENAMETOOLONG)
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX and part != path.anchor:
            raise OutputError(f"the name {part[:40]!r}... in the {what} is {size} bytes long (the limit is "
                              f"{NAME_MAX}); use a shorter name", errno.ENAMETOOLONG)
    return path


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _input_identities(inputs: Iterable[str | os.PathLike[str]]) -> list[tuple[tuple[int, int], str]]:
    found = []
    for item in inputs:
        try:
            found.append((_identity(os.stat(item)), os.fspath(item)))
        except (OSError, ValueError):
            continue  # an input that cannot be stat'ed cannot be the target either
    return found


def check_target(folder_fd: int, name: str, shown: Path, inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Refuse a target that exists but is not a regular file of ours, or is one of `inputs`."""
    try:
        st = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        raise OutputError(f"refusing to write {shown}: it is a symbolic link, and DEEPTalk never writes "
                          f"through one; give the real file path or a new name", errno.ELOOP)
    if stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {shown}: it is a folder; give a file name inside it", errno.EISDIR)
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or
                stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise OutputError(f"refusing to write {shown}: it is {kind}, not a regular file; "
                          f"choose a new file name", errno.EINVAL)
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise OutputError(f"refusing to replace {shown}: it belongs to another user (uid {st.st_uid}); "
                          f"choose a new file name", errno.EPERM)
    for identity, source in _input_identities(inputs):
        if identity == _identity(st):
            raise OutputError(f"refusing to write {shown}: it is the input {source} of this request "
                              f"(same file); choose a different output path", errno.EINVAL)


def _open_folder(folder: Path) -> int:
    try:
        return os.open(folder, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, folder, "cannot open the folder"), exc.errno) from None


@contextlib.contextmanager
def open_atomic(target: str | os.PathLike[str], *, mode: int = 0o666,
                inputs: Iterable[str | os.PathLike[str]] = ()) -> Iterator[BinaryIO]:
    """A binary file that becomes `target` when the block ends without an exception.

    `mode` is applied through the umask (0o666 -> the user's usual file mode; 0o600 ->
    private). On an exception nothing at `target` changes and the temporary file is removed.
    Raises OutputError for every refusal or OS failure.
    """
    path = check_path_text(target, "output path")
    folder, name = path.parent, path.name
    if name in ("", ".", ".."):
        raise OutputError(f"cannot write {path}: give a file name, not a folder", errno.EISDIR)
    inputs = list(inputs)
    folder_fd = _open_folder(folder)
    tmp_name = ""
    try:
        check_target(folder_fd, name, path, inputs)
        for _ in range(8):
            tmp_name = f"{_TEMP_PREFIX}{secrets.token_hex(6)}.tmp"
            try:
                fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, mode,
                             dir_fd=folder_fd)
                break
            except FileExistsError:
                continue
            except OSError as exc:
                tmp_name = ""
                raise OutputError(describe_os_error(exc, path), exc.errno) from None
        else:
            raise OutputError(f"cannot write {path}: no free temporary name in {folder}", errno.EEXIST)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            check_target(folder_fd, name, path, inputs)  # again: the folder may have changed meanwhile
            os.rename(tmp_name, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
            tmp_name = ""
        except OSError as exc:
            if isinstance(exc, OutputError):
                raise
            raise OutputError(describe_os_error(exc, path), exc.errno) from None
        with contextlib.suppress(OSError):
            os.fsync(folder_fd)
    finally:
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name, dir_fd=folder_fd)
        os.close(folder_fd)


def write_atomic(target: str | os.PathLike[str], data: bytes, *, mode: int = 0o666,
                 inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Write `data` to `target` (see `open_atomic`); return the target path (folder resolved)."""
    with open_atomic(target, mode=mode, inputs=inputs) as handle:
        view = memoryview(data)
        for start in range(0, len(view), 1 << 20):
            handle.write(view[start:start + (1 << 20)])
    path = check_path_text(target, "output path")
    return Path(os.path.realpath(path.parent)) / path.name


def private_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """A folder only this user can use: `path` (default `<tmp>/deeptalk-out-<uid>`) when it is a
    real folder (not a symlink) owned by us (made 0700 when missing, tightened to 0700 when
    ours and looser); otherwise a fresh `mkdtemp` folder. Never follows a symlink at `path`."""
    uid = os.geteuid() if hasattr(os, "geteuid") else 0
    folder = Path(path) if path is not None else Path(tempfile.gettempdir()) / f"deeptalk-out-{uid}"
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        log.warning("cannot create %s (%s); results go to a fresh private folder", folder, exc.strerror)
        return Path(tempfile.mkdtemp(prefix=f"deeptalk-out-{uid}-"))
    problem = verify_private_dir(folder)
    if problem is not None and problem.startswith("others may"):
        try:  # ours and a real folder: tighten it through a descriptor that cannot be a symlink
            fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
            try:
                if hasattr(os, "geteuid") and os.fstat(fd).st_uid == os.geteuid():
                    os.fchmod(fd, 0o700)
            finally:
                os.close(fd)
        except OSError:
            pass
        problem = verify_private_dir(folder)
    if problem is None:
        return folder
    fresh = Path(tempfile.mkdtemp(prefix=f"deeptalk-out-{uid}-"))
    log.warning("not using %s for results: %s; using the fresh private folder %s", folder, problem, fresh)
    return fresh


def verify_private_dir(folder: str | os.PathLike[str]) -> str | None:
    """None when `folder` is a real folder owned by us with no group/other access, else why not."""
    try:
        st = os.lstat(folder)
    except OSError as exc:
        return f"cannot inspect it ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return f"it belongs to another user (uid {st.st_uid})"
    if st.st_mode & 0o077:
        return f"others may read or write it (mode {stat.S_IMODE(st.st_mode):o})"
    return None
