r"""Variational autoencoders: models, the ELBO and IWAE objectives, one training loop, and the test log-likelihood
(chapters: *Training a VAE*, *The VAE's latent space*).

The models work on images with pixel values in :math:`[0, 1]` (the book's datasets are stored in :math:`[-1, 1]`;
:func:`binarize` and :func:`to_unit` convert). The decoder returns **logits** of a Bernoulli distribution per pixel,
so :math:`\log p(x \mid z)` is minus a binary cross-entropy computed stably from the logits. The encoder returns the
mean and log-variance of a diagonal Gaussian :math:`q(z \mid x)`; the prior is :math:`\mathcal N(0, I)`.

Objectives, per example (maximised; the training loss is their negative batch mean):

* ELBO (β = 1) and the β-weighted ELBO:
  :math:`\mathbb E_q[\log p(x \mid z)] - \beta\,\mathrm{KL}(q(z \mid x) \,\|\, p(z))`, with one reparameterised
  sample :math:`z = \mu + \sigma \odot \varepsilon` and the KL in closed form;
* free bits (Kingma et al., 2016): each latent dimension's batch-mean KL counts as at least ``free_bits`` nats, so
  the optimiser gains nothing by pushing it below that and the dimension is not switched off;
* IWAE bound (Burda et al., 2016):
  :math:`\log \frac1k \sum_i p(x, z_i)/q(z_i \mid x)`, :math:`z_i \sim q(z \mid x)`; ``k = 1`` is the ELBO.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .engine import Step, check_options, exponential_decay, fit, progress_mode
from .fast import adam, check_fast, resolve_fast
from .graphs import recording
from .metrics import importance_sampled_log_likelihood
from .theory import diag_gaussian_log_prob, iwae_bound

IMAGE_SHAPE = (1, 28, 28)


# --------------------------------------------------------------------------------------------------- the models
class VAE(nn.Module):
    """Base class: subclasses define ``_encode(x, onehot)`` → ``(mu, logvar)`` and ``_decode(z, onehot)`` → logits.

    ``num_classes`` (``None`` for an unconditional model) makes it a **conditional VAE**: the label, one-hot coded,
    is an input of both the encoder and the decoder, and samples can be drawn for a chosen class.
    """

    latent_dim: int
    num_classes: int | None

    def _onehot(self, y, n: int, device) -> torch.Tensor | None:
        if self.num_classes is None:
            if y is not None:
                raise ValueError("labels were given but this VAE is not conditional (num_classes=None).")
            return None
        if y is None:
            raise ValueError(f"This is a conditional VAE: pass the labels (N class indices in 0..{self.num_classes - 1}).")
        y = torch.as_tensor(y, device=device, dtype=torch.long)
        if y.dim() == 0:
            y = y.expand(n)
        if y.shape != (n,) or (not recording() and (int(y.min()) < 0 or int(y.max()) >= self.num_classes)):
            raise ValueError(f"labels must be {n} class indices in 0..{self.num_classes - 1}, got shape "
                             f"{tuple(y.shape)} with values in [{int(y.min())}, {int(y.max())}].")
        return F.one_hot(y, self.num_classes).float()

    def encode(self, x: torch.Tensor, y=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance ``(N, latent_dim)`` of :math:`q(z \\mid x)` for images ``(N, 1, 28, 28)`` in [0, 1]."""
        if x.dim() != 4 or tuple(x.shape[1:]) != IMAGE_SHAPE:
            raise ValueError(f"encode expects images of shape (N, 1, 28, 28) with values in [0, 1], got "
                             f"{tuple(x.shape)}.")
        return self._encode(x, self._onehot(y, x.shape[0], x.device))

    def decode(self, z: torch.Tensor, y=None) -> torch.Tensor:
        """Bernoulli logits ``(..., 1, 28, 28)`` for latents ``(..., latent_dim)`` (any number of leading dims)."""
        if z.shape[-1] != self.latent_dim:
            raise ValueError(f"z must end in latent_dim={self.latent_dim}, got shape {tuple(z.shape)}.")
        lead = z.shape[:-1]
        flat = z.reshape(-1, self.latent_dim)
        onehot = self._onehot(y, lead[-1], z.device) if self.num_classes is not None or y is not None else None
        if onehot is not None and len(lead) > 1:
            onehot = onehot.expand(*lead, self.num_classes).reshape(-1, self.num_classes)
        return self._decode(flat, onehot).reshape(*lead, *IMAGE_SHAPE)

    def log_px(self, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """:math:`\\log p(x \\mid z)` summed over pixels (Bernoulli); ``x`` broadcasts against ``logits``."""
        x = x.expand_as(logits)
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(-3).sum(-1)

    def forward(self, x: torch.Tensor, y=None):
        """``(logits of the reconstruction from one sample z, mu, logvar)``."""
        mu, logvar = self.encode(x, y)
        z = mu + (0.5 * logvar).exp() * torch.randn_like(mu)
        return self.decode(z, y), mu, logvar


def _cat(x: torch.Tensor, onehot: torch.Tensor | None) -> torch.Tensor:
    return x if onehot is None else torch.cat([x, onehot], 1)


class MLPVAE(VAE):
    """The one-stochastic-layer architecture of Burda et al. (2016): encoder 784–200–200–(2×50), decoder
    50–200–200–784, tanh hidden units, Bernoulli decoder. ``hidden``, ``latent_dim`` and the activation can change."""

    def __init__(self, latent_dim: int = 50, hidden=(200, 200), num_classes: int | None = None,
                 activation: str = "tanh"):
        super().__init__()
        acts = {"tanh": nn.Tanh, "relu": nn.ReLU, "elu": nn.ELU}
        if activation not in acts:
            raise ValueError(f"activation must be one of {', '.join(acts)}, got {activation!r}.")
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}.")
        self.latent_dim, self.num_classes = latent_dim, num_classes
        c = num_classes or 0
        d = math.prod(IMAGE_SHAPE)

        def mlp(sizes):
            layers = []
            for a, b in zip(sizes[:-2], sizes[1:-1]):
                layers += [nn.Linear(a, b), acts[activation]()]
            return nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]))

        self.encoder = mlp([d + c, *hidden, 2 * latent_dim])
        self.decoder = mlp([latent_dim + c, *reversed(hidden), d])

    def _encode(self, x, onehot):
        mu, logvar = self.encoder(_cat(x.flatten(1), onehot)).chunk(2, dim=1)
        return mu, logvar

    def _decode(self, z, onehot):
        return self.decoder(_cat(z, onehot))


