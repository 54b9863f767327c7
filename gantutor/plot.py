"""Figures: image grids, training curves, snapshot strips, 2-D point clouds (chapter: *Your first GAN*)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torchvision.utils import make_grid


def image_grid(images: torch.Tensor, nrow: int = 8, value_range=(-1.0, 1.0), padding: int = 2) -> torch.Tensor:
    """Tile ``(N, C, H, W)`` images in ``value_range`` into one ``(H', W', C)`` array in [0, 1] for ``imshow``."""
    if images.dim() == 3:
        images = images.unsqueeze(1)
    if images.dim() != 4:
        raise ValueError(f"image_grid expects images of shape (N, C, H, W), got {tuple(images.shape)}.")
    grid = make_grid(images.detach().float().cpu(), nrow=nrow, padding=padding, normalize=True,
                     value_range=value_range, pad_value=1.0)
    return grid.permute(1, 2, 0)


def show_images(images: torch.Tensor, nrow: int = 8, title: str | None = None, ax=None,
                value_range=(-1.0, 1.0)):
    """Show a grid of images on ``ax`` (a new figure when ``None``); returns the axes."""
    if ax is None:
        n = images.shape[0]
        rows = (n + nrow - 1) // nrow
        _, ax = plt.subplots(figsize=(0.6 * nrow + 0.4, 0.6 * rows + 0.6))
    grid = image_grid(images, nrow=nrow, value_range=value_range).numpy()
    ax.imshow(grid.squeeze(-1) if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def show_image_rows(rows: dict, ax=None, title: str | None = None, value_range=(-1.0, 1.0)):
    """Rows of images, each labelled at its left: ``{"input": x, "A→B": y}``, equally many images per row (e.g. one
    batch before and after a translation, or the same draws at several training steps). Returns the axes."""
    sizes = {len(images) for images in rows.values()}
    if len(sizes) != 1:
        raise ValueError(f"every row needs the same number of images, got {[len(v) for v in rows.values()]}.")
    images = torch.cat([torch.as_tensor(v).detach().float().cpu() for v in rows.values()])
    ax = show_images(images, nrow=sizes.pop(), title=title, ax=ax, value_range=value_range)
    cell = images.shape[-2] + 2                                      # image height plus image_grid's padding
    ax.set_axis_on()
    ax.set_xticks([])
    ax.set_yticks([2 + cell * i + images.shape[-2] / 2 for i in range(len(rows))], list(rows))
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def _smooth(y: torch.Tensor, window: int) -> torch.Tensor:
    if window <= 1 or len(y) < window:
        return y
    kernel = torch.ones(1, 1, window) / window
    return torch.nn.functional.conv1d(y.view(1, 1, -1), kernel).view(-1)


def plot_gan_history(history, smooth: int | None = None, axes=None):
    """Two panels: the losses ``L_D``, ``L_G`` and the mean discriminator outputs ``D(x)``, ``D(G(z))``.

    Curves are moving averages over ``smooth`` steps (default: 1% of the run); dashed lines mark the values of
    the game's equilibrium, :math:`L_D = 2\\log 2` and :math:`D = 1/2`.
    """
    import math

    steps = history.steps
    smooth = smooth or max(1, steps // 100)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    x = torch.arange(1, steps + 1)

    def line(ax, y, label):
        ys = _smooth(y, smooth)
        ax.plot(x[len(x) - len(ys):].numpy(), ys.numpy(), label=label)

    line(axes[0], history.d_loss, "$L_D$ (discriminator)")
    line(axes[0], history.g_loss, "$L_G$ (generator)")
    axes[0].axhline(2 * math.log(2), color="gray", ls="--", lw=1, label="$2\\log 2$")
    axes[0].set_xlabel("step")
    axes[0].set_title("Losses")
    axes[0].legend(loc="best", fontsize=10)
    if getattr(history, "probabilities", True):
        line(axes[1], history.d_real, "mean $D(x)$, real")
        line(axes[1], history.d_fake, "mean $D(G(z))$, fake")
        axes[1].axhline(0.5, color="gray", ls="--", lw=1, label="1/2")
        axes[1].set_ylim(-0.02, 1.02)
        axes[1].set_title("Discriminator outputs")
    else:  # critics and least-squares / hinge discriminators output unbounded scores, not probabilities
        line(axes[1], history.d_real, "mean score, real")
        line(axes[1], history.d_fake, "mean score, fake")
        axes[1].set_title("Discriminator scores")
    axes[1].set_xlabel("step")
    axes[1].legend(loc="best", fontsize=10)
    plt.tight_layout()
    return axes


def plot_gradient_norms(history, smooth: int | None = None, ax=None):
    """The norms of D's and G's gradients per step (moving averages, log scale) from :func:`train_gan`'s record."""
    if len(getattr(history, "g_grad_norm", [])) == 0:
        raise ValueError("This history has no gradient norms (it was recorded by an older gantutor).")
    smooth = smooth or max(1, history.steps // 100)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.6))
    x = torch.arange(1, history.steps + 1)
    for y, label in ((history.d_grad_norm, "$\\|\\nabla_D\\|$ (discriminator)"),
                     (history.g_grad_norm, "$\\|\\nabla_G\\|$ (generator)")):
        ys = _smooth(y, smooth)
        ax.semilogy(x[len(x) - len(ys):].numpy(), ys.clamp_min(1e-12).numpy(), label=label)
    ax.set_xlabel("step")
    ax.set_title("Gradient norms")
    ax.legend(loc="best", fontsize=10)
    return ax


def plot_snapshots(history, n: int = 16, nrow: int = 4, per_row: int = 4):
    """One small grid per snapshot of ``G(fixed_noise)`` in training order, ``per_row`` grids to a row (so that the
    step titles stay readable at page width)."""
    count = len(history.snapshots)
    if count == 0:
        raise ValueError("This history has no snapshots; train with snapshots=K (K > 0) to record some.")
    cols = min(count, per_row)
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 2.6 * rows), squeeze=False)
    for ax in axes.flat[count:]:
        ax.axis("off")
    for ax, step, imgs in zip(axes.flat, history.snapshot_steps, history.snapshots):
        show_images(imgs[:n], nrow=nrow, ax=ax)
        ax.set_title(f"step {step:,}", fontsize=11)
    plt.tight_layout()
    return fig


def scatter_2d(points: torch.Tensor, ax=None, title: str | None = None, s: float = 2.0, alpha: float = 0.4,
               **kwargs):
    """Scatter plot of ``(N, 2)`` points with equal axis scales."""
    if points.dim() != 2 or points.shape[1] != 2:
        raise ValueError(f"scatter_2d expects points of shape (N, 2), got {tuple(points.shape)}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    p = points.detach().cpu().numpy()
    ax.scatter(p[:, 0], p[:, 1], s=s, alpha=alpha, **kwargs)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax
