"""Multi-process training on existing machinery: DistributedDataParallel over gloo, two CPU processes."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import gantutor as gt


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        torch.manual_seed(100 + rank)  # different initial weights: DDP must broadcast rank 0's
        from torch.nn.parallel import DistributedDataParallel as DDP
        G, D = DDP(gt.ToyGenerator()), DDP(gt.ToyDiscriminator())
        shard = gt.sample_ring(4000, generator=torch.Generator().manual_seed(0))[rank::world]
        hist = gt.train_gan(G, D, gt.TensorBatches(shard, batch_size=32, seed=rank), steps=25, seed=rank,
                            progress="off", checkpoint=Path(out) / "c.pt", checkpoint_every=10)
        params = torch.cat([p.detach().flatten() for m in (G, D) for p in m.parameters()])
        torch.save({"params": params, "steps": hist.steps, "d_loss": hist.d_loss}, Path(out) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def test_two_gloo_processes_keep_identical_weights(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    assert r0["steps"] == r1["steps"] == 25
    assert torch.equal(r0["params"], r1["params"])           # same weights on every rank, every step averaged
    assert not torch.equal(r0["d_loss"], r1["d_loss"])       # ... while each rank saw its own data shard
    assert gt.load_checkpoint(tmp_path / "c.pt")["step"] == 25  # rank 0 wrote the checkpoint


def test_torchrun_cli_run_completes(tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    out = tmp_path / "run"
    cmd = [str(torchrun), "--standalone", "--nproc_per_node=2", "-m", "gantutor", "train", "toy-gan", "--data",
           "ring", "--steps", "30", "--checkpoint-every", "10", "--progress", "off", "--out", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert json.loads((out / "config.json").read_text())["world_size"] == 2
    assert gt.load_checkpoint(out / "checkpoint.pt")["step"] == 30
    assert len((out / "history.csv").read_text().splitlines()) == 31
