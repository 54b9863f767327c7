"""Small fully connected networks for 2-D toy distributions (chapter: *What is generative AI?*, section
"The adversarial loop on a toy distribution")."""

from __future__ import annotations

import torch
from torch import nn


def _check_sizes(**sizes):
    for name, value in sizes.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _mlp(sizes, batch_norm=False):
    """Linear layers with LeakyReLU(0.2) between them, or with ``batch_norm`` PacGAN's generator blocks:
    Linear (no bias: BatchNorm's shift replaces it) → BatchNorm → ReLU."""
    layers = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += ([nn.Linear(a, b, bias=False), nn.BatchNorm1d(b), nn.ReLU()] if batch_norm
                   else [nn.Linear(a, b), nn.LeakyReLU(0.2)])
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


class ToyGenerator(nn.Module):
    """Noise ``(N, latent_dim)`` → points ``(N, dim)``; no output squashing, so it can reach any point.

    ``batch_norm=True`` builds PacGAN's generator (Lin et al., 2018, after ALI): every hidden layer is
    Linear → BatchNorm → ReLU. In training mode BatchNorm uses the batch's statistics, in eval mode (as in
    :func:`gantutor.sample`) its running averages, so a sample then depends on its own noise only.
    """

    def __init__(self, latent_dim: int = 2, hidden: int = 128, depth: int = 3, dim: int = 2,
                 batch_norm: bool = False):
        super().__init__()
        if not isinstance(batch_norm, bool):
            raise TypeError(f"batch_norm must be True or False, got {batch_norm!r}.")
        _check_sizes(latent_dim=latent_dim, hidden=hidden, depth=depth, dim=dim)
        self.latent_dim = latent_dim
        self.net = _mlp([latent_dim] + [hidden] * depth + [dim], batch_norm=batch_norm)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class ToyDiscriminator(nn.Module):
    """Points ``(N, dim)`` → logits ``(N,)``."""

    def __init__(self, hidden: int = 128, depth: int = 3, dim: int = 2):
        super().__init__()
        _check_sizes(hidden=hidden, depth=depth, dim=dim)
        self.net = _mlp([dim] + [hidden] * depth + [1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)
