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


class GANLoss(NamedTuple):
    """A pair of losses to minimise: ``discriminator(real_logits, fake_logits)`` and ``generator(fake_logits)``."""

    discriminator: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    generator: Callable[[torch.Tensor], torch.Tensor]


#: Registry of GAN objectives by name; the training loop looks losses up here and never re-derives them.
GAN_LOSSES: dict[str, GANLoss] = {
    "minimax": GANLoss(discriminator_loss, generator_loss_minimax),
    "non-saturating": GANLoss(discriminator_loss, generator_loss_nonsaturating),
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
