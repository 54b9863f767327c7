"""Longer toy runs of the diffusion and flow-matching chapters: the 2-D denoisers trained far beyond a chapter's
budget, scored with chapter 6's PacGAN protocol, by one recorded command.

    python -m gantutor toy-diffusion --steps 32000 --hidden 256 --depth 4 --seeds 3

Every run is the chapters' own toy run with more steps (and optionally a wider network): a
:class:`gantutor.models.ToyDenoiser` trained with :func:`gantutor.diffusion.train_diffusion` on 50,000 points of
the ring or the grid rescaled to unit variance (batch 256, Adam 2e-3 decaying to a tenth, EMA 0.999), then 2,500
samples of the EMA network — 100 DDIM steps for DDPM, 50 Heun steps for flow matching — scored by modes reached
and the share of high-quality samples (within 3σ of a mode). The runs train side by side on the CPU's cores
(:func:`gantutor.parallel_map`). The record holds every run and the mean and standard deviation over seeds per
objective and distribution; the diffusion chapters read it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

OBJECTIVES = ("ddpm", "flow")
DISTRIBUTIONS = ("ring", "grid")
#: The chapters' toy settings (only the steps and the network's size are the command's).
BATCH, LR, LR_DECAY, EMA, POINTS, N_EVAL, SAMPLE_SEED = 256, 2e-3, 0.1, 0.999, 50_000, 2500, 0
SAMPLERS = {"ddpm": "100 DDIM steps (eta = 0)", "flow": "50 Heun steps"}


def toy(name: str):
    """(sampler, mode centres, mode standard deviation) of a toy distribution."""
    from .. import data

    if name not in DISTRIBUTIONS:
        raise ValueError(f"No toy distribution named {name!r}; choose one of {', '.join(DISTRIBUTIONS)}.")
    return {"ring": (data.sample_ring, data.ring_centers(), data.RING_STD),
            "grid": (data.sample_grid, data.grid_centers(), data.GRID_STD)}[name]


def toy_samples(net, objective: str, n: int = N_EVAL, seed: int = SAMPLE_SEED) -> torch.Tensor:
    """``n`` samples (in the network's unit-variance scale) with the chapters' sampler for ``objective``."""
    from .. import diffusion as D

    if objective == "flow":
        return D.sample_flow(net, n, (2,), steps=50, method="heun", seed=seed, clip=False)
    return D.sample_diffusion(net, D.NoiseSchedule.linear(), n, (2,), sampler="ddim", steps=100, seed=seed,
                              clip=False)


def train_net(job: tuple):
    """One network of the chapters' toy protocol: ``job = (objective, distribution, seed, steps, hidden, depth)``;
    returns ``(EMA network in eval mode, the data's scale, training seconds)``. Samples of the network times the
    scale are in the data's units."""
    from ..data import TensorBatches
    from ..diffusion import train_diffusion
    from ..models import ToyDenoiser
    from ..profile import seed_everything

    objective, name, seed, steps, hidden, depth = job
    if objective not in OBJECTIVES:
        raise ValueError(f"No toy objective named {objective!r}; choose one of {', '.join(OBJECTIVES)}.")
    sampler = toy(name)[0]
    data = sampler(POINTS, generator=torch.Generator().manual_seed(seed))
    scale = float(data.std())
    seed_everything(seed)
    net = ToyDenoiser(hidden=hidden, depth=depth)
    start = time.perf_counter()
    hist = train_diffusion(net, TensorBatches(data / scale, batch_size=BATCH, seed=seed), objective=objective,
                           steps=steps, lr=LR, lr_decay=LR_DECAY, ema=EMA, seed=seed, progress="off")
    return hist.ema.module.eval(), scale, time.perf_counter() - start


def train_one(job: tuple) -> dict:
    """One run: ``job = (objective, distribution, seed, steps, hidden, depth)``; returns its record row."""
    from ..metrics import mode_coverage

    objective, name, seed, steps, _, _ = job
    net, scale, seconds = train_net(job)
    _, centers, std = toy(name)
    cov = mode_coverage(toy_samples(net, objective) * scale, centers, std)
    return {"objective": objective, "dist": name, "seed": seed, "steps": steps, "seconds": seconds,
            "covered": int(cov["covered"]), "modes": int(cov["modes"]), "high_quality": float(cov["high_quality"])}


def summarise(runs: list[dict]) -> dict:
    """objective -> distribution -> {"covered": [mean, sd], "high_quality": [mean, sd]} over seeds."""
    out: dict = {}
    for objective in OBJECTIVES:
        for name in DISTRIBUTIONS:
            rows = [r for r in runs if (r["objective"], r["dist"]) == (objective, name)]
            if not rows:
                continue
            cell = {}
            for key in ("covered", "high_quality", "seconds"):
                v = torch.tensor([float(r[key]) for r in rows], dtype=torch.float64)
                cell[key] = [v.mean().item(), v.std().item() if len(v) > 1 else 0.0]
            out.setdefault(objective, {})[name] = cell
    return out


def run(steps: int, hidden: int, depth: int, seeds: int, out: Path, log=print) -> dict:
    """Train both objectives on both toys with seeds 0..seeds-1 (on the CPU, side by side), write the record."""
    from ..engine import parallel_map
    from .reference import machine

    for label, value in (("--steps", steps), ("--hidden", hidden), ("--depth", depth), ("--seeds", seeds)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{label} must be a positive integer, got {value!r}.")
    jobs = [(o, d, s, steps, hidden, depth) for o in OBJECTIVES for d in DISTRIBUTIONS for s in range(seeds)]
    start = time.perf_counter()
    runs = parallel_map(train_one, jobs)
    for r in runs:
        log(json.dumps(r))
    record = {"steps": steps, "hidden": hidden, "depth": depth, "seeds": seeds, "batch_size": BATCH, "lr": LR,
              "lr_decay": LR_DECAY, "ema": EMA, "eval_samples": N_EVAL, "samplers": SAMPLERS,
              "command": (f"python -m gantutor toy-diffusion --steps {steps} --hidden {hidden} --depth {depth} "
                          f"--seeds {seeds} --out {out}"),
              **machine(torch.device("cpu")), "workers": min(len(jobs), torch.get_num_threads()), "threads_per_run": 1,
              "wall_seconds": time.perf_counter() - start, "runs": runs,
              "summary": summarise(runs)}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    return record


#: The bar on each toy: every mode reached (mean over seeds) and at least this share of high-quality samples.
TARGETS = {"ring": (8, 0.95), "grid": (25, 0.90)}
#: The bar of the long GAN runs on the toys, set just below the best rows PacGAN (Lin et al., 2018, Table 1)
#: publishes for the same protocol; per toy: (modes, mean modes to reach, mean % high-quality to reach, the paper's
#: modes, the paper's % high-quality).
PACGAN_BAR = {"ring": (8, 7.8, 95.0, 7.9, 95.6), "grid": (25, 23.8, 90.0, 24.8, 93.6)}


def verdict(summary: dict, objective: str) -> str:
    """A sentence on whether ``objective``'s runs in a record's summary meet :data:`TARGETS` on each toy."""
    if objective not in summary:
        raise ValueError(f"The record has no {objective!r} runs; it has {', '.join(summary) or 'none'}.")
    missed = []
    for name, (modes, share) in TARGETS.items():
        cell = summary[objective][name]
        gaps = ([f"{cell['covered'][0]:.1f} of {modes} modes"] if cell["covered"][0] < modes else []) + (
            [f"{100 * cell['high_quality'][0]:.1f} % high-quality against {100 * share:.0f} %"]
            if cell["high_quality"][0] < share else [])
        if gaps:
            missed.append(f"the {name} misses ({' and '.join(gaps)})")
    targets = ("every mode with at least " + " and ".join(f"{100 * share:.0f} % ({name})" for name, (_, share)
                                                          in TARGETS.items()) + " of the samples high-quality")
    if not missed:
        return f"both toys clear the bar: {targets}"
    return f"short of the bar ({targets}): " + "; ".join(missed)
