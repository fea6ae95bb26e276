"""Process plumbing of `deeptalk serve`: the protocol writer, stdout guard, line skipping, parent watch."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import BinaryIO, Callable

from deeptalk.protocol import MAX_LINE_BYTES, Reply, encode_fitting

log = logging.getLogger("deeptalk.server")


class LineWriter:
    """Writes protocol replies, one line each, under one lock; notes when the reader is gone."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._lock = threading.Lock()
        self.broken = threading.Event()

    def send(self, reply: Reply) -> None:
        """Write one reply (shortened or replaced to fit the protocol: see `encode_fitting`); never raises."""
        line = encode_fitting(reply)
        if line is None:
            log.warning("dropped a %s reply that cannot be encoded", type(reply).__name__)
            return
        with self._lock:
            if self.broken.is_set():
                return
            try:
                self._out.write(line.encode("utf-8"))
                self._out.flush()
            except (BrokenPipeError, ValueError, OSError) as exc:
                log.warning("the client stopped reading (%s)", exc)
                self.broken.set()


def skip_rest_of_line(stdin: BinaryIO) -> None:
    """Discard the rest of an over-long line."""
    while True:
        chunk = stdin.readline(MAX_LINE_BYTES)
        if not chunk or chunk.endswith(b"\n"):
            return


def claim_stdout() -> BinaryIO:
    """Keep the real stdout for protocol lines; send everything else written to fd 1 to stderr."""
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb")


def watch_parent(on_orphaned: Callable[[], None], interval_s: float = 0.5) -> threading.Thread:
    """Call `on_orphaned()` once the parent process is gone (our parent pid changes)."""
    parent = os.getppid()

    def poll() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        log.warning("parent process %d is gone; exiting", parent)
        on_orphaned()

    thread = threading.Thread(target=poll, name="deeptalk-parent-watch", daemon=True)
    thread.start()
    return thread
