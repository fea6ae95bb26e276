"""One `animate` request driven by polling: handshake, progress, result, cancel (no bpy).

The modal operator calls `step()` from a timer; background mode (tests, farms) calls
`run_blocking()`, which is the same `step()` in a loop, so both paths share all logic.

Watchdogs: a backend that never says hello (`hello_timeout_s`), goes silent mid-request
(`reply_timeout_s` without any reply; the server reports progress several times a second
while it works), ignores a cancel (`cancel_grace_s`) or floods stdout with lines that are
not protocol replies (`max_unreadable_lines`) is killed and the job fails saying so; the
next request then starts a fresh backend.
"""

from __future__ import annotations

import enum
import logging
import time
from typing import Any, Callable

from .client import BackendClient, BackendError, BackendExited, UnreadableLine

log = logging.getLogger(__name__)


class JobState(enum.Enum):
    STARTING = "starting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL_STATES = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class AnimateJob:
    """Drive one animate request on `client`; `params` are AnimateRequest fields minus `id`."""

    def __init__(self, *, client: BackendClient, params: dict[str, Any], hello_timeout_s: float = 300.0,
                 cancel_grace_s: float = 10.0, reply_timeout_s: float = 120.0, max_unreadable_lines: int = 50,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.params = dict(params)
        self.hello_timeout_s = hello_timeout_s
        self.cancel_grace_s = cancel_grace_s
        self.reply_timeout_s = reply_timeout_s
        self.max_unreadable_lines = max_unreadable_lines
        self._clock = clock
        self.state = JobState.STARTING
        self.fraction = 0.0
        self.stage = "starting backend"
        self.result: Any | None = None  # ResultReply when DONE
        self.error = ""
        self._hello_id: str | None = None
        self._animate_id: str | None = None
        self._started = clock()
        self._last_reply = self._started
        self._unreadable = 0
        self._cancel_deadline: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES

    def step(self, timeout: float = 0.0) -> bool:
        """Advance with the replies available (waiting up to `timeout` s); True once finished."""
        if self.finished:
            return True
        try:
            self._advance()
            reply = self.client.next_reply(timeout)
            while reply is not None and not self.finished:
                self._handle(reply)
                self._advance()
                reply = self.client.next_reply(0)
            self._check_deadlines()
        except BackendError as exc:
            self._fail(str(exc))
        return self.finished

    def run_blocking(self, poll_s: float = 0.2, on_progress: Callable[[float, str], None] | None = None) -> None:
        """Step until finished (background mode)."""
        while not self.step(timeout=poll_s):
            if on_progress is not None:
                on_progress(self.fraction, self.stage)

    def cancel(self) -> None:
        """Ask the backend to stop; the job ends CANCELLED (killing the backend after a grace)."""
        if self.finished or self._cancel_deadline is not None:
            return
        self.stage = "cancelling"
        if self._animate_id is None:
            self.state = JobState.CANCELLED
            self.error = "cancelled"
            return
        self._cancel_deadline = self._clock() + self.cancel_grace_s
        try:
            self.client.send(self.client.protocol.CancelRequest(id=self.client.new_id(), target=self._animate_id))
        except BackendError:
            self.client.kill()
            self.state = JobState.CANCELLED
            self.error = "cancelled"

    # ------------------------------------------------------------------ internals

    def _advance(self) -> None:
        protocol = self.client.protocol
        if self.client.hello is None:
            if self._hello_id is None:
                self._hello_id = self.client.new_id()
                self.client.send(protocol.HelloRequest(id=self._hello_id))
            return
        if self._animate_id is None and self._cancel_deadline is None:
            try:
                request = protocol.AnimateRequest(id=self.client.new_id(), **self.params)
            except (TypeError, ValueError) as exc:
                self._fail(f"invalid settings: {exc}")
                return
            self._animate_id = request.id
            self.client.send(request)
            self.state = JobState.RUNNING
            self.stage = "queued"

    def _handle(self, reply: Any) -> None:
        protocol = self.client.protocol
        self._last_reply = self._clock()
        if isinstance(reply, BackendExited):
            if self._cancel_deadline is not None:
                self.state, self.error = JobState.CANCELLED, "cancelled"
            else:
                self._fail(self.client.exit_message(reply.returncode))
            return
        if isinstance(reply, UnreadableLine):
            self._unreadable += 1
            log.warning("ignoring a non-protocol line from the backend (%s): %r", reply.reason, reply.text)
            if self._unreadable > self.max_unreadable_lines:
                self.client.kill()
                self._fail(f"the backend writes lines that are not DEEPTalk replies to its output (e.g. "
                           f"{reply.text[:80]!r}); check that the backend Python runs `deeptalk serve` "
                           f"directly, not through a wrapper or start-up script that prints; it was stopped")
            return
        mine = reply.id is not None and reply.id in (self._hello_id, self._animate_id)
        if isinstance(reply, protocol.ErrorReply) and (mine or reply.id is None):
            if reply.code == protocol.ErrorCode.CANCELLED.value and reply.id == self._animate_id:
                self.state, self.error = JobState.CANCELLED, "cancelled"
            else:
                self._fail(f"backend error ({reply.code}): {reply.message}")
            return
        if not mine:
            return  # a stale reply to an earlier (cancelled) request, or a cancel's ok
        if isinstance(reply, protocol.HelloReply):
            self.client.hello = reply
            self.stage = "backend ready"
        elif isinstance(reply, protocol.ProgressReply):
            self.fraction = min(max(float(reply.fraction), 0.0), 1.0)
            self.stage = reply.stage
        elif isinstance(reply, protocol.ResultReply):
            self.result = reply
            self.fraction, self.stage = 1.0, "done"
            self.state = JobState.DONE

    def _check_deadlines(self) -> None:
        if self.finished:
            return
        now = self._clock()
        if self._cancel_deadline is not None and now > self._cancel_deadline:
            log.warning("the backend ignored cancel for %.0f s; stopping it", self.cancel_grace_s)
            self.client.kill()
            self.state, self.error = JobState.CANCELLED, "cancelled"
        elif self.client.hello is None and now - self._started > self.hello_timeout_s:
            self.client.kill()
            self._fail(f"the backend did not answer within {self.hello_timeout_s:.0f} s; "
                       f"{self.client.log_tail()}")
        elif (self.state is JobState.RUNNING and self._cancel_deadline is None
              and now - self._last_reply > self.reply_timeout_s):
            self.client.kill()
            self._fail(f"the backend stopped responding (no reply for {self.reply_timeout_s:.0f} s); it was "
                       f"stopped and the next run starts a fresh one; {self.client.log_tail()}")

    def _fail(self, message: str) -> None:
        self.state = JobState.FAILED
        self.error = message
        self.stage = "failed"
