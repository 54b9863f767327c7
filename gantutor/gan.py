"""The GAN family: its training step and its wrapper around the one engine (chapter: *Your first GAN*, section "The training loop, line by line").

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

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from .engine import (Step, StopTraining, check_options, fit, linear_decay, progress_mode, relative_linear_decay,
                     unwrap)
from .fast import adam, check_fast, resolve_fast
from .losses import GANLoss, get_gan_loss, gradient_penalty

__all__ = ["GANHistory", "GANStep", "StopTraining", "sample", "train_discriminator", "train_gan",
           "training_step_source"]


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
    #: The EMA of the generator (``train_gan(..., ema=decay)``), an ``AveragedModel``; sample from ``ema.module``.
    ema: nn.Module | None = None
    #: InfoGAN's code cross-entropy per step (``train_gan(..., info=...)``), else None.
    info_loss: torch.Tensor | None = None

    @property
    def steps(self) -> int:
        return len(self.d_loss)

    def tail_means(self, fraction: float = 0.1) -> dict[str, float]:
        """Means of each recorded series over the last ``fraction`` of the steps."""
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}.")
        k = max(1, int(round(self.steps * fraction)))
        return {name: float(getattr(self, name)[-k:].mean()) for name in ("d_loss", "g_loss", "d_real", "d_fake")}


def grad_norm(model: nn.Module, device) -> torch.Tensor:
    """Norm of all parameter gradients of ``model`` together (a device tensor; no synchronisation)."""
    norms = [torch.linalg.vector_norm(p.grad) for p in model.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(norms)) if norms else torch.zeros((), device=device)


def make_optimizers(generator, discriminator, optimizer: str, lr: float, betas, fast, lr_d: float | None = None
                    ) -> tuple:
    """``(opt_g, opt_d)``: Adam (fused on the fast path), RMSprop or plain SGD, with the same settings; the
    discriminator's learning rate is ``lr_d`` when given, else ``lr``."""
    if lr_d is not None and not (isinstance(lr_d, (int, float)) and lr_d > 0):
        raise ValueError(f"lr_d (the discriminator's learning rate) must be a positive number, got {lr_d!r}; leave it "
                         "unset to train both networks at lr.")
    lr_d = lr if lr_d is None else lr_d
    if optimizer == "adam":
        return (adam(generator.parameters(), lr=lr, betas=betas, fast=fast),
                adam(discriminator.parameters(), lr=lr_d, betas=betas, fast=fast))
    if optimizer == "rmsprop":
        return (torch.optim.RMSprop(generator.parameters(), lr=lr),
                torch.optim.RMSprop(discriminator.parameters(), lr=lr_d))
    if optimizer == "sgd":
        return torch.optim.SGD(generator.parameters(), lr=lr), torch.optim.SGD(discriminator.parameters(), lr=lr_d)
    raise ValueError(f"optimizer must be 'adam', 'rmsprop' or 'sgd', got {optimizer!r}.")


class GANStep(Step):
    """The GAN's step for the engine: ``objective.n_critic`` discriminator updates, then one generator update."""

    kind = "gan"
    columns = ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm")
    watched = ("L_D", "L_G")

    def __init__(self, generator, discriminator, batches, objective: GANLoss, opt_g, opt_d, noise_gen, fixed_noise):
        self.generator, self.discriminator, self.objective = generator, discriminator, objective
        self.opt_g, self.opt_d, self.rng, self.fixed_noise = opt_g, opt_d, noise_gen, fixed_noise
        self.modules = {"generator": generator, "discriminator": discriminator}
        self.optimizers = {"opt_g": opt_g, "opt_d": opt_d}
        self.batches, self.sampler = {"real": batches}, generator
        self.latent = unwrap(generator).latent_dim
        self.num_classes = getattr(unwrap(generator), "num_classes", None)   # set by conditional generators
        self.device = fixed_noise.device

    def split_batch(self, batch):
        """``(real, cond)``: ``cond`` holds the labels for a conditional generator, else it is empty."""
        if isinstance(batch, (tuple, list)):
            return batch[0], (() if self.num_classes is None else (batch[1],))
        if self.num_classes is not None:
            raise ValueError("A conditional generator needs labelled batches: use "
                             "TensorBatches(images, labels, batch_size=...).")
        return batch, ()

    def step(self) -> torch.Tensor:
        generator, discriminator, objective, opt_g, opt_d = (self.generator, self.discriminator, self.objective,
                                                             self.opt_g, self.opt_d)
        batches, split_batch, latent, device, noise_gen = (self.batches["real"], self.split_batch, self.latent,
                                                           self.device, self.rng)
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
        to_prob = torch.sigmoid if objective.probabilistic else (lambda v: v)
        with torch.no_grad():
            return torch.stack([d_loss, g_loss, to_prob(real_logits).mean(), to_prob(fake_logits).mean(),
                                grad_norm(discriminator, device), grad_norm(generator, device)])

    def render(self, model):
        cond = () if self.num_classes is None else (
            torch.arange(len(self.fixed_noise), device=self.device) % self.num_classes,)
        return model(self.fixed_noise, *cond).detach().cpu()

    def describe(self, r):
        return f"L_D {r[0]:.3f} | L_G {r[1]:.3f} | D(x) {r[2]:.3f} | D(G(z)) {r[3]:.3f}"

    def postfix(self, r):
        return {"L_D": f"{r[0]:.3f}", "L_G": f"{r[1]:.3f}"}

    def fast_targets(self):
        return [(self.generator, "forward"), (self.discriminator, "forward")]

    def extra_state(self):
        return {"fixed_noise": self.fixed_noise.cpu()}

    def load_extra_state(self, state):
        self.fixed_noise = state["fixed_noise"].to(self.device)


