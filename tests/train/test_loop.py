"""The shared training loop: learns, logs, checkpoints, resumes, and trains under torchrun/gloo."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

from deeptalk.train.loop import LoopConfig, run_loop


def _regression_batches(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    weight = torch.tensor([[2.0, -3.0, 0.5]])
    while True:
        x = torch.randn(32, 3, generator=gen)
        yield x, x @ weight.T


def _step(model, batch, step):
    x, y = batch
    loss = nn.functional.mse_loss(model(x), y)
    return loss, {}


def test_loop_learns_logs_and_checkpoints(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    first = nn.functional.mse_loss(model(torch.ones(1, 3)), torch.tensor([[-0.5]])).item()
    result = run_loop(model=model, parameters=list(model.parameters()), batches=_regression_batches(),
                      step_fn=_step, config=LoopConfig(steps=300, lr=0.05, log_every=50), run_dir=tmp_path)
    assert result.last_metrics["loss"] < 1e-3 < first
    rows = list(csv.DictReader((tmp_path / "log.csv").open()))
    assert [int(r["step"]) for r in rows] == [50, 100, 150, 200, 250, 300]
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert state["step"] == 300 and set(state) >= {"model", "optimizer", "rng"}


def test_loop_resumes_where_it_stopped(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    run_loop(model=model, parameters=list(model.parameters()), batches=_regression_batches(),
             step_fn=_step, config=LoopConfig(steps=40, lr=0.05), run_dir=tmp_path)
    seen: list[int] = []

    def counting_step(model, batch, step):
        seen.append(step.step)
        return _step(model, batch, step)

    resumed = nn.Linear(3, 1)
    run_loop(model=resumed, parameters=list(resumed.parameters()), batches=_regression_batches(1),
             step_fn=counting_step, config=LoopConfig(steps=60, lr=0.05), run_dir=tmp_path)
    assert seen == list(range(40, 60))


def test_validation_keeps_best_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    scores = iter([3.0, 1.0, 2.0])
    run_loop(model=model, parameters=list(model.parameters()), batches=_regression_batches(),
             step_fn=_step, config=LoopConfig(steps=30, lr=0.01, validate_every=10), run_dir=tmp_path,
             validate_fn=lambda m: {"val_loss": next(scores)})
    best = torch.load(tmp_path / "best.pt", weights_only=True)
    assert best["step"] == 20 and best["score"] == 1.0


def test_non_finite_loss_stops_with_a_clear_error(tmp_path):
    model = nn.Linear(3, 1)

    def bad_step(model, batch, step):
        return model(batch[0]).sum() * float("nan"), {}

    with pytest.raises(FloatingPointError, match="step 0"):
        run_loop(model=model, parameters=list(model.parameters()), batches=_regression_batches(),
                 step_fn=bad_step, config=LoopConfig(steps=5, lr=0.01), run_dir=tmp_path)


def test_two_process_ddp_on_gloo(tmp_path):
    """torchrun with 2 CPU processes: gradients are averaged, so both ranks end identical."""
    script = tmp_path / "ddp_job.py"
    script.write_text(textwrap.dedent(f"""
        import sys, torch
        from pathlib import Path
        from torch import nn
        from deeptalk.train.distributed import init_distributed, wrap_model, shutdown
        from deeptalk.train.loop import LoopConfig, run_loop
        info = init_distributed(torch.device("cpu"))
        torch.manual_seed(0)
        model = nn.Linear(3, 1)
        ddp = wrap_model(model, info, torch.device("cpu"))
        gen = torch.Generator().manual_seed(100 + info.rank)   # different data per rank
        def batches():
            while True:
                x = torch.randn(16, 3, generator=gen)
                yield x, x.sum(dim=1, keepdim=True)
        def step(m, b, s):
            return nn.functional.mse_loss(m(b[0]), b[1]), {{}}
        run_loop(model=ddp, parameters=list(ddp.parameters()), batches=batches(), step_fn=step,
                 config=LoopConfig(steps=30, lr=0.05), run_dir=Path({str(tmp_path)!r}) / "run", dist_info=info)
        torch.save(model.state_dict(), Path({str(tmp_path)!r}) / f"rank{{info.rank}}.pt")
        shutdown(info)
    """))
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node=2",
                           "--standalone", str(script)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rank0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    rank1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key])
    assert (tmp_path / "run" / "last.pt").exists()


def test_time_budget_stops_early_and_counts_across_resume(tmp_path):
    model = nn.Linear(3, 1)
    config = LoopConfig(steps=10**7, lr=0.01, max_seconds=0.5, checkpoint_every=10**6)
    result = run_loop(model=model, parameters=list(model.parameters()), batches=_regression_batches(),
                      step_fn=_step, config=config, run_dir=tmp_path)
    assert 0 < result.steps < 10**7
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert state["seconds"] >= 0.5 and state["step"] == result.steps
    assert config.lr_at(10, seconds=0.5) == pytest.approx(config.min_lr)
    again = run_loop(model=model, parameters=list(model.parameters()), batches=_regression_batches(),
                     step_fn=_step, config=config, run_dir=tmp_path)
    assert again.steps == result.steps   # the budget was already spent: nothing more runs
