"""One GAN training loop (chapter: *Your first GAN*, section "The training loop, line by line").

Each step does, in this order:

1. draw a real batch ``x`` and noise ``z``; make fakes ``G(z)``;
2. **discriminator step** — score ``x`` and ``G(z).detach()`` (detached: this step must not reach into ``G``),
   compute ``L_D``, zero D's gradients, backpropagate, step D's optimiser;
3. **generator step** — score the same fakes with the *updated* ``D`` (this time without ``detach``, so gradients
   flow through ``D`` into ``G``; D's own weights are frozen for this pass), compute ``L_G``, zero G's gradients,
   backpropagate, step G's optimiser.

The losses come from :mod:`gantutor.losses`; this module never re-derives them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from .checkpoint import TrainingDiverged, load_checkpoint, save_checkpoint
from .fast import adam, check_fast, resolve_fast, speedups
from .losses import GANLoss, get_gan_loss, gradient_penalty

PROGRESS_ENV = "GANTUTOR_PROGRESS"


@dataclass
class GANHistory:
    """What :func:`train_gan` records: per-step losses and mean discriminator outputs, plus fixed-noise snapshots.

    ``d_real`` is the batch mean of :math:`D(x)` and ``d_fake`` of :math:`D(G(z))`, both probabilities measured in
    the discriminator step (before D's update). ``snapshots[i]`` holds ``G(fixed_noise)`` after
    ``snapshot_steps[i]`` steps (step 0 = before training), on the CPU.
    """

    d_loss: torch.Tensor
    g_loss: torch.Tensor
    d_real: torch.Tensor
    d_fake: torch.Tensor
    snapshot_steps: list[int] = field(default_factory=list)
    snapshots: list[torch.Tensor] = field(default_factory=list)
    seconds: float = 0.0
    loss_name: str = ""
    #: True when training was stopped by KeyboardInterrupt (the history covers the completed steps).
    interrupted: bool = False
    #: The checkpoint step training rolled back to after a non-finite loss, else None.
    rolled_back_to: int | None = None
    #: ``(step, on_snapshot(step, generator))`` at each snapshot step, when ``on_snapshot`` was given.
    evaluations: list = field(default_factory=list)
    #: The step after which ``on_snapshot`` ended training by raising :class:`StopTraining`, else None.
    stopped_at: int | None = None
    #: True when ``d_real``/``d_fake`` are probabilities (logit losses); False when they are raw critic scores.
    probabilities: bool = True
    #: The optimiser settings used: ``{"optimizer", "lr", "betas"}``.
    optimizer: dict = field(default_factory=dict)
    #: Euclidean norm of all of D's gradients (its last update of the step) and of G's gradients, per step.
    d_grad_norm: torch.Tensor = field(default_factory=lambda: torch.empty(0))
    g_grad_norm: torch.Tensor = field(default_factory=lambda: torch.empty(0))

    @property
    def steps(self) -> int:
        return len(self.d_loss)

    def tail_means(self, fraction: float = 0.1) -> dict[str, float]:
        """Means of each recorded series over the last ``fraction`` of the steps."""
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}.")
        k = max(1, int(round(self.steps * fraction)))
        return {name: float(getattr(self, name)[-k:].mean()) for name in ("d_loss", "g_loss", "d_real", "d_fake")}


def _unwrap(model: nn.Module) -> nn.Module:
    """The module inside a DistributedDataParallel (or similar) wrapper."""
    return getattr(model, "module", model)


def _grad_norm(model: nn.Module, device) -> torch.Tensor:
    """Norm of all parameter gradients of ``model`` together (a device tensor; no synchronisation)."""
    norms = [torch.linalg.vector_norm(p.grad) for p in model.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(norms)) if norms else torch.zeros((), device=device)


def _snapshot_schedule(steps: int, count: int) -> list[int]:
    if count <= 0:
        return []
    if count == 1:
        return [steps]
    return sorted({round(i * steps / (count - 1)) for i in range(count)})


class StopTraining(Exception):
    """Raise ``StopTraining(result)`` from an ``on_snapshot`` function to end training after this step (for example
    once a quality target is reached); ``result`` is kept in ``history.evaluations`` and ``history.stopped_at``
    records the step."""

    def __init__(self, result=None):
        super().__init__(result)
        self.result = result


def record_snapshot(history, model: nn.Module, step: int, render, on_snapshot=None) -> None:
    """Append ``render()`` (moved to the CPU) and ``on_snapshot(step, model)`` to ``history``, with ``model`` in
    eval mode and no gradients; shared by the GAN and VAE loops. A :class:`StopTraining` raised by
    ``on_snapshot`` is re-raised after its result is recorded."""
    stop = None
    with torch.no_grad():
        model.eval()
        try:
            image = render().detach().cpu()
            if on_snapshot is not None:
                try:
                    result = on_snapshot(step, model)
                except StopTraining as request:
                    result, stop = request.result, request
        finally:
            model.train()
    history.snapshots.append(image)
    history.snapshot_steps.append(step)
    if on_snapshot is not None:
        history.evaluations.append((step, result))
    if stop is not None:
        history.stopped_at = step
        raise stop


def progress_bar(mode: str, steps: int, start_step: int, desc: str):
    """A tqdm bar over ``steps`` starting at ``start_step`` when ``mode == 'bar'``, else ``None``."""
    if mode != "bar":
        return None
    from tqdm.auto import tqdm
    return tqdm(total=steps, initial=start_step, desc=desc, leave=True)


def _progress_mode(progress) -> str:
    if progress is None:
        progress = os.environ.get(PROGRESS_ENV, "bar").strip().lower() or "bar"
    if progress is True:
        progress = "bar"
    if progress is False:
        progress = "off"
    if progress not in {"bar", "log", "off"}:
        raise ValueError(f"progress must be 'bar', 'log' or 'off' (or True/False), got {progress!r}.")
    return progress


def train_gan(generator: nn.Module, discriminator: nn.Module, batches, *, steps: int,
              loss: str | GANLoss = "non-saturating", lr: float | None = None, betas=None,
              fixed_noise: torch.Tensor | None = None, snapshots: int = 0, seed: int | None = None,
              progress: str | bool | None = None, desc: str = "GAN", optimizer: str | None = None,
              checkpoint: str | Path | None = None, checkpoint_every: int = 0, resume: bool = False,
              on_nonfinite: str = "stop", check_every: int = 50, on_snapshot=None, fast=None,
              compile: bool = False, lr_decay: bool = False) -> GANHistory:
    """Train ``generator`` against ``discriminator`` for ``steps`` steps; return the :class:`GANHistory`.

    Args:
        generator: maps noise ``(N, generator.latent_dim)`` to samples.
        discriminator: maps samples to logits of shape ``(N,)``.
        batches: an iterator of real batches (a tensor, or a tuple whose first item is the tensor), on the
            same device as the models — e.g. :class:`gantutor.data.TensorBatches`.
        steps: number of D+G update pairs.
        loss: a name from :data:`gantutor.losses.GAN_LOSSES` or a :class:`~gantutor.losses.GANLoss`.
        lr, betas, optimizer: optimiser settings for both networks: ``"adam"``, ``"rmsprop"`` or ``"sgd"`` (plain
            gradient descent); ``betas`` are Adam's. Unset, they are the loss's published settings (e.g. WGAN-GP:
            Adam 1e-4, (0, 0.9)), else DCGAN's Adam 2e-4, (0.5, 0.999).
        fixed_noise: noise for the snapshots (default: 64 draws from the seeded generator).
        snapshots: how many snapshots of ``G(fixed_noise)`` to keep, evenly spaced from step 0 to ``steps``.
        seed: seeds the noise drawn during training (``None``: PyTorch's global generator).
        progress: ``'bar'`` (tqdm), ``'log'`` (a printed line at each snapshot) or ``'off'``; default from
            ``GANTUTOR_PROGRESS``, else ``'bar'``.
        checkpoint: file for checkpoints (models, optimisers, RNG states, the batch iterator's position, the
            history so far); written atomically every ``checkpoint_every`` steps, at the end, and on interrupt.
        resume: continue from ``checkpoint``. On the CPU the resumed run's losses equal an uninterrupted run's
            bit for bit (``batches`` must be a :class:`gantutor.data.TensorBatches` over the same data).
        on_nonfinite: when a loss becomes NaN or infinite, ``'stop'`` raises :class:`TrainingDiverged` naming the
            step and the loss; ``'rollback'`` also restores the last checkpoint's models and returns its history.
        check_every: steps between finiteness checks (each check reads the losses from the device once).
        on_snapshot: ``on_snapshot(step, generator)`` is called at each snapshot step with the generator in eval
            mode (e.g. to compute FID during training); its results are kept in ``history.evaluations``; raising
            :class:`StopTraining` from it ends training there. It must
            not draw from PyTorch's global random generator if runs are to stay reproducible.
        fast: the fast path of :mod:`gantutor.fast` (bf16 autocast of both networks, fused Adam, channels_last
            and cuDNN autotuning on CUDA), or a list of some of those techniques' names; ``True``: all of them;
            ``None``: :data:`gantutor.fast.CUDA_DEFAULT` (fused Adam) on CUDA, nothing on the CPU (float32,
            bit-reproducible).
        compile: also ``torch.compile`` both networks' forward passes (needs the fast path).
        lr_decay: decay both learning rates linearly from ``lr`` at the first step to ``lr / steps`` at the last
            (the schedule is a function of the step, so resuming keeps it).

    A ``KeyboardInterrupt`` (the notebook's stop button) ends training cleanly: the models keep their weights and
    the returned history covers the completed steps, with ``history.interrupted = True``.
    """
    if not isinstance(steps, int) or steps <= 0:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    if on_nonfinite not in {"stop", "rollback"}:
        raise ValueError(f"on_nonfinite must be 'stop' or 'rollback', got {on_nonfinite!r}.")
    if not isinstance(checkpoint_every, int) or checkpoint_every < 0:
        raise ValueError(f"checkpoint_every must be a non-negative integer, got {checkpoint_every!r}.")
    if (resume or checkpoint_every or on_nonfinite == "rollback") and checkpoint is None:
        raise ValueError("resume, checkpoint_every and on_nonfinite='rollback' need checkpoint=<file>.")
    if not hasattr(_unwrap(generator), "latent_dim"):
        raise TypeError("generator needs a `latent_dim` attribute (the size of its noise input).")
    objective = get_gan_loss(loss)
    mode = _progress_mode(progress)
    device = next(generator.parameters()).device
    latent = _unwrap(generator).latent_dim
    # Under torchrun, pass DistributedDataParallel-wrapped models: gradients are averaged across ranks, so the
    # weights stay identical; only rank 0 writes checkpoints.
    writes = not (torch.distributed.is_available() and torch.distributed.is_initialized()
                  and torch.distributed.get_rank() != 0)
    noise_gen = None
    if seed is not None:
        noise_gen = torch.Generator(device=device).manual_seed(seed)
    if fixed_noise is None:
        fixed_noise = torch.randn(64, latent, device=device, generator=noise_gen)
    fixed_noise = fixed_noise.to(device)

    lr = lr if lr is not None else (objective.lr or 2e-4)
    betas = tuple(betas) if betas is not None else (objective.betas or (0.5, 0.999))
    optimizer = optimizer or objective.optimizer or "adam"
    fast = resolve_fast(fast, device)
    check_fast(fast, compile, device)
    if optimizer == "adam":
        opt_g = adam(generator.parameters(), lr=lr, betas=betas, fast=fast)
        opt_d = adam(discriminator.parameters(), lr=lr, betas=betas, fast=fast)
    elif optimizer == "rmsprop":
        opt_g = torch.optim.RMSprop(generator.parameters(), lr=lr)
        opt_d = torch.optim.RMSprop(discriminator.parameters(), lr=lr)
    elif optimizer == "sgd":
        opt_g = torch.optim.SGD(generator.parameters(), lr=lr)
        opt_d = torch.optim.SGD(discriminator.parameters(), lr=lr)
    else:
        raise ValueError(f"optimizer must be 'adam', 'rmsprop' or 'sgd', got {optimizer!r}.")
    # d_loss, g_loss, d_real, d_fake, |grad D|, |grad G| — kept on the device, so recording costs no sync
    record = torch.zeros(steps, 6, device=device)
    schedule = _snapshot_schedule(steps, snapshots)
    history = GANHistory(*(torch.empty(0),) * 4, loss_name=loss if isinstance(loss, str) else "custom",
                         probabilities=objective.probabilistic,
                         optimizer={"optimizer": optimizer, "lr": lr, "betas": betas if optimizer == "adam" else None,
                                    "lr_decay": lr_decay})
    num_classes = getattr(_unwrap(generator), "num_classes", None)   # set by conditional generators
    fixed_cond = () if num_classes is None else (torch.arange(len(fixed_noise), device=device) % num_classes,)

    def split_batch(batch):
        """``(real, cond)``: ``cond`` holds the labels for a conditional generator, else it is empty."""
        if isinstance(batch, (tuple, list)):
            return batch[0], (() if num_classes is None else (batch[1],))
        if num_classes is not None:
            raise ValueError("A conditional generator needs labelled batches: use "
                             "TensorBatches(images, labels, batch_size=...).")
        return batch, ()
    models = {"generator": type(_unwrap(generator)).__name__, "discriminator": type(_unwrap(discriminator)).__name__}

    def state(step: int) -> dict:
        return {"format": "gantutor-checkpoint", "kind": "gan", "step": step, "steps": steps, "models": models,
                "generator": _unwrap(generator).state_dict(), "discriminator": _unwrap(discriminator).state_dict(),
                "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(), "record": record[:step].cpu(),
                "snapshot_steps": list(history.snapshot_steps), "snapshots": list(history.snapshots),
                "fixed_noise": fixed_noise.cpu(), "rng_cpu": torch.get_rng_state(),
                "rng_cuda": torch.cuda.get_rng_state_all() if device.type == "cuda" else None,
                "noise_gen": noise_gen.get_state() if noise_gen is not None else None,
                "batches": batches.state_dict() if hasattr(batches, "state_dict") else None}

    def restore(ckpt: dict) -> int:
        if ckpt["models"] != models:
            raise ValueError(f"{checkpoint} was saved for {ckpt['models']}, not {models}; build the same "
                             f"networks, or use another checkpoint file.")
        _unwrap(generator).load_state_dict(ckpt["generator"])
        _unwrap(discriminator).load_state_dict(ckpt["discriminator"])
        opt_g.load_state_dict(ckpt["opt_g"])
        opt_d.load_state_dict(ckpt["opt_d"])
        done = ckpt["step"]
        if done > steps:
            raise ValueError(f"{checkpoint} is at step {done}, beyond steps={steps}; ask for more steps.")
        record[:done, :ckpt["record"].shape[1]] = ckpt["record"].to(device)  # older checkpoints: 4 columns
        history.snapshot_steps[:] = ckpt["snapshot_steps"]
        history.snapshots[:] = ckpt["snapshots"]
        torch.set_rng_state(ckpt["rng_cpu"])
        if ckpt["rng_cuda"] is not None and device.type == "cuda":
            torch.cuda.set_rng_state_all(ckpt["rng_cuda"])
        if noise_gen is not None and ckpt["noise_gen"] is not None:
            noise_gen.set_state(ckpt["noise_gen"])
        if ckpt["batches"] is not None and hasattr(batches, "load_state_dict"):
            batches.load_state_dict(ckpt["batches"])
        return done

    def snapshot(step: int):
        record_snapshot(history, generator, step, lambda: generator(fixed_noise, *fixed_cond), on_snapshot)

    start_step = 0
    if resume:
        ckpt = load_checkpoint(checkpoint, kind="gan")
        fixed_noise = ckpt["fixed_noise"].to(device)
        start_step = restore(ckpt)
    elif schedule and schedule[0] == 0:
        snapshot(0)
    bar = progress_bar(mode, steps, start_step, desc)
    generator.train()
    discriminator.train()
    start = time.perf_counter()
    done, checked = start_step, start_step

    def check_finite(upto: int):
        """Raise TrainingDiverged if a loss recorded since the last check is NaN or infinite (one device read)."""
        nonlocal checked
        block = record[checked:upto, :2]
        if not torch.isfinite(block).all():
            row = int((~torch.isfinite(block)).any(1).nonzero()[0])
            d_val, g_val = block[row].tolist()
            raise TrainingDiverged(
                f"Training diverged at step {checked + row + 1}: L_D = {d_val}, L_G = {g_val}. Lower the learning "
                f"rate, check the data for NaN or infinite values, or resume from an earlier checkpoint.")
        checked = upto

    # Ctrl-C (or the notebook's stop button) is honoured between steps, so the checkpoint written on interrupt is
    # a consistent state and resuming from it is exact. A second Ctrl-C interrupts at once.
    stop = {"requested": False, "in_step": False}
    previous_handler = None
    if threading.current_thread() is threading.main_thread():
        def on_sigint(signum, frame):
            if stop["requested"]:
                raise KeyboardInterrupt
            stop["requested"] = True

        previous_handler = signal.signal(signal.SIGINT, on_sigint)

    fast_path = contextlib.ExitStack()
    fast_path.enter_context(speedups(device, [(generator, "forward"), (discriminator, "forward")], enabled=fast,
                                     compile=compile))
    try:
        for step in range(start_step + 1, steps + 1):
            stop["in_step"] = True
            if lr_decay:
                for group in (*opt_d.param_groups, *opt_g.param_groups):
                    group["lr"] = lr * (steps - step + 1) / steps
            # [step] -- one training step; the chapter *Your first GAN* prints the lines between these markers
            for _ in range(objective.n_critic):      # D updates per G update: 1, or 5 for the WGANs
                real, cond = split_batch(next(batches))  # cond = (labels,) for conditional models, else ()
                z = torch.randn(real.shape[0], latent, device=device, generator=noise_gen)
                fake = generator(z, *cond)

                # Discriminator step: fakes are detached, so no gradient reaches the generator.
                real_logits = discriminator(real, *cond)
                fake_logits = discriminator(fake.detach(), *cond)
                d_loss = objective.discriminator(real_logits, fake_logits)
                if objective.gradient_penalty:       # WGAN-GP
                    d_loss = d_loss + objective.gradient_penalty * gradient_penalty(
                        lambda x: discriminator(x, *cond), real, fake, generator=noise_gen)
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
                if objective.clip is not None:       # the original WGAN's weight clipping
                    with torch.no_grad():
                        for p in discriminator.parameters():
                            p.clamp_(-objective.clip, objective.clip)

            # Generator step: gradients flow through the (frozen) discriminator into the generator.
            discriminator.requires_grad_(False)
            g_loss = objective.generator(discriminator(fake, *cond))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            discriminator.requires_grad_(True)
            # [/step]

            with torch.no_grad():
                record[step - 1, 0] = d_loss
                record[step - 1, 1] = g_loss
                to_prob = torch.sigmoid if objective.probabilistic else (lambda v: v)
                record[step - 1, 2] = to_prob(real_logits).mean()
                record[step - 1, 3] = to_prob(fake_logits).mean()
                record[step - 1, 4] = _grad_norm(discriminator, device)
                record[step - 1, 5] = _grad_norm(generator, device)
            done = step
            stop["in_step"] = False
            if step % check_every == 0 or step in schedule or step == steps or (
                    checkpoint_every and step % checkpoint_every == 0):
                check_finite(step)
            if step in schedule:
                snapshot(step)
                if mode == "log":
                    r = record[step - 1].tolist()
                    print(f"{desc} step {step:>6}/{steps} | L_D {r[0]:.3f} | L_G {r[1]:.3f} | "
                          f"D(x) {r[2]:.3f} | D(G(z)) {r[3]:.3f} | {time.perf_counter() - start:6.1f} s",
                          file=sys.stdout, flush=True)
            if writes and checkpoint_every and step % checkpoint_every == 0:
                save_checkpoint(checkpoint, state(step))
            if bar is not None:
                bar.update(1)
                if step % max(1, steps // 50) == 0 or step == steps:
                    r = record[step - 1].tolist()
                    bar.set_postfix(L_D=f"{r[0]:.3f}", L_G=f"{r[1]:.3f}", refresh=False)
            if stop["requested"] and step < steps:
                raise KeyboardInterrupt
        if writes and checkpoint is not None:
            save_checkpoint(checkpoint, state(done))
    except StopTraining:                             # requested by on_snapshot after a completed step
        if writes and checkpoint is not None:
            save_checkpoint(checkpoint, state(done))
    except KeyboardInterrupt:
        history.interrupted = True
        consistent = not stop["in_step"]  # False after a second Ctrl-C in the middle of a step
        if writes and checkpoint is not None and consistent:
            save_checkpoint(checkpoint, state(done))
        print(f"{desc}: interrupted after step {done}; the models and the history so far are kept"
              + (f", checkpoint saved to {checkpoint}" if checkpoint is not None and consistent else "")
              + ("" if consistent else " (stopped inside a step: the last periodic checkpoint is the one to "
                 "resume from)") + ".", flush=True)
    except TrainingDiverged:
        if on_nonfinite == "rollback":
            ckpt = load_checkpoint(checkpoint, kind="gan")
            done = restore(ckpt)
            history.rolled_back_to = done
            print(f"{desc}: a loss became non-finite; rolled back to the checkpoint at step {done}.", flush=True)
        else:
            raise
    finally:
        fast_path.close()
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
        if bar is not None:
            bar.close()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    history.seconds = time.perf_counter() - start
    rec = record[:done].cpu()
    history.d_loss, history.g_loss, history.d_real, history.d_fake = (rec[:, i].clone() for i in range(4))
    history.d_grad_norm, history.g_grad_norm = rec[:, 4].clone(), rec[:, 5].clone()
    return history


def sample(generator: nn.Module, n: int, *, seed: int | None = None, labels=None) -> torch.Tensor:
    """``n`` samples from ``generator`` (no gradients, eval mode), returned on the CPU.

    For a conditional generator, ``labels`` is one class index for all samples or a tensor of ``n`` indices;
    unset, the classes cycle ``0, 1, ..., 9, 0, ...``.
    """
    device = next(generator.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
    num_classes = getattr(generator, "num_classes", None)
    cond = ()
    if num_classes is not None:
        if labels is None:
            labels = torch.arange(n) % num_classes
        labels = torch.as_tensor(labels, dtype=torch.long)
        if labels.dim() == 0:
            labels = labels.expand(n)
        if labels.shape != (n,) or int(labels.min()) < 0 or int(labels.max()) >= num_classes:
            raise ValueError(f"labels must be one class or {n} classes in 0..{num_classes - 1}, got "
                             f"{tuple(labels.shape)} values in [{int(labels.min())}, {int(labels.max())}].")
        cond = (labels.to(device),)
    elif labels is not None:
        raise ValueError("labels were given but this generator is not conditional (it has no num_classes).")
    was_training = generator.training
    generator.eval()
    with torch.no_grad():
        out = generator(torch.randn(n, generator.latent_dim, device=device, generator=gen), *cond).cpu()
    generator.train(was_training)
    return out


def training_step_source() -> str:
    """The source lines of one step of :func:`train_gan` (between its ``[step]`` markers), dedented.

    The chapter *Your first GAN* prints this, so the text the reader studies is the code that ran.
    """
    import inspect
    import textwrap

    src = inspect.getsource(train_gan)
    start = src.index("# [step]")
    start = src.index("\n", start) + 1
    end = src.rindex("\n", 0, src.index("# [/step]"))
    return textwrap.dedent(src[start:end])


def train_discriminator(discriminator: nn.Module, real_sampler, fake_sampler, *, steps: int,
                        batch_size: int = 256, lr: float = 1e-3) -> torch.Tensor:
    """Train only the discriminator, against a *fixed* generator, with :func:`gantutor.losses.discriminator_loss`.

    ``real_sampler(n)`` and ``fake_sampler(n)`` return ``n`` samples each. Used to approximate the optimal
    discriminator of a fixed generator (chapter: *The GAN objective*). Returns the per-step losses (CPU).
    """
    from .losses import discriminator_loss

    if not isinstance(steps, int) or steps <= 0:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    opt = torch.optim.Adam(discriminator.parameters(), lr=lr)
    losses = torch.zeros(steps)
    discriminator.train()
    for i in range(steps):
        with torch.no_grad():
            real, fake = real_sampler(batch_size), fake_sampler(batch_size)
        loss = discriminator_loss(discriminator(real), discriminator(fake))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses[i] = loss.detach()
    return losses
