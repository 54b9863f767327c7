r"""GAN losses, written on discriminator **logits** (chapter: *Your first GAN*, section "The losses").

Notation: the discriminator returns a logit :math:`\ell(x)`; its probability that :math:`x` is real is
:math:`D(x) = \sigma(\ell(x))`. Real data :math:`x \sim p_\text{data}`, fakes :math:`G(z)` with
:math:`z \sim p_z`. Every expectation is a mean over the mini-batch.

The value function of Goodfellow et al. (2014) is

.. math:: V(D, G) = \mathbb{E}_{x}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))],

which ``D`` maximises and ``G`` minimises. Each loss below is a quantity to **minimise**. They are computed with
binary cross-entropy on logits (``F.binary_cross_entropy_with_logits``), using
:math:`-\log\sigma(\ell) = \operatorname{softplus}(-\ell)` and :math:`-\log(1-\sigma(\ell)) = \operatorname{softplus}(\ell)`,
which stay finite where ``log(sigmoid(...))`` would round to ``log 0``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    r"""Discriminator loss, :math:`-V(D, G)`:

    .. math:: L_D = -\mathbb{E}_{x}[\log D(x)] - \mathbb{E}_{z}[\log(1 - D(G(z)))]

    i.e. BCE with label 1 on real logits plus BCE with label 0 on fake logits. At :math:`D \equiv 1/2` it equals
    :math:`2\log 2 \approx 1.386`.
    """
    if real_logits.dim() != 1 or fake_logits.dim() != 1:
        raise ValueError("discriminator_loss expects logits of shape (N,), got "
                         f"{tuple(real_logits.shape)} and {tuple(fake_logits.shape)}. "
                         "Squeeze the discriminator's (N, 1) output to (N,).")
    return _bce(real_logits, 1.0) + _bce(fake_logits, 0.0)


def generator_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    r"""The generator's side of the minimax game (the "saturating" loss):

    .. math:: L_G^{\text{minimax}} = \mathbb{E}_{z}[\log(1 - D(G(z)))]

    Its gradient with respect to the logit is :math:`-\sigma(\ell)`, which vanishes when ``D`` confidently
    rejects the fakes (:math:`D(G(z)) \to 0`) — exactly the situation early in training.
    """
    return -_bce(fake_logits, 0.0)


def generator_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    r"""The non-saturating generator loss used in practice (Goodfellow et al., 2014, section 3):

    .. math:: L_G^{\text{NS}} = -\mathbb{E}_{z}[\log D(G(z))]

    Same fixed point as the minimax loss, but its logit gradient :math:`-(1 - \sigma(\ell))` is largest when
    ``D`` rejects the fakes. In code it is BCE with label 1 on the fake logits.
    """
    return _bce(fake_logits, 1.0)


def _check_scores(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> None:
    if real_scores.dim() != 1 or fake_scores.dim() != 1:
        raise ValueError("GAN losses expect discriminator outputs of shape (N,), got "
                         f"{tuple(real_scores.shape)} and {tuple(fake_scores.shape)}. "
                         "Squeeze the discriminator's (N, 1) output to (N,).")


def wasserstein_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    r"""WGAN critic loss (Arjovsky et al., 2017): :math:`\mathbb{E}_z[f(G(z))] - \mathbb{E}_x[f(x)]`.

    Minimising it maximises the critic's estimate of the Wasserstein-1 distance, which is only valid while the
    critic :math:`f` is 1-Lipschitz — enforced by weight clipping (``"wgan"``) or a gradient penalty
    (``"wgan-gp"``). The critic's output is an unbounded score, not a logit.
    """
    _check_scores(real_scores, fake_scores)
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    r"""WGAN generator loss: :math:`-\mathbb{E}_z[f(G(z))]`."""
    return -fake_scores.mean()


def least_squares_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    r"""LSGAN discriminator loss (Mao et al., 2017), targets :math:`b = 1` (real) and :math:`a = 0` (fake):

    .. math:: L_D = \tfrac12 \mathbb{E}_x[(D(x) - 1)^2] + \tfrac12 \mathbb{E}_z[D(G(z))^2]
    """
    _check_scores(real_scores, fake_scores)
    return 0.5 * (real_scores - 1).pow(2).mean() + 0.5 * fake_scores.pow(2).mean()


def least_squares_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    r"""LSGAN generator loss, target :math:`c = 1`: :math:`\tfrac12 \mathbb{E}_z[(D(G(z)) - 1)^2]`."""
    return 0.5 * (fake_scores - 1).pow(2).mean()


def hinge_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    r"""Hinge loss (Lim & Ye, 2017; Miyato et al., 2018):
    :math:`\mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))]`."""
    _check_scores(real_scores, fake_scores)
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    r"""WGAN-GP's penalty (Gulrajani et al., 2017): :math:`\mathbb{E}_{\hat x}[(\lVert \nabla_{\hat x}
    f(\hat x) \rVert_2 - 1)^2]` at random interpolates :math:`\hat x = \alpha x + (1 - \alpha) \tilde x`.

    One :math:`\alpha \sim U[0, 1]` **per sample** (not per pixel), so each :math:`\hat x` lies on the segment
    between a real and a generated sample; the gradient is taken with respect to :math:`\hat x` with
    ``create_graph=True`` so the penalty itself can be differentiated with respect to the critic's weights.
    """
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches must have the same shape, got {tuple(real.shape)} and "
                         f"{tuple(fake.shape)}.")
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, generator=generator)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    grad, = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


class GANLoss(NamedTuple):
    """A GAN objective: two losses to minimise plus the training rules that belong to it.

    ``discriminator(real_scores, fake_scores)`` and ``generator(fake_scores)`` take the discriminator's raw
    outputs (logits for the cross-entropy losses, unbounded scores for the others). ``train_gan`` also applies:

    * ``gradient_penalty`` — weight :math:`\\lambda` of :func:`gradient_penalty` added to the D loss (WGAN-GP);
    * ``clip`` — clamp every D weight to :math:`[-c, c]` after each D update (the original WGAN);
    * ``n_critic`` — D updates per G update;
    * ``lr``, ``betas``, ``optimizer`` — the optimiser settings the method was published with, used when the caller
      does not choose (``None``: the caller's or ``train_gan``'s defaults).
    """

    discriminator: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    generator: Callable[[torch.Tensor], torch.Tensor]
    gradient_penalty: float = 0.0
    clip: float | None = None
    n_critic: int = 1
    lr: float | None = None
    betas: tuple[float, float] | None = None
    optimizer: str | None = None
    #: True when D's output is a logit (D(x) = sigmoid(output) is a probability); False for critics and scores.
    probabilistic: bool = True


#: Registry of GAN objectives by name; the training loop looks losses up here and never re-derives them.
GAN_LOSSES: dict[str, GANLoss] = {
    "minimax": GANLoss(discriminator_loss, generator_loss_minimax),
    "non-saturating": GANLoss(discriminator_loss, generator_loss_nonsaturating),
    # Arjovsky et al. (2017), Algorithm 1: RMSprop, lr 5e-5, c = 0.01, n_critic = 5.
    "wgan": GANLoss(wasserstein_critic_loss, wasserstein_generator_loss, clip=0.01, n_critic=5, lr=5e-5,
                    optimizer="rmsprop", probabilistic=False),
    # Gulrajani et al. (2017), Algorithm 1: lambda = 10, n_critic = 5, Adam lr 1e-4, betas (0, 0.9).
    "wgan-gp": GANLoss(wasserstein_critic_loss, wasserstein_generator_loss, gradient_penalty=10.0, n_critic=5,
                       lr=1e-4, betas=(0.0, 0.9), probabilistic=False),
    "lsgan": GANLoss(least_squares_discriminator_loss, least_squares_generator_loss, probabilistic=False),
    "hinge": GANLoss(hinge_discriminator_loss, wasserstein_generator_loss, probabilistic=False),
}


def get_gan_loss(name: str | GANLoss) -> GANLoss:
    """Look up a GAN objective by name (or pass a :class:`GANLoss` through).

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    if isinstance(name, GANLoss):
        return name
    if name not in GAN_LOSSES:
        raise ValueError(f"Unknown GAN loss {name!r}. Known losses: {', '.join(GAN_LOSSES)}.")
    return GAN_LOSSES[name]
