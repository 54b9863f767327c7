"""``python -m gantutor.bench`` — how fast gantutor's loops train, next to the loop most tutorials teach.

A benchmark, not a test: it prints images per second and writes JSON (device, versions, settings, every repeat).
For each model (the MLP GAN of chapter 2, the DCGAN of chapter 7, the convolutional VAE of chapter 8) it runs, in
one process, on the same device, with the same batch size and the same initial weights:

``tutorial``
    the loop as the official PyTorch DCGAN tutorial writes it (and, for the VAE, PyTorch's ``examples/vae``):
    torchvision dataset → PIL image → ``ToTensor``/``Normalize`` per sample → ``DataLoader`` (``num_workers=2``,
    ``shuffle=True``, a new iterator each epoch) → ``.to(device)`` per batch → ``.item()`` every step; the
    discriminator scores real and fake batches in two backward passes; its weights are not frozen in the generator
    step. Only two things differ from the tutorial's text, both to train the *same* model: the networks are the
    book's (their discriminators return logits, so ``BCEWithLogitsLoss`` replaces ``Sigmoid`` + ``BCELoss``, the
    same function computed stably), and the VAE sees freshly binarised images, as gantutor's VAE loop does.
``tutorial-tensors``
    the same step with the data already on the device (isolates the input pipeline's cost).
``gantutor``
    :func:`gantutor.train_gan` / :func:`gantutor.vae.train_vae` in float32 (``fast=False``; the CPU default).
``gantutor[t1+t2]``
    the same with only the named techniques of :mod:`gantutor.fast` (e.g. ``gantutor[fused_adam]``), to measure
    each technique's share; ``+graph`` records the whole step as a CUDA graph and replays it (:mod:`gantutor.graphs`;
    each timed block is one training run, so it includes the run's three eager warm-up steps and the recording),
    and ``+reduce-overhead`` compiles the forward passes with ``torch.compile(mode="reduce-overhead")``, which
    CUDA-graphs each compiled network (e.g. ``gantutor[fused_adam+graph]`` against
    ``gantutor[fused_adam+reduce-overhead]``);
``gantutor-fast``
    the same with ``fast=True`` (:mod:`gantutor.fast`: bf16 autocast, fused Adam, channels_last and cuDNN
    autotuning on CUDA; the CUDA default); ``--compile`` adds ``torch.compile``.

Each loop first runs ``--warmup`` untimed steps; then ``--repeats`` rounds of timed blocks of ``--steps`` steps are
run, round-robin across loops (A B C, A B C, ...), so that load drifting on a shared machine slows every loop
alike. Each loop's best block is reported (its least disturbed measurement) with the median and the spread, ratios
are taken between best blocks, and a loop whose blocks differ by more than ×2 is marked *noisy* in the output and
the JSON. Then the
tutorial loop, ``gantutor`` and ``gantutor-fast`` each train a fresh copy of the model (the same initial weights)
for ``--agree-steps`` steps in one run, and the mean losses of the second half are reported: the loops train the
model alike.

``--time-to-quality`` instead trains the DCGAN with gantutor's default settings for this device and reports the
wall-clock training time until its classifier-feature FID (chapter 5) is within ``--target`` times the
real-vs-real floor, evaluating every ``--eval-every`` steps (evaluation time excluded), up to ``--max-seconds``.

``--allocator`` instead times the CPU's large-batch work (sampling ``--images`` images from the flow chapter's U-Net,
the shipped classifier's outputs for as many images) and 20 DCGAN training steps of 128 images under each setting
of :mod:`gantutor.allocator`, each
block in a fresh process (the setting is fixed when a process starts), round-robin over ``--repeats`` rounds, and
checks that both settings give the same numbers.

``--op-profile`` instead profiles one model's training step (``torch.profiler``) under each of ``--loops`` (default
``gantutor`` against ``gantutor[bf16]``) and sums the operators' self time per step into families (casts,
convolutions, matrix products, batch norm, optimiser, the rest): *why* a technique is slower or faster.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..fast import TECHNIQUES

MODELS = ("mlp-gan", "dcgan", "conv-vae")
LOOPS = ("tutorial", "tutorial-tensors", "gantutor", "gantutor[fused_adam]", "gantutor[bf16]", "gantutor-fast")
#: The loops whose losses are compared over one longer run from the same weights.
AGREEMENT_LOOPS = ("tutorial", "gantutor", "gantutor-fast")


#: Engine options a gantutor loop's name can add to its techniques: ``graph`` (the whole step as a CUDA graph,
#: :mod:`gantutor.graphs`) and ``reduce-overhead`` (``torch.compile(mode="reduce-overhead")`` of the forward passes,
#: which CUDA-graphs each compiled network; it needs a technique beside it, e.g. ``fused_adam``). The two do not
#: combine: a compiled network's own graphs cannot be recorded inside the whole step's.
ENGINE_OPTIONS = ("graph", "reduce-overhead")


def loop_options(kind: str) -> dict:
    """The training options of a gantutor loop's name: ``fast`` (``gantutor`` → False, ``gantutor-fast`` → True,
    ``gantutor[a+b]`` → [a, b]), ``graph`` and ``compile`` (from the engine options in the brackets)."""
    if kind == "gantutor":
        return {"fast": False, "graph": False, "compile": False}
    if kind == "gantutor-fast":
        return {"fast": True, "graph": False, "compile": False}
    if kind.startswith("gantutor[") and kind.endswith("]"):
        names = [t for t in kind[len("gantutor["):-1].split("+") if t]
        techniques = [t for t in names if t not in ENGINE_OPTIONS]
        if names and all(t in TECHNIQUES for t in techniques) and len(set(names)) == len(names) and not \
                {"graph", "reduce-overhead"} <= set(names):
            return {"fast": techniques or False, "graph": "graph" in names,
                    "compile": "reduce-overhead" if "reduce-overhead" in names else False}
    raise ValueError(f"Unknown loop {kind!r}: use tutorial, tutorial-tensors, gantutor, gantutor-fast or "
                     f"gantutor[t1+t2] with techniques from {', '.join(TECHNIQUES)} and engine options from "
                     f"{', '.join(ENGINE_OPTIONS)}.")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def build(model: str, device: torch.device, seed: int = 0):
    """The networks of ``model``, initialised from ``seed`` (the same weights for every loop)."""
    from ..models.dcgan import DCGANDiscriminator, DCGANGenerator
    from ..models.mlp import MLPDiscriminator, MLPGenerator
    from ..vae import ConvVAE

    torch.manual_seed(seed)
    if model == "mlp-gan":
        return MLPGenerator().to(device), MLPDiscriminator().to(device)
    if model == "dcgan":
        return DCGANGenerator(width=32).to(device), DCGANDiscriminator(width=32).to(device)
    if model == "conv-vae":
        return (ConvVAE(latent_dim=16, width=32).to(device),)
    raise ValueError(f"Unknown model {model!r}; choose from {', '.join(MODELS)}.")


class TutorialBatches:
    """An endless iterator over a ``DataLoader`` built the tutorial's way; a new pass starts a new iterator, as the
    tutorial's ``for epoch ...: for i, data in enumerate(dataloader)`` does."""

    def __init__(self, name: str, batch_size: int, workers: int, normalize: bool):
        import torchvision.transforms as T
        from torch.utils.data import DataLoader

        from ..data import torchvision_dataset

        ds = torchvision_dataset(name, True, None, None)
        steps = [T.ToTensor()] + ([T.Normalize((0.5,), (0.5,))] if normalize else [])
        ds.transform = T.Compose(steps)
        self.loader = DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=True)
        self._it = iter(self.loader)

    def __next__(self):
        try:
            return next(self._it)[0]
        except StopIteration:
            self._it = iter(self.loader)
            return next(self._it)[0]


