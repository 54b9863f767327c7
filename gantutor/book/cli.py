"""Command line: ``python -m gantutor train|sample|evaluate|reference|recipes|augment`` — every model the book trains, from a terminal.

    python -m gantutor train dcgan --data mnist --out runs/dcgan        # also: mlp-gan, toy-gan, cdcgan, vae,
    python -m gantutor train --resume --out runs/dcgan                  #   cvae, cyclegan; resume continues exactly
    python -m gantutor sample runs/dcgan --n 64 --seed 1
    python -m gantutor evaluate runs/dcgan                              # the book's metrics, the book's protocol

A run folder holds ``config.json`` (every option), ``checkpoint.pt`` (models, optimisers, RNG states, history;
written atomically, tensors and plain values only), ``history.csv`` (the per-step record), ``snapshots.png`` and
``samples.png``. Ctrl-C stops training cleanly after the current step and saves a checkpoint; a killed process
resumes from its last periodic checkpoint.

Several processes: ``torchrun --nproc_per_node=N -m gantutor train ...`` trains a GAN with DistributedDataParallel
(NCCL on GPUs, gloo on CPUs); each rank trains on its shard of the data, and rank 0 writes the run folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from .. import data as gdata
from ..checkpoint import TrainingDiverged, load_checkpoint
from ..profile import PROFILES, get_device, get_profile, seed_everything


@dataclass(frozen=True)
class ModelSpec:
    """One trainable model of the book: its family (which ``train_*`` trains it), its networks, its data."""

    family: str          # "gan", "vae" or "cyclegan"
    build: object        # build(profile) -> dict of named networks
    data: str            # "image" or "toy"
    conditional: bool = False
    lr: float = 2e-4
    chapter: str = ""


def _gan(g, d):
    return lambda P: {"generator": g(P), "discriminator": d(P)}


def _dcgan(conditional: bool):
    from ..models.dcgan import DCGANDiscriminator, DCGANGenerator

    classes = 10 if conditional else None
    return _gan(lambda P: DCGANGenerator(width=P.dcgan_width, num_classes=classes),
                lambda P: DCGANDiscriminator(width=P.dcgan_width, num_classes=classes))


def _vae(conditional: bool):
    from ..vae import MLPVAE

    if conditional:     # the applications chapter's conditional VAE
        return lambda P: {"model": MLPVAE(latent_dim=16, hidden=(400, 200), num_classes=10)}
    return lambda P: {"model": MLPVAE()}       # Burda et al.'s architecture, as in *Training a VAE*


def _cyclegan(P):
    from ..cyclegan import PatchDiscriminator, TranslationGenerator

    w, blocks = P.cyclegan_width, P.cyclegan_blocks
    return {"g_ab": TranslationGenerator(w, blocks), "g_ba": TranslationGenerator(w, blocks),
            "d_a": PatchDiscriminator(w), "d_b": PatchDiscriminator(w)}


def _mlp_gan(P):
    from ..models import MLPDiscriminator, MLPGenerator
    return {"generator": MLPGenerator(latent_dim=100), "discriminator": MLPDiscriminator()}


def _toy_gan(P):
    from ..models import ToyDiscriminator, ToyGenerator
    return {"generator": ToyGenerator(latent_dim=2), "discriminator": ToyDiscriminator()}


MODELS: dict[str, ModelSpec] = {
    "mlp-gan": ModelSpec("gan", _mlp_gan, "image", chapter="Your first GAN"),
    "toy-gan": ModelSpec("gan", _toy_gan, "toy", chapter="Training GANs that work"),
    "dcgan": ModelSpec("gan", _dcgan(False), "image", chapter="Convolutional and conditional GANs"),
    "cdcgan": ModelSpec("gan", _dcgan(True), "image", conditional=True, chapter="Convolutional and conditional GANs"),
    "vae": ModelSpec("vae", _vae(False), "image", lr=1e-3, chapter="Training a VAE"),
    "cvae": ModelSpec("vae", _vae(True), "image", conditional=True, lr=1e-3, chapter="Applications"),
    "cyclegan": ModelSpec("cyclegan", _cyclegan, "image", chapter="Image-to-image translation with CycleGAN"),
}
DATASETS = {"mnist": "image", "fashion-mnist": "image", "ring": "toy", "grid": "toy"}
#: Profile budgets per family: (steps, batch size).
BUDGETS = {"gan": ("gan_steps", "gan_batch_size"), "vae": ("vae_steps", "vae_batch_size"),
           "cyclegan": ("cyclegan_steps", "cyclegan_batch")}


class UsageError(ValueError):
    """Bad command-line input; the message says what to do."""


def spec_of(model: str) -> ModelSpec:
    if model not in MODELS:
        raise UsageError(f"Unknown model {model!r}. Choose one of: {', '.join(MODELS)}.")
    return MODELS[model]


def load_data(name: str, subset, device, seed: int, train: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(images or points, labels or None)`` for a dataset name of :data:`DATASETS`."""
    if DATASETS[name] == "image":
        d = gdata.load_images(name, train=train, subset=subset, device=device, seed=seed)
        return d.images, d.labels
    sampler = gdata.sample_ring if name == "ring" else gdata.sample_grid
    return sampler(subset or 20_000, generator=torch.Generator().manual_seed(seed + (0 if train else 1)),
                   device=device), None


