"""Command line: ``python -m gantutor train|sample|evaluate`` — the notebooks' trainers from a terminal.

    python -m gantutor train mlp-gan --data mnist --steps 6000 --out runs/mnist
    python -m gantutor train --resume --out runs/mnist          # continue an interrupted run exactly
    python -m gantutor sample runs/mnist --n 64 --seed 1
    python -m gantutor evaluate runs/mnist

A run folder holds ``config.json`` (every option), ``checkpoint.pt`` (models, optimisers, RNG states, history;
written atomically), ``history.csv`` (per-step losses and discriminator outputs), ``snapshots.png`` and
``samples.png``. Ctrl-C stops training cleanly after the current step and saves a checkpoint; a killed process
resumes from its last periodic checkpoint.

Several processes: ``torchrun --nproc_per_node=N -m gantutor train ...`` trains with DistributedDataParallel (NCCL on
GPUs, gloo on CPUs); each rank trains on its shard of the data, and rank 0 writes the run folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

from . import data as gdata
from .checkpoint import TrainingDiverged, load_checkpoint
from .models import MLPDiscriminator, MLPGenerator, ToyDiscriminator, ToyGenerator
from .profile import PROFILES, get_device, get_profile, seed_everything

#: model name -> (generator factory, discriminator factory, kind of data it trains on)
MODELS = {
    "mlp-gan": (lambda: MLPGenerator(latent_dim=100), lambda: MLPDiscriminator(), "image"),
    "toy-gan": (lambda: ToyGenerator(latent_dim=2), lambda: ToyDiscriminator(), "toy"),
}
DATASETS = {"mnist": "image", "fashion-mnist": "image", "ring": "toy", "grid": "toy"}


class UsageError(ValueError):
    """Bad command-line input; the message says what to do."""


def _build(model: str):
    if model not in MODELS:
        raise UsageError(f"Unknown model {model!r}. Choose one of: {', '.join(MODELS)}.")
    g, d, _ = MODELS[model]
    return g(), d()


def _load_data(name: str, subset, device, seed: int, train: bool = True):
    if DATASETS[name] == "image":
        return gdata.load_images(name, train=train, subset=subset, device=device, seed=seed).images
    sampler = gdata.sample_ring if name == "ring" else gdata.sample_grid
    return sampler(subset or 20_000, generator=torch.Generator().manual_seed(seed + (0 if train else 1)),
                   device=device)


def _config_from_args(args) -> dict:
    profile = get_profile(args.profile)
    cfg = {"model": args.model, "data": args.data,
           "steps": args.steps if args.steps is not None else profile.gan_steps,
           "batch_size": args.batch_size if args.batch_size is not None else profile.gan_batch_size,
           "lr": args.lr, "loss": args.loss,
           "seed": args.seed, "subset": args.subset if args.subset is not None else profile.train_subset,
           "snapshots": args.snapshots, "checkpoint_every": args.checkpoint_every, "profile": profile.name}
    if cfg["model"] is None or cfg["data"] is None:
        raise UsageError("train needs a model and --data (e.g. `train mlp-gan --data mnist`), or --resume --out DIR.")
    _build(cfg["model"])
    if cfg["data"] not in DATASETS:
        raise UsageError(f"Unknown dataset {cfg['data']!r}. Choose one of: {', '.join(DATASETS)}.")
    if MODELS[cfg["model"]][2] != DATASETS[cfg["data"]]:
        fits = [d for d, kind in DATASETS.items() if kind == MODELS[cfg["model"]][2]]
        raise UsageError(f"Model {cfg['model']!r} trains on {MODELS[cfg['model']][2]} data; --data {cfg['data']!r} "
                         f"does not fit. Use one of: {', '.join(fits)}.")
    for key in ("steps", "batch_size", "snapshots", "checkpoint_every"):
        if not isinstance(cfg[key], int) or cfg[key] < (0 if key in ("snapshots", "checkpoint_every") else 1):
            raise UsageError(f"--{key.replace('_', '-')} must be a {'non-negative' if key in ('snapshots', 'checkpoint_every') else 'positive'} integer, got {cfg[key]}.")
    if not cfg["lr"] > 0:
        raise UsageError(f"--lr must be positive, got {cfg['lr']}.")
    return cfg


def cmd_train(args) -> int:
    """Train; under torchrun (WORLD_SIZE > 1) with DistributedDataParallel, NCCL on GPUs and gloo on CPUs."""
    out = Path(args.out)
    world = int(os.environ.get("WORLD_SIZE", "1"))  # set by torchrun
    rank = 0
    if world > 1:
        import torch.distributed as dist

        use_cuda = torch.cuda.is_available() and (args.device or "cuda").startswith("cuda")
        dist.init_process_group("nccl" if use_cuda else "gloo")
        rank = dist.get_rank()
        if use_cuda:
            args.device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
            torch.cuda.set_device(torch.device(args.device))
        else:
            args.device = "cpu"
    try:
        return _train(args, out, world, rank)
    finally:
        if world > 1:
            torch.distributed.destroy_process_group()


def _train(args, out: Path, world: int, rank: int) -> int:
    from .plot import plot_gan_history, plot_snapshots, show_images
    from .gan import train_gan

    if args.resume:
        if not (out / "config.json").is_file():
            raise UsageError(f"--resume needs a run folder with config.json; {out} has none. Start a run with "
                             f"`train MODEL --data DATA --out {out}` first.")
        cfg = json.loads((out / "config.json").read_text())
        if args.steps is not None:
            cfg["steps"] = args.steps
    else:
        cfg = _config_from_args(args)
        if rank == 0:
            if (out / "checkpoint.pt").exists() and not args.overwrite:
                raise UsageError(f"{out} already holds a run. Continue it with --resume, choose another --out, or "
                                 f"pass --overwrite to start again there.")
            out.mkdir(parents=True, exist_ok=True)
            (out / "config.json").write_text(json.dumps({**cfg, "world_size": world}, indent=2))
    device = get_device(args.device)
    seed_everything(cfg["seed"])
    G, D = (m.to(device) for m in _build(cfg["model"]))
    data = _load_data(cfg["data"], cfg["subset"], device, cfg["seed"])
    if world > 1:  # each rank trains on its own shard; DDP averages the gradients so weights stay identical
        from torch.nn.parallel import DistributedDataParallel as DDP

        data = data[rank::world]
        ids = [device.index] if device.type == "cuda" else None
        G, D = DDP(G, device_ids=ids), DDP(D, device_ids=ids)
        torch.distributed.barrier()
    batches = gdata.TensorBatches(data, batch_size=cfg["batch_size"], seed=cfg["seed"] + rank)
    try:
        hist = train_gan(G, D, batches, steps=cfg["steps"], loss=cfg["loss"], lr=cfg["lr"], seed=cfg["seed"] + rank,
                         snapshots=cfg["snapshots"], checkpoint=out / "checkpoint.pt",
                         checkpoint_every=cfg["checkpoint_every"], resume=args.resume,
                         progress=args.progress, desc=cfg["model"])
    except TrainingDiverged as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    if rank != 0:
        return 130 if hist.interrupted else 0
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(out / "history.csv", "w") as f:
        f.write("step,d_loss,g_loss,d_real,d_fake\n")
        for i, row in enumerate(zip(hist.d_loss.tolist(), hist.g_loss.tolist(), hist.d_real.tolist(),
                                    hist.d_fake.tolist()), start=1):
            f.write(f"{i}," + ",".join(f"{v:.6g}" for v in row) + "\n")
    if hist.steps:
        plot_gan_history(hist)
        plt.savefig(out / "curves.png", dpi=90)
        plt.close("all")
    if hist.snapshots and MODELS[cfg["model"]][2] == "image":
        plot_snapshots(hist)
        plt.savefig(out / "snapshots.png", dpi=90)
        plt.close("all")
        show_images(hist.snapshots[-1], nrow=8)
        plt.savefig(out / "samples.png", dpi=90)
        plt.close("all")
    state = "interrupted" if hist.interrupted else "finished"
    print(f"{state} at step {hist.steps}/{cfg['steps']}; run folder {out}"
          + (f" (continue with: python -m gantutor train --resume --out {out})" if hist.interrupted else ""))
    return 130 if hist.interrupted else 0


def _load_run(run: Path):
    if not (run / "config.json").is_file():
        raise UsageError(f"{run} is not a run folder (no config.json). Pass the --out folder of a `train` run.")
    cfg = json.loads((run / "config.json").read_text())
    state = load_checkpoint(run / "checkpoint.pt", kind="gan")
    G, D = _build(cfg["model"])
    G.load_state_dict(state["generator"])
    D.load_state_dict(state["discriminator"])
    return cfg, state, G.eval(), D.eval()


def cmd_sample(args) -> int:
    from .plot import scatter_2d, show_images
    from .gan import sample

    cfg, _, G, _ = _load_run(Path(args.run))
    if args.n <= 0:
        raise UsageError(f"--n must be a positive integer, got {args.n}.")
    x = sample(G, args.n, seed=args.seed)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.output or Path(args.run) / f"samples_seed{args.seed}.png")
    if MODELS[cfg["model"]][2] == "image":
        show_images(x, nrow=8)
    else:
        scatter_2d(x)
    plt.savefig(out, dpi=90)
    plt.close("all")
    print(f"wrote {args.n} samples to {out}")
    return 0


def cmd_evaluate(args) -> int:
    from .metrics import mode_coverage
    from .gan import sample

    cfg, state, G, _ = _load_run(Path(args.run))
    if args.n < 16:
        raise UsageError(f"--n must be at least 16 (the metrics compare sets of samples), got {args.n}.")
    x = sample(G, args.n, seed=args.seed)
    report = {"step": state["step"], "samples": args.n}
    if cfg["data"] in ("ring", "grid"):
        centers = gdata.ring_centers() if cfg["data"] == "ring" else gdata.grid_centers()
        std = gdata.RING_STD if cfg["data"] == "ring" else gdata.GRID_STD
        cov = mode_coverage(x, centers, std)
        report.update(modes_covered=cov["covered"], modes=cov["modes"], high_quality=round(cov["high_quality"], 4))
    else:
        train = _load_data(cfg["data"], None, "cpu", cfg["seed"], train=True).flatten(1)
        test = _load_data(cfg["data"], None, "cpu", cfg["seed"], train=False).flatten(1)
        flat = x.flatten(1)
        d_train = torch.cdist(flat, train).min(1).values
        d_test = torch.cdist(flat, test).min(1).values
        report.update(nn_distance_train=round(float(d_train.median()), 4),
                      nn_distance_test=round(float(d_test.median()), 4))
        # the evaluation chapter's metrics, against as many test images as samples (FID depends on the count)
        from .metrics import evaluate_images

        real = test[torch.randperm(len(test), generator=torch.Generator().manual_seed(args.seed))[:args.n]]
        metrics = evaluate_images(real.view(-1, 1, 28, 28), x.view(-1, 1, 28, 28).clamp(-1, 1), cfg["data"],
                                  kid_subset=min(1000, args.n))
        report.update({k: (round(v, 6) if isinstance(v, float) else v) for k, v in metrics.items()},
                      feature_network=f"gantutor.features:{cfg['data']}")
    print(json.dumps(report, indent=2))
    (Path(args.run) / "evaluation.json").write_text(json.dumps(report, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gantutor", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model and write a run folder",
                       description="Train a GAN with the book's training loop and write a run folder.")
    t.add_argument("model", nargs="?", help=f"one of: {', '.join(MODELS)} (omit with --resume)")
    t.add_argument("--data", help=f"dataset, one of: {', '.join(DATASETS)}")
    t.add_argument("--out", required=True, help="run folder (created; holds config, checkpoint, history, images)")
    t.add_argument("--steps", type=int, default=None, help="training steps (default: the profile's gan_steps)")
    t.add_argument("--batch-size", type=int, default=None, help="batch size (default: the profile's)")
    t.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate for both networks (default 2e-4)")
    t.add_argument("--loss", default="non-saturating", help="GAN loss: minimax or non-saturating")
    t.add_argument("--seed", type=int, default=0, help="seed for weights, data order and noise (default 0)")
    t.add_argument("--subset", type=int, default=None, help="use this many training examples (default: all)")
    t.add_argument("--snapshots", type=int, default=7, help="fixed-noise snapshots to keep (default 7)")
    t.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints (default 500; "
                   "0: only at the end and on Ctrl-C)")
    t.add_argument("--profile", choices=list(PROFILES), default=None, help="budget defaults (default: by device)")
    t.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: CUDA when available)")
    t.add_argument("--progress", choices=["bar", "log", "off"], default="bar", help="progress display")
    t.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    t.add_argument("--overwrite", action="store_true", help="start a new run in an --out that holds one")
    t.set_defaults(func=cmd_train)
    s = sub.add_parser("sample", help="draw samples from a trained run", description="Save a grid of samples.")
    s.add_argument("run", help="run folder written by `train`")
    s.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    s.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    s.add_argument("--output", default=None, help="PNG file (default: RUN/samples_seedS.png)")
    s.set_defaults(func=cmd_sample)
    e = sub.add_parser("evaluate", help="evaluate a trained run",
                       description="Toy data: mode coverage. Images: median nearest-neighbour distance of samples "
                                   "to the training and the test set (a memorisation check).")
    e.add_argument("run", help="run folder written by `train`")
    e.add_argument("--n", type=int, default=256, help="number of samples (default 256)")
    e.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    e.set_defaults(func=cmd_evaluate)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:  # bad options, unknown names, missing data or checkpoints
        parser.exit(2, f"error: {err}\n")
