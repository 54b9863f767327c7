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

import os
import sys
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from .losses import GANLoss, get_gan_loss

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

    @property
    def steps(self) -> int:
        return len(self.d_loss)

    def tail_means(self, fraction: float = 0.1) -> dict[str, float]:
        """Means of each recorded series over the last ``fraction`` of the steps."""
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}.")
        k = max(1, int(round(self.steps * fraction)))
        return {name: float(getattr(self, name)[-k:].mean()) for name in ("d_loss", "g_loss", "d_real", "d_fake")}


def _snapshot_schedule(steps: int, count: int) -> list[int]:
    if count <= 0:
        return []
    if count == 1:
        return [steps]
    return sorted({round(i * steps / (count - 1)) for i in range(count)})


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
              loss: str | GANLoss = "non-saturating", lr: float = 2e-4, betas=(0.5, 0.999),
              fixed_noise: torch.Tensor | None = None, snapshots: int = 0, seed: int | None = None,
              progress: str | bool | None = None, desc: str = "GAN", optimizer: str = "adam") -> GANHistory:
    """Train ``generator`` against ``discriminator`` for ``steps`` steps; return the :class:`GANHistory`.

    Args:
        generator: maps noise ``(N, generator.latent_dim)`` to samples.
        discriminator: maps samples to logits of shape ``(N,)``.
        batches: an iterator of real batches (a tensor, or a tuple whose first item is the tensor), on the
            same device as the models — e.g. :class:`gantutor.data.TensorBatches`.
        steps: number of D+G update pairs.
        loss: a name from :data:`gantutor.losses.GAN_LOSSES` or a :class:`~gantutor.losses.GANLoss`.
        lr, betas: optimiser settings for both networks (DCGAN's Adam 2e-4 and (0.5, 0.999) by default).
        optimizer: ``"adam"`` or ``"sgd"`` (plain gradient descent, ``betas`` unused) for both networks.
        fixed_noise: noise for the snapshots (default: 64 draws from the seeded generator).
        snapshots: how many snapshots of ``G(fixed_noise)`` to keep, evenly spaced from step 0 to ``steps``.
        seed: seeds the noise drawn during training (``None``: PyTorch's global generator).
        progress: ``'bar'`` (tqdm), ``'log'`` (a printed line at each snapshot) or ``'off'``; default from
            ``GANTUTOR_PROGRESS``, else ``'bar'``.
    """
    if not isinstance(steps, int) or steps <= 0:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    if not hasattr(generator, "latent_dim"):
        raise TypeError("generator needs a `latent_dim` attribute (the size of its noise input).")
    objective = get_gan_loss(loss)
    mode = _progress_mode(progress)
    device = next(generator.parameters()).device
    latent = generator.latent_dim
    noise_gen = None
    if seed is not None:
        noise_gen = torch.Generator(device=device).manual_seed(seed)
    if fixed_noise is None:
        fixed_noise = torch.randn(64, latent, device=device, generator=noise_gen)
    fixed_noise = fixed_noise.to(device)

    if optimizer == "adam":
        opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=betas)
        opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=betas)
    elif optimizer == "sgd":
        opt_g = torch.optim.SGD(generator.parameters(), lr=lr)
        opt_d = torch.optim.SGD(discriminator.parameters(), lr=lr)
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}.")
    record = torch.zeros(steps, 4, device=device)  # d_loss, g_loss, d_real, d_fake — kept on device, no sync
    schedule = _snapshot_schedule(steps, snapshots)
    history = GANHistory(*(torch.empty(0),) * 4, loss_name=loss if isinstance(loss, str) else "custom")

    def snapshot(step: int):
        with torch.no_grad():
            generator.eval()
            history.snapshots.append(generator(fixed_noise).detach().cpu())
            generator.train()
        history.snapshot_steps.append(step)

    if schedule and schedule[0] == 0:
        snapshot(0)
    bar = None
    if mode == "bar":
        from tqdm.auto import tqdm
        bar = tqdm(total=steps, desc=desc, leave=True)
    generator.train()
    discriminator.train()
    start = time.perf_counter()
    for step in range(1, steps + 1):
        # [step] -- one training step; the chapter *Your first GAN* prints the lines between these markers
        real = next(batches)
        if isinstance(real, (tuple, list)):
            real = real[0]
        z = torch.randn(real.shape[0], latent, device=device, generator=noise_gen)
        fake = generator(z)

        # Discriminator step: fakes are detached, so no gradient reaches the generator.
        real_logits = discriminator(real)
        fake_logits = discriminator(fake.detach())
        d_loss = objective.discriminator(real_logits, fake_logits)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()

        # Generator step: gradients flow through the (frozen) discriminator into the generator.
        discriminator.requires_grad_(False)
        g_loss = objective.generator(discriminator(fake))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        discriminator.requires_grad_(True)
        # [/step]

        with torch.no_grad():
            record[step - 1, 0] = d_loss
            record[step - 1, 1] = g_loss
            record[step - 1, 2] = torch.sigmoid(real_logits).mean()
            record[step - 1, 3] = torch.sigmoid(fake_logits).mean()
        if step in schedule:
            snapshot(step)
            if mode == "log":
                r = record[step - 1].tolist()
                print(f"{desc} step {step:>6}/{steps} | L_D {r[0]:.3f} | L_G {r[1]:.3f} | "
                      f"D(x) {r[2]:.3f} | D(G(z)) {r[3]:.3f} | {time.perf_counter() - start:6.1f} s",
                      file=sys.stdout, flush=True)
        if bar is not None:
            bar.update(1)
            if step % max(1, steps // 50) == 0 or step == steps:
                r = record[step - 1].tolist()
                bar.set_postfix(L_D=f"{r[0]:.3f}", L_G=f"{r[1]:.3f}", refresh=False)
    if bar is not None:
        bar.close()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    history.seconds = time.perf_counter() - start
    rec = record.cpu()
    history.d_loss, history.g_loss, history.d_real, history.d_fake = (rec[:, i].clone() for i in range(4))
    return history


def sample(generator: nn.Module, n: int, *, seed: int | None = None) -> torch.Tensor:
    """``n`` samples from ``generator`` (no gradients, eval mode), returned on the CPU."""
    device = next(generator.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
    was_training = generator.training
    generator.eval()
    with torch.no_grad():
        out = generator(torch.randn(n, generator.latent_dim, device=device, generator=gen)).cpu()
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
