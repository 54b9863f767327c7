"""Unpaired image-to-image translation with CycleGAN (Zhu et al., 2017) on 28×28 grey images (chapter:
*Image-to-image translation with CycleGAN*).

Two generators translate between domains A and B (``G_AB: A → B``, ``G_BA: B → A``) and two discriminators judge
each domain. No image of A is ever paired with an image of B; what keeps a translation faithful to its input is
the **cycle-consistency** loss ``|G_BA(G_AB(a)) - a|₁ + |G_AB(G_BA(b)) - b|₁``. The adversarial terms come from
the same loss registry as every other GAN in the book (:data:`gantutor.losses.GAN_LOSSES`; CycleGAN's paper uses
the least-squares loss, ``"lsgan"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .engine import Step, check_options, fit
from .losses import GANLoss, get_gan_loss

#: Columns of :attr:`CycleGANHistory.record`.
RECORD_COLUMNS = ("d_a", "d_b", "g_adv", "cycle", "identity")


def _check_images(x: torch.Tensor, name: str = "images") -> None:
    if not torch.is_tensor(x) or x.dim() != 4 or x.shape[1] != 1:
        shape = tuple(x.shape) if torch.is_tensor(x) else type(x).__name__
        raise ValueError(f"{name} must be grey images shaped (N, 1, H, W), got {shape}; reshape flat vectors "
                         f"with x.view(-1, 1, 28, 28).")


def thicken(images: torch.Tensor, size: int = 3) -> torch.Tensor:
    """Stroke-thickened copies of ``images`` in [-1, 1] (bright strokes on a dark ground): a grey-level
    morphological dilation, each pixel replaced by the maximum of its ``size × size`` neighbourhood."""
    _check_images(images)
    if not isinstance(size, int) or size < 1 or size % 2 == 0:
        raise ValueError(f"size must be an odd positive integer (the neighbourhood's side), got {size!r}.")
    return F.max_pool2d(images, size, stride=1, padding=size // 2)


def make_domains(images: torch.Tensor, labels: torch.Tensor, transform, *, seed: int = 0):
    """Split ``images`` at random into two halves of **different** images: domain A keeps its half as it is,
    domain B is ``transform`` of the other half. Returns ``(a, a_labels, b, b_labels)``; labels are for evaluation
    only — CycleGAN never sees them."""
    _check_images(images)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels.")
    if len(images) < 2:
        raise ValueError("Need at least two images to make two disjoint domains.")
    perm = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed)).to(images.device)
    ia, ib = perm[: len(images) // 2], perm[len(images) // 2:]
    return images[ia], labels[ia], transform(images[ib]), labels[ib]


class ResidualBlock(nn.Module):
    """``x + conv–norm–ReLU–conv–norm(x)`` with 3×3 convolutions (CycleGAN's generator body)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, padding_mode="reflect"), nn.InstanceNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1, padding_mode="reflect"), nn.InstanceNorm2d(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class TranslationGenerator(nn.Module):
    """CycleGAN's generator scaled to 28×28: 7×7 convolution, one stride-2 down-sampling (to 14×14), ``blocks``
    residual blocks, one up-sampling back to 28×28, 7×7 convolution and tanh. Instance normalisation throughout."""

    def __init__(self, width: int = 32, blocks: int = 3):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(1, w, 7, padding=3, padding_mode="reflect"), nn.InstanceNorm2d(w), nn.ReLU(inplace=True),
            nn.Conv2d(w, 2 * w, 3, stride=2, padding=1), nn.InstanceNorm2d(2 * w), nn.ReLU(inplace=True),
            *[ResidualBlock(2 * w) for _ in range(blocks)],
            nn.ConvTranspose2d(2 * w, w, 3, stride=2, padding=1, output_padding=1), nn.InstanceNorm2d(w),
            nn.ReLU(inplace=True),
            nn.Conv2d(w, 1, 7, padding=3, padding_mode="reflect"), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, "the generator's input")
        return self.net(x)