class InfoGANStep(GANStep):
    """InfoGAN's step (Chen et al., 2016) with a categorical code: the generator is given noise *and* a code drawn
    uniformly from ``0 .. K-1`` (its ``num_classes`` inputs, here no labels of the data), and the discriminator's Q
    head must tell which code made each fake. Both networks also minimise the cross-entropy of that prediction, a
    lower bound on the mutual information between code and image, weighted by ``info``. An unconditional generator
    must stretch one connected Gaussian over ten separate digit shapes, and the images it makes in between are not
    digits; the code lets it keep ten separate pieces. Batches are unlabelled images; sampling draws the codes
    uniformly."""

    columns = GANStep.columns + ("info_loss",)

    def __init__(self, *args, info: float):
        super().__init__(*args)
        self.info, self.codes = info, self.num_classes

    def step(self) -> torch.Tensor:     # one D update per G update (check_info refuses n_critic > 1)
        generator, discriminator, objective = self.generator, self.discriminator, self.objective
        batch = next(self.batches["real"])
        real = batch[0] if isinstance(batch, (tuple, list)) else batch     # labels, if any, are not used
        n = real.shape[0]
        z = torch.randn(n, self.latent, device=self.device, generator=self.rng)
        codes = torch.randint(0, self.codes, (n,), device=self.device, generator=self.rng)
        fake = generator(z, codes)
        real_logits = discriminator(real)
        fake_logits, code_logits = discriminator.forward_with_codes(fake.detach())
        d_loss = objective.discriminator(real_logits, fake_logits)
        info_loss = F.cross_entropy(code_logits, codes)
        self.opt_d.zero_grad(set_to_none=True)
        (d_loss + self.info * info_loss).backward()
        self.opt_d.step()
        discriminator.requires_grad_(False)
        logits, code_logits = discriminator.forward_with_codes(fake)
        g_loss = objective.generator(logits)
        self.opt_g.zero_grad(set_to_none=True)
        (g_loss + self.info * F.cross_entropy(code_logits, codes)).backward()
        self.opt_g.step()
        discriminator.requires_grad_(True)
        to_prob = torch.sigmoid if objective.probabilistic else (lambda v: v)
        with torch.no_grad():
            return torch.stack([d_loss, g_loss, to_prob(real_logits).mean(), to_prob(fake_logits).mean(),
                                grad_norm(discriminator, self.device), grad_norm(generator, self.device), info_loss])


def check_info(info, generator, discriminator, objective) -> None:
    """InfoGAN's requirements, with what to do when one is not met."""
    if not (isinstance(info, (int, float)) and info > 0):
        raise ValueError(f"info is InfoGAN's weight on the code's cross-entropy and must be positive (1.0 is usual), "
                         f"got {info!r}.")
    codes = getattr(unwrap(generator), "num_classes", None)
    if codes is None:
        raise ValueError("info=... needs a generator with a categorical code input: build it with num_classes=K "
                         "(e.g. DCGANGenerator(num_classes=10)); the code is drawn at random, not taken from labels.")
    if getattr(unwrap(discriminator), "codes", None) != codes:
        raise ValueError(f"info=... needs a discriminator with a Q head for the generator's {codes} codes: build it "
                         f"with DCGANDiscriminator(codes={codes}).")
    if objective.gradient_penalty or objective.clip is not None or objective.n_critic != 1:
        raise ValueError("info=... trains with one discriminator update per step and no gradient penalty or "
                         "clipping; use the non-saturating, least-squares or hinge loss.")


def make_step(info, generator, discriminator, *args):
    """The engine's step: :class:`InfoGANStep` when ``info`` is set (checked first), else :class:`GANStep`."""
    if info is None:
        return GANStep(generator, discriminator, *args)
    check_info(info, generator, discriminator, args[1])
    return InfoGANStep(generator, discriminator, *args, info=float(info))


