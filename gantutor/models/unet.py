"""The denoising networks of the diffusion chapters: a small U-Net for 28×28 images and an MLP for 2-D points.

Both take the noisy input, the time and (optionally) a class label, and return a tensor of the input's shape: the
predicted noise (DDPM) or the velocity (flow matching). Time enters through a sinusoidal embedding (Vaswani et al.,
2017, as in Ho et al., 2020); the label through a learned embedding with one extra "no label" entry, which
classifier-free guidance uses for the unconditional prediction.
"""

from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

from ..graphs import recording


def time_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal embedding ``(N, dim)`` of times ``t`` (shape ``(N,)``, any real values, e.g. 0–999)."""
    if t.dim() != 1:
        raise ValueError(f"Expected times of shape (N,), got {tuple(t.shape)}.")
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class Conditioning(nn.Module):
    """Time (and label) → one embedding vector per example. Label ``num_classes`` means "no label"."""

    def __init__(self, dim: int, num_classes: int | None):
        super().__init__()
        self.dim, self.num_classes = dim, num_classes
        self.time = nn.Sequential(nn.Linear(dim, 4 * dim), nn.SiLU(), nn.Linear(4 * dim, 4 * dim))
        self.label = nn.Embedding(num_classes + 1, 4 * dim) if num_classes is not None else None

    def forward(self, t: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        emb = self.time(time_embedding(t, self.dim))
        if self.label is None:
            if labels is not None:
                raise ValueError("This network is unconditional (num_classes=None); call it without labels.")
            return emb
        if labels is None:
            raise ValueError(f"This network is class-conditional: pass labels in 0..{self.num_classes} "
                             f"({self.num_classes} = no label).")
        if labels.shape != t.shape or (not recording() and (labels.min() < 0 or labels.max() > self.num_classes)):
            raise ValueError(f"labels must have shape {tuple(t.shape)} and values in 0..{self.num_classes}.")
        return emb + self.label(labels)


class ResBlock(nn.Module):
    """GroupNorm → SiLU → 3×3 conv, plus the embedding, twice; a 1×1 skip when the width changes."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(min(8, c_in), c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2, self.conv2 = nn.GroupNorm(min(8, c_out), c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x))) + self.emb(F.silu(emb))[:, :, None, None]
        return self.skip(x) + self.conv2(F.silu(self.norm2(h)))


class UNet(nn.Module):
    """A small U-Net for ``(N, 1, 28, 28)`` images: three resolutions (28, 14, 7) with ``channels`` widths, one
    residual block per resolution on the way down and up, skip connections by concatenation.

    ``model(x, t, labels=None)``: ``t`` is a float tensor ``(N,)`` of times (the DDPM step index, or
    1000 × the flow time); with ``num_classes`` the network also takes labels, ``num_classes`` meaning none.
    """

    def __init__(self, channels=(32, 64, 64), num_classes: int | None = None, in_channels: int = 1):
        super().__init__()
        if len(channels) != 3 or any(not isinstance(c, int) or c < 1 for c in channels):
            raise ValueError(f"channels must be three positive widths (28, 14 and 7 pixels), got {channels!r}.")
        c0, c1, c2 = channels
        self.channels, self.num_classes, self.in_channels = tuple(channels), num_classes, in_channels
        emb = 4 * c0
        self.cond = Conditioning(c0, num_classes)
        self.stem = nn.Conv2d(in_channels, c0, 3, padding=1)
        self.down = nn.ModuleList([ResBlock(c0, c0, emb), ResBlock(c0, c1, emb), ResBlock(c1, c2, emb)])
        self.pool = nn.ModuleList([nn.Conv2d(c0, c0, 3, 2, 1), nn.Conv2d(c1, c1, 3, 2, 1)])
        self.mid = ResBlock(c2, c2, emb)
        self.up = nn.ModuleList([ResBlock(2 * c2, c1, emb), ResBlock(2 * c1, c0, emb), ResBlock(2 * c0, c0, emb)])
        self.out = nn.Sequential(nn.GroupNorm(min(8, c0), c0), nn.SiLU(), nn.Conv2d(c0, in_channels, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != (self.in_channels, 28, 28):
            raise ValueError(f"Expected images of shape (N, {self.in_channels}, 28, 28), got {tuple(x.shape)}.")
        if t.shape != (x.shape[0],):
            raise ValueError(f"Expected one time per image, shape ({x.shape[0]},), got {tuple(t.shape)}.")
        emb = self.cond(t, labels)
        h, skips = self.stem(x), []
        for i, block in enumerate(self.down):
            h = block(h, emb)
            skips.append(h)
            if i < 2:
                h = self.pool[i](h)
        h = self.mid(h, emb)
        for i, block in enumerate(self.up):
            h = block(torch.cat([h, skips.pop()], 1), emb)
            if i < 2:
                h = F.interpolate(h, scale_factor=2, mode="nearest")
        return self.out(h)


class ToyDenoiser(nn.Module):
    """An MLP denoiser for points ``(N, dim)``: the point and the time embedding in, ``(N, dim)`` out."""

    def __init__(self, dim: int = 2, hidden: int = 128, depth: int = 3, num_classes: int | None = None):
        super().__init__()
        if hidden < 1 or depth < 1:
            raise ValueError(f"hidden and depth must be positive, got {hidden} and {depth}.")
        self.dim, self.num_classes = dim, num_classes
        self.cond = Conditioning(32, num_classes)
        layers, width = [], dim + 4 * 32
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        self.net = nn.Sequential(*layers, nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.dim:
            raise ValueError(f"Expected points of shape (N, {self.dim}), got {tuple(x.shape)}.")
        if t.shape != (x.shape[0],):
            raise ValueError(f"Expected one time per point, shape ({x.shape[0]},), got {tuple(t.shape)}.")
        return self.net(torch.cat([x, self.cond(t, labels)], 1))
