"""Simple, exact metrics for toy distributions (chapter: *What is generative AI?*; the evaluation chapter adds
FID/KID and precision–recall)."""

from __future__ import annotations

import warnings

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


# --------------------------------------------------------------------------------- image metrics (features)
# Chapter: *Evaluating generative models*. Every metric below compares two sets of images through the same fixed
# feature network (gantutor.features); torchmetrics does the FID/KID/IS arithmetic, fed with features computed once.

class _Features(torch.nn.Module):
    """Identity 'feature extractor' so torchmetrics can be fed precomputed features."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def _check_features(name: str, f: torch.Tensor, min_rows: int = 2) -> torch.Tensor:
    if not torch.is_tensor(f) or f.dim() != 2:
        raise ValueError(f"{name} must be a feature matrix (N, D), got "
                         f"{tuple(f.shape) if torch.is_tensor(f) else type(f).__name__}. Compute features with "
                         f"gantutor.features.classifier_outputs(images).")
    if f.shape[0] < min_rows:
        raise ValueError(f"{name} has {f.shape[0]} rows; this metric needs at least {min_rows} samples.")
    if not torch.isfinite(f).all():
        raise ValueError(f"{name} contains NaN or infinite values — were the images finite?")
    return f.detach().double().cpu()


def fid_from_features(real: torch.Tensor, fake: torch.Tensor) -> float:
    r"""Fréchet distance between Gaussians fitted to two feature sets (torchmetrics' FID arithmetic):

    .. math:: \lVert \mu_r - \mu_g \rVert^2 + \operatorname{tr}\bigl(\Sigma_r + \Sigma_g - 2(\Sigma_r\Sigma_g)^{1/2}\bigr).
    """
    from torchmetrics.image.fid import FrechetInceptionDistance

    real, fake = _check_features("real", real), _check_features("fake", fake)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake features differ in width: {real.shape[1]} vs {fake.shape[1]}.")
    metric = FrechetInceptionDistance(feature=_Features(real.shape[1]), reset_real_features=True)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    return max(float(metric.compute()), 0.0)  # tiny negative values are round-off from the matrix square root


def kid_from_features(real: torch.Tensor, fake: torch.Tensor, *, subset_size: int = 1000, subsets: int = 50,
                      seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance (cubic polynomial-kernel MMD², unbiased) as ``(mean, std)`` over random subsets.

    ``subset_size`` is capped at the smaller set's size. Unlike FID, KID has no bias from the sample size.
    """
    from torchmetrics.image.kid import KernelInceptionDistance

    real, fake = _check_features("real", real), _check_features("fake", fake)
    size = min(subset_size, real.shape[0], fake.shape[0])
    with warnings.catch_warnings():  # "will save all extracted features": we pass features, not images
        warnings.simplefilter("ignore", UserWarning)
        metric = KernelInceptionDistance(feature=_Features(real.shape[1]), subsets=subsets, subset_size=size)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return float(mean), float(std)


def classifier_score(logits: torch.Tensor, *, splits: int = 10, seed: int = 0) -> tuple[float, float]:
    r"""The Inception Score computed with the dataset's own classifier: :math:`\exp \mathbb{E}_x
    \mathrm{KL}(p(y\mid x) \,\|\, p(y))`, ``(mean, std)`` over ``splits`` splits. Between 1 and the number of
    classes (10 = every sample confidently classified and all classes equally common)."""
    from torchmetrics.image.inception import InceptionScore

    logits = _check_features("logits", logits, min_rows=splits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        metric = InceptionScore(feature=_Features(logits.shape[1]), splits=splits)
    metric.update(logits)
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # std over a single split is undefined; reported as NaN
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return float(mean), float(std)


def _kth_neighbour_radii(x: torch.Tensor, k: int, chunk: int = 2048) -> torch.Tensor:
    """Distance from each row of ``x`` to its k-th nearest *other* row."""
    radii = []
    for block in x.split(chunk):
        d = torch.cdist(block, x)
        radii.append(d.kthvalue(k + 1, dim=1).values)  # +1: the point itself is at distance 0
    return torch.cat(radii)


def _inside_any_ball(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, chunk: int = 2048):
    inside = []
    for block in points.split(chunk):
        inside.append((torch.cdist(block, centres) <= radii.unsqueeze(0)).any(1))
    return torch.cat(inside)


def precision_recall(real: torch.Tensor, fake: torch.Tensor, *, k: int = 3) -> dict:
    """Improved precision and recall (Kynkäänniemi et al., 2019) in feature space.

    Each real feature gets a ball reaching its ``k``-th nearest real neighbour; their union estimates the real
    manifold. **Precision** is the fraction of generated samples inside it (quality). **Recall** is the fraction
    of real samples inside the union of balls built the same way around generated samples (diversity).
    """
    real, fake = _check_features("real", real, k + 1).float(), _check_features("fake", fake, k + 1).float()
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r} (the paper uses k = 3).")
    r_real = _kth_neighbour_radii(real, k)
    r_fake = _kth_neighbour_radii(fake, k)
    precision = _inside_any_ball(fake, real, r_real).float().mean()
    recall = _inside_any_ball(real, fake, r_fake).float().mean()
    return {"precision": float(precision), "recall": float(recall), "k": k}


def class_coverage(logits: torch.Tensor, *, num_classes: int | None = None, min_fraction: float = 0.01) -> dict:
    """How generated samples spread over the classes, as the dataset's classifier sees them.

    Returns ``fractions`` (per predicted class), ``covered`` (classes with at least ``min_fraction`` of the
    samples), and ``tv`` — the total-variation distance from the uniform class distribution (0: perfectly
    balanced, 0.9 with 10 classes: everything in one class).
    """
    logits = _check_features("logits", logits, min_rows=1)
    c = num_classes or logits.shape[1]
    counts = torch.bincount(logits.argmax(1), minlength=c).double()
    fractions = counts / counts.sum()
    tv = 0.5 * float((fractions - 1.0 / c).abs().sum())
    return {"fractions": fractions.float(), "covered": int((fractions >= min_fraction).sum()), "classes": c,
            "tv": tv}


def confident_rate(logits: torch.Tensor, *, threshold: float = 0.9) -> float:
    """The **confident-class rate**: the share of images to which the fixed classifier gives a top class
    probability of at least ``threshold`` — "recognisable", as a number (chapter: *Evaluating generative models*).
    Real MNIST test digits score about 0.98 under the shipped classifier."""
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be a probability in (0, 1), got {threshold!r}.")
    _check_features("logits", logits, min_rows=1)
    return float((logits.softmax(1).max(1).values >= threshold).float().mean())


def max_class_share(logits: torch.Tensor) -> float:
    """The **largest class share**: the fraction of images the fixed classifier assigns to the most common class.
    About 0.11 for real MNIST; near 1 for a generator that draws one digit only (a grid full of 1s)."""
    _check_features("logits", logits, min_rows=1)
    return float(torch.bincount(logits.argmax(1), minlength=logits.shape[1]).max() / len(logits))


def headline_scores(images: torch.Tensor, real_features: torch.Tensor, floor: float,
                    dataset: str = "mnist") -> dict:
    """The book's headline image scores of generated ``images``: FID against ``real_features`` (the real set's
    classifier features) as a multiple of the real-vs-real ``floor``, the confident-class rate and the largest class
    share (fractions)."""
    from .features import classifier_outputs

    features, logits = classifier_outputs(images, dataset)
    return {"fid_over_floor": fid_from_features(real_features, features) / floor,
            "confident_rate": confident_rate(logits), "max_class_share": max_class_share(logits)}


HEADLINE = ("fid_over_floor", "confident_rate", "max_class_share")


def describe_scores(scores: dict) -> str:
    """The scores of :func:`headline_scores` as one line for a reader, e.g. "FID 20.9 times the floor | confident
    93.1% | largest class 11.2%"."""
    missing = [name for name in HEADLINE if name not in scores]
    if missing:
        raise ValueError(f"describe_scores needs {', '.join(HEADLINE)} (the dict headline_scores returns); "
                         f"missing {', '.join(missing)}.")
    return (f"FID {scores['fid_over_floor']:.1f} times the floor | confident {scores['confident_rate']:.1%} | "
            f"largest class {scores['max_class_share']:.1%}")


def evaluate_images(real: torch.Tensor, fake: torch.Tensor, dataset: str = "mnist", *, k: int = 3,
                    kid_subset: int = 1000, real_features: tuple | None = None) -> dict:
    """Every image metric of the book for one generated set against a real one (features computed once).

    ``real_features``: the ``(features, logits)`` of ``real`` from :func:`gantutor.features.classifier_outputs`,
    to skip recomputing them when many sets are compared with the same real set.
    """
    from .features import classifier_outputs

    rf, _ = real_features if real_features is not None else classifier_outputs(real, dataset)
    ff, fl = classifier_outputs(fake, dataset)
    kid_mean, kid_std = kid_from_features(rf, ff, subset_size=kid_subset)
    pr = precision_recall(rf, ff, k=k)
    cov = class_coverage(fl)
    splits = 10 if len(fl) >= 10 else 1
    return {"fid": fid_from_features(rf, ff), "kid": kid_mean, "kid_std": kid_std,
            "precision": pr["precision"], "recall": pr["recall"], "classifier_score": classifier_score(fl, splits=splits)[0],
            "classes_covered": cov["covered"], "class_tv": cov["tv"], "n_real": len(rf), "n_fake": len(ff)}


def importance_sampled_log_likelihood(x: torch.Tensor, log_joint, proposal, *, k: int = 5000,
                                      chunk: int = 500) -> torch.Tensor:
    r"""Estimate :math:`\log p(x)` per example by importance sampling with ``k`` samples from a proposal:

    .. math:: \log p(x) \approx \log \frac1k \sum_{i=1}^k \frac{p(x, z_i)}{q(z_i \mid x)}, \quad z_i \sim q(z \mid x).

    This is the IWAE bound :math:`\mathcal L_k` (:func:`gantutor.theory.iwae_bound`): a lower bound in expectation
    that tightens as ``k`` grows — the standard way to report a VAE's test log-likelihood (Burda et al., 2016).

    Args:
        x: a batch ``(N, ...)``.
        log_joint: ``log_joint(x, z)`` → ``(S, N)`` for ``z`` of shape ``(S, N, latent)``.
        proposal: ``proposal(x, S)`` → ``(z, log_q)`` with ``z`` ``(S, N, latent)`` and ``log_q`` ``(S, N)``.
        k: importance samples per example, drawn ``chunk`` at a time.
    """
    from .theory import iwae_bound

    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    log_w = []
    with torch.no_grad():
        for start in range(0, k, chunk):
            s = min(chunk, k - start)
            z, log_q = proposal(x, s)
            log_w.append((log_joint(x, z) - log_q).double())
    return iwae_bound(torch.cat(log_w, 0), dim=0)