def train_gan(generator: nn.Module, discriminator: nn.Module, batches, *, steps: int,
              loss: str | GANLoss = "non-saturating", lr: float | None = None, betas=None,
              fixed_noise: torch.Tensor | None = None, snapshots: int = 0, seed: int | None = None,
              progress: str | bool | None = None, desc: str = "GAN", optimizer: str | None = None,
              checkpoint: str | Path | None = None, checkpoint_every: int = 0, resume: bool = False,
              on_nonfinite: str = "stop", check_every: int = 50, on_snapshot=None, fast=None,
              compile: bool | str = False, lr_decay: bool = False, ema: float | None = None,
              graph: bool = False, lr_d: float | None = None, info: float | None = None) -> GANHistory:
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
        seed: seeds the noise drawn during training (``None``: PyTorch's global generator).
        lr_decay: decay both learning rates linearly from their first value at the first step to ``1 / steps`` of it
            at the last (:func:`gantutor.engine.linear_decay`).
        ema: decay of an exponential moving average of the generator's weights (e.g. 0.999; Yazıcı et al., 2019);
            snapshots and ``on_snapshot`` use the average, kept as ``history.ema``.
        snapshots, progress, desc, checkpoint, checkpoint_every, resume, on_nonfinite, check_every, on_snapshot:
            the engine's options (:func:`gantutor.engine.fit`). On the CPU a resumed run's losses equal an
            uninterrupted run's bit for bit (``batches`` must be a :class:`gantutor.data.TensorBatches` over the
            same data). ``on_snapshot`` must not draw from PyTorch's global random generator if runs are to stay
            reproducible.
        fast: the fast path of :mod:`gantutor.fast` (bf16 autocast of both networks, fused Adam, channels_last
            and cuDNN autotuning on CUDA), or a list of some of those techniques' names; ``True``: all of them;
            ``None``: :data:`gantutor.fast.CUDA_DEFAULT` (fused Adam) on CUDA, nothing on the CPU (float32,
            bit-reproducible). ``compile``: also ``torch.compile`` both networks' forward passes.
        info: train as an InfoGAN (:class:`InfoGANStep`, unlabelled batches) with this weight on the code's
            cross-entropy (``history.info_loss``); needs ``num_classes`` codes in G and ``codes`` in D.
        graph: record the whole step (every discriminator update, the generator update, both optimisers) once as
            a CUDA graph and replay it each step (:mod:`gantutor.graphs`; CUDA only). Training runs the same
            updates on the same batches; only the launches change.

    A ``KeyboardInterrupt`` (the notebook's stop button) ends training cleanly: the models keep their weights and
    the returned history covers the completed steps, with ``history.interrupted = True``.
    """
    check_options(steps, checkpoint, checkpoint_every, resume, on_nonfinite)
    if not hasattr(unwrap(generator), "latent_dim"):
        raise TypeError("generator needs a `latent_dim` attribute (the size of its noise input).")
    objective = get_gan_loss(loss)
    progress_mode(progress)
    device = next(generator.parameters()).device
    noise_gen = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
    if fixed_noise is None:
        fixed_noise = torch.randn(64, unwrap(generator).latent_dim, device=device, generator=noise_gen)
    lr = lr if lr is not None else (objective.lr or 2e-4)
    betas = tuple(betas) if betas is not None else (objective.betas or (0.5, 0.999))
    optimizer = optimizer or objective.optimizer or "adam"
    fast = resolve_fast(fast, device)
    check_fast(fast, compile, device)
    if compile and objective.gradient_penalty:
        raise ValueError("compile cannot train with a gradient penalty: torch.compile's autograd does not support the "
                         "double backward the penalty needs (the gradient of a gradient). Leave compile off (on CUDA, "
                         "graph=True cuts the per-step overhead instead).")
    opt_g, opt_d = make_optimizers(generator, discriminator, optimizer, lr, betas, fast, lr_d)
    # one rate: the schedule as every earlier run had it; two: each decays from its own first value
    schedule = (linear_decay(lr, steps) if lr_d is None else relative_linear_decay(steps)) if lr_decay else None
    task = make_step(info, generator, discriminator, batches, objective, opt_g, opt_d, noise_gen, fixed_noise.to(device))
    run = fit(task, steps=steps, snapshots=snapshots, progress=progress, desc=desc, checkpoint=checkpoint,
              checkpoint_every=checkpoint_every, resume=resume, on_nonfinite=on_nonfinite, check_every=check_every,
              on_snapshot=on_snapshot, lr_schedule=schedule, ema=ema,
              fast=fast, compile=compile, graph=graph)
    rec = run.record
    return GANHistory(*(rec[:, i].clone() for i in range(4)), snapshot_steps=run.snapshot_steps,
                      snapshots=run.snapshots, seconds=run.seconds,
                      loss_name=loss if isinstance(loss, str) else "custom", interrupted=run.interrupted,
                      rolled_back_to=run.rolled_back_to, evaluations=run.evaluations, stopped_at=run.stopped_at,
                      probabilities=objective.probabilistic,
                      optimizer={"optimizer": optimizer, "lr": lr, "lr_d": lr if lr_d is None else lr_d,
                                 "betas": betas if optimizer == "adam" else None, "lr_decay": lr_decay},
                      d_grad_norm=rec[:, 4].clone(), g_grad_norm=rec[:, 5].clone(), ema=run.ema,
                      info_loss=rec[:, 6].clone() if info is not None else None)


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

    src = inspect.getsource(GANStep.step)
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
