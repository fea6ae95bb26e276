"""One animate job, independent of transport: audio -> pipeline -> resample -> `.npz`.

Shared by `deeptalk serve` (worker thread) and `deeptalk animate` (in process). Every
failure a user can cause is raised as `JobError` with a stable `protocol.ErrorCode`;
anything else is a bug and propagates.

The audio is validated in one streaming pass and then read window by window from the
file (`deeptalk.audio.open_audio`), so memory stays flat in the audio's length.

Progress fractions: loading audio 0-0.05, the pipeline 0.05-0.95, writing 0.95-1.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from deeptalk.finite import NonFiniteError, require_finite
from deeptalk.motion_io import MotionFile, MotionFileError, write_motion
from deeptalk.motion_resample import SOURCE_FPS, resample_motion
from deeptalk.protocol import PROTOCOL_VERSION, AnimateRequest, ErrorCode, ResultReply
from deeptalk.safe_write import PRIVATE_MODE, OutputError, check_path_text, check_target, private_dir
from deeptalk.speech_energy import frame_energy

if TYPE_CHECKING:
    from deeptalk.audio_source import FileSource
    from deeptalk.pipeline import Pipeline

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]

AUDIO_SHARE = 0.05
MODEL_SHARE = 0.90
TRACK_DECIMALS = 5


class JobError(Exception):
    """A request that failed for a reason the user can act on."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@functools.lru_cache(maxsize=None)
def default_output_dir() -> Path:
    """The private folder (0700, ours, verified; see `safe_write.private_dir`) for results of
    requests that name no output path; chosen once per process."""
    return private_dir()


def default_output_path(request: AnimateRequest, output_dir: Path | None = None) -> Path:
    """`<output_dir or the private default folder>/<audio stem>-<request id>.npz`."""
    folder = output_dir or default_output_dir()
    safe_id = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.id)[:64] or "request"
    stem = re.sub(r"[\x00/\\]+", "_", Path(request.audio_path).stem)
    stem = os.fsencode(stem)[:120].decode("utf-8", "ignore") or "audio"  # the name stays under 255 bytes
    return folder / f"{stem}-{safe_id}.npz"


def _path(text: str | os.PathLike[str], what: str, code: ErrorCode) -> Path:
    try:
        return check_path_text(text, what)
    except OutputError as exc:
        raise JobError(code, exc.message) from None