def _check_number(cfg: dict, key: str, minimum: int) -> None:
    if not isinstance(cfg[key], int) or cfg[key] < minimum:
        kind = "non-negative" if minimum == 0 else "positive"
        raise UsageError(f"--{key.replace('_', '-')} must be a {kind} integer, got {cfg[key]}.")


def config_from_args(args) -> dict:
    if args.model is None or args.data is None:
        raise UsageError("train needs a model and --data (e.g. `train dcgan --data mnist`), or --resume --out DIR.")
    spec, profile = spec_of(args.model), get_profile(args.profile)
    steps_key, batch_key = BUDGETS[spec.family]
    cfg = {"model": args.model, "family": spec.family, "data": args.data,
           "steps": args.steps if args.steps is not None else getattr(profile, steps_key),
           "batch_size": args.batch_size if args.batch_size is not None else getattr(profile, batch_key),
           "lr": args.lr if args.lr is not None else spec.lr, "loss": args.loss, "seed": args.seed,
           "subset": args.subset if args.subset is not None else profile.train_subset,
           "snapshots": args.snapshots, "checkpoint_every": args.checkpoint_every, "profile": profile.name}
    if cfg["data"] not in DATASETS:
        raise UsageError(f"Unknown dataset {cfg['data']!r}. Choose one of: {', '.join(DATASETS)}.")
    if spec.data != DATASETS[cfg["data"]]:
        fits = [d for d, kind in DATASETS.items() if kind == spec.data]
        raise UsageError(f"Model {cfg['model']!r} trains on {spec.data} data; --data {cfg['data']!r} does not fit. "
                         f"Use one of: {', '.join(fits)}.")
    for key, minimum in (("steps", 1), ("batch_size", 1), ("snapshots", 0), ("checkpoint_every", 0)):
        _check_number(cfg, key, minimum)
    if not cfg["lr"] > 0:
        raise UsageError(f"--lr must be positive, got {cfg['lr']}.")
    if spec.family == "vae" and cfg["loss"] is not None:
        raise UsageError(f"--loss chooses a GAN loss; {cfg['model']!r} is a VAE. Leave it out.")
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
        return train_run(args, out, world, rank)
    finally:
        if world > 1:
            torch.distributed.destroy_process_group()