def tutorial_gan_steps(G: nn.Module, D: nn.Module, opt_g, opt_d, batches, steps: int, device) -> dict:
    """``steps`` steps of the PyTorch DCGAN tutorial's training loop (its variable names kept); per-step losses."""
    criterion = nn.BCEWithLogitsLoss()
    real_label, fake_label = 1.0, 0.0
    d_losses, g_losses = [], []
    for _ in range(steps):
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        D.zero_grad()
        real_cpu = next(batches).to(device)
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        output = D(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()                        # noqa: F841  (the tutorial prints these)
        noise = torch.randn(b_size, G.latent_dim, device=device)
        fake = G(noise)
        label.fill_(fake_label)
        output = D(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()                     # noqa: F841
        errD = errD_real + errD_fake
        opt_d.step()
        # (2) Update G network: maximize log(D(G(z)))
        G.zero_grad()
        label.fill_(real_label)
        output = D(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()                     # noqa: F841
        opt_g.step()
        g_losses.append(errG.item())
        d_losses.append(errD.item())
    return {"d_loss": d_losses, "g_loss": g_losses}


def tutorial_vae_steps(model, opt, batches, steps: int, device) -> dict:
    """``steps`` steps of PyTorch's ``examples/vae`` training loop, on freshly binarised images; per-image losses."""
    losses = []
    for _ in range(steps):
        data = next(batches).to(device)
        data = torch.bernoulli(data)
        opt.zero_grad()
        mu, logvar = model.encode(data)
        std = torch.exp(0.5 * logvar)
        z = mu + torch.randn_like(std) * std
        logits = model.decode(z)
        bce = F.binary_cross_entropy_with_logits(logits.view(len(data), -1), data.view(len(data), -1),
                                                 reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss = bce + kld
        loss.backward()
        losses.append(loss.item() / len(data))
        opt.step()
    return {"loss": losses}


class _Loop:
    """One loop on its own copy of the model, able to run blocks of steps and time them."""

    def __init__(self, kind: str, model: str, device, batch_size: int, workers: int, train_images, compile: bool):
        from ..data import TensorBatches

        self.kind, self.model, self.device, self.batch_size = kind, model, device, batch_size
        self.nets = build(model, device)
        self.vae = model == "conv-vae"
        if kind.startswith("tutorial"):
            if kind == "tutorial":
                self.batches = TutorialBatches("mnist", batch_size, workers, normalize=not self.vae)
            else:
                from ..vae import to_unit

                self.batches = TensorBatches(to_unit(train_images) if self.vae else train_images,
                                             batch_size=batch_size, seed=0)
            if self.vae:
                self.opt = (torch.optim.Adam(self.nets[0].parameters(), lr=1e-3),)
            else:
                self.opt = tuple(torch.optim.Adam(n.parameters(), lr=2e-4, betas=(0.5, 0.999)) for n in self.nets)
        else:
            self.batches = TensorBatches(train_images, batch_size=batch_size, seed=0)
        options = {"fast": False, "graph": False, "compile": False} if kind.startswith("tutorial") else \
            loop_options(kind)
        self.fast, self.graph = options["fast"], options["graph"]
        self.compile = options["compile"] or (compile and kind == "gantutor-fast")

    def run(self, steps: int, tail: int | None = None) -> tuple[float, dict]:
        """Run ``steps`` steps; return (seconds, mean losses over the last ``tail`` steps, default all)."""
        from ..gan import train_gan
        from ..vae import train_vae

        if self.kind.startswith("tutorial"):
            _sync(self.device)
            start = time.perf_counter()
            if self.vae:
                losses = tutorial_vae_steps(self.nets[0], self.opt[0], self.batches, steps, self.device)
            else:
                losses = tutorial_gan_steps(*self.nets, *self.opt, self.batches, steps, self.device)
            _sync(self.device)
            seconds = time.perf_counter() - start
        elif self.vae:
            h = train_vae(self.nets[0], self.batches, steps=steps, progress="off", fast=self.fast,
                          compile=self.compile, graph=self.graph)
            seconds, losses = h.seconds, {"loss": h.loss.tolist()}
        else:
            h = train_gan(*self.nets, self.batches, steps=steps, progress="off", fast=self.fast,
                          compile=self.compile, graph=self.graph)
            seconds, losses = h.seconds, {"d_loss": h.d_loss.tolist(), "g_loss": h.g_loss.tolist()}
        tail = tail or steps
        return seconds, {k: statistics.fmean(v[-tail:]) for k, v in losses.items()}


def environment(device: torch.device) -> dict:
    """The records' machine description (:func:`reference.machine`) with the bench's extras."""
    import torchvision

    from .. import allocator
    from .reference import machine

    info = {**machine(device), "torchvision": torchvision.__version__, "python": platform.python_version(),
            "allocator": allocator.state}
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def throughput(models=MODELS, loops=LOOPS, *, device=None, batch_size: int | None = None, steps: int | None = None,
               warmup: int | None = None, repeats: int = 3, workers: int = 2, compile: bool = False,
               agree_steps: int | None = None, log=print) -> dict:
    """Measure images/s of each loop for each model; returns the JSON-ready result (see the module docstring).
    ``batch_size`` defaults to the profile's ``bench_batch_size`` (128, the tutorial's; the CLI's default too)."""
    from ..data import load_images
    from ..profile import get_device, get_profile

    device = torch.device(device) if device is not None else get_device()
    batch_size = batch_size or get_profile().bench_batch_size
    steps = steps or (200 if device.type == "cuda" else 40)
    warmup = warmup if warmup is not None else (50 if device.type == "cuda" else 5)
    agree_steps = agree_steps if agree_steps is not None else (1000 if device.type == "cuda" else 200)
    for m in models:
        if m not in MODELS:
            raise ValueError(f"Unknown model {m!r}; choose from {', '.join(MODELS)}.")
    for lp in loops:
        if not lp.startswith("tutorial"):
            loop_options(lp)
        elif lp not in ("tutorial", "tutorial-tensors"):
            raise ValueError(f"Unknown loop {lp!r}; choose from {', '.join(LOOPS)}.")
    if steps <= 0 or repeats <= 0 or warmup < 0:
        raise ValueError(f"steps and repeats must be positive and warmup non-negative, got steps={steps}, "
                         f"repeats={repeats}, warmup={warmup}.")
    train = load_images("mnist", device=device).images
    result = {"environment": environment(device),
              "settings": {"batch_size": batch_size, "steps": steps, "warmup": warmup, "repeats": repeats,
                           "workers": workers, "compile": compile, "agree_steps": agree_steps},
              "models": {}}
    for model in models:
        runners = {lp: _Loop(lp, model, device, batch_size, workers, train, compile) for lp in loops}
        for runner in runners.values():
            if warmup:
                runner.run(warmup)
        seconds, losses = timed_blocks(runners, repeats, steps)
        entry = {lp: {**block_summary(seconds[lp], steps, batch_size),
                      "losses": {k: statistics.fmean(d[k] for d in losses[lp]) for k in losses[lp][0]}}
                 for lp in loops}
        if "tutorial" in entry:
            for lp in loops:   # from the best blocks: the least disturbed measurement of each loop
                entry[lp]["speedup_vs_tutorial"] = entry[lp]["images_per_s"] / entry["tutorial"]["images_per_s"]
        agreement = {}
        if agree_steps:
            for lp in [lp for lp in AGREEMENT_LOOPS if lp in loops]:
                runner = _Loop(lp, model, device, batch_size, workers, train, compile)
                agreement[lp] = runner.run(agree_steps, tail=agree_steps - agree_steps // 2)[1]
        ours = [lp for lp in loops if lp.startswith("gantutor")]
        best = max(ours, key=lambda lp: entry[lp]["images_per_s"]) if ours else None
        result["models"][model] = {"loops": entry, "agreement": agreement,
                                   "noisy": any(e["noisy"] for e in entry.values()),
                                   "best_gantutor_loop": best,
                                   "best_speedup_vs_tutorial": entry[best].get("speedup_vs_tutorial") if best else None}
        log(format_model(model, result["models"][model]))
    return result


#: A loop whose fastest timed block is more than this many times faster than its slowest is marked noisy: load
#: that came and went during the measurement, not the loop, decided its blocks.
NOISE_RATIO = 2.0


def timed_blocks(runners: dict, repeats: int, steps: int) -> tuple[dict, dict]:
    """Run ``repeats`` rounds; each round runs every loop once, in turn (A B C, A B C, ...), so load that drifts
    during the benchmark reaches every loop alike. Returns ``(seconds, losses)`` per loop, one entry per block."""
    seconds = {name: [] for name in runners}
    losses = {name: [] for name in runners}
    for _ in range(repeats):
        for name, runner in runners.items():
            s, loss = runner.run(steps)
            seconds[name].append(s)
            losses[name].append(loss)
    return seconds, losses


def block_summary(seconds: list[float], steps: int, batch_size: int) -> dict:
    """Images/s of one loop's blocks: the best block (reported, and used for ratios), the median, the spread
    (best / slowest) and whether the blocks differ by more than :data:`NOISE_RATIO`."""
    ips = [steps * batch_size / s for s in seconds]
    spread = max(ips) / min(ips)
    return {"images_per_s": max(ips), "images_per_s_median": statistics.median(ips), "images_per_s_repeats": ips,
            "spread": spread, "noisy": spread > NOISE_RATIO}


def format_model(model: str, entry: dict) -> str:
    lines = [f"{model}:  images/s of the best block (median, spread best/slowest)"]
    width = max(22, *map(len, entry["loops"]))
    for lp, e in entry["loops"].items():
        ratio = f"  ×{e['speedup_vs_tutorial']:.2f} vs tutorial" if "speedup_vs_tutorial" in e else ""
        noisy = "  NOISY: blocks differ by more than ×2; re-run on a quieter machine" if e["noisy"] else ""
        lines.append(f"  {lp:<{width}} {e['images_per_s']:>8.0f} ({e['images_per_s_median']:.0f}, "
                     f"×{e['spread']:.2f}){ratio}{noisy}")
    if entry.get("best_speedup_vs_tutorial"):
        lines.append(f"  fastest gantutor loop: {entry['best_gantutor_loop']} "
                     f"(×{entry['best_speedup_vs_tutorial']:.2f} vs tutorial)")
    for lp, loss in entry["agreement"].items():
        lines.append(f"  losses, 2nd half of one run, {lp:<14} " + ", ".join(f"{k} {v:.3f}" for k, v in loss.items()))
    return "\n".join(lines)


#: Operator families of :func:`op_profile`, by substring of the ATen operator's name (first match wins).
OP_FAMILIES = (("casts and copies", ("_to_copy", "aten::to", "aten::copy_", "aten::clone", "contiguous")),
               ("convolutions", ("conv", "mkldnn")),
               ("matrix products", ("addmm", "aten::mm", "matmul", "linear", "bmm")),
               ("batch norm", ("batch_norm",)),
               ("optimiser", ("adam", "_foreach", "lerp", "addcdiv", "addcmul")),
               ("elementwise and other", ("",)))


def _family(name: str) -> str:
    return next(family for family, keys in OP_FAMILIES if any(k in name for k in keys))


#: What ``--op-profile`` compares when no loops are named: float32 against bf16 autocast.
OP_PROFILE_LOOPS = ("gantutor", "gantutor[bf16]")


def op_profile(model: str = "dcgan", loops=OP_PROFILE_LOOPS, *, device=None, batch_size: int = 128,
               steps: int = 10, warmup: int = 3, top: int = 12) -> dict:
    """Where one model's training step spends its time, loop by loop (default: float32 against bf16 autocast),
    from ``torch.profiler``: each operator's self time (device time on CUDA, CPU time otherwise), summed into the
    families of :data:`OP_FAMILIES` and the ``top`` operators, per step. Answers *why* a technique is slower or
    faster, where :func:`throughput` says *how much*."""
    from ..data import load_images
    from ..profile import get_device

    device = torch.device(device) if device is not None else get_device()
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}; choose from {', '.join(MODELS)}.")
    if any(lp.startswith("tutorial") for lp in loops):
        raise ValueError("op_profile compares gantutor loops (gantutor, gantutor[...], gantutor-fast), not the "
                         "tutorial loop, whose time is mostly its input pipeline.")
    for lp in loops:
        loop_options(lp)
    if steps <= 0 or warmup < 0:
        raise ValueError(f"steps must be positive and warmup non-negative, got steps={steps}, warmup={warmup}.")
    train = load_images("mnist", device=device).images
    activities = [torch.profiler.ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    result = {"environment": environment(device), "settings": {"model": model, "batch_size": batch_size,
                                                                "steps": steps, "warmup": warmup}, "loops": {}}
    for lp in loops:
        runner = _Loop(lp, model, device, batch_size, 0, train, False)
        if warmup:
            runner.run(warmup)
        with torch.profiler.profile(activities=activities) as prof:
            runner.run(steps)
        ops = {}
        for e in prof.key_averages():
            us = e.self_device_time_total if device.type == "cuda" else e.self_cpu_time_total
            if e.key.startswith("aten::") and us > 0:
                ops[e.key] = {"ms_per_step": us / 1000 / steps, "calls_per_step": e.count / steps}
        total = sum(o["ms_per_step"] for o in ops.values())
        families = {f: 0.0 for f, _ in OP_FAMILIES}
        for name, o in ops.items():
            families[_family(name)] += o["ms_per_step"]
        ranked = sorted(ops.items(), key=lambda kv: -kv[1]["ms_per_step"])[:top]
        result["loops"][lp] = {"ms_per_step": total, "families_ms_per_step": families,
                               "casts_per_step": sum(o["calls_per_step"] for n, o in ops.items()
                                                     if _family(n) == "casts and copies"),
                               "top_ops": [{"op": n, **o} for n, o in ranked]}
    return result


def format_op_profile(result: dict) -> str:
    s = result["settings"]
    lines = [f"{s['model']}, batch {s['batch_size']}: ATen self time per step (ms), by operator family"]
    loops = list(result["loops"])
    lines.append(f"  {'family':<24}" + "".join(f"{lp:>18}" for lp in loops))
    for family, _ in OP_FAMILIES:
        lines.append(f"  {family:<24}" + "".join(f"{result['loops'][lp]['families_ms_per_step'][family]:>18.1f}"
                                                 for lp in loops))
    lines.append(f"  {'all operators':<24}" + "".join(f"{result['loops'][lp]['ms_per_step']:>18.1f}" for lp in loops))
    lines.append(f"  {'cast and copy calls':<24}" + "".join(f"{result['loops'][lp]['casts_per_step']:>18.0f}"
                                                           for lp in loops))
    for lp in loops:
        top = ", ".join(f"{o['op'][6:]} {o['ms_per_step']:.1f}" for o in result["loops"][lp]["top_ops"][:5])
        lines.append(f"  slowest operators, {lp}: {top}")
    return "\n".join(lines)


#: The large-batch work of every chapter on the CPU, timed under each allocator setting (``--allocator``).
ALLOCATOR_WORK = ("flow-sampling", "classifier-features", "dcgan-training")
#: The training work's (batch size, steps) per block: the book's DCGAN batch, float32.
TRAINING_BLOCK = (128, 20)


def allocator_block(work: str, images: int, steps: int) -> dict:
    """One untimed and one timed block of ``work`` in this process: sampling ``images`` images from the flow
    chapter's U-Net (untrained, ``steps`` Euler steps), the shipped classifier's outputs for ``images`` images, or
    ``steps`` DCGAN training steps on batches of ``images`` images.
    Returns the seconds, this process's allocator setting and a checksum of the output."""
    from .. import allocator, features
    from ..diffusion import sample_flow
    from ..models.unet import UNet

    if work not in ALLOCATOR_WORK:
        raise ValueError(f"Unknown work {work!r}; choose from {', '.join(ALLOCATOR_WORK)}.")
    torch.manual_seed(0)
    if work == "flow-sampling":
        net = UNet((16, 32, 32), num_classes=10)
        run = lambda: sample_flow(net, images, steps=steps, labels=torch.full((images,), 10), seed=0)
    elif work == "classifier-features":
        x = torch.rand(images, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
        run = lambda: features.classifier_outputs(x)[1]
    else:
        from ..data import TensorBatches
        from ..gan import train_gan

        G, D = build("dcgan", torch.device("cpu"))
        batches = TensorBatches(torch.rand(4 * images, 1, 28, 28) * 2 - 1, batch_size=images, seed=0)
        run = lambda: train_gan(G, D, batches, steps=steps, progress="off", fast=False).d_loss
    run()
    start = time.perf_counter()
    out = run()
    return {"seconds": time.perf_counter() - start, "allocator": allocator.state,
            "checksum": float(out.double().sum())}


def _allocator_child(choice: str, work: str, images: int, steps: int) -> dict:
    """:func:`allocator_block` in a fresh Python process started with ``GANTUTOR_MALLOC=choice``."""
    import os
    import subprocess

    code = ("import json, sys; from gantutor.book.bench import allocator_block; "
            "print(json.dumps(allocator_block(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))")
    done = subprocess.run([sys.executable, "-c", code, work, str(images), str(steps)], capture_output=True,
                          text=True, env={**os.environ, "GANTUTOR_MALLOC": choice})
    if done.returncode != 0:
        raise RuntimeError(f"the {choice!r} allocator process failed:\n{done.stderr.strip()[-2000:]}")
    block = json.loads(done.stdout.strip().splitlines()[-1])
    if block["allocator"] != choice:
        raise RuntimeError(f"a process started with GANTUTOR_MALLOC={choice} used {block['allocator']!r}.")
    return block


def allocators(work=ALLOCATOR_WORK, *, images: int = 1000, steps: int = 5, repeats: int = 3,
               training: tuple[int, int] = TRAINING_BLOCK, log=print) -> dict:
    """Images/s of each piece of ``work`` under each allocator setting of :mod:`gantutor.allocator`. The setting is
    fixed when a process starts, so every block runs in a fresh process, round-robin (keep, system, keep, system,
    ...); best, median and spread as for the loops, and whether both settings gave the same numbers."""
    from .. import allocator

    if images <= 0 or steps <= 0 or repeats <= 0:
        raise ValueError(f"images, steps and repeats must be positive, got {images}, {steps}, {repeats}.")
    result = {"environment": environment(torch.device("cpu")),
              "settings": {"images": images, "steps": steps, "repeats": repeats, "training_block": list(training),
                           "choices": list(allocator.CHOICES)},
              "work": {}}
    for w in work:
        size, n = training if w == "dcgan-training" else (images, steps)
        blocks = {c: [] for c in allocator.CHOICES}
        for _ in range(repeats):
            for choice in allocator.CHOICES:
                blocks[choice].append(_allocator_child(choice, w, size, n))
        per_block = size * n if w == "dcgan-training" else size
        entry = {c: block_summary([b["seconds"] for b in blocks[c]], 1, per_block) for c in allocator.CHOICES}
        result["work"][w] = {"allocators": entry,
                             "speedup_keep_vs_system": entry["keep"]["images_per_s"] / entry["system"]["images_per_s"],
                             "same_numbers": len({b["checksum"] for bs in blocks.values() for b in bs}) == 1,
                             "noisy": any(e["noisy"] for e in entry.values())}
        r = result["work"][w]
        log(f"{w}: " + ", ".join(f"{c} {e['images_per_s']:.0f} images/s (median {e['images_per_s_median']:.0f}, "
                                 f"spread ×{e['spread']:.2f})" for c, e in entry.items())
            + f"; keep/system ×{r['speedup_keep_vs_system']:.2f}; same numbers: {r['same_numbers']}"
            + ("  NOISY: re-run on a quieter machine" if r["noisy"] else ""))
    return result


def time_to_quality(*, device=None, target: float = 3.0, max_seconds: float = 60.0, eval_every: int = 250,
                    n_eval: int = 10000, batch_size: int = 128, fast=None, graph: bool = False, log=print) -> dict:
    """Train the DCGAN on MNIST until its FID is within ``target`` × the real-vs-real floor or ``max_seconds`` of
    training have passed; returns the trajectory and the time (training only, evaluation excluded). ``graph``: the
    whole step as a CUDA graph (:mod:`gantutor.graphs`)."""
    from ..data import TensorBatches, load_images
    from ..fast import resolve_fast
    from ..features import classifier_outputs
    from ..metrics import fid_from_features
    from ..profile import get_device
    from ..gan import StopTraining, sample, train_gan
    from . import reference

    device = torch.device(device) if device is not None else get_device()
    train = load_images("mnist", device=device)
    n = min(n_eval, reference.EVAL_SAMPLES)
    real_f, floor = reference.real_features_and_floor(n)      # the evaluation chapter's protocol, as every chapter uses it
    G, D = build("dcgan", device)
    trajectory = []
    clock = {"eval": 0.0, "start": time.perf_counter()}

    def evaluate(step, generator):
        _sync(device)
        t0 = time.perf_counter()
        trained = t0 - clock["start"] - clock["eval"]
        fid = fid_from_features(real_f, classifier_outputs(sample(generator, n, seed=1), "mnist")[0])
        trajectory.append({"step": step, "train_seconds": trained, "fid": fid, "fid_over_floor": fid / floor})
        log(f"  step {step:>6}: {trained:7.1f} s of training, FID {fid:8.2f} = {fid / floor:6.1f}× floor")
        clock["eval"] += time.perf_counter() - t0
        if fid <= target * floor or trained >= max_seconds:
            raise StopTraining(fid)
        return fid

    # Enough steps that the time budget, not the step count, ends training; snapshots every eval_every steps.
    steps = eval_every * 10000
    history = train_gan(G, D, TensorBatches(train.images, batch_size=batch_size, seed=0), steps=steps,
                        snapshots=steps // eval_every + 1, on_snapshot=evaluate, progress="off", fast=fast, seed=0,
                        graph=graph)
    reached = [t for t in trajectory if t["fid_over_floor"] <= target]
    return {"environment": environment(device),
            "settings": {"target_over_floor": target, "max_seconds": max_seconds, "eval_every": eval_every,
                         "n_eval": n, "batch_size": batch_size, "fast": sorted(resolve_fast(fast, device)),
                         "graph": graph},
            "floor_fid": floor, "trajectory": trajectory, "stopped_at": history.stopped_at,
            "reached": bool(reached),
            "seconds_to_target": reached[0]["train_seconds"] if reached else None,
            "best_fid_over_floor": min(t["fid_over_floor"] for t in trajectory)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gantutor.bench", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=None, help=f"comma-separated, from {', '.join(MODELS)} (default: all; "
                        "dcgan with --op-profile)")
    parser.add_argument("--loops", default=None, help=f"comma-separated, from {', '.join(LOOPS)}, or gantutor[t1+t2] "
                        f"with techniques from {', '.join(TECHNIQUES)} (default: all of the first list; "
                        f"{','.join(OP_PROFILE_LOOPS)} with --op-profile)")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:N (default: CUDA when available)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=None, help="steps per timed block (default 200 CUDA, 40 CPU)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 50 CUDA, 5 CPU)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers of the tutorial loop (its 2)")
    parser.add_argument("--agree-steps", type=int, default=None,
                        help="steps of the loss-agreement runs (default 1000 CUDA, 200 CPU; 0 skips them)")
    parser.add_argument("--compile", action="store_true", help="torch.compile in the gantutor-fast loop")
    parser.add_argument("--time-to-quality", action="store_true", help="the DCGAN's time to the FID target instead")
    parser.add_argument("--target", type=float, default=3.0, help="FID target as a multiple of the floor")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="training-time budget for --time-to-quality")
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--graph", action="store_true", help="--time-to-quality with the whole step as a CUDA graph")
    parser.add_argument("--allocator", action="store_true",
                        help="instead: flow sampling and classifier scoring under each allocator setting "
                             "(gantutor.allocator), --repeats fresh processes each")
    parser.add_argument("--images", type=int, default=1000,
                        help="images per block with --allocator (the training work: 20 steps of 128)")
    parser.add_argument("--op-profile", action="store_true",
                        help="instead: where one model (the first of --models) spends a training step, by operator "
                             "family, for each of --loops, from torch.profiler")
    parser.add_argument("--out", default="bench.json", help="JSON file to write (default bench.json)")
    args = parser.parse_args(argv)
    try:
        if args.allocator:
            result = allocators(images=args.images, repeats=args.repeats)
        elif args.op_profile:
            loops = args.loops.split(",") if args.loops else OP_PROFILE_LOOPS
            result = op_profile(args.models.split(",")[0] if args.models else "dcgan", [lp for lp in loops if lp],
                                device=args.device, batch_size=args.batch_size, steps=args.steps or 10,
                                warmup=args.warmup if args.warmup is not None else 3)
            print(format_op_profile(result))
        elif args.time_to_quality:
            result = time_to_quality(device=args.device, target=args.target, max_seconds=args.max_seconds,
                                     eval_every=args.eval_every, batch_size=args.batch_size, graph=args.graph)
            state = (f"reached in {result['seconds_to_target']:.1f} s of training" if result["reached"] else
                     f"not reached in {args.max_seconds:.0f} s (best {result['best_fid_over_floor']:.1f}× floor)")
            print(f"DCGAN on MNIST, FID ≤ {args.target}× floor ({result['floor_fid']:.2f}): {state}")
        else:
            result = throughput([m for m in (args.models or ",".join(MODELS)).split(",") if m],
                                [lp for lp in (args.loops or ",".join(LOOPS)).split(",") if lp],
                                device=args.device, batch_size=args.batch_size, steps=args.steps,
                                warmup=args.warmup, repeats=args.repeats, workers=args.workers,
                                compile=args.compile, agree_steps=args.agree_steps)
    except (ValueError, RuntimeError) as err:
        print(f"python -m gantutor.bench: {err}", file=sys.stderr)
        return 2
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
