"""A DCGAN for 28×28 greyscale images, its conditional version, and the two discriminator add-ons of the variants
chapter: spectral normalisation and PacGAN-style packing (chapter: *Training GANs that work*).

Source article 002's DCGAN outputs 32×32×3 images (its generator upsamples 4 → 8 → 16 → 32 with three stride-2
transposed convolutions), so it cannot be trained on MNIST's 28×28×1 images; the shape arithmetic is shown in the
chapter. Here two stride-2 layers upsample 7 → 14 → 28, and the discriminator mirrors them 28 → 14 → 7.

Initialisation follows Radford et al. (2016): every convolution and linear layer's weights from N(0, 0.02),
BatchNorm weights from N(1, 0.02) and all biases 0 (:func:`dcgan_init`).
"""

from __future__ import annotations

import torch
from torch import nn


def dcgan_init(module: nn.Module) -> nn.Module:
    """DCGAN initialisation, applied to every sub-module; returns ``module``."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


def _check_labels(labels, n, num_classes):
    if labels is None:
        raise ValueError(f"This conditional model needs class labels: call it as model(x, labels) with {n} "
                         f"labels in 0..{num_classes - 1}.")
    if labels.shape != (n,):
        raise ValueError(f"Expected {n} labels of shape ({n},), got {tuple(labels.shape)}.")


class DCGANGenerator(nn.Module):
    """Noise ``(N, latent_dim)`` → images ``(N, 1, 28, 28)`` in ``[-1, 1]``.

    Linear → ``2w × 7 × 7`` → BN, ReLU, then two ways to reach 28 × 28:

    * ``upsample="transposed"`` (DCGAN): ConvT(4, stride 2) → ``w × 14 × 14`` → BN, ReLU → ConvT(4, stride 2) →
      ``1 × 28 × 28`` → Tanh.
    * ``upsample="resize"``: *resize-convolution* (Odena et al., 2016): Conv(3) at 7 × 7, then twice nearest-neighbour
      upsampling followed by Conv(3), BN, ReLU, and a last Conv(3) → Tanh. Every output pixel sees the same number of
      kernel taps, so there is no checkerboard pattern, and the extra 3 × 3 layers give the generator depth; a step
      costs about twice as much.

    With ``num_classes`` the generator is conditional: a learned embedding of the label is concatenated to the
    noise.
    """

    UPSAMPLING = ("transposed", "resize")

    def __init__(self, latent_dim: int = 100, width: int = 32, num_classes: int | None = None,
                 upsample: str = "transposed"):
        super().__init__()
        if upsample not in self.UPSAMPLING:
            raise ValueError(f"upsample must be one of {self.UPSAMPLING}, got {upsample!r}.")
        self.latent_dim, self.width, self.num_classes, self.upsample = latent_dim, width, num_classes, upsample
        extra = 0
        if num_classes is not None:
            self.embed = nn.Embedding(num_classes, 16)
            extra = 16
        self.project = nn.Sequential(nn.Linear(latent_dim + extra, 2 * width * 7 * 7, bias=False),
                                     nn.BatchNorm1d(2 * width * 7 * 7), nn.ReLU(True))
        self.net = self._transposed(width) if upsample == "transposed" else self._resize(width)
        dcgan_init(self)

    @staticmethod
    def _transposed(width):
        return nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True),  # 14
            nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh(),                                              # 28
        )

    @staticmethod
    def _resize(width):
        def conv(cin, cout):
            return [nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]
        return nn.Sequential(*conv(2 * width, 2 * width),                                         # 7
                             nn.Upsample(scale_factor=2), *conv(2 * width, width),                # 14
                             nn.Upsample(scale_factor=2), *conv(width, width),                    # 28
                             nn.Conv2d(width, 1, 3, 1, 1), nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"Expected noise of shape (N, {self.latent_dim}), got {tuple(z.shape)}.")
        if self.num_classes is not None:
            _check_labels(labels, z.shape[0], self.num_classes)
            z = torch.cat([z, self.embed(labels)], dim=1)
        return self.net(self.project(z).view(-1, 2 * self.width, 7, 7))


class DCGANDiscriminator(nn.Module):
    """Images ``(N, 1, 28, 28)`` → logits ``(N,)``.

    Conv(4, stride 2) → ``w × 14 × 14`` → LeakyReLU(0.2) → Conv(4, stride 2) → ``2w × 7 × 7`` → BN, LeakyReLU →
    Linear → 1. No BatchNorm on the first layer (DCGAN). With ``codes`` it also has InfoGAN's Q head (Chen et al.,
    2016): a linear layer on the same features that predicts which of ``codes`` categorical codes the generator was
    given (:meth:`forward_with_codes`). With ``num_classes`` it is a *projection* discriminator
    (Miyato & Koyama, 2018): the logit is :math:`\\psi(h) + \\langle e_y, h \\rangle` for features :math:`h` and a
    learned class embedding :math:`e_y`. ``batchnorm=False`` drops BatchNorm — needed for the gradient penalty,
    which is defined per sample, and usual with spectral normalisation.
    """

    def __init__(self, width: int = 32, num_classes: int | None = None, batchnorm: bool = True,
                 codes: int | None = None):
        super().__init__()
        if codes is not None and (not isinstance(codes, int) or codes < 2):
            raise ValueError(f"codes must be an integer of at least 2 (the size of InfoGAN's categorical code), "
                             f"got {codes!r}.")
        self.num_classes, self.codes = num_classes, codes
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2, True),                                  # 14
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=not batchnorm),                               # 7
            nn.BatchNorm2d(2 * width) if batchnorm else nn.Identity(), nn.LeakyReLU(0.2, True),
            nn.Flatten(),
        )
        self.out = nn.Linear(2 * width * 7 * 7, 1)
        if num_classes is not None:
            self.embed = nn.Embedding(num_classes, 2 * width * 7 * 7)
        if codes is not None:                # InfoGAN's Q head: which code made this image?
            self.code_head = nn.Linear(2 * width * 7 * 7, codes)
        dcgan_init(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.forward_with_codes(x, labels)[0]

    def forward_with_codes(self, x: torch.Tensor, labels: torch.Tensor | None = None):
        """``(logits (N,), code logits (N, codes))`` from one pass through the features; the code logits are
        ``None`` unless the discriminator was built with ``codes`` (InfoGAN)."""
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise ValueError(f"Expected images of shape (N, 1, 28, 28), got {tuple(x.shape)}. Reshape flat "
                             f"vectors with x.view(-1, 1, 28, 28).")
        h = self.features(x)
        logit = self.out(h).squeeze(1)
        if self.num_classes is not None:
            _check_labels(labels, x.shape[0], self.num_classes)
            logit = logit + (self.embed(labels) * h).sum(1)
        return logit, (self.code_head(h) if self.codes is not None else None)


def spectral_normalize(module: nn.Module) -> nn.Module:
    """Apply PyTorch's spectral normalisation (``torch.nn.utils.parametrizations.spectral_norm``) to every
    convolution and linear layer of ``module`` in place; returns it. Each weight is divided by an estimate of its
    largest singular value (one power iteration per forward pass in training mode), which bounds the layer's
    Lipschitz constant by 1 (Miyato et al., 2018)."""
    from torch.nn.utils.parametrizations import spectral_norm

    for name, child in list(module.named_children()):
        if isinstance(child, (nn.Conv2d, nn.Linear)):
            setattr(module, name, spectral_norm(child))
        else:
            spectral_normalize(child)
    return module


class PackedDiscriminator(nn.Module):
    """PacGAN packing (Lin et al., 2018): the wrapped discriminator judges ``pack`` samples at once.

    A batch ``(N, *shape)`` is regrouped into ``N / pack`` packs whose samples are concatenated along the feature
    (first non-batch) dimension, so the inner network must accept ``pack`` times the input width (e.g.
    ``ToyDiscriminator(dim=2 * pack)``). A generator that produces near-identical samples makes packs that look
    unlike real packs, so mode collapse becomes visible to the discriminator. Output: ``(N / pack,)``.
    """

    def __init__(self, inner: nn.Module, pack: int):
        super().__init__()
        if not isinstance(pack, int) or pack < 1:
            raise ValueError(f"pack must be a positive integer, got {pack!r}.")
        self.inner, self.pack = inner, pack

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        if n % self.pack:
            raise ValueError(f"PacGAN packs {self.pack} samples at a time, but the batch has {n}; use a batch size "
                             f"divisible by {self.pack}.")
        grouped = x.reshape(n // self.pack, self.pack, *x.shape[1:])       # (N/m, m, C, ...)
        return self.inner(grouped.flatten(1, 2))                            # samples side by side along C
