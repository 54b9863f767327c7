"""Reference runs: the book's headline models trained far longer than a chapter's run, by one recorded command.

    python -m gantutor reference cdcgan --seconds 3000       # train, evaluate, write the record and the weights

A reference run trains with the same engine and recipe as its chapter, for a wall-clock budget instead of the
chapter's step count, then scores the average (EMA) generator with the evaluation chapter's protocol (10,000
samples against the 10,000 test images; FID as a multiple of the real-vs-real floor, the confident-class rate and
the largest class share) and, for conditional models, the Classification Accuracy Score (a classifier trained only
on 60,000 generated images, tested on the real test set). It writes

* ``results/<device>/reference_<model>.json``: the command, device, versions, steps, seconds and metrics (named as in
  ``metadata.gantutor.metrics``, e.g. ``cdcgan_reference.cas``), and the weights' sha256;
* ``results/<device>/reference_<model>.pt``: the EMA generator's weights in float16 (a few hundred KB).

:func:`load_reference` rebuilds the generator from the record, checks the weights' sha256 and loads them with
``weights_only=True``; the chapter shows the reference beside its own short run.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from pathlib import Path

import torch

#: model -> the chapter's recipe at reference scale (networks, batch, EMA decay).
RECIPES = {
    # Chapter 7's unconditional recipe, with its small batches (more updates from the same images) and a slower
    # weight average; the conditional reference uses the same recipe with class labels.
    "dcgan": {"family": "gan", "conditional": False, "width": 32, "upsample": "resize", "batch_size": 32,
              "ema": 0.999, "lr": 2e-4},
    "cdcgan": {"family": "gan", "conditional": True, "width": 32, "upsample": "resize", "batch_size": 32,
               "ema": 0.999, "lr": 2e-4},
    # One class-conditional network with label dropout: sampled with the "no label" input it is the unconditional
    # model, with a label and a guidance scale the guided one (chapter *Flow matching*).
    "flow": {"family": "flow", "conditional": True, "channels": [32, 64, 64], "batch_size": 64, "ema": 0.999,
             "lr": 1e-3, "lr_decay": 0.1, "p_uncond": 0.1, "sampler": "heun", "sampler_steps": 10, "guidance": 2.0},
    # Burda et al.'s one-stochastic-layer VAE (chapter *Training a VAE*), trained for many more epochs on the IWAE
    # bound with k = 5 importance samples (the chapter's short runs measure that bound ahead of the ELBO), and scored
    # by the published protocol: k = 5000 importance samples on all 10,000 binarised test images.
    "vae": {"family": "vae", "conditional": False, "latent_dim": 50, "hidden": [200, 200], "batch_size": 100,
            "lr": 1e-3, "lr_decay": 0.1, "steps": 400_000, "k": 5},
    # The conditional VAE with a convolutional encoder and decoder (chapter *Applications*); its CAS is measured on
    # Bernoulli samples, the model's own images, and also on decoder means.
    "cvae": {"family": "vae", "conditional": True, "arch": "conv", "latent_dim": 16, "width": 32, "batch_size": 100,
             "lr": 1e-3, "lr_decay": 0.1, "steps": 40_000},
}
#: The step budget a flow reference run's learning rate decays over (it usually stops earlier, on time).
FLOW_DECAY_STEPS = 16_000
#: CAS of the flow model: 10,000 guided samples (each costs 2 × 20 network evaluations), as many gradient steps
#: as the GANs' 60,000 × 2 epochs.
FLOW_CAS = {"samples": 10_000, "epochs": 12}     # the same guided samples give the guided FID
CAS_SAMPLES, CAS_EPOCHS = 60_000, 2
#: The step limit of a reference run (the time budget usually ends it first); checked every 500 steps.
MAX_STEPS, CHECK_EVERY = 200_000, 500
#: Samples scored (the evaluation chapter's protocol: as many as the test set).
EVAL_SAMPLES = 10_000
#: The VAE's likelihood protocol (Burda et al., 2016): importance samples per test image, and the seed that
#: binarises the test set once (the same binary images as the chapter's).
NLL_K, TEST_BINARIZE_SEED = 5000, 123


def build_generator(recipe: dict):
    """The network a recipe trains: a DCGAN generator, or the flow model's U-Net."""
    if recipe.get("family", "gan") == "flow":
        from ..models.unet import UNet
        return UNet(tuple(recipe["channels"]), num_classes=10)
    if recipe.get("family") == "vae":
        from ..vae import ConvVAE, MLPVAE
        classes = 10 if recipe["conditional"] else None
        if recipe.get("arch") == "conv":
            return ConvVAE(latent_dim=recipe["latent_dim"], width=recipe["width"], num_classes=classes)
        return MLPVAE(latent_dim=recipe["latent_dim"], hidden=tuple(recipe["hidden"]), num_classes=classes)
    from ..models.dcgan import DCGANGenerator
    return DCGANGenerator(width=recipe["width"], num_classes=10 if recipe["conditional"] else None,
                          upsample=recipe.get("upsample", "transposed"))


