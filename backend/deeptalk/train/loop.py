"""One resumable training loop shared by every trainer.

A trainer supplies the model, an endless iterator of batches, and a `step_fn(model,
batch, progress) -> (loss, metrics)`. The loop owns the optimiser, LR schedule, gradient
clipping, CSV logs, the progress bar, periodic validation, checkpoints and resume:
`run_dir/last.pt` holds everything needed to continue after an interruption, and
`run_dir/best.pt` the weights with the best validation score.
"""

from __future__ import annotations

import csv
import logging
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

import torch
from torch import nn
from tqdm import tqdm

from deeptalk.train.distributed import DistInfo, barrier, unwrap_model

log = logging.getLogger(__name__)

class Progress(NamedTuple):
    """Where training stands when a step runs: its index and the fraction of the run done
    (the larger of step and time-budget progress)."""

    step: int
    fraction: float


StepFn = Callable[[nn.Module, Any, Progress], tuple[torch.Tensor, dict[str, float]]]
ValidateFn = Callable[[nn.Module], dict[str, float]]


@dataclass(frozen=True)
class LoopConfig:
    """Optimisation settings. `schedule`: 'cosine' (to min_lr) or 'constant', after linear warm-up."""

    steps: int
    lr: float
    weight_decay: float = 0.0
    warmup_steps: int = 0
    schedule: str = "cosine"
    min_lr: float = 1e-6
    grad_clip: float = 1.0
    log_every: int = 25
    validate_every: int = 0
    checkpoint_every: int = 200
    seed: int = 0
    max_seconds: float = 0.0  # > 0: also stop (and finish the LR schedule) when this much time is spent

    def __post_init__(self) -> None:
        if self.steps <= 0 or self.lr <= 0:
            raise ValueError("steps and lr must be positive")
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(f"unknown schedule {self.schedule!r}")

    def lr_at(self, step: int, seconds: float = 0.0) -> float:
        """Linear warm-up by step, then cosine over the larger of step and time progress."""
        if self.warmup_steps and step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        if self.schedule == "constant":
            return self.lr
        progress = max((step - self.warmup_steps) / max(1, self.steps - self.warmup_steps), self.time_progress(seconds))
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1 + math.cos(math.pi * min(1.0, progress)))

    def time_progress(self, seconds: float) -> float:
        return seconds / self.max_seconds if self.max_seconds > 0 else 0.0


@dataclass(frozen=True)
class LoopResult:
    steps: int
    last_metrics: dict[str, float]
    best_score: float | None
    seconds: float


def run_loop(*, model: nn.Module, parameters: list[nn.Parameter], batches: Iterator[Any], step_fn: StepFn,
             config: LoopConfig, run_dir: Path, dist_info: DistInfo | None = None,
             validate_fn: ValidateFn | None = None, score_key: str = "val_loss",
             extra_state: Callable[[], dict[str, Any]] | None = None,
             description: str = "train") -> LoopResult:
    """Train until `config.steps`, resuming from `run_dir/last.pt` when it exists."""
    info = dist_info or DistInfo(rank=0, world_size=1, local_rank=0)
    run_dir.mkdir(parents=True, exist_ok=True)
    optimizer = torch.optim.AdamW(parameters, lr=config.lr, weight_decay=config.weight_decay)
    start, best, spent = _resume(run_dir / "last.pt", model, optimizer)
    logger = _CsvLog(run_dir / "log.csv") if info.is_main else None
    metrics: dict[str, float] = {}
    began = time.monotonic()
    bar = tqdm(total=config.steps, initial=start, desc=description, disable=not info.is_main,
               dynamic_ncols=True, mininterval=2.0)
    model.train()
    for step in range(start, config.steps):
        elapsed = spent + time.monotonic() - began
        out_of_time = config.max_seconds > 0 and elapsed >= config.max_seconds
        if info.enabled:  # every rank must stop at the same step
            flag = torch.tensor([float(out_of_time)])
            torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
            out_of_time = bool(flag.item())
        if out_of_time:
            log.info("%s: time budget of %.0f s reached at step %d", description, config.max_seconds, step)
            if info.is_main and metrics:
                _save(run_dir / "last.pt", _state(model, optimizer, step, best, elapsed, config))
            break
        for group in optimizer.param_groups:
            group["lr"] = config.lr_at(step, elapsed)
        fraction = min(1.0, max(step / config.steps, config.time_progress(elapsed)))
        loss, metrics = step_fn(model, next(batches), Progress(step, fraction))
        if not torch.isfinite(loss):
            raise FloatingPointError(f"{description}: loss became {loss.item()} at step {step}")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip:
            nn.utils.clip_grad_norm_(parameters, config.grad_clip)
        optimizer.step()
        metrics = {"loss": float(loss.detach()), **metrics, "lr": optimizer.param_groups[0]["lr"]}
        done = step + 1
        last = done == config.steps or config.time_progress(spent + time.monotonic() - began) >= 1
        if validate_fn and config.validate_every and (done % config.validate_every == 0 or last):
            model.eval()
            with torch.no_grad():
                metrics.update(validate_fn(model))
            model.train()
            score = metrics.get(score_key)
            if info.is_main and score is not None and (best is None or score < best):
                best = score
                _save(run_dir / "best.pt", {"model": unwrap_model(model).state_dict(), "step": done,
                                            "score": best, **(extra_state() if extra_state else {})})
        if logger and (done % config.log_every == 0 or last):
            logger.write({"step": done, "seconds": round(time.monotonic() - began, 2), **metrics})
            bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items() if k in ("loss", score_key)})
        bar.update(1)
        if info.is_main and (done % config.checkpoint_every == 0 or done == config.steps):
            _save(run_dir / "last.pt", _state(model, optimizer, done, best, spent + time.monotonic() - began, config))
    bar.close()
    barrier(info)  # every rank then reads the main rank's finished best.pt / last.pt (`common.finish`)
    return LoopResult(steps=bar.n, last_metrics=metrics, best_score=best, seconds=time.monotonic() - began)


def _state(model: nn.Module, optimizer: torch.optim.Optimizer, step: int, best: float | None, seconds: float,
           config: LoopConfig) -> dict[str, Any]:
    return {"model": unwrap_model(model).state_dict(), "optimizer": optimizer.state_dict(), "step": step,
            "best": best, "seconds": seconds, "rng": torch.get_rng_state(), "config": asdict(config)}


def _resume(path: Path, model: nn.Module, optimizer: torch.optim.Optimizer) -> tuple[int, float | None, float]:
    if not path.exists():
        return 0, None, 0.0
    state = torch.load(path, map_location="cpu", weights_only=True)
    unwrap_model(model).load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"])
    log.info("resumed %s at step %d", path, state["step"])
    return int(state["step"]), state.get("best"), float(state.get("seconds", 0.0))


def _save(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


class _CsvLog:
    """Append rows to a CSV file, widening the header when new metrics appear."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fields: list[str] = []
        if path.exists():
            with path.open(newline="") as handle:
                self.fields = next(csv.reader(handle), [])

    def write(self, row: dict[str, float]) -> None:
        new = [k for k in row if k not in self.fields]
        if new:
            rows = list(csv.DictReader(self.path.open(newline=""))) if self.path.exists() else []
            self.fields += new
            with self.path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=self.fields)
                writer.writeheader()
                writer.writerows(rows)
        with self.path.open("a", newline="") as handle:
            csv.DictWriter(handle, fieldnames=self.fields).writerow(row)
