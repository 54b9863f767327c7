"""The fully connected GAN of source article 000 (chapter: *Your first GAN*, section "The two networks").

Layer sizes and activations are the article's:

* generator  ``G``: 100 → 256 → 512 → 1024 → 784, LeakyReLU(0.2) between layers, Tanh at the end;
* discriminator ``D``: 784 → 1024 → 512 → 256 → 1, LeakyReLU(0.2) and Dropout(0.3) after each hidden layer.

One deliberate change: the article ends ``D`` with ``Sigmoid`` and trains it with ``nn.BCELoss``. Here ``D``
returns the **logit** :math:`\\ell(x)` with :math:`D(x) = \\sigma(\\ell(x))`, and the sigmoid lives inside the loss
(:mod:`gantutor.losses`), which computes :math:`\\log\\sigma` stably instead of taking the log of a probability that
has already rounded to 0 or 1.
"""

from __future__ import annotations

import torch
from torch import nn

IMAGE_SHAPE = (1, 28, 28)


class MLPGenerator(nn.Module):
    """Noise ``z`` of shape ``(N, latent_dim)`` → images ``(N, 1, 28, 28)`` in ``[-1, 1]``."""

    def __init__(self, latent_dim: int = 100, hidden=(256, 512, 1024), image_shape=IMAGE_SHAPE):
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape = tuple(image_shape)
        out = 1
        for s in self.image_shape:
            out *= s
        layers, width = [], latent_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers += [nn.Linear(width, out), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"MLPGenerator expects noise of shape (N, {self.latent_dim}), got {tuple(z.shape)}. "
                             f"Draw it with torch.randn(N, generator.latent_dim), or build the generator with "
                             f"latent_dim={z.shape[-1] if z.dim() else '...'} to match your noise.")
        return self.net(z).view(z.shape[0], *self.image_shape)


class MLPDiscriminator(nn.Module):
    """Images ``(N, 1, 28, 28)`` (or flat ``(N, 784)``) → one logit per image, shape ``(N,)``."""

    def __init__(self, hidden=(1024, 512, 256), image_shape=IMAGE_SHAPE, dropout: float = 0.3):
        super().__init__()
        self.in_features = 1
        for s in image_shape:
            self.in_features *= s
        layers, width = [], self.in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
            width = h
        layers += [nn.Linear(width, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.shape[0], -1)
        if flat.shape[1] != self.in_features:
            raise ValueError(f"MLPDiscriminator expects {self.in_features} values per image, got "
                             f"{flat.shape[1]} (input shape {tuple(x.shape)}). Give it images of shape "
                             f"(N, 1, 28, 28) — one channel, MNIST-sized: convert colour images to grey and resize "
                             f"them — or build it with image_shape=(C, H, W) to match your data.")
        return self.net(flat).squeeze(1)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