def draw(G, recipe: dict, n: int, seed: int, labels=None, guided: bool = True, bernoulli: bool = False) -> torch.Tensor:
    """``n`` images from a reference network. For the flow model: ``labels=None`` samples the unconditional model
    (the "no label" input), labels with ``guided`` use the recipe's classifier-free guidance scale. For a VAE: decoder
    means, or with ``bernoulli`` binary images drawn from them (a conditional VAE without labels: balanced classes)."""
    if recipe.get("family") == "vae":
        from ..vae import sample_vae
        return sample_vae(G, n, seed=seed, labels=labels, bernoulli=bernoulli) * 2 - 1   # on the GANs' [-1, 1] scale
    if recipe.get("family", "gan") != "flow":
        from ..gan import sample
        return sample(G, n, seed=seed, labels=labels)
    from ..diffusion import sample_flow
    y = torch.full((n,), G.num_classes) if labels is None else torch.as_tensor(labels)
    return sample_flow(G, n, steps=recipe["sampler_steps"], method=recipe["sampler"], labels=y,
                       guidance=recipe["guidance"] if labels is not None and guided else None, seed=seed, batch_size=500)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def train(model: str, seconds: float, device, log=print):
    """Train ``model``'s recipe on MNIST until ``seconds`` of training have passed; return (EMA generator, history)."""
    from ..data import TensorBatches, load_images
    from ..gan import train_gan
    from ..models.dcgan import DCGANDiscriminator
    from ..profile import seed_everything

    recipe = RECIPES[model]
    train_set = load_images("mnist", train=True, device=device)
    seed_everything(0)
    G = build_generator(recipe).to(device)
    if recipe["family"] == "flow":
        return train_flow(G, recipe, train_set, seconds, log)
    if recipe["family"] == "vae":
        return train_vae_recipe(G, recipe, train_set, seconds, log)
    D = DCGANDiscriminator(width=recipe.get("d_width", recipe["width"]),
                           num_classes=10 if recipe["conditional"] else None).to(device)
    tensors = (train_set.images, train_set.labels) if recipe["conditional"] else (train_set.images,)
    budget = time_budget(seconds, log)
    hist = train_gan(G, D, TensorBatches(*tensors, batch_size=recipe["batch_size"], seed=0), steps=MAX_STEPS,
                     snapshots=MAX_STEPS // CHECK_EVERY + 1, on_snapshot=budget, seed=0, ema=recipe["ema"],
                     lr=recipe["lr"], progress="off", desc=f"reference {model}")
    return hist.ema.module, hist


def train_flow(G, recipe: dict, train_set, seconds: float, log):
    """The flow-matching recipe under the time budget (the learning rate decays over FLOW_DECAY_STEPS)."""
    from ..data import TensorBatches
    from ..diffusion import train_diffusion

    budget = time_budget(seconds, log)
    batches = TensorBatches(train_set.images, train_set.labels, batch_size=recipe["batch_size"], seed=0)
    hist = train_diffusion(G, batches, steps=FLOW_DECAY_STEPS, objective="flow", lr=recipe["lr"],
                           lr_decay=recipe["lr_decay"], p_uncond=recipe["p_uncond"], ema=recipe["ema"], seed=0,
                           snapshots=FLOW_DECAY_STEPS // CHECK_EVERY + 1, render_steps=2, on_snapshot=budget,
                           progress="off", desc="reference flow")
    return hist.ema.module, hist