class PatchDiscriminator(nn.Module):
    """A PatchGAN discriminator (Isola et al., 2017) for 28×28: two stride-2 4×4 convolutions, then one score per
    overlapping patch — a 7×7 map, returned flattened as ``(N, 49)``."""

    def __init__(self, width: int = 32):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(1, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.InstanceNorm2d(2 * w), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(2 * w, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, "the discriminator's input")
        return self.net(x).flatten(1)


@dataclass
class CycleGANHistory:
    """What :func:`train_cyclegan` measured: ``record`` is ``(steps, 5)`` with the columns
    :data:`RECORD_COLUMNS` (both discriminators' losses, the generators' adversarial loss and the unweighted cycle and
    identity L1 terms); ``snapshots`` are ``(G_AB(fixed_a), G_BA(fixed_b))`` pairs at ``snapshot_steps``."""

    record: torch.Tensor
    seconds: float = 0.0
    snapshot_steps: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    #: True when training was stopped by KeyboardInterrupt (the record covers the completed steps).
    interrupted: bool = False

    def column(self, name: str) -> torch.Tensor:
        if name not in RECORD_COLUMNS:
            raise KeyError(f"Unknown column {name!r}; the columns are {', '.join(RECORD_COLUMNS)}.")
        return self.record[:, RECORD_COLUMNS.index(name)]


def translate(generator: nn.Module, images: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """``generator`` applied to ``images`` in eval mode without gradients, in batches; returned on the CPU."""
    _check_images(images)
    device = next(generator.parameters()).device
    was = generator.training
    generator.eval()
    with torch.no_grad():
        out = torch.cat([generator(chunk.to(device)).cpu() for chunk in images.split(batch_size)])
    generator.train(was)
    return out


class CycleGANStep(Step):
    """CycleGAN's step for the engine: one update of both generators, then one of both discriminators."""

    kind = "cyclegan"
    columns = RECORD_COLUMNS
    watched = RECORD_COLUMNS

    def __init__(self, g_ab, g_ba, d_a, d_b, batches_a, batches_b, objective, opt_g, opt_d, *, cycle_weight,
                 identity_weight, fixed_a, fixed_b):
        self.nets, self.objective, self.opt_g, self.opt_d = (g_ab, g_ba, d_a, d_b), objective, opt_g, opt_d
        self.modules = {"g_ab": g_ab, "g_ba": g_ba, "d_a": d_a, "d_b": d_b}
        self.optimizers, self.batches = {"opt_g": opt_g, "opt_d": opt_d}, {"a": batches_a, "b": batches_b}
        self.sampler, self.fixed = g_ab, (fixed_a, fixed_b)
        self.cycle_weight, self.identity_weight, self.checked = cycle_weight, identity_weight, False

    def check_batches(self, real_a, real_b) -> None:
        _check_images(real_a, "domain A's batches")
        _check_images(real_b, "domain B's batches")
        if real_a.shape != real_b.shape:
            raise ValueError(f"The two domains' batches differ in shape: {tuple(real_a.shape)} and "
                             f"{tuple(real_b.shape)}; use the same batch size for both.")
        self.checked = True

    def step(self) -> torch.Tensor:
        (g_ab, g_ba, d_a, d_b), objective = self.nets, self.objective
        real_a, real_b = next(self.batches["a"]), next(self.batches["b"])
        if not self.checked:
            self.check_batches(real_a, real_b)
        # Generators: fool both discriminators, and come back to the start after a round trip.
        d_a.requires_grad_(False)
        d_b.requires_grad_(False)
        fake_b, fake_a = g_ab(real_a), g_ba(real_b)
        g_adv = objective.generator(d_b(fake_b).flatten()) + objective.generator(d_a(fake_a).flatten())
        cycle = (g_ba(fake_b) - real_a).abs().mean() + (g_ab(fake_a) - real_b).abs().mean()
        with torch.set_grad_enabled(self.identity_weight > 0):    # recorded either way; a gradient only if weighted
            identity = (g_ab(real_b) - real_b).abs().mean() + (g_ba(real_a) - real_a).abs().mean()
        g_loss = g_adv + self.cycle_weight * cycle + self.identity_weight * identity
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        d_a.requires_grad_(True)
        d_b.requires_grad_(True)
        # Discriminators: real images of their domain against the detached translations into it.
        loss_da = objective.discriminator(d_a(real_a).flatten(), d_a(fake_a.detach()).flatten())
        loss_db = objective.discriminator(d_b(real_b).flatten(), d_b(fake_b.detach()).flatten())
        self.opt_d.zero_grad(set_to_none=True)
        (loss_da + loss_db).backward()
        self.opt_d.step()
        return torch.stack([loss_da, loss_db, g_adv, cycle, identity]).detach()

    def render(self, model):
        g_ab, g_ba = self.nets[:2]
        return translate(g_ab, self.fixed[0]), translate(g_ba, self.fixed[1])


def train_cyclegan(g_ab: nn.Module, g_ba: nn.Module, d_a: nn.Module, d_b: nn.Module, batches_a, batches_b, *,
                   steps: int, loss: str | GANLoss = "lsgan", cycle_weight: float = 10.0,
                   identity_weight: float = 5.0, lr: float = 2e-4, betas=(0.5, 0.999), snapshots: int = 0,
                   fixed_a: torch.Tensor | None = None, fixed_b: torch.Tensor | None = None,
                   progress: str | bool | None = None, desc: str = "CycleGAN", checkpoint=None,
                   checkpoint_every: int = 0, resume: bool = False) -> CycleGANHistory:
    """Train a CycleGAN for ``steps`` steps (one generator update and one update of each discriminator per step).

    The generators minimise, with ``D_A``, ``D_B`` frozen,

    ``L_G(D_B(G_AB(a))) + L_G(D_A(G_BA(b)))``
    ``+ cycle_weight · (|G_BA(G_AB(a)) - a|₁ + |G_AB(G_BA(b)) - b|₁)``
    ``+ identity_weight · (|G_AB(b) - b|₁ + |G_BA(a) - a|₁)``

    (Zhu et al. use ``cycle_weight`` 10 and identity weight half of it); then each discriminator takes one step on
    its domain's real images against the (detached) translations into it. ``loss`` is a name from the registry.

    Args:
        batches_a, batches_b: endless iterators of image batches of the two domains (e.g.
            :class:`gantutor.data.TensorBatches`), on the models' device, in [-1, 1], with equal batch sizes.
        fixed_a, fixed_b: images translated at each snapshot (default: none, and no snapshots).
        progress, desc, checkpoint, checkpoint_every, resume: the engine's options (:func:`gantutor.engine.fit`).
    """
    check_options(steps, checkpoint, checkpoint_every, resume, "stop")
    if cycle_weight < 0 or identity_weight < 0:
        raise ValueError(f"cycle_weight and identity_weight must be >= 0, got {cycle_weight} and {identity_weight}.")
    objective = get_gan_loss(loss)
    if objective.n_critic != 1 or objective.gradient_penalty or objective.clip is not None:
        raise ValueError("train_cyclegan takes losses with one discriminator step per generator step and no "
                         "penalty or clipping (e.g. 'lsgan', 'non-saturating', 'hinge').")
    opt_g = torch.optim.Adam(list(g_ab.parameters()) + list(g_ba.parameters()), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(list(d_a.parameters()) + list(d_b.parameters()), lr=lr, betas=betas)
    task = CycleGANStep(g_ab, g_ba, d_a, d_b, batches_a, batches_b, objective, opt_g, opt_d,
                        cycle_weight=cycle_weight, identity_weight=identity_weight, fixed_a=fixed_a, fixed_b=fixed_b)
    run = fit(task, steps=steps, snapshots=snapshots if fixed_a is not None and fixed_b is not None else 0,
              progress=progress, desc=desc, checkpoint=checkpoint, checkpoint_every=checkpoint_every, resume=resume)
    settings = dict(loss=loss if isinstance(loss, str) else "custom", cycle_weight=cycle_weight,
                    identity_weight=identity_weight, lr=lr, betas=tuple(betas), steps=steps)
    return CycleGANHistory(record=run.record, seconds=run.seconds, snapshot_steps=run.snapshot_steps,
                           snapshots=run.snapshots, settings=settings, interrupted=run.interrupted)
