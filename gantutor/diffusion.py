"""Denoising diffusion (DDPM, DDIM) and flow matching (rectified flow): schedules, losses, samplers and the
family's step in the one engine (chapters *Denoising diffusion* and *Flow matching*).

Conventions (those of Ho et al., 2020 and of diffusers):

* DDPM has ``T`` steps indexed ``t = 0 … T-1``; ``betas[t]`` is the noise added at step ``t`` and
  ``alpha_bar[t] = prod_{s<=t} (1 - betas[s])``, so that
  :math:`q(x_t \\mid x_0) = \\mathcal N(\\sqrt{\\bar\\alpha_t}\\,x_0,\\ (1-\\bar\\alpha_t) I)`.
* The network predicts the noise :math:`\\epsilon` (its input time is ``t`` as a float).
* Flow matching uses the straight path :math:`x_t = (1-t)\\,x_0 + t\\,x_1` from noise :math:`x_0` at ``t = 0``
  to data :math:`x_1` at ``t = 1``; the network predicts the velocity :math:`x_1 - x_0` (its input time is
  ``1000 t``, the same scale as DDPM's).
* Classifier-free guidance (Ho & Salimans, 2022): the prediction is
  :math:`\\hat\\epsilon_\\varnothing + w\\,(\\hat\\epsilon_y - \\hat\\epsilon_\\varnothing)`; ``w = 1`` is the
  plain conditional model, ``w = 0`` the unconditional one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from .engine import Step, check_options, exponential_decay, fit, progress_mode
from .fast import adam, check_fast, resolve_fast
from .graphs import recording

__all__ = ["NoiseSchedule", "DiffusionHistory", "DiffusionStep", "ddpm_loss", "flow_loss", "ddpm_step", "ddim_step",
           "sample_diffusion", "sample_flow", "optimal_denoiser", "mixture_velocity", "train_diffusion",
           "predicted_x0", "q_sample", "flow_time"]

TIME_SCALE = 1000.0     # flow time t in [0, 1] enters the network as 1000 t


# ------------------------------------------------------------------------------------------------- schedules
class NoiseSchedule:
    """The betas of a DDPM and everything derived from them, in float64.

    ``NoiseSchedule.linear(T)`` is Ho et al.'s (betas from 1e-4 to 0.02; a much shorter chain needs a larger
    ``beta_end`` to end near pure noise);
    ``NoiseSchedule.cosine(T)`` is Nichol & Dhariwal's (2021), whose :math:`\\bar\\alpha_t` falls as a squared
    cosine, with betas capped at 0.999.
    """

    def __init__(self, betas: torch.Tensor, name: str = "custom"):
        betas = torch.as_tensor(betas, dtype=torch.float64)
        if betas.dim() != 1 or len(betas) < 1:
            raise ValueError(f"betas must be a 1-D tensor with at least one step, got shape {tuple(betas.shape)}.")
        if not ((betas > 0) & (betas < 1)).all():
            raise ValueError("Every beta must lie strictly between 0 and 1 (the noise variance added per step); "
                             f"got values from {float(betas.min()):.3g} to {float(betas.max()):.3g}.")
        self.name, self.betas = name, betas
        self.alphas = 1 - betas
        self.alpha_bar = torch.cumprod(self.alphas, 0)
        self._copies: dict = {}           # (tensor, device) -> the tensor on that device (see on())

    @property
    def T(self) -> int:
        return len(self.betas)

    @classmethod
    def linear(cls, T: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> "NoiseSchedule":
        _check_T(T)
        return cls(torch.linspace(beta_start, beta_end, T, dtype=torch.float64), "linear")

    @classmethod
    def cosine(cls, T: int = 1000, s: float = 0.008, max_beta: float = 0.999) -> "NoiseSchedule":
        _check_T(T)
        f = [math.cos((i / T + s) / (1 + s) * math.pi / 2) ** 2 for i in range(T + 1)]
        return cls(torch.tensor([min(1 - f[i + 1] / f[i], max_beta) for i in range(T)], dtype=torch.float64),
                   "cosine")

    def at(self, values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """``values[t]`` shaped to broadcast against ``like`` (one value per example), in ``like``'s dtype."""
        check_timesteps(t, self.T)
        return self.on(values, like.device)[t.to(like.device)].to(like.dtype).view(-1, *([1] * (like.dim() - 1)))

    def on(self, values: torch.Tensor, device: torch.device) -> torch.Tensor:
        """``values`` (one of this schedule's tensors) on ``device``, copied there once and kept: a training step
        recorded as a CUDA graph may not copy from the CPU."""
        if values.device == torch.device(device):
            return values
        key = (id(values), str(device))
        if key not in self._copies:
            self._copies[key] = values.to(device)
        return self._copies[key]

    def __repr__(self) -> str:
        return f"NoiseSchedule({self.name}, T={self.T})"