def run_config(args, out: Path, world: int, rank: int) -> dict:
    """The run's configuration: read back on ``--resume``, else built from the options and written."""
    if args.resume:
        if not (out / "config.json").is_file():
            raise UsageError(f"--resume needs a run folder with config.json; {out} has none. Start a run with "
                             f"`train MODEL --data DATA --out {out}` first.")
        cfg = json.loads((out / "config.json").read_text())
        cfg.setdefault("family", "gan")
        if args.steps is not None:
            cfg["steps"] = args.steps
        return cfg
    cfg = config_from_args(args)
    if rank == 0:
        if (out / "checkpoint.pt").exists() and not args.overwrite:
            raise UsageError(f"{out} already holds a run. Continue it with --resume, choose another --out, or "
                             f"pass --overwrite to start again there.")
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps({**cfg, "world_size": world}, indent=2))
    return cfg


def train_run(args, out: Path, world: int, rank: int) -> int:
    cfg = run_config(args, out, world, rank)
    spec, device = spec_of(cfg["model"]), get_device(args.device)
    if world > 1 and spec.family != "gan":
        raise UsageError(f"torchrun trains the GANs only; train {cfg['model']!r} in one process.")
    seed_everything(cfg["seed"])
    nets = {name: m.to(device) for name, m in spec.build(get_profile(cfg["profile"])).items()}
    x, y = load_data(cfg["data"], cfg["subset"], device, cfg["seed"])
    common = dict(steps=cfg["steps"], snapshots=cfg["snapshots"], checkpoint=out / "checkpoint.pt",
                  checkpoint_every=cfg["checkpoint_every"], resume=args.resume, progress=args.progress,
                  desc=cfg["model"])
    try:
        hist = TRAINERS[spec.family](nets, x, y if spec.conditional else None, cfg, common, world, rank)
    except TrainingDiverged as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    if rank == 0:
        write_outputs(spec, hist, out)
        state = "interrupted" if getattr(hist, "interrupted", False) else "finished"
        done = len(next(iter(record_of(hist).values())))
        print(f"{state} at step {done}/{cfg['steps']}; run folder {out}"
              + (f" (continue with: python -m gantutor train --resume --out {out})" if state == "interrupted" else ""))
    return 130 if getattr(hist, "interrupted", False) else 0


def train_gan_run(nets, x, y, cfg, common, world, rank):
    from ..gan import train_gan

    G, D = nets["generator"], nets["discriminator"]
    if world > 1:  # each rank trains on its own shard; DDP averages the gradients so weights stay identical
        from torch.nn.parallel import DistributedDataParallel as DDP

        x, y = x[rank::world], (None if y is None else y[rank::world])
        ids = [x.device.index] if x.device.type == "cuda" else None
        G, D = DDP(G, device_ids=ids), DDP(D, device_ids=ids)
        torch.distributed.barrier()
    tensors = (x,) if y is None else (x, y)
    batches = gdata.TensorBatches(*tensors, batch_size=cfg["batch_size"], seed=cfg["seed"] + rank)
    return train_gan(G, D, batches, loss=cfg["loss"] or "non-saturating", lr=cfg["lr"], seed=cfg["seed"] + rank,
                     **common)


def train_vae_run(nets, x, y, cfg, common, world, rank):
    from ..vae import train_vae

    tensors = (x,) if y is None else (x, y)
    batches = gdata.TensorBatches(*tensors, batch_size=cfg["batch_size"], seed=cfg["seed"])
    return train_vae(nets["model"], batches, lr=cfg["lr"], lr_decay=0.1, seed=cfg["seed"], **common)


def train_cyclegan_run(nets, x, y, cfg, common, world, rank):
    from ..cyclegan import make_domains, thicken, train_cyclegan

    labels = torch.zeros(len(x), dtype=torch.long, device=x.device)
    a, _, b, _ = make_domains(x, labels, thicken, seed=cfg["seed"])
    batches_a = gdata.TensorBatches(a, batch_size=cfg["batch_size"], seed=cfg["seed"])
    batches_b = gdata.TensorBatches(b, batch_size=cfg["batch_size"], seed=cfg["seed"] + 1)
    return train_cyclegan(nets["g_ab"], nets["g_ba"], nets["d_a"], nets["d_b"], batches_a, batches_b,
                          loss=cfg["loss"] or "lsgan", lr=cfg["lr"], fixed_a=a[:8], fixed_b=b[:8], **common)