class ConvVAE(VAE):
    """A small convolutional VAE: two stride-2 convolutions (28 → 14 → 7) to the Gaussian's parameters, and the
    mirror image with transposed convolutions back to 28×28 Bernoulli logits."""

    def __init__(self, latent_dim: int = 16, width: int = 32, num_classes: int | None = None):
        super().__init__()
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}.")
        self.latent_dim, self.num_classes, self.width = latent_dim, num_classes, width
        c = num_classes or 0
        self.encoder = nn.Sequential(
            nn.Conv2d(1 + c, width, 4, 2, 1), nn.LeakyReLU(0.2),            # 28 -> 14
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(0.2),        # 14 -> 7
            nn.Flatten(), nn.Linear(2 * width * 49, 2 * latent_dim))
        self.decoder_in = nn.Sequential(nn.Linear(latent_dim + c, 2 * width * 49), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.ReLU(),      # 7 -> 14
            nn.ConvTranspose2d(width, 1, 4, 2, 1))                          # 14 -> 28

    def _encode(self, x, onehot):
        if onehot is not None:   # the label as constant extra channels
            x = torch.cat([x, onehot[:, :, None, None].expand(-1, -1, *x.shape[2:])], 1)
        return self.encoder(x).chunk(2, dim=1)

    def _decode(self, z, onehot):
        h = self.decoder_in(_cat(z, onehot)).view(-1, 2 * self.width, 7, 7)
        return self.decoder(h)


# ------------------------------------------------------------------------------------------------ data helpers
def to_unit(images: torch.Tensor) -> torch.Tensor:
    """Images in the book's range [-1, 1] → [0, 1] (pixel intensities read as probabilities)."""
    return (images + 1) / 2