def _check_T(T) -> None:
    if not isinstance(T, int) or T < 1:
        raise ValueError(f"T (the number of diffusion steps) must be a positive integer, got {T!r}.")


def check_timesteps(t: torch.Tensor, T: int) -> None:
    if t.dtype not in (torch.int64, torch.int32) or t.dim() != 1:
        raise ValueError(f"Timesteps must be a 1-D integer tensor (one per example), got {t.dtype} {tuple(t.shape)}.")
    if len(t) and not recording() and (t.min() < 0 or t.max() >= T):
        raise ValueError(f"Timesteps must lie in 0..{T - 1} for a schedule of T = {T}, got {int(t.min())}"
                         f"..{int(t.max())}.")


def q_sample(schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The closed form :math:`x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\epsilon`."""
    ab = schedule.at(schedule.alpha_bar, t, x0)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def predicted_x0(schedule: NoiseSchedule, x_t: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """The clean input implied by a noise prediction: :math:`(x_t - \\sqrt{1-\\bar\\alpha_t}\\,\\epsilon) /
    \\sqrt{\\bar\\alpha_t}`."""
    ab = schedule.at(schedule.alpha_bar, t, x_t)
    return (x_t - (1 - ab).sqrt() * eps) / ab.sqrt()


# ---------------------------------------------------------------------------------------------------- losses
def _labels_or_null(model, y, p_uncond: float, gen):
    """Labels with a share ``p_uncond`` replaced by the "no label" index (classifier-free guidance training)."""
    if getattr(model, "num_classes", None) is None:
        return None
    if y is None:
        raise ValueError("A class-conditional network needs labelled batches: TensorBatches(images, labels, ...).")
    if p_uncond > 0:
        drop = torch.rand(y.shape, device=y.device, generator=gen) < p_uncond
        y = torch.where(drop, torch.full_like(y, model.num_classes), y)
    return y


def ddpm_loss(model: nn.Module, schedule: NoiseSchedule, x0: torch.Tensor, y=None, *, p_uncond: float = 0.0,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """Ho et al.'s simple loss: :math:`\\lVert \\epsilon - \\epsilon_\\theta(x_t, t) \\rVert^2` averaged over
    pixels, with ``t`` uniform in ``0..T-1`` and fresh noise (the ELBO's terms with their weights dropped)."""
    t = torch.randint(0, schedule.T, (len(x0),), device=x0.device, generator=generator)
    noise = torch.randn(x0.shape, device=x0.device, generator=generator)
    pred = model(q_sample(schedule, x0, t, noise), t.float(), _labels_or_null(model, y, p_uncond, generator))
    return (pred - noise).pow(2).mean()


def flow_time(t: torch.Tensor) -> torch.Tensor:
    """Flow time in [0, 1] → the network's time input (``1000 t``)."""
    return t * TIME_SCALE


def flow_loss(model: nn.Module, x1: torch.Tensor, y=None, *, p_uncond: float = 0.0,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """Conditional flow matching on the straight path: :math:`\\lVert (x_1 - x_0) - v_\\theta(x_t, t)\\rVert^2`
    with :math:`x_0 \\sim \\mathcal N(0, I)`, ``t`` uniform in [0, 1] and :math:`x_t = (1-t)x_0 + t x_1`."""
    t = torch.rand(len(x1), device=x1.device, generator=generator)
    x0 = torch.randn(x1.shape, device=x1.device, generator=generator)
    tb = t.view(-1, *([1] * (x1.dim() - 1)))
    pred = model((1 - tb) * x0 + tb * x1, flow_time(t), _labels_or_null(model, y, p_uncond, generator))
    return (pred - (x1 - x0)).pow(2).mean()


# --------------------------------------------------------------------------------------------------- samplers
def ddpm_step(schedule: NoiseSchedule, eps: torch.Tensor, t: int, x_t: torch.Tensor, noise: torch.Tensor | None,
              clip: bool = False) -> torch.Tensor:
    """One ancestral step :math:`x_t \\to x_{t-1}`: the posterior :math:`q(x_{t-1} \\mid x_t, \\hat x_0)` with
    variance :math:`\\tilde\\beta_t = \\frac{1-\\bar\\alpha_{t-1}}{1-\\bar\\alpha_t}\\beta_t` (no noise at
    ``t = 0``). ``clip`` clamps :math:`\\hat x_0` to [-1, 1] (images)."""
    tt = torch.full((len(x_t),), t, dtype=torch.long)
    x0 = predicted_x0(schedule, x_t, tt, eps)
    x0 = x0.clamp(-1, 1) if clip else x0
    ab, ab_prev = float(schedule.alpha_bar[t]), float(schedule.alpha_bar[t - 1]) if t > 0 else 1.0
    beta = float(schedule.betas[t])
    mean = (ab_prev ** 0.5 * beta * x0 + (1 - beta) ** 0.5 * (1 - ab_prev) * x_t) / (1 - ab)
    if t == 0:
        return mean
    return mean + ((1 - ab_prev) / (1 - ab) * beta) ** 0.5 * noise


def ddim_step(schedule: NoiseSchedule, eps: torch.Tensor, t: int, t_prev: int, x_t: torch.Tensor,
              eta: float = 0.0, noise: torch.Tensor | None = None, clip: bool = False) -> torch.Tensor:
    """One DDIM step from ``t`` to ``t_prev`` (``-1``: to the clean image; Song et al., 2021). ``eta = 0`` is
    deterministic; ``eta = 1`` adds the DDPM posterior's variance when ``t_prev = t - 1``."""
    if eta < 0:
        raise ValueError(f"eta must be non-negative (0: deterministic DDIM, 1: DDPM's variance), got {eta}.")
    tt = torch.full((len(x_t),), t, dtype=torch.long)
    x0 = predicted_x0(schedule, x_t, tt, eps)
    x0 = x0.clamp(-1, 1) if clip else x0
    ab, ab_prev = float(schedule.alpha_bar[t]), float(schedule.alpha_bar[t_prev]) if t_prev >= 0 else 1.0
    sigma = eta * ((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev)) ** 0.5
    x = ab_prev ** 0.5 * x0 + max(1 - ab_prev - sigma ** 2, 0.0) ** 0.5 * eps
    return x + sigma * noise if sigma > 0 else x


def ddim_timesteps(T: int, steps: int) -> list[int]:
    """The ``steps`` timesteps a DDIM sampler visits, from high to low (diffusers' "leading" spacing)."""
    if not isinstance(steps, int) or not 1 <= steps <= T:
        raise ValueError(f"steps must be an integer from 1 to T = {T}, got {steps!r}.")
    return [i * (T // steps) for i in range(steps)][::-1]


def guided(model: nn.Module, x: torch.Tensor, t: torch.Tensor, labels, guidance: float | None) -> torch.Tensor:
    """The network's prediction; with ``labels`` and a ``guidance`` scale, classifier-free guidance."""
    if labels is None or guidance is None or guidance == 1.0:
        return model(x, t, labels)
    null = torch.full_like(labels, model.num_classes)
    cond, uncond = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, null])).chunk(2)
    return uncond + guidance * (cond - uncond)


@torch.no_grad()
def sample_diffusion(model: nn.Module, schedule: NoiseSchedule, n: int, shape=(1, 28, 28), *, sampler: str = "ddim",
                     steps: int = 50, eta: float = 0.0, labels=None, guidance: float | None = None,
                     seed: int | None = None, batch_size: int = 1000, clip: bool = True) -> torch.Tensor:
    """``n`` samples (on the CPU) from a noise-predicting ``model``: ``sampler="ddpm"`` walks all ``T`` ancestral
    steps; ``"ddim"`` takes ``steps`` steps with ``eta``. ``labels``: one per sample for a conditional model;
    ``guidance``: the classifier-free guidance scale. ``clip`` clamps :math:`\\hat x_0` to [-1, 1] (images)."""
    if sampler not in ("ddpm", "ddim"):
        raise ValueError(f"sampler must be 'ddpm' or 'ddim', got {sampler!r}.")
    times = list(range(schedule.T))[::-1] if sampler == "ddpm" else ddim_timesteps(schedule.T, steps)
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
    labels = _sampling_labels(model, labels, n)
    was, out = model.training, []
    model.eval()
    for i in range(0, n, batch_size):
        y = None if labels is None else labels[i:i + batch_size].to(device)
        x = torch.randn((min(batch_size, n - i), *shape), device=device, generator=gen)
        for j, t in enumerate(times):
            eps = guided(model, x, torch.full((len(x),), float(t), device=device), y, guidance)
            noise = torch.randn(x.shape, device=device, generator=gen) if (sampler == "ddpm" or eta > 0) else None
            if sampler == "ddpm":
                x = ddpm_step(schedule, eps, t, x, noise, clip)
            else:
                x = ddim_step(schedule, eps, t, times[j + 1] if j + 1 < len(times) else -1, x, eta, noise, clip)
        out.append(x.cpu())
    model.train(was)
    return torch.cat(out).clamp(-1, 1) if clip else torch.cat(out)


def _sampling_labels(model, labels, n):
    if getattr(model, "num_classes", None) is None:
        if labels is not None:
            raise ValueError("This model is unconditional: sample without labels.")
        return None
    if labels is None:
        raise ValueError(f"This model is class-conditional: pass labels (n = {n} of them, 0..{model.num_classes - 1}).")
    labels = torch.as_tensor(labels)
    if labels.shape != (n,):
        raise ValueError(f"Expected {n} labels, got shape {tuple(labels.shape)}.")
    return labels


@torch.no_grad()
def sample_flow(model: nn.Module, n: int, shape=(1, 28, 28), *, steps: int = 20, method: str = "euler",
                labels=None, guidance: float | None = None, seed: int | None = None, batch_size: int = 1000,
                clip: bool = True) -> torch.Tensor:
    """``n`` samples (on the CPU) from a velocity ``model``, integrating :math:`dx/dt = v(x, t)` from noise at
    ``t = 0`` to ``t = 1`` in ``steps`` equal steps: ``"euler"`` (one network evaluation per step) or ``"heun"``
    (two, second order)."""
    if method not in ("euler", "heun"):
        raise ValueError(f"method must be 'euler' or 'heun', got {method!r}.")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
    labels = _sampling_labels(model, labels, n)
    was, out, dt = model.training, [], 1.0 / steps
    model.eval()
    for i in range(0, n, batch_size):
        y = None if labels is None else labels[i:i + batch_size].to(device)
        x = torch.randn((min(batch_size, n - i), *shape), device=device, generator=gen)
        for j in range(steps):
            t = torch.full((len(x),), j * dt, device=device)
            v = guided(model, x, flow_time(t), y, guidance)
            if method == "heun":
                v2 = guided(model, x + dt * v, flow_time(t + dt), y, guidance)
                v = (v + v2) / 2
            x = x + dt * v
        out.append(x.cpu())
    model.train(was)
    return torch.cat(out).clamp(-1, 1) if clip else torch.cat(out)


# ------------------------------------------------------------------------------------------ exact references
def optimal_denoiser(schedule: NoiseSchedule, x_t: torch.Tensor, t: int, data: torch.Tensor) -> torch.Tensor:
    """The exact :math:`E[x_0 \\mid x_t]` when the data are the points ``data`` (the training set): a
    softmax-weighted average of the training points, weights :math:`\\propto \\exp(-\\lVert x_t -
    \\sqrt{\\bar\\alpha_t} x_i\\rVert^2 / 2(1-\\bar\\alpha_t))`. The noise prediction that minimises the DDPM
    loss is :math:`(x_t - \\sqrt{\\bar\\alpha_t}E[x_0\\mid x_t]) / \\sqrt{1-\\bar\\alpha_t}`."""
    ab = float(schedule.alpha_bar[t])
    d2 = torch.cdist(x_t.flatten(1).double(), ab ** 0.5 * data.flatten(1).double()).pow(2)
    w = torch.softmax(-d2 / (2 * (1 - ab)), dim=1)
    return (w @ data.flatten(1).double()).view(x_t.shape).to(x_t.dtype)


def mixture_velocity(x: torch.Tensor, t: float, means: torch.Tensor, std: float,
                     weights: torch.Tensor | None = None) -> torch.Tensor:
    """The exact marginal velocity :math:`E[x_1 - x_0 \\mid x_t = x]` of the straight path when the data are the
    Gaussian mixture :math:`\\sum_k \\pi_k \\mathcal N(m_k, s^2 I)` and :math:`x_0 \\sim \\mathcal N(0, I)`.

    Given component k, :math:`x_t \\sim \\mathcal N(t m_k, v I)` with :math:`v = (1-t)^2 + t^2 s^2`, and
    :math:`E[x_1 - x_0 \\mid x_t, k] = m_k + \\frac{t s^2 - (1-t)}{v}(x - t m_k)`; the components are weighted
    by their posterior probability at ``x``.
    """
    x, means = x.double(), means.double()
    weights = torch.full((len(means),), 1 / len(means), dtype=torch.float64) if weights is None else weights.double()
    v = (1 - t) ** 2 + t ** 2 * std ** 2
    diff = x[:, None, :] - t * means[None]                                   # (N, K, d)
    logw = weights.log()[None] - diff.pow(2).sum(-1) / (2 * v)
    post = torch.softmax(logw, dim=1)
    velocities = means[None] + (t * std ** 2 - (1 - t)) / v * diff
    return (post[..., None] * velocities).sum(1)


# ---------------------------------------------------------------------------------------------- the engine step
class DiffusionStep(Step):
    """One Adam update on the DDPM loss (``objective="ddpm"``) or the flow-matching loss (``"flow"``)."""

    kind = "diffusion"
    columns = ("loss",)
    watched = ("loss",)

    def __init__(self, model, batches, opt, gen, *, objective, schedule, p_uncond, render_steps):
        self.model, self.opt, self.rng = model, opt, gen
        self.modules, self.optimizers, self.batches, self.sampler = {"model": model}, {"opt": opt}, \
            {"data": batches}, model
        self.objective, self.schedule, self.p_uncond, self.render_steps = objective, schedule, p_uncond, render_steps
        self.points = getattr(model, "dim", None) is not None       # 2-D toy data rather than images
        self.render_n = 512 if self.points else 64
        classes = getattr(model, "num_classes", None)
        self.fixed_labels = None if classes is None else torch.arange(self.render_n) % classes

    def step(self) -> torch.Tensor:
        batch = next(self.batches["data"])
        x, y = (batch[0], batch[1]) if isinstance(batch, (tuple, list)) else (batch, None)
        if self.objective == "ddpm":
            loss = ddpm_loss(self.model, self.schedule, x, y, p_uncond=self.p_uncond, generator=self.rng)
        else:
            loss = flow_loss(self.model, x, y, p_uncond=self.p_uncond, generator=self.rng)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.detach().reshape(1)

    def render(self, model):
        shape, clip = ((model.dim,), False) if self.points else ((1, 28, 28), True)
        if self.objective == "ddpm":
            return sample_diffusion(model, self.schedule, self.render_n, shape, steps=self.render_steps,
                                    labels=self.fixed_labels, seed=0, clip=clip)
        return sample_flow(model, self.render_n, shape, steps=self.render_steps, labels=self.fixed_labels, seed=0,
                           clip=clip)

    def describe(self, r):
        return f"loss {r[0]:.4f}"

    def postfix(self, r):
        return {"loss": f"{r[0]:.4f}"}


@dataclass
class DiffusionHistory:
    """What :func:`train_diffusion` records: the loss per step, snapshots (samples of the network, or of its EMA,
    at evenly spaced steps), time, and the EMA (``history.ema.module`` is the averaged network)."""

    loss: torch.Tensor
    snapshot_steps: list[int] = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    seconds: float = 0.0
    stopped_at: int | None = None
    interrupted: bool = False
    ema: nn.Module | None = None

    @property
    def steps(self) -> int:
        return len(self.loss)


def train_diffusion(model: nn.Module, batches, *, steps: int, objective: str = "ddpm",
                    schedule: NoiseSchedule | None = None, lr: float = 1e-3, p_uncond: float = 0.0,
                    ema: float | None = None, lr_decay: float = 1.0, snapshots: int = 0, render_steps: int = 20,
                    seed: int | None = None, progress: str | bool | None = None, desc: str | None = None,
                    checkpoint: str | Path | None = None, checkpoint_every: int = 0, resume: bool = False,
                    on_snapshot=None, check_every: int = 200, fast=None, compile: bool | str = False,
                    graph: bool = False) -> DiffusionHistory:
    """Train a denoiser (``objective="ddpm"``: noise prediction with ``schedule``, default linear T = 1000) or a
    velocity field (``"flow"``) with Adam for ``steps`` batches; return the :class:`DiffusionHistory`.

    Args:
        batches: an iterator of batches (images in [-1, 1] or points; ``(x, labels)`` for a conditional model).
        p_uncond: share of labels replaced by "no label" in training, so one network also learns the
            unconditional prediction that classifier-free guidance needs (Ho & Salimans use 0.1–0.2).
        ema: decay of an EMA of the network's weights (standard for diffusion, e.g. 0.999); snapshots use it.
        lr_decay: the learning rate is multiplied by this factor spread over training (1: constant).
        render_steps: sampler steps per snapshot (DDIM for DDPM, Euler for flow).
        snapshots, seed, progress, checkpoint, checkpoint_every, resume, on_snapshot, check_every, fast,
            compile, graph: the engine's options, as in :func:`gantutor.train_gan`.
    """
    if objective not in ("ddpm", "flow"):
        raise ValueError(f"objective must be 'ddpm' (noise prediction) or 'flow' (flow matching), got {objective!r}.")
    if not 0 <= p_uncond < 1:
        raise ValueError(f"p_uncond must be in [0, 1), got {p_uncond}.")
    if p_uncond > 0 and getattr(model, "num_classes", None) is None:
        raise ValueError("p_uncond drops labels for classifier-free guidance: the network needs num_classes.")
    check_options(steps, checkpoint, checkpoint_every, resume, "stop")
    progress_mode(progress)
    schedule = schedule or NoiseSchedule.linear()
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
    fast = resolve_fast(fast, device)
    check_fast(fast, compile, device)
    task = DiffusionStep(model, batches, adam(model.parameters(), lr=lr, fast=fast), gen, objective=objective,
                         schedule=schedule, p_uncond=p_uncond, render_steps=render_steps)
    run = fit(task, steps=steps, snapshots=snapshots, progress=progress, desc=desc or objective.upper(),
              checkpoint=checkpoint, checkpoint_every=checkpoint_every, resume=resume, on_snapshot=on_snapshot,
              check_every=check_every, ema=ema, fast=fast, compile=compile, graph=graph,
              lr_schedule=exponential_decay(lr_decay, steps) if lr_decay != 1.0 else None)
    return DiffusionHistory(run.record[:, 0].clone(), snapshot_steps=run.snapshot_steps, snapshots=run.snapshots,
                            evaluations=run.evaluations, seconds=run.seconds, stopped_at=run.stopped_at,
                            interrupted=run.interrupted, ema=run.ema)