def check_output_path(path: Path, inputs: tuple[Path, ...] = ()) -> Path:
    """Create the parent folder and make sure the result may be written there (fail before the model runs).

    The folder is resolved, the final name is not (a symlink there is refused, never followed).
    """
    path = _path(path, "output path", ErrorCode.OUTPUT_UNWRITABLE)
    if path.name in ("", ".", ".."):
        raise JobError(ErrorCode.OUTPUT_UNWRITABLE, f"the output path {path} is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path = Path(os.path.realpath(path.parent)) / path.name
        folder_fd = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise JobError(ErrorCode.OUTPUT_UNWRITABLE, f"cannot create or open the folder {path.parent}: "
                       f"{exc.strerror or exc}; choose another output folder") from None
    try:
        check_target(folder_fd, path.name, path, inputs)
    except OutputError as exc:
        raise JobError(ErrorCode.OUTPUT_UNWRITABLE, exc.message) from None
    finally:
        os.close(folder_fd)
    if not os.access(path.parent, os.W_OK):
        raise JobError(ErrorCode.OUTPUT_UNWRITABLE, f"the folder {path.parent} is not writable; "
                       f"choose another output folder")
    return path


def validate_request(request: AnimateRequest, *, emotions: list[str], output_path: Path) -> Path:
    """Checks that need no audio: the paths, the emotion name and the output path (returned, folder resolved)."""
    checked = check_request_paths(request, output_path)
    if request.emotion is not None and not emotions:
        from deeptalk.pipeline import NO_PROTOTYPES

        raise JobError(ErrorCode.INVALID_ARGUMENT, NO_PROTOTYPES)
    if request.emotion is not None and request.emotion not in emotions:
        raise JobError(ErrorCode.INVALID_ARGUMENT, f"unknown emotion {request.emotion!r}; this model knows "
                       f"{', '.join(emotions) or 'none'}")
    return checked


def check_request_paths(request: AnimateRequest, output_path: Path) -> Path:
    """The audio path names a file and the result may be written to `output_path` (returned, folder
    resolved); needs neither the model nor the audio's contents."""
    from deeptalk.audio import FIX_HINTS

    audio = _path(request.audio_path, "audio path", ErrorCode.INVALID_ARGUMENT)
    try:
        is_dir, is_file = audio.is_dir(), audio.is_file()
    except OSError as exc:
        raise JobError(ErrorCode.FILE_NOT_FOUND, f"cannot look at the audio file {request.audio_path} "
                       f"({exc.strerror or exc}); {FIX_HINTS[ErrorCode.FILE_NOT_FOUND]}") from None
    if is_dir:
        raise JobError(ErrorCode.AUDIO_UNREADABLE, f"{request.audio_path} is a folder, not an audio file; "
                       f"{FIX_HINTS[ErrorCode.AUDIO_UNREADABLE]}")
    if not is_file:
        raise JobError(ErrorCode.FILE_NOT_FOUND, f"no audio file at {request.audio_path}; "
                       f"{FIX_HINTS[ErrorCode.FILE_NOT_FOUND]}")
    return check_output_path(output_path, inputs=(audio,))


def load_request_audio(request: AnimateRequest, *, max_seconds: float) -> FileSource:
    """The request's audio (slice), validated, as a 16 kHz source read on demand; AudioError -> JobError."""
    from deeptalk.audio import AudioError, open_audio

    try:
        source = open_audio(request.audio_path, start_s=request.start_s, end_s=request.end_s,
                            max_duration_s=max_seconds)
    except AudioError as exc:
        raise JobError(exc.code, exc.message) from None
    if source.silent:
        log.warning("%s is silent; the face will barely move", request.audio_path)
    return source


def _with_arkit(pipeline: Pipeline, motion: MotionFile) -> MotionFile:
    """`motion` plus its ARKit weights (retargeted on the stand-in head in the model's basis)."""
    from dataclasses import replace

    from deeptalk.retarget.motion import arkit_weights
    from deeptalk.retarget.names import ARKIT_NAMES

    from deeptalk.paths import standin_for_basis

    flame = str(getattr(pipeline, "flame", None) or standin_for_basis(getattr(pipeline, "flame_basis", "")))
    try:
        weights = arkit_weights(motion.exp, motion.jaw, flame)
    except (OSError, ValueError) as exc:
        raise JobError(ErrorCode.MODEL_ERROR, f"cannot compute ARKit weights for the head {flame!r}: {exc}") from None
    return replace(motion, arkit=weights, arkit_names=ARKIT_NAMES)


def run_animate(pipeline: Pipeline, request: AnimateRequest, *, output_path: Path, max_seconds: float,
                progress: ProgressFn | None = None, should_cancel: CancelFn | None = None,
                private: bool = False) -> ResultReply:
    """Run one animate request end to end and write its `.npz`; raise JobError on failure.

    `private`: the result is written 0600 (results in the server's own output folder).
    """
    from deeptalk.audio import AudioError
    from deeptalk.audio_source import AudioSourceError
    from deeptalk.pipeline import Cancelled

    report: ProgressFn = progress or (lambda fraction, stage: None)
    cancelled: CancelFn = should_cancel or (lambda: False)

    def check_cancel() -> None:
        if cancelled():
            raise JobError(ErrorCode.CANCELLED, f"request {request.id!r} was cancelled")

    output_path = validate_request(request, emotions=pipeline.emotions, output_path=output_path)
    if request.emotion_intensity != 1.0:
        from deeptalk.face_reading import scale_expression

        try:  # refused before any audio is read: a basis without named channels cannot scale them
            scale_expression(np.zeros((1, 53), np.float32), request.emotion_intensity,
                             str(getattr(pipeline, "flame_basis", "") or ""))
        except ValueError as exc:
            raise JobError(ErrorCode.INVALID_ARGUMENT, str(exc)) from None
    report(0.0, "loading_audio")
    audio_path = Path(request.audio_path).expanduser()  # checked by validate_request
    audio = load_request_audio(request, max_seconds=max_seconds)  # 16 kHz, read window by window
    check_cancel()

    def model_progress(fraction: float, stage: str) -> None:
        if stage == "done":  # the pipeline's end is not the request's: "writing" follows
            return
        report(AUDIO_SHARE + MODEL_SHARE * min(max(fraction, 0.0), 1.0), stage)

    try:
        result = pipeline.animate(
            audio, alpha=request.alpha, temperature_top=request.temperature_top,
            temperature_bottom=request.temperature_bottom, seed=request.seed, takes=request.takes,
            emotion=request.emotion, emotion_weight=request.emotion_weight if request.emotion else 0.0,
            progress=model_progress, should_cancel=cancelled, emotion_intensity=request.emotion_intensity,
            lip_seal=request.lip_seal,
        )
    except Cancelled:
        raise JobError(ErrorCode.CANCELLED, f"request {request.id!r} was cancelled") from None
    except AudioSourceError as exc:  # the file changed or vanished after it was validated
        error = AudioError(ErrorCode.AUDIO_INVALID, str(exc))
        raise JobError(error.code, error.message) from None
    except Exception as exc:  # CUDA OOM, bad weights, shape errors ...: the server keeps serving
        log.exception("the model failed on %s", request.audio_path)
        raise JobError(ErrorCode.MODEL_ERROR, f"the model failed: {type(exc).__name__}: {exc}") from None
    finally:
        audio.close()
    check_cancel()

    report(AUDIO_SHARE + MODEL_SHARE, "writing")
    try:  # a result with a non-finite value is never written
        require_finite("the model's result", [("motion", result.motion), ("emotion_mean", result.emotion_mean),
                                              ("emotion_logvar", result.emotion_logvar),
                                              ("emotion_track", result.emotion_track)])
    except NonFiniteError as exc:
        log.error("non-finite result for %s: %s", request.audio_path, exc)
        raise JobError(ErrorCode.MODEL_ERROR, f"the model produced NaN or infinite values for {request.audio_path} "
                       f"({exc}); nothing was written; check the audio, or use another model folder "
                       f"(its weights may be damaged)") from None
    motion = resample_motion(np.asarray(result.motion), src_fps=SOURCE_FPS, dst_fps=request.fps,
                             duration_s=audio.duration_s)  # (takes, N, 53)
    try:
        energy = frame_energy(audio, fps=request.fps, frames=motion.shape[1])  # (N,) for the idle layer; reopens
    except AudioSourceError as exc:
        error = AudioError(ErrorCode.AUDIO_INVALID, str(exc))
        raise JobError(error.code, error.message) from None
    finally:
        audio.close()
    track = np.round(np.asarray(result.emotion_track, dtype=np.float64), TRACK_DECIMALS)  # (seconds, K)
    face = getattr(result, "face_emotion", None)  # (takes, K) or None (the model has no usable FER)
    face = np.zeros((0, 0)) if face is None else np.round(np.asarray(face, dtype=np.float64), TRACK_DECIMALS)
    motion_file = MotionFile(
        exp=motion[..., :50], jaw=motion[..., 50:], fps=request.fps, seeds=tuple(int(s) for s in result.seeds),
        model_id=pipeline.model_id, protocol=PROTOCOL_VERSION, duration_s=audio.duration_s,
        emotions=tuple(pipeline.emotions), emotion_mean=np.asarray(result.emotion_mean, np.float32),
        emotion_logvar=np.asarray(result.emotion_logvar, np.float32), emotion_track=track.astype(np.float32),
        speech_energy=energy, face_emotion=face.astype(np.float32),
        flame_basis=str(getattr(pipeline, "flame_basis", "") or ""),
    )
    if request.arkit:
        motion_file = _with_arkit(pipeline, motion_file)
    try:
        written = write_motion(output_path, motion_file, mode=PRIVATE_MODE if private else 0o666,
                               inputs=(audio_path,))
    except OutputError as exc:
        raise JobError(ErrorCode.OUTPUT_UNWRITABLE, exc.message) from None
    except (OSError, MotionFileError) as exc:
        raise JobError(ErrorCode.OUTPUT_UNWRITABLE, f"cannot write {output_path}: {exc}") from None
    report(1.0, "done")
    return ResultReply(
        id=request.id, path=str(written), frames=motion_file.frames, fps=request.fps,
        seeds=list(motion_file.seeds), duration_s=round(motion_file.duration_s, 6),
        emotions=list(pipeline.emotions),
        emotion_mean=[round(float(x), 6) for x in motion_file.emotion_mean],
        emotion_logvar=[round(float(x), 6) for x in motion_file.emotion_logvar],
        emotion_track=track.tolist(), face_emotion=face.tolist(),
    )
