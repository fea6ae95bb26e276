"""`deeptalk serve`: the long-lived backend process behind the add-on (JSON lines on stdin/stdout).

Threads
- main: reads request lines from stdin and answers hello / cancel / shutdown at once;
  animate requests go to a FIFO queue.
- worker: loads the model once (kept warm; a throw-away warm-up pass follows unless
  disabled, and yields to the first request), then runs queued animate jobs one at a time.
- parent watch (serve command only): exits when the parent process disappears.

Queueing: animate requests wait in a FIFO of at most `max_queue` (besides the one
running); beyond that the reply is `busy`. `cancel` of a queued request answers `ok`
and the request's `error cancelled` at once; of the running one, it sets a flag the
pipeline polls (the request ends with `error cancelled`, normally well within a second).
`hello` sent while the model still loads is answered when loading ends; if loading
fails, hello and animate get `error model_error` and the process keeps serving.
EOF on stdin or `shutdown` cancels everything and exits; `shutdown` answers `bye` last.

stdout carries protocol lines only: `server_io.claim_stdout()` moves the real stdout to a private
descriptor and points fd 1 (and `sys.stdout`) at stderr, so stray prints land in logs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from deeptalk import __version__
from deeptalk.jobs import JobError, default_output_path, run_animate, validate_request
from deeptalk.protocol import (
    MAX_LINE_BYTES,
    PROTOCOL_VERSION,
    AnimateRequest,
    ByeReply,
    CancelRequest,
    ErrorCode,
    ErrorReply,
    HelloReply,
    HelloRequest,
    OkReply,
    ProgressReply,
    ProtocolError,
    Reply,
    ShutdownRequest,
    decode_request,
    error_reply,
)
from deeptalk.server_io import LineWriter, skip_rest_of_line

if TYPE_CHECKING:
    from deeptalk.pipeline import Pipeline

log = logging.getLogger(__name__)

CAPABILITIES = ("animate", "cancel", "queue", "progress", "takes", "fps_resample", "emotion_override",
                "emotion_track", "audio_slice", "arkit", "face_emotion", "emotion_intensity", "lip_seal")
PROGRESS_INTERVAL_S = 0.1
# Long enough for every tensor shape a long request meets (a full batch of 2 s emotion windows,
# full 8 s motion windows plus a shifted last one): a first request then runs at warm speed.
WARMUP_SECONDS = 16.5
SHUTDOWN_WAIT_S = 2.0


@dataclass(frozen=True)
class ServerConfig:
    """Settings of one server process."""

    model_dir: Path
    device: str = "auto"
    max_seconds: float = 1800.0
    max_queue: int = 8
    output_dir: Path | None = None  # where results go when a request names no output_path
    threads: int = 0  # torch CPU threads; 0 keeps torch's default
    warmup: bool = True  # run one throw-away pass after loading (interrupted by any request)

    def __post_init__(self) -> None:
        if self.device not in ("auto", "cpu", "cuda", "mps"):
            raise ValueError(f"device must be auto, cpu, cuda or mps, not {self.device!r}")
        if not self.max_seconds > 0:
            raise ValueError("max_seconds must be positive")
        if self.max_queue < 0:
            raise ValueError("max_queue must be >= 0")
        if self.threads < 0:
            raise ValueError("threads must be >= 0")


@dataclass
class _Job:
    request: AnimateRequest
    cancel: threading.Event = field(default_factory=threading.Event)
    last_progress: float = 0.0
    last_stage: str = ""


class Server:
    """The request loop; `serve(stdin)` returns the exit status."""

    def __init__(self, *, config: ServerConfig, out: BinaryIO) -> None:
        self.config = config
        self.writer = LineWriter(out)
        self.pipeline: Pipeline | None = None
        self.load_error: str | None = None
        self.loaded = threading.Event()
        self._cond = threading.Condition()
        self._queue: deque[_Job] = deque()
        self._current: _Job | None = None
        self._stopping = False
        self._worker = threading.Thread(target=self._work, name="deeptalk-worker", daemon=True)

    # ----------------------------------------------------------------- main thread

    def serve(self, stdin: BinaryIO) -> int:
        """Answer requests from `stdin` until EOF, shutdown, or the client stops reading."""
        self._worker.start()
        while not self.writer.broken.is_set():
            line = stdin.readline(MAX_LINE_BYTES + 1)
            if not line:
                log.info("stdin closed; exiting")
                self.stop()
                return 0
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                skip_rest_of_line(stdin)
                self.writer.send(ErrorReply(id=None, code=ErrorCode.MESSAGE_TOO_LARGE.value,
                                            message=f"request line exceeds {MAX_LINE_BYTES} bytes"))
                continue
            if not line.strip():
                continue
            if self.handle_line(line):
                return 0
        self.stop()
        return 0

    def handle_line(self, line: bytes) -> bool:
        """Answer one request line; True when the server should exit."""
        try:
            request = decode_request(line)
        except ProtocolError as exc:
            log.info("rejected request: %s", exc.message)
            self.writer.send(error_reply(exc))
            return False
        except Exception as exc:  # a decoder bug must not take the server down either
            log.exception("cannot decode a request line")
            self.writer.send(error_reply(ProtocolError(ErrorCode.BAD_MESSAGE, f"unreadable request ({exc})")))
            return False
        try:
            if isinstance(request, HelloRequest):
                self._hello(request)
            elif isinstance(request, AnimateRequest):
                self._enqueue(request)
            elif isinstance(request, CancelRequest):
                self._cancel(request)
            elif isinstance(request, ShutdownRequest):
                self.stop()
                self.writer.send(ByeReply(id=request.id))
                return True
        except Exception as exc:  # a bug must not take the server down
            log.exception("internal error on %s", request.id)
            self.writer.send(error_reply(exc, request.id))
        return False

    def stop(self) -> None:
        """Cancel queued and running jobs and wait (briefly) for the worker to let go."""
        with self._cond:
            self._stopping = True
            pending = list(self._queue)
            self._queue.clear()
            if self._current is not None:
                self._current.cancel.set()
            self._cond.notify_all()
        for job in pending:
            self._send_cancelled(job.request.id)
        if self.loaded.is_set() and self._worker.is_alive():
            self._worker.join(SHUTDOWN_WAIT_S)

    def _hello(self, request: HelloRequest) -> None:
        if self.loaded.is_set():
            self.writer.send(self._hello_reply(request))
            return
        threading.Thread(target=lambda: (self.loaded.wait(), self.writer.send(self._hello_reply(request))),
                         name="deeptalk-hello", daemon=True).start()

    def _hello_reply(self, request: HelloRequest) -> Reply:
        if self.pipeline is None:
            return ErrorReply(id=request.id, code=ErrorCode.MODEL_ERROR.value,
                              message=self.load_error or "the model is not loaded")
        return HelloReply(id=request.id, protocol=PROTOCOL_VERSION, version=__version__,
                          device=str(self.pipeline.device), model_id=self.pipeline.model_id,
                          emotions=list(self.pipeline.emotions), capabilities=list(CAPABILITIES),
                          flame_basis=str(getattr(self.pipeline, "flame_basis", "") or ""))

    def _enqueue(self, request: AnimateRequest) -> None:
        if self.loaded.is_set() and self.pipeline is None:
            self.writer.send(ErrorReply(id=request.id, code=ErrorCode.MODEL_ERROR.value,
                                        message=self.load_error or "the model is not loaded"))
            return
        try:  # fail now, not after the queue (the worker checks again: the model may still be loading)
            validate_request(request, emotions=self.pipeline.emotions if self.pipeline else [],
                             output_path=self._output_path(request))
        except JobError as exc:
            if not (exc.code == ErrorCode.INVALID_ARGUMENT and self.pipeline is None):
                self.writer.send(ErrorReply(id=request.id, code=exc.code.value, message=exc.message))
                return
        with self._cond:
            ids = {job.request.id for job in self._queue}
            if self._current is not None:
                ids.add(self._current.request.id)
            if request.id in ids:
                reply: Reply | None = ErrorReply(id=request.id, code=ErrorCode.INVALID_ARGUMENT.value,
                                                 message=f"a request with id {request.id!r} is already queued or running")
            elif len(self._queue) >= self.config.max_queue and (self._queue or self._current is not None
                                                                or not self.loaded.is_set()):
                reply = ErrorReply(id=request.id, code=ErrorCode.BUSY.value,
                                   message=f"{len(self._queue)} requests are already waiting; try again later")
            else:
                self._queue.append(_Job(request))
                self._cond.notify_all()
                reply = None
        if reply is not None:
            self.writer.send(reply)

    def _cancel(self, request: CancelRequest) -> None:
        with self._cond:
            queued = next((job for job in self._queue if job.request.id == request.target), None)
            if queued is not None:
                self._queue.remove(queued)
            running = self._current if self._current and self._current.request.id == request.target else None
            if running is not None:
                running.cancel.set()
        if queued is None and running is None:
            self.writer.send(ErrorReply(id=request.id, code=ErrorCode.INVALID_ARGUMENT.value,
                                        message=f"no queued or running request has id {request.target!r}"))
            return
        log.info("cancel %s (%s)", request.target, "queued" if queued else "running")
        self.writer.send(OkReply(id=request.id))
        if queued is not None:
            self._send_cancelled(queued.request.id)

    def _send_cancelled(self, request_id: str) -> None:
        self.writer.send(ErrorReply(id=request_id, code=ErrorCode.CANCELLED.value,
                                    message=f"request {request_id!r} was cancelled"))

    # ----------------------------------------------------------------- worker thread

    def _work(self) -> None:
        try:
            self._load()
            if self.pipeline is not None and self.config.warmup:
                self._warm_up()
        except Exception:  # the loop below must run whatever happened while loading
            log.exception("model loading failed unexpectedly")
            self.loaded.set()
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                job = self._queue.popleft()
                self._current = job
            try:
                reply = self._run(job)
            except Exception as exc:  # one job's failure never ends the worker
                log.exception("internal error on request %s", job.request.id)
                reply = error_reply(exc, job.request.id)
            finally:
                with self._cond:
                    self._current = None  # before the reply: a client may reuse the id at once
            self.writer.send(reply)  # never raises

    def _load(self) -> None:
        started = time.perf_counter()
        if not (self.config.model_dir / "manifest.json").is_file():  # say so without importing torch
            self.load_error = f"no model at {self.config.model_dir} (manifest.json is missing)"
            log.error("%s", self.load_error)
            self.loaded.set()
            return
        try:
            if self.config.threads:
                import torch

                torch.set_num_threads(self.config.threads)
            from deeptalk.pipeline import Pipeline

            self.pipeline = Pipeline.load(self.config.model_dir, device=self.config.device)
            log.info("model %s loaded on %s in %.2f s", self.pipeline.model_id, self.pipeline.device,
                     time.perf_counter() - started)
        except Exception as exc:
            log.exception("cannot load the model from %s", self.config.model_dir)
            self.load_error = f"cannot load the model from {self.config.model_dir}: {type(exc).__name__}: {exc}"
        finally:
            self.loaded.set()  # queued jobs then fail one by one with model_error in _run

    def _warm_up(self) -> None:
        """One throw-away pass over quiet noise so the first real request runs at warm speed.

        Stops as soon as a request arrives or the server stops (it never delays real work
        by more than one pipeline step).
        """
        from deeptalk.audio import SAMPLE_RATE
        from deeptalk.pipeline import Cancelled

        started = time.perf_counter()
        noise = np.random.default_rng(0).normal(0.0, 1e-3, int(WARMUP_SECONDS * SAMPLE_RATE)).astype(np.float32)  # (S,)
        try:
            self.pipeline.animate(noise, should_cancel=lambda: self._stopping or bool(self._queue))  # type: ignore[union-attr]
            log.info("warm-up took %.2f s", time.perf_counter() - started)
        except Cancelled:
            log.info("warm-up interrupted by a request")
        except Exception:
            log.exception("warm-up failed (requests will still be tried)")

    def _run(self, job: _Job) -> Reply:
        request = job.request
        if self.pipeline is None:
            return ErrorReply(id=request.id, code=ErrorCode.MODEL_ERROR.value,
                              message=self.load_error or "the model is not loaded")
        started = time.perf_counter()
        try:
            reply = run_animate(
                self.pipeline, request,
                output_path=self._output_path(request), private=not request.output_path,
                max_seconds=self.config.max_seconds,
                progress=lambda fraction, stage: self._progress(job, fraction, stage),
                should_cancel=job.cancel.is_set,
            )
        except JobError as exc:
            log.info("request %s failed: %s: %s", request.id, exc.code.value, exc.message)
            return ErrorReply(id=request.id, code=exc.code.value, message=exc.message)
        except Exception as exc:
            log.exception("internal error on request %s", request.id)
            return error_reply(exc, request.id)
        log.info("request %s: %d frames at %g fps in %.2f s", request.id, reply.frames, reply.fps,
                 time.perf_counter() - started)
        return reply

    def _output_path(self, request: AnimateRequest) -> Path:
        if request.output_path:
            return Path(request.output_path)
        return default_output_path(request, self.config.output_dir)

    def _progress(self, job: _Job, fraction: float, stage: str) -> None:
        now = time.monotonic()
        if stage == job.last_stage and now - job.last_progress < PROGRESS_INTERVAL_S and fraction < 1.0:
            return
        job.last_progress, job.last_stage = now, stage
        fraction = min(max(fraction, 0.0), 1.0) if fraction == fraction else 0.0  # NaN -> 0
        self.writer.send(ProgressReply(id=job.request.id, fraction=round(fraction, 4), stage=stage))
