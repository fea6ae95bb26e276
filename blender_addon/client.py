"""The backend subprocess: spawn, JSON lines over stdin/stdout, a reader thread, stop.

`[python, "-m", "deeptalk", "serve", "--model-dir", DIR, "--device", DEV, "--max-seconds", S]` runs with
PYTHONPATH=<backend source> (so its code always matches this add-on's protocol file),
stdin/stdout pipes and stderr to a log file; never through a shell. A reader thread
decodes each stdout line with the backend's own `protocol` module and queues it; the
caller polls the queue from Blender's main thread. No bpy in this module.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from . import error_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackendSettings:
    """Everything that identifies one backend process."""

    python: str
    backend_dir: str
    model_dir: str
    device: str
    log_path: str
    max_seconds: float = 1800.0  # longest audio the backend accepts (`serve --max-seconds`)

    def __post_init__(self) -> None:
        if not self.python:
            raise ValueError("no backend Python is configured: set one in the add-on preferences "
                             "or run 'Set up backend'")
        if self.device not in ("auto", "cpu", "cuda", "mps"):
            raise ValueError(f"unknown device {self.device!r}")
        if not self.max_seconds > 0:
            raise ValueError(f"the longest audio must be positive, got {self.max_seconds} s")

    def command(self) -> list[str]:
        return [self.python, "-m", "deeptalk", "serve", "--model-dir", self.model_dir,
                "--device", self.device, "--max-seconds", f"{self.max_seconds:g}"]


@dataclass(frozen=True)
class BackendExited:
    """Queued when the backend's stdout closes; `returncode` of the finished process."""

    returncode: int | None


@dataclass(frozen=True)
class UnreadableLine:
    """A stdout line that is not a valid protocol reply (kept for the error message)."""

    text: str
    reason: str


class BackendError(RuntimeError):
    """The backend could not be started, died, or answered nonsense."""


class BackendClient:
    """One running backend process. Use from one thread (the reader thread only queues)."""

    def __init__(self, *, settings: BackendSettings, protocol: ModuleType) -> None:
        self.settings = settings
        self.protocol = protocol
        self.replies: queue.Queue[Any] = queue.Queue()
        self.hello: Any | None = None  # HelloReply once the handshake finished
        self._ids = itertools.count(1)
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        self._reader: threading.Thread | None = None
        self._log_offset = 0  # where this process's part of the (appended) log begins

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Spawn the process and the reader thread; raise BackendError if it cannot start."""
        settings = self.settings
        if not Path(settings.python).is_file():
            raise BackendError(f"backend Python not found: {settings.python}")
        Path(settings.log_path).parent.mkdir(parents=True, exist_ok=True)
        self._log_file = open(settings.log_path, "ab")  # noqa: SIM115 - closed in close()
        self._log_offset = self._log_file.tell()
        env = {**os.environ, "PYTHONPATH": settings.backend_dir, "PYTHONUNBUFFERED": "1"}
        try:
            self._proc = subprocess.Popen(settings.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=self._log_file, env=env, cwd=settings.backend_dir)
        except OSError as exc:
            self._log_file.close()
            raise BackendError(f"could not start the backend ({settings.python}): {exc}") from None
        self._reader = threading.Thread(target=self._read_loop, name="deeptalk-backend-reader", daemon=True)
        self._reader.start()
        log.info("backend started (pid %d): %s", self._proc.pid, " ".join(settings.command()))

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def new_id(self) -> str:
        return f"r{next(self._ids)}"

    def send(self, request: Any) -> None:
        """Write one request line; raise BackendError if the pipe is closed."""
        if self._proc is None or self._proc.stdin is None:
            raise BackendError("the backend is not running")
        try:
            self._proc.stdin.write(self.protocol.encode(request).encode("utf-8"))
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            try:
                code = self._proc.wait(timeout=1.0)  # a closed pipe almost always means it exited
            except subprocess.TimeoutExpired:
                raise BackendError(f"the backend stopped accepting requests ({exc}); {self.log_tail()}") from None
            raise BackendError(self.exit_message(code)) from None

    def next_reply(self, timeout: float | None) -> Any | None:
        """The next queued reply / BackendExited / UnreadableLine, or None after `timeout` s."""
        try:
            if timeout is not None and timeout <= 0:
                return self.replies.get_nowait()
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self, timeout: float = 5.0) -> None:
        """Ask for a clean shutdown, then terminate/kill if it does not exit in time."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                self.send(self.protocol.ShutdownRequest(id=self.new_id()))
            except BackendError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._finish()

    def kill(self) -> None:
        """Stop the process now (SIGKILL); the reader thread then queues BackendExited."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._finish()

    def exit_message(self, returncode: int | None) -> str:
        """One sentence on why the process ended (what to do when it lacks its packages)."""
        try:
            with open(self.settings.log_path, "rb") as handle:
                handle.seek(self._log_offset)
                text = handle.read().decode("utf-8", errors="replace")
        except OSError:
            text = ""
        return error_text.backend_exit(returncode, text, python=self.settings.python,
                                       log_path=self.settings.log_path)

    def log_tail(self, lines: int = 8) -> str:
        """The last lines of the backend's stderr log, for error messages."""
        try:
            text = Path(self.settings.log_path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no backend log)"
        tail = [line for line in text.strip().splitlines() if line.strip()][-lines:]
        return "backend log: " + (" | ".join(tail) if tail else "(empty)")

    # ------------------------------------------------------------------ internals

    def _finish(self) -> None:
        proc = self._proc
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=2.0)  # EOF follows the exit; join before closing the pipe
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
        if self._log_file is not None and not self._log_file.closed:
            self._log_file.close()

    def _read_loop(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        try:
            for raw in proc.stdout:
                if not raw.strip():
                    continue
                line = raw.rstrip(b"\r\n")
                try:
                    self.replies.put(self.protocol.decode_reply(line))
                except self.protocol.ProtocolError as exc:
                    self.replies.put(UnreadableLine(line[:200].decode("utf-8", "replace"), exc.message))
        except (OSError, ValueError):
            pass  # stdout closed under us by kill()/close()
        self.replies.put(BackendExited(proc.wait()))