def time_budget(seconds: float, log):
    """An ``on_snapshot`` callback that ends training once ``seconds`` have passed since it was made."""
    from ..engine import StopTraining

    start = time.perf_counter()

    def budget(step, _):
        log(f"  step {step}: {time.perf_counter() - start:.0f} s")
        if time.perf_counter() - start >= seconds:
            raise StopTraining(step)
    return budget


def train_vae_recipe(model, recipe: dict, train_set, seconds: float, log):
    """The VAE recipe: its step count, the learning rate decaying over it, the bound it trains on (``k`` importance
    samples, 1 = the ELBO), stopped early if ``seconds`` run out."""
    from ..data import TensorBatches
    from ..vae import train_vae

    tensors = (train_set.images, train_set.labels) if recipe["conditional"] else (train_set.images,)
    batches = TensorBatches(*tensors, batch_size=recipe["batch_size"], seed=0)
    hist = train_vae(model, batches, steps=recipe["steps"], lr=recipe["lr"], lr_decay=recipe["lr_decay"],
                     k=recipe.get("k", 1), seed=0, snapshots=recipe["steps"] // (10 * CHECK_EVERY) + 1,
                     on_snapshot=time_budget(seconds, log), progress="off", desc="reference vae")
    return model, hist


def score_likelihood(model, device) -> dict:
    """Test NLL (nats) with k = NLL_K importance samples on all 10,000 binarised test images, its standard error,
    and the test ELBO."""
    from ..data import load_images
    from ..vae import binarize, evaluate_bound, log_likelihood

    test = load_images("mnist", train=False, device=device)
    x = binarize(test.images, torch.Generator(device=device).manual_seed(TEST_BINARIZE_SEED))
    model = model.to(device)
    nll = -log_likelihood(model, x, k=NLL_K, seed=0, progress="off")
    return {"nll_nats": float(nll.mean()), "nll_se": float(nll.std() / len(nll) ** 0.5),
            "test_elbo_nats": float(-evaluate_bound(model, x, seed=0)["bound"]), "nll_k": NLL_K,
            "test_images": len(x)}


def cas(G, device, samples: int | None = None, epochs: int | None = None, recipe: dict | None = None,
        images: torch.Tensor | None = None, bernoulli: bool = False) -> float:
    """Classification Accuracy Score: accuracy on the real MNIST test set of a classifier trained only on
    ``samples`` generated images, equally many per class (chapter *Applications*); ``bernoulli``: a VAE's binary
    samples instead of its decoder means."""
    from ..data import load_images
    from ..features import evaluate_accuracy, fit_classifier

    samples, epochs, recipe = samples or CAS_SAMPLES, epochs or CAS_EPOCHS, recipe or RECIPES["cdcgan"]
    labels = torch.arange(samples) % 10
    x = images if images is not None else torch.cat([draw(G, recipe, len(y), seed=1 + i, labels=y, bernoulli=bernoulli)
                                                     for i, y in enumerate(labels.split(1000))])
    test = load_images("mnist", train=False)
    clf = fit_classifier(x.to(device), labels.to(device), epochs=epochs, seed=0)
    return evaluate_accuracy(clf.cpu(), test.images, test.labels)


def real_features_and_floor(n: int = EVAL_SAMPLES):
    """The evaluation chapter's reference for ``n`` samples: classifier features of the first ``n`` MNIST test images,
    and the FID floor — the same features against ``n`` training images (drawn with seed 1)."""
    from ..data import load_images
    from ..features import classifier_outputs
    from ..metrics import fid_from_features

    train_images, test_images = load_images("mnist", train=True).images, load_images("mnist", train=False).images
    real = classifier_outputs(test_images[:n])[0]
    pool = train_images[torch.randperm(len(train_images), generator=torch.Generator().manual_seed(1))[:len(real)]]
    return real, fid_from_features(real, classifier_outputs(pool)[0])


