"""Recipe comparisons: a chapter's model trained with each variant of one ingredient, over several seeds and at the
chapter's step budget — the rows of a "what wins" table, made by one recorded command.

    python -m gantutor recipes dcgan --seeds 3 --steps 3000      # writes results/cpu/recipes_dcgan.json

Each run trains with the chapter's engine and settings (:func:`gantutor.train_gan`, seed ``s`` for the weights, the
noise, the fixed snapshot noise and the data order), then scores the average (EMA) generator and the last weights with the evaluation
chapter's protocol: 10,000 samples against the 10,000 test images, FID as a multiple of the real-vs-real floor, the
confident-class rate and the largest class share. The record holds every run and the mean and standard deviation
over seeds; the chapter shows it as a table.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from ..metrics import HEADLINE as MEASURES      # the scores every table of image generators shows
from .reference import EVAL_SAMPLES             # samples scored per run (the evaluation chapter's protocol)

#: Chapter 7's unconditional DCGAN: the settings most comparisons start from.
CHAPTER_RECIPE = {"width": 32, "batch_size": 128, "lr": 2e-4, "ema": 0.99, "upsample": "resize"}
#: Chapter 2's fully connected GAN (its learning rate and Adam's betas are train_gan's defaults), with a weight average.
MLP_CHAPTER_RECIPE = {"family": "mlp", "batch_size": 128, "lr": 2e-4, "ema": 0.999}
#: comparison -> the settings every variant shares, and what each variant changes.
COMPARISONS = {
    "dcgan": {
        "shared": {"width": 32, "batch_size": 128, "lr": 2e-4, "ema": 0.99},
        "variants": {"transposed": {"upsample": "transposed"}, "resize": {"upsample": "resize"}},
    },
    # The chapter's generator (resize upsampling) against discriminators with spectral normalisation instead of
    # batch norm (Miyato et al., 2018), with the non-saturating loss and with the hinge loss (SNGAN's pairing).
    "dcgan-sn": {
        "shared": CHAPTER_RECIPE,
        "variants": {"sn": {"spectral_norm": True}, "sn-hinge": {"spectral_norm": True, "loss": "hinge"}},
    },
    # The chapter's recipe with other rates and averages at about the chapter's cost: two time-scale rates (Heusel et
    # al., 2017: a faster discriminator), half the batch for twice the steps (more updates from the same images), and
    # a longer average of the generator's weights.
    "dcgan-rates": {
        "shared": CHAPTER_RECIPE,
        "variants": {"ttur": {"lr": 1e-4, "lr_d": 4e-4}, "batch64": {"batch_size": 64, "step_scale": 2},
                     "ema999": {"ema": 0.999}},
    },
    # Smaller batches still, for proportionally more steps.
    "dcgan-small-batch": {
        "shared": CHAPTER_RECIPE,
        "variants": {"batch32": {"batch_size": 32, "step_scale": 4}, "batch16": {"batch_size": 16, "step_scale": 8}},
    },
    # The small-batch recipe against a discriminator twice as wide (64 and 128 channels), at equal steps.
    "dcgan-wide-d": {
        "shared": {**CHAPTER_RECIPE, "batch_size": 32},
        "variants": {"d32": {"step_scale": 4}, "d64": {"step_scale": 4, "d_width": 64}},
    },
    # The small-batch recipe as an InfoGAN (Chen et al., 2016): the generator also gets a categorical code of 10 values
    # drawn at random (no labels), and the discriminator a head that must recover it (weight 1 on its cross-entropy).
    "dcgan-info": {
        "shared": {**CHAPTER_RECIPE, "batch_size": 32},
        "variants": {"plain": {"step_scale": 4}, "info": {"step_scale": 4, "info": 1.0}},
    },
    # Chapter 2's fully connected GAN (run with --steps 6000, its step count): the chapter's batch of 128 and smaller
    # batches for proportionally more steps, each scored with the last weights (the chapter's samples) and with an
    # average of the generator's weights.
    "mlpgan": {
        "shared": MLP_CHAPTER_RECIPE,
        "variants": {"batch128": {}, "batch64": {"batch_size": 64, "step_scale": 2},
                     "batch32": {"batch_size": 32, "step_scale": 4}},
    },
}
#: Snapshots of 64 fixed noise vectors, as in the chapter (seeded by the run's seed), so that a run with the chapter's
#: seed and steps is the chapter's run, step for step.
SNAPSHOTS = 7


def train_one(shared: dict, variant: dict, steps: int, seed: int, train_images, device):
    """One run of a chapter's GAN recipe with ``variant``'s changes (``upsample``; ``spectral_norm``: the
    discriminator spectrally normalised, without batch norm; ``loss``; ``lr`` and ``lr_d``: the generator's and the
    discriminator's rates; ``batch_size``; ``step_scale``: that many times ``steps``; ``ema``; ``d_width``: the discriminator's width, if it
    differs from the generator's); ``info``: InfoGAN's code weight); returns (history,
    last-weights generator)."""
    from ..data import TensorBatches
    from ..gan import train_gan
    from ..profile import seed_everything

    settings = {**shared, **variant}
    seed_everything(seed)
    G, D = (network.to(device) for network in build_networks(settings))
    fixed_noise = torch.randn(64, G.latent_dim, generator=torch.Generator().manual_seed(seed)).to(device)
    hist = train_gan(G, D, TensorBatches(train_images, batch_size=settings["batch_size"], seed=seed),
                     steps=steps * settings.get("step_scale", 1), fixed_noise=fixed_noise, snapshots=SNAPSHOTS,
                     seed=seed, ema=settings["ema"], lr=settings["lr"], lr_d=settings.get("lr_d"),
                     loss=settings.get("loss", "non-saturating"), info=settings.get("info"), progress="off")
    return hist, G


def build_networks(settings: dict):
    """(generator, discriminator) of a recipe: chapter 2's fully connected pair (``family`` "mlp") or a DCGAN."""
    from ..models.dcgan import DCGANDiscriminator, DCGANGenerator, spectral_normalize
    from ..models.mlp import MLPDiscriminator, MLPGenerator

    if settings.get("family") == "mlp":
        return MLPGenerator(latent_dim=100), MLPDiscriminator()
    codes = 10 if settings.get("info") else None      # InfoGAN: a 10-valued code in, a head that recovers it
    G = DCGANGenerator(width=settings["width"], upsample=settings["upsample"], num_classes=codes)
    D = DCGANDiscriminator(width=settings.get("d_width", settings["width"]),
                           batchnorm=not settings.get("spectral_norm", False), codes=codes)
    return G, (spectral_normalize(D) if settings.get("spectral_norm") else D)


