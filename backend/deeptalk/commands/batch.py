"""`deeptalk batch DIR_OR_LIST -o OUTDIR [--jobs N]`: animate many files; one bad file never stops it.

Each of the N jobs is a `deeptalk serve` child process (model loaded once, kept warm);
a child that crashes or times out fails only its current file and is restarted.
Progress bar on stderr; a summary (with every failure) on stdout; exit status 1 when
any file failed, 2 when nothing could run.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deeptalk.commands.animate import add_animation_args, animation_fields
from deeptalk.commands.serve import add_model_args

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff")


@dataclass(frozen=True)
class Outcome:
    """What happened to one input file."""

    audio: str
    output: str
    ok: bool
    code: str = ""
    message: str = ""
    frames: int = 0
    seconds: float = 0.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("batch", help="animate a folder (or a list file) of audio files",
                                   description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("inputs", type=Path, help="a folder of audio files, or a text file with one path per line")
    parser.add_argument("-o", "--output-dir", type=Path, required=True, help="where the .npz files go")
    parser.add_argument("--jobs", type=int, default=1, help="backend processes working in parallel")
    parser.add_argument("--recursive", action="store_true", help="also search sub-folders")
    parser.add_argument("--skip-existing", action="store_true", help="leave inputs whose .npz exists alone")
    parser.add_argument("--timeout", type=float, default=None, help="seconds allowed per file (default: none)")
    parser.add_argument("--report", type=Path, default=None, help="write every outcome to this JSON file")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_animation_args(parser)
    add_model_args(parser)
    parser.set_defaults(func=run)


def find_inputs(source: Path, *, recursive: bool = False) -> list[tuple[Path, Path]]:
    """(audio path, relative output stem) pairs from a folder or a list file (# comments, blank lines)."""
    if source.is_dir():
        pattern = "**/*" if recursive else "*"
        found = sorted(p for p in source.glob(pattern) if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
        return [(p, p.relative_to(source).with_suffix("")) for p in found]
    lines = source.read_text(encoding="utf-8").splitlines()
    paths = [Path(line.strip()).expanduser() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    paths = [p if p.is_absolute() else source.parent / p for p in paths]
    return [(p, Path(p.stem)) for p in paths]


def output_paths(stems: list[Path], output_dir: Path) -> list[Path]:
    """`output_dir/<stem>.npz`, with `_2`, `_3`, ... where two inputs share a stem."""
    seen: set[Path] = set()
    result = []
    for stem in stems:
        candidate, n = stem, 1
        while candidate in seen:
            n += 1
            candidate = stem.with_name(f"{stem.name}_{n}")
        seen.add(candidate)
        result.append(output_dir / candidate.with_suffix(".npz"))
    return result


def run(args: argparse.Namespace) -> int:
    from deeptalk.protocol import AnimateRequest

    if args.jobs < 1:
        print("deeptalk batch: --jobs must be >= 1", file=sys.stderr)
        return 2
    if not args.inputs.exists():
        print(f"deeptalk batch: {args.inputs} does not exist", file=sys.stderr)
        return 2
    pairs = find_inputs(args.inputs, recursive=args.recursive)
    outputs = output_paths([stem for _, stem in pairs], args.output_dir.expanduser().resolve())
    try:
        AnimateRequest(id="check", audio_path="check.wav", **animation_fields(args))
    except ValueError as exc:
        print(f"deeptalk batch: {exc}", file=sys.stderr)
        return 2
    work = [(i, audio, out) for i, ((audio, _), out) in enumerate(zip(pairs, outputs))
            if not (args.skip_existing and out.exists())]
    if not work:
        print(f"deeptalk batch: nothing to do ({len(pairs)} input(s) found in {args.inputs})", file=sys.stderr)
        return 0 if pairs else 2
    started = time.perf_counter()
    outcomes, fatal = _run_pool(args, work)
    elapsed = time.perf_counter() - started
    if fatal:
        print(f"deeptalk batch: {fatal}", file=sys.stderr)
        return 2
    _summarise(outcomes, elapsed, skipped=len(pairs) - len(work))
    if args.report:
        from deeptalk.safe_write import OutputError, write_atomic

        try:
            args.report.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(args.report, json.dumps([o.__dict__ for o in outcomes], indent=2).encode("utf-8"))
        except OSError as exc:
            print(f"deeptalk batch: cannot write the report: {exc if isinstance(exc, OutputError) else exc.strerror}",
                  file=sys.stderr)
            return 2
    return 0 if all(o.ok for o in outcomes) else 1


def _run_pool(args: argparse.Namespace, work: list[tuple[int, Path, Path]]) -> tuple[list[Outcome], str]:
    """Run the work over `--jobs` serve processes; (outcomes in input order, fatal error or '')."""
    from tqdm import tqdm

    todo: queue.Queue[tuple[int, Path, Path]] = queue.Queue()
    for item in work:
        todo.put(item)
    results: dict[int, Outcome] = {}
    fatal: list[str] = []
    lock = threading.Lock()
    jobs = min(args.jobs, len(work))
    threads_each = args.threads or (max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else 0)
    with tqdm(total=len(work), unit="file", file=sys.stderr, disable=args.no_progress) as bar:
        def done(index: int, outcome: Outcome) -> None:
            with lock:
                results[index] = outcome
                bar.update(1)
                bar.set_postfix(failed=sum(not o.ok for o in results.values()), refresh=False)

        workers = [threading.Thread(target=_worker, args=(args, threads_each, todo, done, fatal), daemon=True)
                   for _ in range(jobs)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    if fatal and not results:
        return [], fatal[0]
    for index, audio, output in work:  # left over when every backend failed to start
        results.setdefault(index, Outcome(str(audio), str(output), False, "backend_failed",
                                          fatal[0] if fatal else "not processed"))
    return [results[i] for i, _, _ in work], ""


def _worker(args: argparse.Namespace, threads: int, todo: queue.Queue[tuple[int, Path, Path]],
            done: Any, fatal: list[str]) -> None:
    from deeptalk.protocol import AnimateRequest
    from deeptalk.serve_client import RemoteError, ServeClient, ServeClosed

    serve_args = ["--max-seconds", str(args.max_seconds), "--threads", str(threads), "--log-level", "warning",
                  "--no-warmup"]  # work arrives at once
    client: ServeClient | None = None
    try:
        while True:
            try:
                index, audio, output = todo.get_nowait()
            except queue.Empty:
                return
            if client is None:
                client = ServeClient.start(model_dir=args.model_dir, device=args.device, args=serve_args)
                try:
                    client.hello(timeout=600)
                except (RemoteError, ServeClosed, TimeoutError) as exc:
                    fatal.append(f"the backend could not start: {exc}")
                    client.kill()
                    client = None
                    todo.put((index, audio, output))  # another worker may still take it
                    return
            started = time.perf_counter()
            request = AnimateRequest(id=f"batch-{index}", audio_path=str(audio), output_path=str(output),
                                     **animation_fields(args))
            try:
                result = client.animate(request, timeout=args.timeout)
                done(index, Outcome(str(audio), result.path, True, frames=result.frames,
                                    seconds=round(time.perf_counter() - started, 3)))
            except RemoteError as exc:
                done(index, Outcome(str(audio), str(output), False, exc.code, exc.message))
            except (ServeClosed, TimeoutError) as exc:
                reason = "timeout" if isinstance(exc, TimeoutError) else "backend_crashed"
                done(index, Outcome(str(audio), str(output), False, reason, str(exc)))
                client.kill()
                client = None  # a fresh process for the next file
    finally:
        if client is not None:
            client.close()


def _summarise(outcomes: list[Outcome], elapsed: float, *, skipped: int) -> None:
    failed = [o for o in outcomes if not o.ok]
    print(f"batch: {len(outcomes) - len(failed)} ok, {len(failed)} failed"
          + (f", {skipped} skipped (output exists)" if skipped else "") + f" in {elapsed:.1f} s")
    for outcome in failed:
        print(f"FAILED {outcome.audio}: {outcome.code}: {outcome.message}")