TRAINERS = {"gan": train_gan_run, "vae": train_vae_run, "cyclegan": train_cyclegan_run}


def record_of(hist) -> dict:
    """The per-step numbers of any family's history, by column name (CPU tensors)."""
    if hasattr(hist, "d_loss"):
        return {k: getattr(hist, k) for k in ("d_loss", "g_loss", "d_real", "d_fake")}
    if hasattr(hist, "recon"):
        return {k: getattr(hist, k) for k in ("loss", "recon", "kl", "beta")}
    from ..cyclegan import RECORD_COLUMNS
    return {k: hist.column(k) for k in RECORD_COLUMNS}


def write_outputs(spec: ModelSpec, hist, out: Path) -> None:
    """history.csv, curves.png (GANs), snapshots.png and samples.png (image models)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plot import plot_gan_history, plot_snapshots, show_images

    record = record_of(hist)
    with open(out / "history.csv", "w") as f:
        f.write("step," + ",".join(record) + "\n")
        for i, row in enumerate(zip(*(v.tolist() for v in record.values())), start=1):
            f.write(f"{i}," + ",".join(f"{v:.6g}" for v in row) + "\n")
    if spec.family == "gan" and len(hist.d_loss):
        plot_gan_history(hist)
        plt.savefig(out / "curves.png", dpi=90)
        plt.close("all")
    if hist.snapshots and spec.data == "image":
        last = hist.snapshots[-1]
        last = torch.cat(last) if isinstance(last, tuple) else last
        if spec.family == "gan":
            plot_snapshots(hist)
            plt.savefig(out / "snapshots.png", dpi=90)
            plt.close("all")
        show_images(last if spec.family != "vae" else last * 2 - 1, nrow=8)
        plt.savefig(out / "samples.png", dpi=90)
        plt.close("all")


def load_run(run: Path):
    """``(config, checkpoint, spec, networks in eval mode)`` of a run folder."""
    if not (run / "config.json").is_file():
        raise UsageError(f"{run} is not a run folder (no config.json). Pass the --out folder of a `train` run.")
    cfg = json.loads((run / "config.json").read_text())
    spec = spec_of(cfg["model"])
    state = load_checkpoint(run / "checkpoint.pt", kind=spec.family)
    nets = spec.build(get_profile(cfg["profile"]))
    for name, net in nets.items():
        net.load_state_dict(state["modules"][name])
        net.eval()
    return cfg, state, spec, nets


def draw(spec: ModelSpec, nets: dict, n: int, seed: int, cfg: dict) -> torch.Tensor:
    """``n`` samples in the data's range ([-1, 1] for images); CycleGAN translates ``n`` test digits to thick."""
    if spec.family == "gan":
        from ..gan import sample
        return sample(nets["generator"], n, seed=seed)
    if spec.family == "vae":
        from ..vae import sample_vae
        return sample_vae(nets["model"], n, seed=seed) * 2 - 1
    from ..cyclegan import translate
    x, _ = load_data(cfg["data"], None, "cpu", seed, train=False)
    return translate(nets["g_ab"], x[:n])


def cmd_sample(args) -> int:
    from ..plot import scatter_2d, show_images

    cfg, _, spec, nets = load_run(Path(args.run))
    if args.n <= 0:
        raise UsageError(f"--n must be a positive integer, got {args.n}.")
    x = draw(spec, nets, args.n, args.seed, cfg)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.output or Path(args.run) / f"samples_seed{args.seed}.png")
    if spec.data == "image":
        show_images(x, nrow=8)
    else:
        scatter_2d(x)
    plt.savefig(out, dpi=90)
    plt.close("all")
    print(f"wrote {args.n} samples to {out}")
    return 0