def machine(device) -> dict:
    """Where a record's numbers were measured: device, CPU and its vector instructions, threads and versions."""
    from .. import __version__
    from ..profile import cpu_capability

    return {"device": str(device), "cpu": platform.processor() or platform.machine(),
            "cpu_capability": cpu_capability(), "threads": torch.get_num_threads(), "torch": torch.__version__,
            "gantutor": __version__}


def score(G, model: str, device) -> dict:
    """The evaluation chapter's protocol for 10,000 samples of ``G``, metric names prefixed ``<model>_reference.``."""
    from ..features import classifier_outputs
    from ..metrics import fid_from_features, headline_scores

    recipe, n = RECIPES[model], EVAL_SAMPLES
    real, floor = real_features_and_floor(n)
    start = time.perf_counter()
    images = draw(G, recipe, n, seed=1)
    metrics = {**headline_scores(images, real, floor), "sample_ms": 1000 * (time.perf_counter() - start) / n}
    if recipe["family"] == "flow":          # the guided model, balanced classes, beside the unconditional one
        guided = draw(G, recipe, FLOW_CAS["samples"], seed=2, labels=torch.arange(FLOW_CAS["samples"]) % 10)
        metrics["guided_fid_over_floor"] = fid_from_features(real, classifier_outputs(guided)[0]) / floor
    if recipe["family"] == "vae" and not recipe["conditional"]:
        metrics.update(score_likelihood(G, device))
    if recipe["family"] == "vae" and recipe["conditional"]:
        metrics["cas"] = cas(G, device, recipe=recipe, bernoulli=True)
        metrics["cas_means"] = cas(G, device, recipe=recipe)
    elif recipe["conditional"]:
        extra = {**FLOW_CAS, "images": guided} if recipe["family"] == "flow" else {}
        metrics["cas"] = cas(G, device, recipe=recipe, **extra)
    return {f"{model}_reference.{k}": v for k, v in metrics.items()}


def run(model: str, seconds: float, out: Path, device=None, log=print, command: str | None = None) -> dict:
    """Train, score and write the record and the weights; returns the record."""
    from ..profile import get_device

    if model not in RECIPES:
        raise ValueError(f"No reference run for {model!r}; choose one of {', '.join(RECIPES)}.")
    if not seconds > 0:
        raise ValueError(f"--seconds must be positive, got {seconds}.")
    device = get_device(device)
    G, hist = train(model, seconds, device, log)
    weights = {k: v.half() if v.is_floating_point() else v for k, v in G.cpu().state_dict().items()}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(weights, out.with_suffix(".pt"))
    G.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in weights.items()})  # score what ships
    record = {"model": model, "recipe": RECIPES[model], "command": command or f"python -m gantutor reference {model} --seconds {seconds:g}",
              **machine(device), "steps": hist.steps, "train_seconds": round(hist.seconds, 1),
              "weights": out.with_suffix(".pt").name,
              "weights_sha256": sha256_bytes(out.with_suffix(".pt").read_bytes()),
              "metrics": score(G.eval(), model, torch.device("cpu"))}
    out.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    log(json.dumps(record["metrics"], indent=2))
    return record


def load_reference(record_path: str | Path):
    """``(generator in eval mode, record)`` from a reference record; the weights' sha256 must match the record."""
    record_path = Path(record_path)
    record = json.loads(record_path.read_text())
    weights_path = record_path.with_name(record["weights"])
    digest = sha256_bytes(weights_path.read_bytes())
    if digest != record["weights_sha256"]:
        raise ValueError(f"{weights_path} does not match its record (sha256 {digest[:12]}…, recorded "
                         f"{record['weights_sha256'][:12]}…): re-run `{record['command']}` or restore the file.")
    weights = torch.load(weights_path, map_location="cpu", weights_only=True)
    G = build_generator(record["recipe"])
    G.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in weights.items()})
    return G.eval(), record