def summarise(runs: list[dict]) -> dict:
    """variant -> weights -> measure -> [mean, sd] over seeds (and seconds per run)."""
    out: dict = {}
    for run in runs:
        cell = out.setdefault(run["variant"], {}).setdefault(run["weights"], {m: [] for m in (*MEASURES, "seconds")})
        for m in (*MEASURES, "seconds"):
            cell[m].append(run[m])
    for variant in out.values():
        for weights, cell in variant.items():
            variant[weights] = {m: [torch.tensor(v, dtype=torch.float64).mean().item(),
                                    torch.tensor(v, dtype=torch.float64).std().item() if len(v) > 1 else 0.0]
                                for m, v in cell.items()}
    return out


def run(name: str, seeds: int, steps: int, out: Path, device=None, log=print, command: str | None = None,
        variants=None, first_seed: int = 0) -> dict:
    """Train every variant of comparison ``name`` (or those named in ``variants``) with seeds
    ``first_seed .. first_seed + seeds - 1``, score both weight sets, write the record."""
    from ..data import load_images
    from ..gan import sample
    from ..metrics import headline_scores
    from ..profile import get_device
    from .reference import machine, real_features_and_floor

    if name not in COMPARISONS:
        raise ValueError(f"No recipe comparison named {name!r}; choose one of {', '.join(COMPARISONS)}.")
    if seeds < 1 or steps < 1 or first_seed < 0:
        raise ValueError(f"--seeds and --steps must be positive and --first-seed not negative, got {seeds}, {steps} "
                         f"and {first_seed}.")
    spec = COMPARISONS[name]
    unknown = sorted(set(variants or ()) - set(spec["variants"]))
    if unknown:
        raise ValueError(f"{name} has no variant {', '.join(unknown)}; choose from {', '.join(spec['variants'])}.")
    chosen = {v: change for v, change in spec["variants"].items() if variants is None or v in variants}
    device = get_device(device)
    train_images = load_images("mnist", train=True, device=device).images
    real, floor = real_features_and_floor(EVAL_SAMPLES)
    runs = []
    for variant, change in chosen.items():
        for seed in range(first_seed, first_seed + seeds):
            start = time.perf_counter()
            hist, last = train_one(spec["shared"], change, steps, seed, train_images, device)
            seconds = time.perf_counter() - start
            for weights, G in (("ema", hist.ema.module), ("last", last)):
                scores = headline_scores(sample(G, len(real), seed=seed + 1), real, floor)
                runs.append({"variant": variant, "seed": seed, "weights": weights, "steps": len(hist.d_loss),
                             "seconds": seconds, **scores})
                log(json.dumps(runs[-1]))
    record = {"comparison": name, "shared": spec["shared"], "variants": chosen, "steps": steps,
              "seeds": seeds, "first_seed": first_seed,
              "command": command or f"python -m gantutor recipes {name} --seeds {seeds} --steps {steps}",
              **machine(device), "eval_samples": len(real), "runs": runs, "summary": summarise(runs)}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    return record


