import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gantutor import theory as th

X = torch.linspace(-25, 25, 40001, dtype=torch.float64)


def test_optimal_discriminator_maximises_value_pointwise():
    p, q = th.gaussian_pdf(X, 0, 1), th.gaussian_pdf(X, 1.5, 0.7)
    d_star = th.optimal_discriminator(p, q)
    v_star = th.value_function(d_star, p, q, X)
    for eps in (0.05, -0.05):
        other = (d_star + eps).clamp(1e-6, 1 - 1e-6)
        assert th.value_function(other, p, q, X) < v_star
    assert th.optimal_discriminator(torch.zeros(2), torch.zeros(2)).tolist() == [0.5, 0.5]


@settings(max_examples=25, deadline=None)
@given(m=st.floats(-3, 3), s=st.floats(0.3, 3))
def test_value_at_optimum_is_minus_log4_plus_2jsd(m, s):
    p, q = th.gaussian_pdf(X, 0, 1), th.gaussian_pdf(X, m, s)
    direct = th.value_function(th.optimal_discriminator(p, q), p, q, X)
    assert direct.item() == pytest.approx(th.value_at_optimum(p, q, X).item(), rel=1e-6, abs=1e-9)


def test_jsd_bounds_and_known_values():
    p = th.gaussian_pdf(X, 0, 1)
    assert th.js_divergence(p, p, X).item() == pytest.approx(0, abs=1e-10)
    far = th.gaussian_pdf(X, 9, 0.5)
    assert th.js_divergence(p, far, X).item() == pytest.approx(math.log(2), rel=1e-6)
    assert th.value_at_optimum(p, p, X).item() == pytest.approx(-math.log(4), rel=1e-9)


def test_kl_between_gaussians_on_grid_matches_closed_form():
    p, q = th.gaussian_pdf(X, 0.3, 0.8), th.gaussian_pdf(X, -1.0, 1.7)
    closed = th.gaussian_kl(torch.tensor([0.3]), torch.tensor([math.log(0.64)]), torch.tensor([-1.0]),
                            torch.tensor([math.log(1.7 ** 2)]))
    assert th.kl_divergence(p, q, X).item() == pytest.approx(closed.item(), rel=1e-6)


def test_mixture_pdf_integrates_to_one_and_validates():
    f = th.mixture_pdf(X, [2, 1], [-2, 3], [0.5, 1.0])
    assert th.integrate(f, X).item() == pytest.approx(1.0, rel=1e-8)
    with pytest.raises(ValueError):
        th.mixture_pdf(X, [0, 0], [0, 1], [1, 1])
    with pytest.raises(ValueError):
        th.gaussian_pdf(X, 0, 0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=3, max_size=3), st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_kl_to_standard_normal_matches_general_kl_and_is_nonnegative(mu, logvar):
    mu, logvar = torch.tensor(mu, dtype=torch.float64), torch.tensor(logvar, dtype=torch.float64)
    a = th.gaussian_kl_standard_normal(mu, logvar)
    b = th.gaussian_kl(mu, logvar, torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64))
    ref = torch.distributions.kl_divergence(torch.distributions.Normal(mu, (0.5 * logvar).exp()),
                                            torch.distributions.Normal(0.0, 1.0)).sum()
    assert a.item() == pytest.approx(b.item(), rel=1e-10, abs=1e-12)
    assert a.item() == pytest.approx(ref.item(), rel=1e-10, abs=1e-12)
    assert a.item() >= -1e-12  # non-negative up to rounding


def test_kl_gradient_by_autograd():
    mu = torch.tensor([0.7, -0.2], dtype=torch.float64, requires_grad=True)
    logvar = torch.tensor([0.3, -1.1], dtype=torch.float64, requires_grad=True)
    th.gaussian_kl_standard_normal(mu, logvar).backward()
    assert torch.allclose(mu.grad, mu.detach())
    assert torch.allclose(logvar.grad, 0.5 * (logvar.detach().exp() - 1))
    with pytest.raises(ValueError, match="same shape"):
        th.gaussian_kl_standard_normal(torch.zeros(2), torch.zeros(3))


def test_diag_gaussian_log_prob_matches_torch():
    x, mu, logvar = torch.randn(5, 3), torch.randn(5, 3), torch.randn(5, 3)
    ref = torch.distributions.Normal(mu, (0.5 * logvar).exp()).log_prob(x).sum(-1)
    assert torch.allclose(th.diag_gaussian_log_prob(x, mu, logvar), ref, atol=1e-5)


def _model():
    g = torch.Generator().manual_seed(0)
    return th.LinearGaussianModel(torch.randn(4, 2, generator=g, dtype=torch.float64),
                                  torch.randn(4, generator=g, dtype=torch.float64), 0.5)


def test_linear_gaussian_elbo_equals_log_evidence_at_the_exact_posterior_diagonal_gap_otherwise():
    m = _model()
    x = torch.randn(3, 4, dtype=torch.float64)
    mean, cov = m.posterior(x)
    log_px = m.log_marginal(x)
    # a diagonal q can only match a diagonal posterior: the gap is KL(q || posterior) >= 0
    q_logvar = torch.log(torch.diagonal(cov)).expand(3, -1)
    elbo = m.elbo(x, mean, q_logvar)
    assert (elbo <= log_px + 1e-12).all()
    post = torch.distributions.MultivariateNormal(mean, covariance_matrix=cov)
    q = torch.distributions.MultivariateNormal(mean, covariance_matrix=torch.diag_embed(q_logvar.exp()))
    assert torch.allclose(log_px - elbo, torch.distributions.kl_divergence(q, post), atol=1e-10)


def test_linear_gaussian_elbo_matches_monte_carlo_and_iwae_tightens():
    m = _model()
    x = torch.randn(1, 4, dtype=torch.float64)
    mu, logvar = torch.zeros(1, 2, dtype=torch.float64), torch.zeros(1, 2, dtype=torch.float64)
    g = torch.Generator().manual_seed(1)
    z = mu + (0.5 * logvar).exp() * torch.randn(200000, 2, generator=g, dtype=torch.float64)
    log_w = m.log_joint(x, z) - th.diag_gaussian_log_prob(z, mu, logvar)
    assert log_w.mean().item() == pytest.approx(m.elbo(x, mu, logvar).item(), rel=5e-3)
    k1 = th.iwae_bound(log_w[:1000].view(1000, 1), dim=1).mean()
    k1000 = th.iwae_bound(log_w.view(200, 1000), dim=1).mean()
    assert k1 < k1000 <= m.log_marginal(x).item() + 0.05
    with pytest.raises(ValueError):
        th.LinearGaussianModel(torch.zeros(3, 2), torch.zeros(2), 1.0)


def test_js_divergence_stays_finite_where_the_tails_underflow():
    """p = N(0, 1), q = N(0, 0.5) on [-15, 15]: far out p is the smallest subnormal and q is 0, so (p + q)/2 would
    round to 0 and KL(p‖m) would be infinite. The answer, by numerical integration at higher precision, is 0.0927."""
    x = torch.linspace(-15, 15, 3001)                                     # float32
    p, q = th.gaussian_pdf(x, 0.0, 1.0), th.gaussian_pdf(x, 0.0, 0.5)
    assert ((p > 0) & ((p + q) / 2 == 0)).any()                           # the case that used to give inf
    assert th.js_divergence(p, q, x).item() == pytest.approx(0.0927, abs=5e-4)
    assert th.js_divergence(q, p, x).item() == pytest.approx(th.js_divergence(p, q, x).item(), rel=1e-6)
