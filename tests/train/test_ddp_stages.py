"""Every training stage under torchrun (2 CPU processes on gloo): it runs, and both ranks end equal."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import torch

JOB = """
import sys, torch
from dataclasses import replace
from pathlib import Path
from deeptalk.model_presets import preset_configs
from deeptalk.train.clipbank import ClipBank
from deeptalk.train.distributed import init_distributed, shutdown
from deeptalk.train.train_dee import DeeTrainConfig, build_prototypes, train_dee
from deeptalk.train.train_fer import FerTrainConfig, train_fer
from deeptalk.train.train_generator import GeneratorTrainConfig, train_generator
from deeptalk.train.train_lipreader import LipReaderTrainConfig, train_lipreader
from deeptalk.train.train_vqvae import VqvaeTrainConfig, train_vqvae
corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
info = init_distributed(torch.device("cpu"))
train, val = ClipBank.load(corpus, ("train",)), ClipBank.load(corpus, ("val",))
sizes = preset_configs("tiny", num_emotions=len(train.emotions), num_styles=8)
def short(cfg):
    return replace(cfg, loop=replace(cfg.loop, steps=3, warmup_steps=0, validate_every=2, checkpoint_every=10**6))
fer = train_fer(short(FerTrainConfig(model=sizes.fer, device="cpu", clips_per_batch=2)), train, val, out / "fer")
lip = train_lipreader(short(LipReaderTrainConfig(model=sizes.lipreader, device="cpu", batch_size=2)), train, val,
                      out / "lip")
dee = train_dee(short(DeeTrainConfig(model=sizes.dee, device="cpu", batch_size=4)), fer, train, val, out / "dee")
prior = train_vqvae(short(VqvaeTrainConfig(model=sizes.thvqvae, device="cpu", batch_size=2)), train, val, out / "vq")
gen = train_generator(short(GeneratorTrainConfig(model=sizes.generator, device="cpu", batch_size=2, stage=2)),
                      dee=dee, prior=prior, lipreader=lip, prototypes=build_prototypes(dee, train), train=train,
                      val=val, out=out / "gen")
torch.save({name: net.state_dict() for name, net in (("fer", fer), ("lip", lip), ("dee", dee), ("vq", prior),
                                                     ("gen", gen))}, out / f"rank{info.rank}.pt")
shutdown(info)
"""


def test_every_stage_trains_under_torchrun_with_ranks_in_step(tiny_corpus: Path, tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(JOB))
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node=2", "--standalone",
                           str(script), str(tiny_corpus), str(tmp_path)], capture_output=True, text=True,
                          timeout=600, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-4000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    for stage in ("fer", "lip", "dee", "vq", "gen"):
        for key, value in ranks[0][stage].items():
            if value.is_floating_point() and "ema" not in key and "codebook" not in key:
                assert torch.equal(value, ranks[1][stage][key]), f"{stage}.{key} differs between ranks"