def image_report(x: torch.Tensor, cfg: dict, n: int, seed: int) -> dict:
    """The evaluation chapter's protocol: ``n`` samples against ``n`` test images, FID also as a multiple of the
    real-vs-real floor (``n`` test against ``n`` training images), the confident-class rate and the largest class
    share, and the memorisation check (median distance to the nearest training and test image)."""
    from ..features import classifier_outputs
    from ..metrics import confident_rate, evaluate_images, fid_from_features, max_class_share

    train, _ = load_data(cfg["data"], None, "cpu", cfg["seed"], train=True)
    test, _ = load_data(cfg["data"], None, "cpu", cfg["seed"], train=False)
    pick = torch.Generator().manual_seed(seed)
    real = test[torch.randperm(len(test), generator=pick)[:n]]
    other = train[torch.randperm(len(train), generator=pick)[:n]]
    x = x.view(-1, 1, 28, 28).clamp(-1, 1)
    real_features = classifier_outputs(real, cfg["data"])
    report = evaluate_images(real, x, cfg["data"], kid_subset=min(1000, n), real_features=real_features)
    floor = fid_from_features(real_features[0], classifier_outputs(other, cfg["data"])[0])
    logits = classifier_outputs(x, cfg["data"])[1]
    flat = x.flatten(1)
    report.update(fid_floor=floor, fid_over_floor=report["fid"] / floor, confident_rate=confident_rate(logits),
                  max_class_share=max_class_share(logits),
                  nn_distance_train=float(torch.cdist(flat, train.flatten(1)).min(1).values.median()),
                  nn_distance_test=float(torch.cdist(flat, test.flatten(1)).min(1).values.median()),
                  feature_network=f"gantutor.features:{cfg['data']}")
    return report


def vae_nll(nets: dict, cfg: dict, k: int, images: int | None) -> dict:
    """Importance-sampled test NLL (nats) on dynamically binarised test images, as in *Training a VAE*."""
    from ..vae import binarize, log_likelihood

    test, labels = load_data(cfg["data"], None, "cpu", cfg["seed"], train=False)
    test, labels = test[:images], labels[:images]
    x = binarize(test, torch.Generator().manual_seed(0))
    y = labels if nets["model"].num_classes is not None else None
    ll = log_likelihood(nets["model"], x, y, k=k, progress="off")
    return {"nll_nats": float(-ll.mean()), "nll_k": k, "nll_images": len(x)}