def load_runs(*paths) -> tuple[list[dict], list[dict]]:
    """The runs of several recipe records (comparisons of one chapter's model, and seeds added to one later with
    ``--first-seed``) and the records themselves, for :func:`summary_table`. A run (variant, seed, weights) found in
    two records is refused: the table would count it twice."""
    from . import find_results

    records = [json.loads(find_results(path).read_text()) for path in paths]
    runs, seen = [], {}
    for path, record in zip(paths, records):
        for run in record["runs"]:
            key = (run["variant"], run["seed"], run["weights"])
            if key in seen:
                raise ValueError(f"The run {key} is in both {seen[key]} and {path}; name each record once, or "
                                 f"records with different seeds.")
            seen[key] = path
            runs.append(run)
    return runs, records


def summary_table(runs: list[dict], labels: dict) -> str:
    """A markdown table of recipe runs: one row per variant (named by ``labels``, in its order) and weight set, with
    the number of seeds, mean ± sd of each measure over them, and the median seconds per run."""
    missing = sorted({run["variant"] for run in runs} - set(labels))
    if missing:
        raise ValueError(f"No label for the variants {', '.join(missing)}; pass one for each in labels.")
    summary = summarise(runs)
    rows = []
    for variant, label in labels.items():
        for weights, cell in summary.get(variant, {}).items():
            seconds = [run["seconds"] for run in runs if run["variant"] == variant and run["weights"] == weights]
            n_seeds = len(seconds)
            measures = " | ".join(f"{cell[m][0]:{f}} ± {cell[m][1]:{f}}" if n_seeds > 1 else f"{cell[m][0]:{f}}"
                                  for m, f in (("fid_over_floor", ".1f"), ("confident_rate", ".1%"),
                                               ("max_class_share", ".1%")))
            rows.append(f"| {label} | {'average (EMA)' if weights == 'ema' else 'last'} | {n_seeds} | {measures} | "
                        f"{torch.tensor(seconds).median().item():.0f} |")
    return ("| recipe | weights | seeds | FID / floor | confident | largest class | seconds per run (median) |\n"
            "|---|---|---|---|---|---|---|\n" + "\n".join(rows))
