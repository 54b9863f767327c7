"""Classical models that make the chapter *What is generative AI?* concrete, with no neural network in sight:

* :class:`PCA` — a linear **encoder/decoder** pair: ``encode`` maps an image to a low-dimensional latent code,
  ``decode`` maps a code back to image space;
* :class:`GaussianClassModel` — a **generative** classifier: one Gaussian density :math:`p(z \\mid y)` per class
  plus class frequencies :math:`p(y)`. It classifies by Bayes' rule *and* it can sample new data;
* :func:`fit_logistic_regression` — a **discriminative** classifier: it models :math:`p(y \\mid z)` only, so it
  classifies but has nothing to sample from.
"""

from __future__ import annotations

import torch


class PCA:
    """Principal component analysis fitted by SVD: ``encode(x) = (x - mean) @ W``, ``decode(z) = z @ W.T + mean``."""

    def __init__(self, n_components: int):
        if not isinstance(n_components, int) or n_components <= 0:
            raise ValueError(f"n_components must be a positive integer, got {n_components!r}.")
        self.n_components = n_components
        self.mean = self.components = self.explained_variance_ratio = None

    def fit(self, x: torch.Tensor) -> "PCA":
        flat = x.reshape(x.shape[0], -1).double()
        if self.n_components > min(flat.shape):
            raise ValueError(f"n_components={self.n_components} exceeds min(n_samples, n_features)="
                             f"{min(flat.shape)}.")
        self.shape = tuple(x.shape[1:])
        self.mean = flat.mean(0)
        _, s, vh = torch.linalg.svd(flat - self.mean, full_matrices=False)
        var = s ** 2
        self.components = vh[: self.n_components].T  # (features, k), orthonormal columns
        self.explained_variance_ratio = (var[: self.n_components] / var.sum()).float()
        self.mean, self.components = self.mean.float(), self.components.float()
        return self

    def _check(self):
        if self.components is None:
            raise RuntimeError("PCA is not fitted yet: call .fit(x) first.")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        self._check()
        return (x.reshape(x.shape[0], -1) - self.mean) @ self.components

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        self._check()
        return (z @ self.components.T + self.mean).reshape(z.shape[0], *self.shape)


class GaussianClassModel:
    """A generative classifier: :math:`p(y)` from class frequencies and :math:`p(z \\mid y) = \\mathcal{N}(\\mu_y, \\Sigma_y)`.

    ``predict`` uses Bayes' rule, :math:`\\arg\\max_y \\log p(z \\mid y) + \\log p(y)`; ``sample`` draws
    :math:`y \\sim p(y)` (or a given class) and then :math:`z \\sim p(z \\mid y)`. ``ridge`` is added to each
    covariance's diagonal so it stays invertible.
    """

    def __init__(self, ridge: float = 1e-3):
        self.ridge = ridge
        self.dists = None

    def fit(self, z: torch.Tensor, y: torch.Tensor) -> "GaussianClassModel":
        classes = torch.unique(y)
        if len(classes) < 2:
            raise ValueError("GaussianClassModel needs at least two classes.")
        self.classes = classes
        self.log_prior = torch.log(torch.stack([(y == c).float().mean() for c in classes]))
        eye = torch.eye(z.shape[1], dtype=torch.float64)
        self.dists = []
        for c in classes:
            zc = z[y == c].double()
            if len(zc) <= 1:
                raise ValueError(f"class {int(c)} has {len(zc)} example(s); each class needs at least two.")
            cov = torch.cov(zc.T) + self.ridge * eye
            self.dists.append(torch.distributions.MultivariateNormal(zc.mean(0), covariance_matrix=cov))
        return self

    def log_joint(self, z: torch.Tensor) -> torch.Tensor:
        """:math:`\\log p(z, y)` for every class, shape ``(N, classes)``."""
        if self.dists is None:
            raise RuntimeError("GaussianClassModel is not fitted yet: call .fit(z, y) first.")
        return torch.stack([d.log_prob(z.double()) for d in self.dists], 1) + self.log_prior.double()

    def predict(self, z: torch.Tensor) -> torch.Tensor:
        return self.classes[self.log_joint(z).argmax(1)]

    def sample(self, n: int, label: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        if self.dists is None:
            raise RuntimeError("GaussianClassModel is not fitted yet: call .fit(z, y) first.")
        if label is None:
            idx = torch.multinomial(self.log_prior.exp(), n, replacement=True, generator=generator)
        else:
            matches = (self.classes == label).nonzero()
            if len(matches) == 0:
                raise ValueError(f"label {label} is not one of the fitted classes {self.classes.tolist()}.")
            idx = matches[0].repeat(n)
        out = []
        for i in idx.tolist():
            d = self.dists[i]
            eps = torch.randn(d.loc.shape[0], generator=generator, dtype=torch.float64)
            out.append(d.loc + d.scale_tril @ eps)
        return torch.stack(out).float()


def fit_logistic_regression(z: torch.Tensor, y: torch.Tensor, num_classes: int, steps: int = 200,
                            weight_decay: float = 1e-4) -> torch.nn.Linear:
    """Multinomial logistic regression :math:`p(y \\mid z) = \\mathrm{softmax}(Wz + b)`, fitted with L-BFGS."""
    if steps <= 0:
        raise ValueError(f"steps must be positive, got {steps}.")
    model = torch.nn.Linear(z.shape[1], num_classes)
    opt = torch.optim.LBFGS(model.parameters(), max_iter=steps, line_search_fn="strong_wolfe")
    scale = z.std().clamp_min(1e-8)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(z / scale), y) + weight_decay * model.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():  # fold the input scaling into the weights so callers pass raw codes
        model.weight.div_(scale)
    return model


def accuracy(pred: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of predictions equal to the labels."""
    return float((pred == y).float().mean())