def cmd_evaluate(args) -> int:
    from ..metrics import mode_coverage

    cfg, state, spec, nets = load_run(Path(args.run))
    profile = get_profile(args.profile or cfg["profile"])
    n = args.n if args.n is not None else profile.metric_samples
    if n < 16:
        raise UsageError(f"--n must be at least 16 (the metrics compare sets of samples), got {n}.")
    x = draw(spec, nets, n, args.seed, cfg)
    report = {"model": cfg["model"], "step": state["step"], "samples": n, "profile": profile.name}
    if spec.data == "toy":
        centers = gdata.ring_centers() if cfg["data"] == "ring" else gdata.grid_centers()
        std = gdata.RING_STD if cfg["data"] == "ring" else gdata.GRID_STD
        cov = mode_coverage(x, centers, std)
        report.update(modes_covered=cov["covered"], modes=cov["modes"], high_quality=round(cov["high_quality"], 4))
    else:
        report.update(image_report(x, cfg, n, args.seed))
    if spec.family == "vae":
        report.update(vae_nll(nets, cfg, args.nll_k or profile.nll_k, args.nll_images or profile.nll_images))
    report = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in report.items()}
    print(json.dumps(report, indent=2))
    (Path(args.run) / "evaluation.json").write_text(json.dumps(report, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gantutor", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    add_run_commands(sub)
    add_record_commands(sub)
    return p


def add_run_commands(sub) -> None:
    """train, sample and evaluate: one run folder."""
    t = sub.add_parser("train", help="train a model and write a run folder",
                       description="Train one of the book's models with the one training engine; write a run folder.")
    t.add_argument("model", nargs="?", help=f"one of: {', '.join(MODELS)} (omit with --resume)")
    t.add_argument("--data", help=f"dataset, one of: {', '.join(DATASETS)}")
    t.add_argument("--out", required=True, help="run folder (created; holds config, checkpoint, history, images)")
    t.add_argument("--steps", type=int, default=None, help="training steps (default: the profile's budget)")
    t.add_argument("--batch-size", type=int, default=None, help="batch size (default: the profile's)")
    t.add_argument("--lr", type=float, default=None, help="Adam learning rate (default: the chapter's)")
    t.add_argument("--loss", default=None, help="GAN loss, a name from gantutor.GAN_LOSSES (default non-saturating; "
                   "CycleGAN: lsgan)")
    t.add_argument("--seed", type=int, default=0, help="seed for weights, data order and noise (default 0)")
    t.add_argument("--subset", type=int, default=None, help="use this many training examples (default: all)")
    t.add_argument("--snapshots", type=int, default=7, help="snapshots to keep (default 7)")
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
    e = sub.add_parser("evaluate", help="evaluate a trained run with the book's metrics",
                       description="Toy data: mode coverage. Images: FID, FID over the real-vs-real floor, KID, "
                                   "precision, recall, classes covered, confident-class rate, largest class share "
                                   "and the memorisation check, on the profile's sample count (10,000 for cpu/gpu). "
                                   "VAEs also: the importance-sampled test NLL.")
    e.add_argument("run", help="run folder written by `train`")
    e.add_argument("--n", type=int, default=None, help="samples (default: the profile's metric_samples, 10,000)")
    e.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    e.add_argument("--profile", choices=list(PROFILES), default=None, help="protocol (default: the run's profile)")
    e.add_argument("--nll-k", type=int, default=None, help="VAE: importance samples per image (default: profile)")
    e.add_argument("--nll-images", type=int, default=None, help="VAE: test images for the NLL (default: profile)")
    e.set_defaults(func=cmd_evaluate)


def add_record_commands(sub) -> None:
    """reference, recipes, augment and toy-diffusion: longer runs that write a record under results/."""
    r = sub.add_parser("reference", help="a reference run: train for a time budget, score, write record and weights",
                       description="Train a headline model far longer than its chapter (gantutor.book.reference), "
                                   "score it with the book's protocol, and write results/<device>/reference_MODEL"
                                   ".json with float16 weights beside it.")
    r.add_argument("model", help="dcgan, cdcgan, flow, vae or cvae")
    r.add_argument("--seconds", type=float, default=3600.0,
                   help="training budget in seconds (default 3600; the vae recipe ends sooner, at its step count)")
    r.add_argument("--out", default=None, help="record path (default: results/<cpu|gpu>/reference_MODEL.json)")
    r.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: CUDA when available)")
    r.set_defaults(func=cmd_reference)
    c = sub.add_parser("recipes", help="compare a chapter's recipe variants over seeds, at the chapter's budget",
                       description="Train each variant of a recipe (gantutor.book.recipes) with several seeds, score "
                                   "the average and the last weights with the book's protocol, and write "
                                   "results/<device>/recipes_NAME.json.")
    c.add_argument("name", help="dcgan (transposed against resize upsampling), dcgan-sn (spectrally normalised "
                                "discriminators), dcgan-rates (rates, batch, average), dcgan-small-batch, or mlpgan "
                                "(chapter 2's fully connected GAN by batch size; run it with --steps 6000)")
    c.add_argument("--variants", default=None, help="comma-separated variants of the comparison (default: all)")
    c.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per variant (default 3)")
    c.add_argument("--first-seed", type=int, default=0,
                   help="start the seeds here (seeds F..F+N-1), to add seeds to an earlier record's (default 0)")
    c.add_argument("--steps", type=int, default=3000,
                   help="training steps per run (default 3000, the cpu DCGAN chapter's)")
    c.add_argument("--out", default=None, help="record path (default: results/<cpu|gpu>/recipes_NAME.json)")
    c.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: CUDA when available)")
    c.set_defaults(func=cmd_recipes)
    a = sub.add_parser("augment", help="the few-labels augmentation experiment, over seeds and ratios",
                       description="Train a conditional DCGAN and a conditional VAE on 100, 300 and 1,000 labelled "
                                   "images (gantutor.book.augment), add 1, 5 or 50 generated images per real one to "
                                   "a classifier's training set, and write results/<device>/augmentation.json.")
    a.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per number of labels (default 3)")
    a.add_argument("--out", default=None, help="record path (default: results/<cpu|gpu>/augmentation.json)")
    a.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: CUDA when available)")
    a.set_defaults(func=cmd_augment)
    y = sub.add_parser("toy-diffusion", help="longer runs of the diffusion chapters' 2-D toy denoisers, over seeds",
                       description="Train the DDPM and flow-matching toy denoisers of the diffusion chapters "
                                   "(gantutor.book.toys) on the ring and the grid for more steps, on the CPU's "
                                   "cores side by side, score them with the PacGAN protocol and write "
                                   "results/cpu/toy_diffusion_STEPS.json.")
    y.add_argument("--steps", type=int, default=32000, help="training steps per run (default 32000)")
    y.add_argument("--hidden", type=int, default=256, help="units per hidden layer (default 256; the chapters' 128)")
    y.add_argument("--depth", type=int, default=4, help="hidden layers (default 4; the chapters' 3)")
    y.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per objective and distribution (default 3)")
    y.add_argument("--out", default=None, help="record path (default: results/cpu/toy_diffusion_STEPS.json)")
    y.set_defaults(func=cmd_toy_diffusion)


