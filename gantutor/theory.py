r"""Closed forms that the derivation chapters check numerically (chapters: *The GAN objective*, *The VAE
objective*).

Everything here works on explicit densities evaluated on a 1-D grid (for the GAN theory) or on Gaussian
parameters (for the VAE theory), so that each identity can be compared with an independent numerical computation.
"""

from __future__ import annotations

import math

import torch

LOG4 = math.log(4.0)


# ------------------------------------------------------------------------------------------- densities on a grid
def gaussian_pdf(x: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    r""":math:`\mathcal{N}(x; \mu, \sigma^2)` evaluated elementwise."""
    if std <= 0:
        raise ValueError(f"std must be positive, got {std}.")
    return torch.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def mixture_pdf(x: torch.Tensor, weights, means, stds) -> torch.Tensor:
    r"""A 1-D Gaussian mixture :math:`\sum_k \pi_k \mathcal{N}(x; \mu_k, \sigma_k^2)`; weights are normalised."""
    w = torch.as_tensor(weights, dtype=x.dtype)
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("mixture weights must be non-negative and not all zero.")
    w = w / w.sum()
    return sum(wk * gaussian_pdf(x, float(m), float(s)) for wk, m, s in zip(w, means, stds))


def integrate(values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Trapezoidal integral of ``values`` over the grid ``x`` (last dimension)."""
    return torch.trapezoid(values, x)


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    r"""The discriminator that maximises :math:`V(D, G)` for a fixed generator (Goodfellow et al., 2014, Prop. 1):

    .. math:: D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}.

    Where both densities are 0 the value does not matter for :math:`V`; it is set to 1/2 there.
    """
    total = p_data + p_g
    safe = torch.where(total > 0, total, torch.ones_like(total))
    return torch.where(total > 0, p_data / safe, torch.full_like(total, 0.5))


def _xlogy(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.special.xlogy(x, y)


def value_function(d: torch.Tensor, p_data: torch.Tensor, p_g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""The GAN value function for densities on a grid:

    .. math:: V(D, G) = \int p_\text{data}(x) \log D(x)\,dx + \int p_g(x) \log(1 - D(x))\,dx.

    Terms where a density is 0 contribute 0 (the convention :math:`0 \log 0 = 0`). Where ``D`` has rounded to
    exactly 0 or 1 in floating point while the other density is a few hundred orders of magnitude smaller but not
    0 (far tails), the log is taken of the smallest positive float instead of 0, so the term stays finite and
    negligible instead of becoming ``0 * -inf``.
    """
    tiny = torch.finfo(d.dtype).tiny
    return integrate(_xlogy(p_data, d.clamp_min(tiny)) + _xlogy(p_g, (1 - d).clamp_min(tiny)), x)


def kl_divergence(p: torch.Tensor, q: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r""":math:`\mathrm{KL}(p \,\|\, q) = \int p \log (p / q)\,dx` on a grid (nats); infinite where ``q = 0 < p``."""
    return integrate(_xlogy(p, p) - _xlogy(p, q), x)


def js_divergence(p: torch.Tensor, q: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Jensen–Shannon divergence in nats, :math:`\tfrac12 \mathrm{KL}(p\|m) + \tfrac12 \mathrm{KL}(q\|m)` with
    :math:`m = (p + q)/2`. It lies in :math:`[0, \log 2]`.

    Computed as :math:`\tfrac12\int p \log\frac{2p}{p+q} + q \log\frac{2q}{p+q}\,dx` without forming ``m``:
    where ``p`` is the smallest subnormal number and ``q`` is 0 (far in the tails), ``(p + q)/2`` rounds to 0 and
    ``KL(p‖m)`` would be infinite; ``p + q`` never rounds below ``p``."""
    s = p + q
    log2 = math.log(2.0)
    integrand = _xlogy(p, p) - _xlogy(p, s) + _xlogy(q, q) - _xlogy(q, s) + log2 * s
    return (0.5 * integrate(integrand, x)).clamp(min=0.0)     # rounding can leave -1e-9 for p = q


def value_at_optimum(p_data: torch.Tensor, p_g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r""":math:`V(D^*, G) = -\log 4 + 2\,\mathrm{JSD}(p_\text{data} \,\|\, p_g)` (Goodfellow et al., 2014, Thm. 1)."""
    return -LOG4 + 2 * js_divergence(p_data, p_g, x)


# ------------------------------------------------------------------------------------------------ the VAE side
def gaussian_kl_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""Closed-form :math:`\mathrm{KL}(\mathcal{N}(\mu, \operatorname{diag}\sigma^2) \,\|\, \mathcal{N}(0, I))`,
    summed over the last dimension:

    .. math:: \tfrac12 \sum_j \left(\mu_j^2 + \sigma_j^2 - 1 - \log \sigma_j^2\right).
    """
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape, got {tuple(mu.shape)} and {tuple(logvar.shape)}.")
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)


def gaussian_kl(mu_q, logvar_q, mu_p, logvar_p) -> torch.Tensor:
    r"""Closed-form KL between diagonal Gaussians, :math:`\mathrm{KL}(q \,\|\, p)`, summed over the last dimension:

    .. math:: \tfrac12 \sum_j \left(\log\frac{\sigma_{p,j}^2}{\sigma_{q,j}^2}
              + \frac{\sigma_{q,j}^2 + (\mu_{q,j} - \mu_{p,j})^2}{\sigma_{p,j}^2} - 1\right).
    """
    return 0.5 * (logvar_p - logvar_q + (logvar_q.exp() + (mu_q - mu_p).pow(2)) / logvar_p.exp() - 1.0).sum(-1)


def diag_gaussian_log_prob(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r""":math:`\log \mathcal{N}(x; \mu, \operatorname{diag}\sigma^2)`, summed over the last dimension."""
    return -0.5 * (math.log(2 * math.pi) + logvar + (x - mu).pow(2) / logvar.exp()).sum(-1)


def iwae_bound(log_weights: torch.Tensor, dim: int = 0) -> torch.Tensor:
    r"""The importance-weighted bound from ``K`` log-weights :math:`\log w_k = \log p(x, z_k) - \log q(z_k \mid x)`:

    .. math:: \mathcal{L}_K = \log \frac1K \sum_{k=1}^K w_k ,

    computed with ``logsumexp``. :math:`K = 1` is the ELBO; as :math:`K \to \infty` it tends to :math:`\log p(x)`
    (Burda et al., 2016). Used as the importance-sampled log-likelihood estimate.
    """
    k = log_weights.shape[dim]
    if k < 1:
        raise ValueError("need at least one log-weight.")
    return torch.logsumexp(log_weights, dim=dim) - math.log(k)


class LinearGaussianModel:
    r"""A latent-variable model whose evidence is known exactly:

    .. math:: p(z) = \mathcal{N}(0, I_k), \qquad p(x \mid z) = \mathcal{N}(Wz + b, \sigma^2 I_d),

    so :math:`p(x) = \mathcal{N}(b, WW^\top + \sigma^2 I)` and the posterior :math:`p(z \mid x)` is Gaussian with
    covariance :math:`(I + W^\top W/\sigma^2)^{-1}` and mean :math:`\Sigma W^\top (x - b)/\sigma^2`.
    """

    def __init__(self, W: torch.Tensor, b: torch.Tensor, sigma: float):
        if W.dim() != 2 or b.shape != (W.shape[0],):
            raise ValueError(f"W must be (d, k) and b (d,), got {tuple(W.shape)} and {tuple(b.shape)}.")
        if sigma <= 0:
            raise ValueError(f"sigma must be positive, got {sigma}.")
        self.W, self.b, self.sigma = W.double(), b.double(), float(sigma)
        self.d, self.k = W.shape

    def log_marginal(self, x: torch.Tensor) -> torch.Tensor:
        """Exact :math:`\\log p(x)`."""
        cov = self.W @ self.W.T + self.sigma ** 2 * torch.eye(self.d, dtype=torch.float64)
        return torch.distributions.MultivariateNormal(self.b, covariance_matrix=cov).log_prob(x.double())

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean ``(N, k)`` and covariance ``(k, k)`` of the exact posterior :math:`p(z \\mid x)`."""
        prec = torch.eye(self.k, dtype=torch.float64) + self.W.T @ self.W / self.sigma ** 2
        cov = torch.linalg.inv(prec)
        mean = (x.double() - self.b) @ self.W @ cov / self.sigma ** 2
        return mean, cov

    def log_joint(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """:math:`\\log p(x, z) = \\log p(x \\mid z) + \\log p(z)` (broadcasting over leading dimensions of z)."""
        mean = z.double() @ self.W.T + self.b
        logvar = torch.full_like(mean, 2 * math.log(self.sigma))
        zero = torch.zeros_like(z, dtype=torch.float64)
        return diag_gaussian_log_prob(x.double(), mean, logvar) + diag_gaussian_log_prob(z.double(), zero, zero)

    def elbo(self, x: torch.Tensor, q_mu: torch.Tensor, q_logvar: torch.Tensor) -> torch.Tensor:
        r"""Exact ELBO for a diagonal Gaussian :math:`q(z \mid x) = \mathcal{N}(\mu_q, \operatorname{diag}\sigma_q^2)`:

        .. math:: \mathbb{E}_q[\log p(x \mid z)] - \mathrm{KL}(q \,\|\, p(z)),\quad
                  \mathbb{E}_q[\log p(x\mid z)] = -\tfrac d2 \log(2\pi\sigma^2)
                  - \frac{\lVert x - W\mu_q - b \rVert^2 + \operatorname{tr}(W \operatorname{diag}(\sigma_q^2) W^\top)}{2\sigma^2}.
        """
        x, q_mu, q_logvar = x.double(), q_mu.double(), q_logvar.double()
        resid = (x - q_mu @ self.W.T - self.b).pow(2).sum(-1)
        trace = (q_logvar.exp() * self.W.pow(2).sum(0)).sum(-1)
        expected = -0.5 * self.d * math.log(2 * math.pi * self.sigma ** 2) - (resid + trace) / (2 * self.sigma ** 2)
        return expected - gaussian_kl_standard_normal(q_mu, q_logvar)
