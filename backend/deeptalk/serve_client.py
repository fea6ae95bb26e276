"""A Python client for `deeptalk serve` (used by `deeptalk batch`, the benchmark and tests).

Starts the server as a child process (`python -m deeptalk serve ...`), writes request
lines to its stdin and reads replies from its stdout on a reader thread. Stdlib only.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Callable, Sequence

from deeptalk.protocol import (
    AnimateRequest,
    ErrorReply,
    HelloReply,
    HelloRequest,
    ProgressReply,
    ProtocolError,
    Reply,
    Request,
    ResultReply,
    ShutdownRequest,
    decode_reply,
    encode,
)

log = logging.getLogger(__name__)

class ServeClosed(RuntimeError):
    """The server process ended (or closed stdout) before answering."""


class RemoteError(RuntimeError):
    """An `error` reply: `code` is the protocol's stable code."""

    def __init__(self, reply: ErrorReply) -> None:
        super().__init__(f"{reply.code}: {reply.message}")
        self.code = reply.code
        self.message = reply.message


class ServeClient:
    """One running `deeptalk serve` child process."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self._replies: queue.Queue[Reply | None] = queue.Queue()
        self._backlog: list[Reply] = []
        self.stray_lines: list[bytes] = []  # stdout lines that were not protocol replies (should stay empty)
        self._write_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read_loop, name="serve-client-reader", daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, *, model_dir: Path | None = None, device: str = "auto", args: Sequence[str] = (),
              stderr: int | IO[bytes] | None = None, env: dict[str, str] | None = None) -> ServeClient:
        """Spawn `python -m deeptalk serve` with this interpreter."""
        command = [sys.executable, "-m", "deeptalk", "serve", "--device", device, *args]
        if model_dir is not None:
            command += ["--model-dir", str(model_dir)]
        log.debug("starting %s", command)
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                   env=env if env is not None else os.environ.copy())
        return cls(process)

    # ------------------------------------------------------------------ wire

    def send(self, request: Request) -> None:
        self.send_raw(encode(request).encode("utf-8"))

    def send_raw(self, data: bytes) -> None:
        """Write raw bytes (tests use it for malformed lines)."""
        assert self.process.stdin is not None
        with self._write_lock:
            try:
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as exc:
                raise ServeClosed(f"the server's stdin is closed ({exc})") from None

    def read(self, timeout: float) -> Reply:
        """The next reply (backlog first); TimeoutError or ServeClosed otherwise."""
        if self._backlog:
            return self._backlog.pop(0)
        try:
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no reply within {timeout:g} s") from None
        if reply is None:
            self._replies.put(None)  # keep reporting closed
            raise ServeClosed(f"the server exited (status {self.process.poll()})")
        return reply

    def wait_for(self, request_id: str, timeout: float,
                 on_progress: Callable[[ProgressReply], None] | None = None) -> Reply:
        """The terminal reply (result/error/hello/bye/ok) for `request_id`; others are kept for later reads."""
        deadline = time.monotonic() + timeout
        kept: list[Reply] = []
        backlog, self._backlog = self._backlog, []
        try:
            while True:
                if backlog:
                    reply = backlog.pop(0)
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(f"no answer to {request_id!r} within {timeout:g} s")
                    reply = self.read(remaining)
                if reply.id == request_id:
                    if isinstance(reply, ProgressReply):
                        if on_progress is not None:
                            on_progress(reply)
                        continue
                    return reply
                kept.append(reply)
        finally:
            self._backlog = kept + backlog + self._backlog

    # ------------------------------------------------------------------ calls

    def hello(self, timeout: float = 120.0) -> HelloReply:
        self.send(HelloRequest(id="hello"))
        reply = self.wait_for("hello", timeout)
        if isinstance(reply, ErrorReply):
            raise RemoteError(reply)
        assert isinstance(reply, HelloReply), reply
        return reply

    def animate(self, request: AnimateRequest, timeout: float | None = None,
                on_progress: Callable[[ProgressReply], None] | None = None) -> ResultReply:
        self.send(request)
        reply = self.wait_for(request.id, timeout if timeout is not None else 1e9, on_progress)
        if isinstance(reply, ErrorReply):
            raise RemoteError(reply)
        assert isinstance(reply, ResultReply), reply
        return reply

    def close(self, timeout: float = 10.0) -> int:
        """Ask for shutdown, wait, kill if needed; the exit status."""
        if self.process.poll() is None:
            try:
                self.send(ShutdownRequest(id="shutdown"))
                self.process.wait(timeout)
            except (ServeClosed, subprocess.TimeoutExpired):
                self.kill()
        self._close_pipes()
        return int(self.process.wait())

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass

    def _read_loop(self) -> None:
        assert self.process.stdout is not None
        try:
            for line in self.process.stdout:
                try:
                    self._replies.put(decode_reply(line))
                except ProtocolError as exc:
                    self.stray_lines.append(line)
                    log.error("the server wrote a line that is not a reply (%s): %r", exc.message, line[:200])
        except (OSError, ValueError):
            pass
        self._replies.put(None)

    def __enter__(self) -> ServeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
