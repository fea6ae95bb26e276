"""Animate several clips one after another on one backend (no bpy).

`BatchRun.step()` is what the modal operator's timer calls; `run_blocking()` loops over
the same `step()` for background mode. Results are collected, not applied: the caller
bakes them all at once when every clip succeeded, so a failure changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import backend_session
from .animate_job import AnimateJob, JobState
from .client import BackendClient, BackendError, BackendSettings
from .idle_motion import IdleOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedClip:
    """One strip's request: AnimateRequest fields (minus id) and where its frames go."""

    clip: str
    params: dict[str, Any]
    first_frame: float
    frame_count: int
    knobs: dict[str, Any] = field(default_factory=dict)
    idle: IdleOptions | None = None  # the idle layer to bake with the result (None: none)
    clip_id: str = ""  # the strip's stable id: its takes follow the strip through renames

    @property
    def output_path(self) -> Path:
        return Path(self.params["output_path"])


class BatchRun:
    """Run `clips` in order; `results[i]` is the ResultReply of `clips[i]` once DONE."""

    def __init__(self, *, settings: BackendSettings, clips: list[PreparedClip],
                 acquire: Callable[[BackendSettings], BackendClient] = backend_session.acquire,
                 hello_timeout_s: float = 300.0, cancel_grace_s: float = 10.0, reply_timeout_s: float = 120.0,
                 max_unreadable_lines: int = 50) -> None:
        if not clips:
            raise ValueError("nothing to animate")
        self.settings = settings
        self.clips = list(clips)
        self.results: list[Any] = []
        self.state = JobState.STARTING
        self.error = ""
        self._acquire = acquire
        self._hello_timeout_s = hello_timeout_s
        self._cancel_grace_s = cancel_grace_s  # after a cancel, how long before the backend is killed
        self._reply_timeout_s = reply_timeout_s  # silence mid-request before the backend counts as hung
        self._max_unreadable_lines = max_unreadable_lines
        self._client: BackendClient | None = None
        self._job: AnimateJob | None = None
        self._cancelled = False

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    @property
    def fraction(self) -> float:
        done = len(self.results) + (self._job.fraction if self._job is not None else 0.0)
        return min(1.0, done / len(self.clips))

    @property
    def stage(self) -> str:
        if self.finished:
            return self.state.value if not self.error else self.error
        if self._job is None:
            return "starting backend"
        index = len(self.results)
        prefix = f"{self.clips[index].clip} ({index + 1}/{len(self.clips)}): " if len(self.clips) > 1 else ""
        return prefix + self._job.stage

    def step(self, timeout: float = 0.0) -> bool:
        if self.finished:
            return True
        if self._job is None:
            if self._cancelled:
                self.state, self.error = JobState.CANCELLED, "cancelled"
                return True
            try:
                self._client = self._client or self._acquire(self.settings)
            except (BackendError, OSError, ValueError) as exc:
                self._end(JobState.FAILED, str(exc))
                return True
            self._job = AnimateJob(client=self._client, params=self.clips[len(self.results)].params,
                                   hello_timeout_s=self._hello_timeout_s, cancel_grace_s=self._cancel_grace_s,
                                   reply_timeout_s=self._reply_timeout_s,
                                   max_unreadable_lines=self._max_unreadable_lines)
            self.state = JobState.RUNNING
        job = self._job
        if not job.step(timeout):
            return False
        if job.state is JobState.DONE:
            self.results.append(job.result)
            self._job = None
            if len(self.results) == len(self.clips):
                self._end(JobState.DONE, "")
            return self.finished
        label = self.clips[len(self.results)].clip
        if job.state is JobState.CANCELLED:
            self._end(JobState.CANCELLED, "cancelled")
        else:
            self._end(JobState.FAILED, f"{label}: {job.error}")
        return True

    def run_blocking(self, poll_s: float = 0.2,
                     on_progress: Callable[[float, str], None] | None = None) -> None:
        while not self.step(timeout=poll_s):
            if on_progress is not None:
                on_progress(self.fraction, self.stage)

    def cancel(self) -> None:
        self._cancelled = True
        if self._job is not None:
            self._job.cancel()

    def _end(self, state: JobState, error: str) -> None:
        self.state, self.error = state, error
        client = self._client
        if state is not JobState.DONE and client is not None and not client.alive:
            backend_session.discard(client)  # a dead backend is not reused; the next run starts afresh
        self._job = None
        log.info("batch of %d clip(s) ended: %s %s", len(self.clips), state.value, error)
