"""Simple, exact metrics for toy distributions (chapter: *What is generative AI?*; the evaluation chapter adds
FID/KID and precision–recall)."""

from __future__ import annotations

import torch


def mode_coverage(points: torch.Tensor, centers: torch.Tensor, std: float, *, radius: float = 3.0,
                  min_count: int = 1) -> dict:
    """How many mixture modes a set of samples reaches, and how many samples are off every mode.

    A sample is *on* mode ``k`` when it lies within ``radius * std`` of centre ``k``; a mode is *covered* when at
    least ``min_count`` samples are on it.

    Returns:
        ``{"covered": int, "modes": int, "high_quality": float, "counts": tensor}`` where ``high_quality`` is the
        fraction of samples on some mode.
    """
    if points.dim() != 2 or points.shape[1] != centers.shape[1]:
        raise ValueError(f"points must be (N, {centers.shape[1]}), got {tuple(points.shape)}.")
    dist = torch.cdist(points.float().cpu(), centers.float().cpu())
    nearest = dist.argmin(1)
    on_mode = dist.min(1).values <= radius * std
    counts = torch.bincount(nearest[on_mode], minlength=len(centers))
    return {"covered": int((counts >= min_count).sum()), "modes": len(centers),
            "high_quality": float(on_mode.float().mean()), "counts": counts}