def cmd_toy_diffusion(args) -> int:
    from . import toys

    out = Path(args.out or f"results/cpu/toy_diffusion_{args.steps}.json")
    toys.run(args.steps, args.hidden, args.depth, args.seeds, out)
    return 0


def cmd_augment(args) -> int:
    from . import augment

    device = get_device(args.device)
    out = Path(args.out or f"results/{'gpu' if device.type == 'cuda' else 'cpu'}/augmentation.json")
    augment.run(args.seeds, out, device, command=f"python -m gantutor augment --seeds {args.seeds} --out {out}")
    return 0


def cmd_recipes(args) -> int:
    from . import recipes

    device = get_device(args.device)
    out = Path(args.out or f"results/{'gpu' if device.type == 'cuda' else 'cpu'}/recipes_{args.name}.json")
    chosen = f" --variants {args.variants}" if args.variants else ""
    first = f" --first-seed {args.first_seed}" if args.first_seed else ""
    recipes.run(args.name, args.seeds, args.steps, out, device, variants=args.variants.split(",") if args.variants
                else None, first_seed=args.first_seed,
                command=f"python -m gantutor recipes {args.name}{chosen} --seeds {args.seeds}{first} --steps "
                        f"{args.steps} --out {out}")
    return 0


def cmd_reference(args) -> int:
    from . import reference

    device = get_device(args.device)
    out = Path(args.out or f"results/{'gpu' if device.type == 'cuda' else 'cpu'}/reference_{args.model}.json")
    reference.run(args.model, args.seconds, out, device,
                  command=f"python -m gantutor reference {args.model} --seconds {args.seconds:g} --out {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:  # bad options, unknown names, missing data or checkpoints
        parser.exit(2, f"error: {err}\n")