def binarize(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """One random binarisation: each pixel is 1 with probability equal to its intensity (images in [-1, 1]).

    Drawn afresh each time an image is used in training ("dynamic binarisation", as in Burda et al.), so the model
    never sees the same binary image twice; the test set is binarised once, with a fixed seed, and kept.
    """
    p = to_unit(images).clamp(0, 1)
    return torch.bernoulli(p, generator=generator)


# -------------------------------------------------------------------------------------------------- objectives
def vae_terms(model: VAE, x: torch.Tensor, y=None, *, k: int = 1, generator: torch.Generator | None = None) -> dict:
    """Per-example pieces of the objective for images ``x`` in [0, 1]: ``recon`` (:math:`-\\log p(x\\mid z)`, one
    sample), ``kl`` (closed form), ``kl_dims`` (per latent dimension, ``(N, latent)``) and ``bound`` (ELBO for
    ``k = 1``, IWAE bound :math:`\\mathcal L_k` otherwise). All in nats, shape ``(N,)`` unless stated."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    mu, logvar = model.encode(x, y)
    eps = torch.randn((k, *mu.shape), device=mu.device, generator=generator)
    z = mu + (0.5 * logvar).exp() * eps                            # the reparameterisation trick, (k, N, latent)
    log_px = model.log_px(x, model.decode(z, y))                    # (k, N)
    kl_dims = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)       # (N, latent)
    kl = kl_dims.sum(1)
    if k == 1:
        bound = log_px[0] - kl
    else:
        log_w = log_px + diag_gaussian_log_prob(z, torch.zeros_like(z), torch.zeros_like(z)) \
            - diag_gaussian_log_prob(z, mu, logvar)
        bound = iwae_bound(log_w, dim=0)
    return {"recon": -log_px.mean(0), "kl": kl, "kl_dims": kl_dims, "bound": bound}


def vae_loss(terms: dict, *, beta: float = 1.0, free_bits: float = 0.0, k: int = 1) -> torch.Tensor:
    """The scalar training loss from :func:`vae_terms`: ``recon + beta * KL`` (KL with free bits per dimension),
    or ``-IWAE bound`` when ``k > 1``."""
    if k > 1:
        if beta != 1.0 or free_bits:
            raise ValueError("The IWAE bound (k > 1) is used as it is: leave beta=1 and free_bits=0.")
        return -terms["bound"].mean()
    kl = terms["kl_dims"].mean(0)
    if free_bits:
        kl = kl.clamp(min=free_bits)
    return terms["recon"].mean() + beta * kl.sum()


# ------------------------------------------------------------------------------------------------- the loop
@dataclass
class VAEHistory:
    """Per-step training record of :func:`train_vae` (batch means, nats): ``loss`` (what was minimised),
    ``recon`` (:math:`-\\log p(x \\mid z)`), ``kl``, ``beta`` (the KL weight used), and snapshots of the
    decoder's mean image for fixed prior draws (step 0 = before training)."""

    loss: torch.Tensor
    recon: torch.Tensor
    kl: torch.Tensor
    beta: torch.Tensor
    snapshot_steps: list[int] = field(default_factory=list)
    snapshots: list[torch.Tensor] = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    seconds: float = 0.0
    #: The step after which ``on_snapshot`` ended training by raising :class:`gantutor.engine.StopTraining`.
    stopped_at: int | None = None
    interrupted: bool = False
    #: The EMA of the model (``train_vae(..., ema=decay)``), an ``AveragedModel``.
    ema: nn.Module | None = None

    @property
    def steps(self) -> int:
        return len(self.loss)

    @property
    def elbo(self) -> torch.Tensor:
        """Per-step batch ELBO (β = 1), whatever β was used for training."""
        return -(self.recon + self.kl)


class VAEStep(Step):
    """The VAE's step for the engine: one Adam update on the (β-weighted, free-bits or IWAE) objective."""

    kind = "vae"
    columns = ("loss", "recon", "kl", "beta")
    watched = ("loss",)

    def __init__(self, model: VAE, batches, opt, gen, *, beta, warmup_steps, free_bits, k, binarize_data):
        self.model, self.opt, self.rng = model, opt, gen
        self.modules, self.optimizers, self.batches, self.sampler = {"model": model}, {"opt": opt}, \
            {"images": batches}, model
        self.beta, self.warmup_steps, self.free_bits, self.k = beta, warmup_steps, free_bits, k
        self.binarize_data = binarize_data
        device = next(model.parameters()).device
        self.fixed_z = torch.randn(64, model.latent_dim, device=device, generator=gen)
        self.fixed_y = None if model.num_classes is None else torch.arange(64, device=device) % model.num_classes

    def step(self) -> torch.Tensor:
        model, batch = self.model, next(self.batches["images"])
        x, y = (batch[0], batch[1] if model.num_classes is not None else None) \
            if isinstance(batch, (tuple, list)) else (batch, None)
        if model.num_classes is not None and y is None:
            raise ValueError("A conditional VAE needs labelled batches: TensorBatches(images, labels, ...).")
        x = binarize(x, self.rng) if self.binarize_data else to_unit(x)
        b = self.beta * min(1.0, self.step_number / self.warmup_steps) if self.warmup_steps else self.beta
        terms = vae_terms(model, x, y, k=self.k, generator=self.rng)
        loss = vae_loss(terms, beta=b, free_bits=self.free_bits, k=self.k)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        with torch.no_grad():        # the KL weight as a scalar fill: no host-to-device copy, no sync
            return torch.stack([loss.detach(), terms["recon"].mean(), terms["kl"].mean(),
                                torch.full((), b, device=loss.device)])

    def render(self, model):
        return torch.sigmoid(model.decode(self.fixed_z, self.fixed_y)).detach().cpu()

    def describe(self, r):
        return f"loss {r[0]:.2f} | recon {r[1]:.2f} | KL {r[2]:.2f}"

    def postfix(self, r):
        return {"loss": f"{r[0]:.2f}", "KL": f"{r[2]:.2f}"}

    def fast_targets(self):
        return [(self.model, "_encode"), (self.model, "_decode")]

    def graph_unsafe(self):
        if self.warmup_steps:
            return ("the KL warm-up computes β from the step number in Python, so a replay would keep the recorded "
                    "step's β; train with warmup_steps=0, or leave graph off.")
        return None


def train_vae(model: VAE, batches, *, steps: int, lr: float = 1e-3, beta: float = 1.0, warmup_steps: int = 0,
              free_bits: float = 0.0, k: int = 1, binarize_data: bool = True, snapshots: int = 0,
              seed: int | None = None, progress: str | bool | None = None, desc: str = "VAE",
              checkpoint: str | Path | None = None, checkpoint_every: int = 0, resume: bool = False,
              on_snapshot=None, lr_decay: float = 1.0, fast=None, compile: bool | str = False,
              ema: float | None = None, check_every: int = 200, graph: bool = False) -> VAEHistory:
    """Train ``model`` with Adam for ``steps`` mini-batches; return the :class:`VAEHistory`.

    Args:
        batches: an iterator of image batches in [-1, 1] (for a conditional model: ``(images, labels)``), e.g.
            :class:`gantutor.data.TensorBatches`.
        beta: weight of the KL term (β-VAE; 1 is the ELBO).
        warmup_steps: KL warm-up — β rises linearly from 0 to ``beta`` over these steps (0: no warm-up).
        free_bits: minimum nats counted per latent dimension (0: off).
        k: importance samples; ``k > 1`` trains on the IWAE bound.
        binarize_data: draw a fresh binarisation of every batch (else the grey levels are used as Bernoulli
            targets, which is not a likelihood of a discrete image).
        lr_decay: the learning rate is multiplied by this factor spread evenly over training (1: constant;
            :func:`gantutor.engine.exponential_decay`).
        ema: decay of an exponential moving average of the weights; snapshots use it, ``history.ema`` keeps it.
        snapshots, seed, progress, checkpoint, checkpoint_every, resume, on_snapshot, fast, compile, graph: as in
            :func:`gantutor.train_gan` (the fast path autocasts the encoder and the decoder; the KL term and the
            likelihood are computed in float32 from their outputs).
    """
    check_options(steps, checkpoint, checkpoint_every, resume, "stop")
    if beta < 0 or free_bits < 0 or warmup_steps < 0:
        raise ValueError(f"beta, free_bits and warmup_steps must be non-negative, got {beta}, {free_bits}, "
                         f"{warmup_steps}.")
    if k > 1 and (beta != 1.0 or free_bits or warmup_steps):
        raise ValueError("The IWAE bound (k > 1) is trained as it is: leave beta=1, free_bits=0, warmup_steps=0.")
    progress_mode(progress)
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
    fast = resolve_fast(fast, device)
    check_fast(fast, compile, device)
    task = VAEStep(model, batches, adam(model.parameters(), lr=lr, fast=fast), gen, beta=beta,
                   warmup_steps=warmup_steps, free_bits=free_bits, k=k, binarize_data=binarize_data)
    run = fit(task, steps=steps, snapshots=snapshots, progress=progress, desc=desc, checkpoint=checkpoint,
              checkpoint_every=checkpoint_every, resume=resume, on_snapshot=on_snapshot, check_every=check_every,
              lr_schedule=exponential_decay(lr_decay, steps) if lr_decay != 1.0 else None, ema=ema, fast=fast,
              compile=compile, graph=graph)
    return VAEHistory(*(run.record[:, i].clone() for i in range(4)), snapshot_steps=run.snapshot_steps,
                      snapshots=run.snapshots, evaluations=run.evaluations, seconds=run.seconds,
                      stopped_at=run.stopped_at, interrupted=run.interrupted, ema=run.ema)


# ------------------------------------------------------------------------------------------ using a trained VAE
def sample_vae(model: VAE, n: int, *, seed: int | None = None, labels=None, z: torch.Tensor | None = None,
               bernoulli: bool = False):
    """Decoder means (Bernoulli probabilities in [0, 1], on the CPU) for ``n`` prior draws (or the given ``z``); with
    ``bernoulli``, the model's samples instead: binary images drawn from those means (a CPU generator seeded with
    ``seed``)."""
    device = next(model.parameters()).device
    if z is None:
        gen = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
        z = torch.randn(n, model.latent_dim, device=device, generator=gen)
    if model.num_classes is not None and labels is None:
        labels = torch.arange(len(z)) % model.num_classes
    was = model.training
    model.eval()
    with torch.no_grad():
        out = torch.sigmoid(model.decode(z.to(device), labels)).cpu()
    model.train(was)
    if bernoulli:
        out = torch.bernoulli(out, generator=torch.Generator().manual_seed(seed) if seed is not None else None)
    return out


def encode_means(model: VAE, x: torch.Tensor, y=None, batch_size: int = 1000) -> torch.Tensor:
    """Posterior means :math:`\\mathbb E_q[z]` for images ``x`` in [0, 1], in batches, on the CPU."""
    with torch.no_grad():
        return torch.cat([model.encode(x[i:i + batch_size], None if y is None else y[i:i + batch_size])[0].cpu()
                          for i in range(0, len(x), batch_size)])


def reconstruct(model: VAE, x: torch.Tensor, y=None) -> torch.Tensor:
    """Decoder means at the posterior means (probabilities in [0, 1], CPU) for images ``x`` in [0, 1]."""
    with torch.no_grad():
        mu, _ = model.encode(x, y)
        return torch.sigmoid(model.decode(mu, y)).cpu()


def active_units(model: VAE, x: torch.Tensor, y=None, threshold: float = 0.01) -> tuple[int, torch.Tensor]:
    """Burda et al.'s count of latent dimensions in use: dimension ``j`` is active when
    :math:`\\operatorname{Cov}_x(\\mathbb E_{q(z\\mid x)}[z_j]) > 0.01`. Returns ``(count, variances)``."""
    var = encode_means(model, x, y).var(0)
    return int((var > threshold).sum()), var


def evaluate_bound(model: VAE, x: torch.Tensor, y=None, *, k: int = 1, batch_size: int = 500, seed: int = 0) -> dict:
    """Mean ELBO (``k = 1``) or IWAE bound, reconstruction term and KL over ``x`` (images in [0, 1]), nats."""
    gen = torch.Generator(device=x.device).manual_seed(seed)
    sums = {"bound": 0.0, "recon": 0.0, "kl": 0.0}
    was = model.training
    model.eval()
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            t = vae_terms(model, x[i:i + batch_size], None if y is None else y[i:i + batch_size], k=k, generator=gen)
            for key in sums:
                sums[key] += float(t[key].double().sum())
    model.train(was)
    return {key: v / len(x) for key, v in sums.items()}


def log_likelihood(model: VAE, x: torch.Tensor, y=None, *, k: int = 5000, chunk: int = 500, batch_size: int = 100,
                   seed: int = 0, progress: str | bool | None = None) -> torch.Tensor:
    """Importance-sampled :math:`\\log p(x)` per image (nats, CPU, float64) with ``k`` samples from the encoder —
    the estimator behind the published test log-likelihoods (Burda et al., 2016: ``k = 5000``).

    The test NLL is ``-log_likelihood(...).mean()``. ``x``: images in [0, 1] (binarise the test set once).
    """
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed)
    zeros = None

    def proposal(xb, s, yb):
        mu, logvar = model.encode(xb, yb)
        z = mu + (0.5 * logvar).exp() * torch.randn((s, *mu.shape), device=device, generator=gen)
        return z, diag_gaussian_log_prob(z, mu, logvar)

    def log_joint(xb, z, yb):
        nonlocal zeros
        if zeros is None or zeros.shape != z.shape:
            zeros = torch.zeros_like(z)
        return model.log_px(xb, model.decode(z, yb)) + diag_gaussian_log_prob(z, zeros, zeros)

    mode = progress_mode(progress)
    batches = range(0, len(x), batch_size)
    if mode == "bar":
        from tqdm.auto import tqdm
        batches = tqdm(batches, desc=f"log p(x), k={k}", leave=False)
    was = model.training
    model.eval()
    out = []
    for i in batches:
        xb = x[i:i + batch_size].to(device)
        yb = None if y is None else y[i:i + batch_size].to(device)
        out.append(importance_sampled_log_likelihood(
            xb, lambda a, z: log_joint(a, z, yb), lambda a, s: proposal(a, s, yb), k=k, chunk=chunk).cpu())
    model.train(was)
    return torch.cat(out)
