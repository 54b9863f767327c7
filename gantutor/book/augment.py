"""Augmentation with few labels: does adding generated images help a classifier that has only a few labelled
images? One recorded command makes the chapter's table (chapter *Applications*):

    python -m gantutor augment --seeds 3          # writes results/cpu/augmentation.json

For each number of labelled images and each seed, a conditional DCGAN and a conditional VAE are trained on **those
labelled images only** (a generator trained on all 60,000 would smuggle in the labels the classifier is supposed to
lack). Then one classifier is trained on the real images alone and one on the real images plus ``r`` generated
images per real one, for every source and every ratio ``r`` — each classifier for about the same number of steps —
and tested on the 10,000 real test images. The VAE's images are Bernoulli samples (binary images drawn from the
decoder's probabilities), the model's own samples; its decoder means are blurred averages (the chapter measures
both as training data).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

#: labelled training images (equally many per class), and generated images added per real one.
SIZES, RATIOS = (100, 300, 1000), (1, 5, 50)
#: training steps of the two generators (the chapters' recipes, a third of the chapters' step counts) and of every
#: classifier (mini-batches of 64).
GAN_STEPS, VAE_STEPS, CLF_STEPS, BATCH = 1000, 2000, 600, 64
SOURCES = ("GAN", "VAE")
#: real test images every classifier is scored on (all of them).
TEST_IMAGES = 10_000


def balanced_subset(labels: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    """Indices of ``n`` images, ``n // 10`` of each class, drawn with ``seed``."""
    if n % 10 or n < 10:
        raise ValueError(f"n must be a positive multiple of 10 (equally many of each class), got {n}.")
    g = torch.Generator().manual_seed(seed)
    labels = labels.cpu()
    per_class = [torch.nonzero(labels == c)[:, 0] for c in range(10)]
    return torch.cat([idx[torch.randperm(len(idx), generator=g)[:n // 10]] for idx in per_class])


def train_generators(x: torch.Tensor, y: torch.Tensor, seed: int, *, gan_steps: int = GAN_STEPS,
                     vae_steps: int = VAE_STEPS, width: int = 32):
    """A conditional DCGAN and a conditional VAE (chapter 10's MLP) trained on ``(x, y)`` only."""
    from ..data import TensorBatches
    from ..gan import train_gan
    from ..models.dcgan import DCGANDiscriminator, DCGANGenerator
    from ..profile import seed_everything
    from ..vae import MLPVAE, train_vae

    device, batch = x.device, min(BATCH, len(x))
    seed_everything(seed)
    G = DCGANGenerator(width=width, num_classes=10).to(device)
    D = DCGANDiscriminator(width=width, num_classes=10).to(device)
    train_gan(G, D, TensorBatches(x, y, batch_size=batch, seed=seed), steps=gan_steps, seed=seed, progress="off")
    seed_everything(seed)
    vae = MLPVAE(latent_dim=16, hidden=(400, 200), num_classes=10).to(device)
    train_vae(vae, TensorBatches(x, y, batch_size=batch, seed=seed), steps=vae_steps, lr=1e-3, lr_decay=0.1,
              seed=seed, progress="off")
    return G, vae


def generated(G, vae, n: int, seed: int) -> dict:
    """``n`` labelled images (balanced, in class order 0..9 repeated) from each source, on the [-1, 1] scale."""
    from ..gan import sample
    from ..vae import sample_vae

    y = torch.arange(n) % 10
    vae_images = sample_vae(vae, n, seed=seed, labels=y, bernoulli=True).view(-1, 1, 28, 28) * 2 - 1
    return {"GAN": sample(G, n, seed=seed, labels=y).cpu(), "VAE": vae_images, "labels": y}


def accuracy(x, y, test, seed: int, clf_steps: int = CLF_STEPS) -> float:
    """Real test accuracy (%) of a classifier trained on ``(x, y)`` for about ``clf_steps`` mini-batches."""
    from ..features import evaluate_accuracy, fit_classifier

    epochs = max(1, round(clf_steps * BATCH / len(x)))
    clf = fit_classifier(x, y, epochs=epochs, batch_size=BATCH, seed=seed)
    return 100 * evaluate_accuracy(clf, *test)


def one_cell(pool, test, n_labels: int, seed: int, **steps) -> list[dict]:
    """Every classifier of one (labelled images, seed) cell: real only, and real + each source at each ratio."""
    device, ratios = pool.images.device, RATIOS
    idx = balanced_subset(pool.labels, n_labels, seed).to(device)
    x, y = pool.images[idx], pool.labels[idx]
    steps = dict(steps)
    clf_steps = steps.pop("clf_steps", CLF_STEPS)
    G, vae = train_generators(x, y, seed, **steps)
    fake = generated(G, vae, max(ratios) * n_labels, seed)
    rows = [{"labels": n_labels, "seed": seed, "source": "real only", "ratio": 0,
             "accuracy": accuracy(x, y, test, seed, clf_steps)}]
    for source in SOURCES:
        for r in ratios:
            m = r * n_labels
            xa = torch.cat([x, fake[source][:m].to(device)])
            ya = torch.cat([y, fake["labels"][:m].to(device)])
            rows.append({"labels": n_labels, "seed": seed, "source": source, "ratio": r,
                         "accuracy": accuracy(xa, ya, test, seed, clf_steps)})
    return rows


def summarise(runs: list[dict]) -> dict:
    """labels -> source -> ratio -> [mean, sd] of the accuracy over seeds (keys as strings, for JSON)."""
    cells: dict = {}
    for run in runs:
        cells.setdefault(str(run["labels"]), {}).setdefault(run["source"], {}).setdefault(
            str(run["ratio"]), []).append(run["accuracy"])
    return {n: {s: {r: [torch.tensor(v, dtype=torch.float64).mean().item(),
                        torch.tensor(v, dtype=torch.float64).std().item() if len(v) > 1 else 0.0]
                    for r, v in by_ratio.items()} for s, by_ratio in by_source.items()}
            for n, by_source in cells.items()}


def verdict(summary: dict, n_labels: int, source: str, ratio: int) -> str:
    """"helped", "hurt" or "made no clear difference": a difference counts only beyond twice the larger seed sd."""
    base_mean, base_sd = summary[str(n_labels)]["real only"]["0"]
    mean, sd = summary[str(n_labels)][source][str(ratio)]
    noise = 2 * max(base_sd, sd, 0.1)
    return "helped" if mean - base_mean > noise else "hurt" if base_mean - mean > noise else "made no clear difference"


def run(seeds: int, out: Path, device=None, sizes=SIZES, log=print, command: str | None = None, **steps) -> dict:
    """Every cell for ``sizes`` × seeds 0..seeds-1; writes and returns the record."""
    from ..data import load_images
    from ..profile import get_device
    from .reference import machine

    if seeds < 1:
        raise ValueError(f"--seeds must be positive, got {seeds}.")
    device = get_device(device)
    pool = load_images("mnist", train=True, device=device)
    test_set = load_images("mnist", train=False, device=device)
    test = (test_set.images[:TEST_IMAGES], test_set.labels[:TEST_IMAGES])
    start, runs = time.perf_counter(), []
    for n_labels in sizes:
        for seed in range(seeds):
            runs += one_cell(pool, test, n_labels, seed, **steps)
            log(f"{n_labels} labels, seed {seed}: " + ", ".join(
                f"{r['source']} x{r['ratio']} {r['accuracy']:.2f}" for r in runs[-1 - len(SOURCES) * len(RATIOS):]))
    record = {"experiment": "augmentation", "sizes": list(sizes), "ratios": list(RATIOS), "seeds": seeds,
              "test_images": len(test[0]),
              "steps": {"gan": steps.get("gan_steps", GAN_STEPS), "vae": steps.get("vae_steps", VAE_STEPS),
                        "classifier": steps.get("clf_steps", CLF_STEPS)},
              "command": command or f"python -m gantutor augment --seeds {seeds}", **machine(device),
              "seconds": round(time.perf_counter() - start, 1), "runs": runs, "summary": summarise(runs)}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    return record
