# %% [markdown]
# (ch-vae-objective)=
# # The VAE objective, derived and checked
#
# A {term}`variational autoencoder` (VAE, 变分自编码器; Kingma & Welling, 2014) is trained by maximising the
# {term}`evidence lower bound <ELBO>` (ELBO, 证据下界). This chapter derives the ELBO two ways, derives the closed-form KL term, explains the
# reparameterisation trick with a measured comparison, and checks the size of the ELBO's gap exactly on a model whose
# likelihood is known. It ends with the importance-sampled likelihood estimate that later chapters use to compare
# with published numbers. Every identity is checked in a cell whose printed result the test suite compares on every re-run.
#
# :::{admonition} What this chapter needs
# :class: tip
# Runs on a laptop CPU in seconds; no training. The outputs on this page come from the **{run}`profile`** profile, run on
# **{run}`device`** in {run}`seconds` s.
# :::

# %%
import math
import time

import matplotlib.pyplot as plt
import torch

import gantutor as gt
from gantutor import theory as th

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))

# %%
SEED = 0
MC_SAMPLES = P.eval_samples * 100        # Monte Carlo sample size for the illustrative checks
gen = gt.seed_everything(SEED)

# %% [markdown]
# ## A latent-variable model
#
# A VAE's decoder defines a **latent-variable model** (隐变量模型): draw a code $z$ from a prior $p(z)$, usually
# $\mathcal{N}(0, I)$, then data from the decoder $p_\theta(x \mid z)$. The model's density of a data point, the
# **evidence**, is
#
# $$
# p_\theta(x) = \int p_\theta(x \mid z)\, p(z)\, dz .
# $$
#
# Fitting by maximum likelihood needs $\log p_\theta(x)$, but with a neural decoder this integral has no closed form,
# and neither has the posterior $p_\theta(z \mid x) = p_\theta(x \mid z) p(z) / p_\theta(x)$.
#
# ## The ELBO, derived two ways
#
# Introduce an **encoder** $q_\phi(z \mid x)$, any distribution over codes that we can sample and evaluate.
#
# **Via Jensen's inequality.** Since $\log$ is concave, $\log \mathbb{E}[w] \ge \mathbb{E}[\log w]$:
#
# $$
# \begin{aligned}
# \log p_\theta(x) &= \log \mathbb{E}_{q_\phi(z \mid x)}\!\left[\frac{p_\theta(x, z)}{q_\phi(z \mid x)}\right] \\
# &\ge \mathbb{E}_{q_\phi(z \mid x)}\!\left[\log \frac{p_\theta(x, z)}{q_\phi(z \mid x)}\right] =: \mathcal{L}(x).
# \end{aligned}
# $$
#
# **Via the posterior.** Expand the KL divergence from $q$ to the true posterior:
#
# $$
# \begin{aligned}
# &\mathrm{KL}\bigl(q_\phi(z \mid x) \,\|\, p_\theta(z \mid x)\bigr) \\
# &\qquad = \mathbb{E}_q\bigl[\log q_\phi(z \mid x) - \log p_\theta(x, z)\bigr] + \log p_\theta(x) \\
# &\qquad = \log p_\theta(x) - \mathcal{L}(x).
# \end{aligned}
# $$
#
# So $\log p_\theta(x) = \mathcal{L}(x) + \mathrm{KL}(q \,\|\, p(z \mid x))$: the ELBO is below the evidence by
# exactly the KL from the encoder to the true posterior, and equals it iff $q$ *is* the posterior. The second
# derivation tells us more than the first: maximising $\mathcal{L}$ over $\phi$ makes the encoder approximate the
# posterior; maximising over $\theta$ raises a lower bound on the likelihood.
#
# Splitting $p_\theta(x, z) = p_\theta(x \mid z) p(z)$ gives the form that is implemented:
#
# $$
# \mathcal{L}(x) = \underbrace{\mathbb{E}_{q_\phi(z \mid x)}[\log p_\theta(x \mid z)]}_{\text{reconstruction}}
#  - \underbrace{\mathrm{KL}\bigl(q_\phi(z \mid x) \,\|\, p(z)\bigr)}_{\text{regulariser}} .
# $$ (eq-elbo)
#
# ## The KL term in closed form
#
# With $q_\phi(z \mid x) = \mathcal{N}(\mu, \operatorname{diag}\sigma^2)$ and $p(z) = \mathcal{N}(0, I)$ the KL
# factorises over dimensions. For one dimension,
#
# $$
# \begin{aligned}
# \mathrm{KL} &= \mathbb{E}_q\left[\log \frac{q(z)}{p(z)}\right] \\
#  &= \mathbb{E}_q\left[-\tfrac12 \log \sigma^2 - \frac{(z - \mu)^2}{2\sigma^2} + \frac{z^2}{2}\right] \\
#  &= -\tfrac12 \log \sigma^2 - \tfrac12 + \tfrac12(\mu^2 + \sigma^2),
# \end{aligned}
# $$
#
# using $\mathbb{E}_q[(z-\mu)^2] = \sigma^2$ and $\mathbb{E}_q[z^2] = \mu^2 + \sigma^2$. Summing over dimensions:
# $\mathrm{KL} = \tfrac12 \sum_j (\mu_j^2 + \sigma_j^2 - 1 - \log \sigma_j^2)$ — `gantutor.theory.gaussian_kl_standard_normal`.
#
# **Check 1** — against numerical integration (each dimension on a fine grid; the integrand is smooth, so the
# trapezoid rule is accurate far beyond $10^{-4}$), and against Monte Carlo, which can only agree within its
# standard error:

# %% tags=["nbval-check-output"]
mu = torch.tensor([0.8, -1.5, 0.0, 0.3], dtype=torch.float64)
logvar = torch.tensor([-0.5, 0.4, -2.0, 0.0], dtype=torch.float64)
closed = th.gaussian_kl_standard_normal(mu, logvar).item()

grid = torch.linspace(-15, 15, 300_001, dtype=torch.float64)
quad = 0.0
for m, lv in zip(mu.tolist(), logvar.tolist()):
    q = th.gaussian_pdf(grid, m, math.exp(0.5 * lv))
    quad += th.kl_divergence(q, th.gaussian_pdf(grid, 0.0, 1.0), grid).item()
print(f"closed form {closed:.8f} | quadrature {quad:.8f} | rel. diff <= 1e-4: {abs(quad - closed) <= 1e-4 * closed}")

# %%
z = mu + (0.5 * logvar).exp() * torch.randn(MC_SAMPLES, 4, generator=gen, dtype=torch.float64)
log_ratio = th.diag_gaussian_log_prob(z, mu, logvar) - th.diag_gaussian_log_prob(z, torch.zeros(4), torch.zeros(4))
mc, se = log_ratio.mean().item(), log_ratio.std().item() / math.sqrt(MC_SAMPLES)
print(f"Monte Carlo with {MC_SAMPLES:,} samples: {mc:.5f} ± {se:.5f} (closed form {closed:.5f}; "
      f"{abs(mc - closed) / se:.1f} standard errors away)")

# %% tags=["remove-cell"]
from myst_nb import glue

glue("kl_mc_se", se, display=False)
glue("mc_samples", MC_SAMPLES, display=False)

# %% [markdown]
# The Monte Carlo estimate carries a standard error of {glue:text}`kl_mc_se:.4f` with {glue:text}`mc_samples:,.0f`
# samples; closed forms remove that noise from the training objective entirely, which is why the KL term is always
# computed analytically when it can be.
#
# ## The reparameterisation trick
#
# The reconstruction term $\mathbb{E}_{q_\phi(z \mid x)}[\log p_\theta(x \mid z)]$ must be differentiated with
# respect to $\phi$, the parameters of the distribution we sample from. Two unbiased estimators of
# $\nabla_\phi \mathbb{E}_{q_\phi}[f(z)]$:
#
# * **score function** (REINFORCE, 得分函数估计): $\mathbb{E}_q[f(z)\, \nabla_\phi \log q_\phi(z)]$ — needs only
#   $f(z)$'s values;
# * {term}`reparameterisation <reparameterisation trick>` (重参数化): write $z = \mu + \sigma \odot \varepsilon$, $\varepsilon \sim \mathcal{N}(0, I)$,
#   so that $\nabla_\phi \mathbb{E}_\varepsilon[f(\mu + \sigma\varepsilon)] = \mathbb{E}_\varepsilon[\nabla_\phi f(\mu + \sigma\varepsilon)]$ —
#   needs $f$ to be differentiable, and uses its gradient.
#
# For $f(z) = z^2$ under $\mathcal{N}(\mu, \sigma^2)$ the exact gradients are $\partial_\mu = 2\mu$ and
# $\partial_\sigma = 2\sigma$. Both estimators, with one sample each, repeated many times:

# %% tags=["nbval-check-output"]
MU, SIGMA, REPS = 1.0, 0.5, 200_000
g = torch.Generator().manual_seed(SEED)
eps = torch.randn(REPS, generator=g, dtype=torch.float64)
z = MU + SIGMA * eps
f = z ** 2
# score function: f(z) * d/dphi log N(z; mu, sigma^2)
score_mu, score_sigma = f * (z - MU) / SIGMA ** 2, f * ((z - MU) ** 2 / SIGMA ** 3 - 1 / SIGMA)
# reparameterisation, by autograd through z = mu + sigma * eps
mu_t = torch.tensor(MU, dtype=torch.float64, requires_grad=True)
sig_t = torch.tensor(SIGMA, dtype=torch.float64, requires_grad=True)
per_sample = (mu_t + sig_t * eps) ** 2
rep_mu = torch.autograd.grad(per_sample.sum(), mu_t, retain_graph=True)[0]  # sum of per-sample gradients
jac = torch.stack([2 * (MU + SIGMA * eps), 2 * (MU + SIGMA * eps) * eps])   # per-sample gradients, exact
assert torch.isclose(rep_mu, jac[0].sum())
print(f"exact gradient:           d/dmu = {2 * MU:.3f}   d/dsigma = {2 * SIGMA:.3f}")
for name, gm, gs in (("score function", score_mu, score_sigma), ("reparameterisation", jac[0], jac[1])):
    print(f"{name:>18}: mean {gm.mean():.2f} / {gs.mean():.2f}   variance per sample {gm.var():8.3f} / {gs.var():8.3f}")

# %%
ratio_mu = (score_mu.var() / jac[0].var()).item()
ratio_sigma = (score_sigma.var() / jac[1].var()).item()
print(f"variance ratio score/reparameterised: mu {ratio_mu:.1f}x, sigma {ratio_sigma:.1f}x")

# %% tags=["remove-cell"]
glue("var_ratio_mu", ratio_mu, display=False)
glue("var_ratio_sigma", ratio_sigma, display=False)

# %% [markdown]
# Both estimators are unbiased — their means match the exact gradients — but the score-function estimator's variance
# is {glue:text}`var_ratio_mu:.0f` times larger for $\mu$ and {glue:text}`var_ratio_sigma:.0f` times larger for
# $\sigma$ here. To reach the same precision it needs that many times more samples. This is why VAEs sample
# $z = \mu + \sigma \varepsilon$: the encoder's output enters the decoder through a differentiable path, and one
# sample per data point is enough in practice.
#
# ## The ELBO gap, checked exactly
#
# Take a **linear-Gaussian model**: $p(z) = \mathcal{N}(0, I_k)$, $p(x \mid z) = \mathcal{N}(Wz + b, s^2 I_d)$. Then
# $p(x) = \mathcal{N}(b, WW^\top + s^2 I)$ and the posterior is Gaussian, so $\log p(x)$, the ELBO of any Gaussian
# $q$ and the KL to the posterior all have closed forms (`gantutor.theory.LinearGaussianModel`). The derivation says
# $\log p(x) - \mathcal{L}(x) = \mathrm{KL}(q \,\|\, p(z \mid x))$, with $\mathcal{L}$ as in {eq}`eq-elbo`. Checked with three encoders — the posterior
# itself, its mean with the wrong variances, and the prior:

# %% tags=["nbval-check-output"]
gq = torch.Generator().manual_seed(SEED)
d_obs, k_lat, s = 5, 2, 0.5
Q, _ = torch.linalg.qr(torch.randn(d_obs, k_lat, generator=gq, dtype=torch.float64))
W = Q * torch.tensor([2.0, 0.7], dtype=torch.float64)      # orthogonal columns -> diagonal posterior
model = th.LinearGaussianModel(W, torch.randn(d_obs, generator=gq, dtype=torch.float64), s)
x_obs = torch.randn(1, d_obs, generator=gq, dtype=torch.float64)
log_px = model.log_marginal(x_obs).item()
post_mean, post_cov = model.posterior(x_obs)
encoders = {
    "exact posterior": (post_mean, torch.log(torch.diagonal(post_cov)).unsqueeze(0)),
    "posterior mean, variance 1": (post_mean, torch.zeros(1, k_lat, dtype=torch.float64)),
    "the prior N(0, I)": (torch.zeros(1, k_lat, dtype=torch.float64), torch.zeros(1, k_lat, dtype=torch.float64)),
}
posterior = torch.distributions.MultivariateNormal(post_mean, covariance_matrix=post_cov)
print(f"log p(x) = {log_px:.6f}")
for name, (m, lv) in encoders.items():
    elbo = model.elbo(x_obs, m, lv).item()
    q = torch.distributions.MultivariateNormal(m, covariance_matrix=torch.diag_embed(lv.exp()))
    kl = torch.distributions.kl_divergence(q, posterior).item()
    gap = log_px - elbo
    print(f"  q = {name:<27} ELBO {elbo:10.6f}  gap {gap:9.6f}  KL(q||posterior) {kl:9.6f}  "
          f"agree to 1e-4: {abs(gap - kl) <= 1e-4 * max(1.0, abs(kl))}")

# %% [markdown]
# The gap is zero for the exact posterior and grows as $q$ moves away from it, equal to the KL every time.
#
# ## Article 003's loss as a special case
#
# Article 003 writes the VAE loss as $\lVert x - D(E(x)) \rVert^2 + D_{KL}(E(x) \,\|\, p_z(z))$. Two problems, and
# what the formula becomes once they are fixed:
#
# 1. **The encoder must output a distribution.** A KL divergence is between distributions; $E(x)$ written as one
#    code makes $D_{KL}(E(x) \| p_z)$ undefined. In a VAE the encoder outputs $(\mu(x), \sigma(x))$, and the decoder
#    sees a *sample* $z = \mu + \sigma \varepsilon$ — otherwise the reconstruction term is not
#    $\mathbb{E}_q[\log p(x \mid z)]$ and the whole is not an ELBO.
# 2. **The squared error fixes a decoder variance.** For a Gaussian decoder $p(x \mid z) = \mathcal{N}(\hat x(z), s^2 I)$,
#    $-\log p(x \mid z) = \frac{1}{2s^2}\lVert x - \hat x \rVert^2 + \frac d2 \log(2\pi s^2)$. The article's
#    unweighted sum of squared error and KL is $-\mathcal{L}$ up to a constant **only when $s^2 = 1/2$**. With another
#    variance the same ELBO reads $\lVert x - \hat x\rVert^2 + 2s^2 \cdot \mathrm{KL}$: the decoder variance is a
#    weight on the KL — the $\beta$ of a $\beta$-VAE (Higgins et al., 2017), with $\beta = 2s^2$ relative to the
#    article's weighting.
#
# **Check 2** — for random $x$, $\hat x$: the Gaussian negative log-likelihood with $s^2 = 1/2$ minus the squared
# error is the constant $\frac d2 \log \pi$, and for a general $s^2$ the negative ELBO is $\frac{1}{2s^2}$ times the
# article's loss with $\beta = 2s^2$, plus a constant:

# %% tags=["nbval-check-output"]
gx = torch.Generator().manual_seed(SEED)
d_pix = 784
xs, x_hat = torch.rand(6, d_pix, generator=gx, dtype=torch.float64), torch.rand(6, d_pix, generator=gx, dtype=torch.float64)
sq_err = (xs - x_hat).pow(2).sum(-1)
nll_half = -th.diag_gaussian_log_prob(xs, x_hat, torch.full_like(xs, math.log(0.5)))
const = nll_half - sq_err
print(f"-log N(x; x_hat, 1/2 I) - ||x - x_hat||^2: min {const.min():.6f}, max {const.max():.6f}, "
      f"(d/2) log pi = {d_pix / 2 * math.log(math.pi):.6f}")
kl_term = torch.rand(6, generator=gx, dtype=torch.float64) * 10
for s2 in (0.5, 0.1, 2.0):
    neg_elbo = -th.diag_gaussian_log_prob(xs, x_hat, torch.full_like(xs, math.log(s2))) + kl_term
    beta_form = (sq_err + 2 * s2 * kl_term) / (2 * s2) + d_pix / 2 * math.log(2 * math.pi * s2)
    print(f"s^2 = {s2:<4}: beta = 2 s^2 = {2 * s2:.1f}; max |(-ELBO) - beta-form| = {(neg_elbo - beta_form).abs().max():.1e}")

# %% [markdown]
# **Binary data: the Bernoulli decoder.** MNIST is often binarised (each pixel 0 or 1). Then the decoder outputs
# pixel probabilities $\pi(z)$, $p(x \mid z) = \prod_j \pi_j^{x_j}(1 - \pi_j)^{1 - x_j}$, and
# $-\log p(x \mid z)$ is the **binary cross-entropy** summed over pixels — computed from logits with
# `binary_cross_entropy_with_logits(..., reduction="sum")`, exactly like the GAN losses. Only with a proper
# likelihood like this one is the ELBO a bound on $\log p(x)$ in nats that can be compared across papers; the squared
# error of a Gaussian decoder with an arbitrary $s$ is not.
#
# ## Importance-sampled log-likelihood
#
# To *evaluate* a VAE we want $\log p(x)$, not a bound. Sampling $z_1, \dots, z_K \sim q(z \mid x)$,
#
# $$
# \log p(x) \approx \mathcal{L}_K = \log \frac1K \sum_{k=1}^K \frac{p(x, z_k)}{q(z_k \mid x)} ,
# $$
#
# which is the ELBO for $K = 1$, never decreases in expectation as $K$ grows, and converges to $\log p(x)$
# (the {term}`importance-weighted bound`; Burda et al., 2016; `gantutor.theory.iwae_bound`). On the linear-Gaussian model we can watch it converge, using
# the deliberately poor encoder $q = p(z)$:

# %% mystnb={"figure": {"caption": "The importance-weighted estimate as the number of samples $K$ grows (log scale), with its spread over repeated\ndraws, against the exact $\\log p(x)$ (dashed). Look at how the mean climbs from the ELBO towards the truth and the\nspread shrinks.", "name": "fig-ch4-1"}}
m, lv = encoders["the prior N(0, I)"]
g2 = torch.Generator().manual_seed(SEED)
K_MAX, REPEATS = 1000, max(20, P.eval_samples // 20)
z = m + (0.5 * lv).exp() * torch.randn(REPEATS, K_MAX, k_lat, generator=g2, dtype=torch.float64)
log_w = model.log_joint(x_obs, z) - th.diag_gaussian_log_prob(z, m, lv)       # (REPEATS, K_MAX)
Ks = [1, 10, 100, 1000]
estimates = [th.iwae_bound(log_w[:, :k], dim=1) for k in Ks]
for k, est in zip(Ks, estimates):
    print(f"K = {k:>4}: mean {est.mean():9.4f}  std over {REPEATS} repeats {est.std():.4f}")
print(f"exact log p(x) = {log_px:.4f};  ELBO (closed form) = {model.elbo(x_obs, m, lv).item():.4f}")
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.errorbar(Ks, [e.mean().item() for e in estimates], yerr=[e.std().item() for e in estimates], marker="o",
            capsize=3, label="$\\mathcal{L}_K$ (mean ± std over repeats)")
ax.axhline(log_px, color="C2", ls="--", label="exact $\\log p(x)$")
ax.set_xscale("log"); ax.set_xlabel("K (importance samples)"); ax.set_ylabel("nats"); ax.legend(fontsize=8)
plt.show()

# %% tags=["remove-cell"]
glue("iwae_k1", estimates[0].mean().item(), display=False)
glue("iwae_k1000", estimates[-1].mean().item(), display=False)
glue("log_px", log_px, display=False)

# %% [markdown]
# With $K = 1$ the estimate averages {glue:text}`iwae_k1:.3f` nats; with $K = 1000$ it reaches
# {glue:text}`iwae_k1000:.3f`, against the exact {glue:text}`log_px:.3f`. A better encoder (closer to the posterior)
# converges with far fewer samples — that is what a trained VAE's encoder provides — and an estimate is only
# comparable with another when both state their $K$.
#
# ## Exercises
#
# 1. Derive $\mathrm{KL}(\mathcal{N}(\mu_1, \sigma_1^2) \,\|\, \mathcal{N}(\mu_2, \sigma_2^2))$ and check it with
#    `th.gaussian_kl` and a quadrature as in Check 1.
# 2. Show that $\mathbb{E}[\mathcal{L}_K] \le \mathbb{E}[\mathcal{L}_{K+1}]$ (hint: write $\mathcal{L}_{K+1}$'s
#    average as an average over subsets of size $K$ and apply Jensen's inequality).
# 3. In the reparameterisation section, change $f$ to $f(z) = \cos(3z)$. Which estimator's advantage grows, and why?
# 4. In the ELBO-gap check, give the model non-orthogonal columns $W$. Why can a diagonal $q$ no longer close the gap?
#    What is the smallest gap a diagonal $q$ can reach?

# %% [markdown]
# ## Checked code exercise
#
# Write the two pieces of the VAE objective that the encoder's output feeds: the reparameterised sample
# $z = \mu + \sigma\odot\varepsilon$ with $\sigma = \exp(\tfrac12\log\sigma^2)$ (use the given `eps`), and the closed-form
# $\mathrm{KL}(\mathcal N(\mu,\sigma^2)\,\|\,\mathcal N(0,I))$ per example. The checkers compare values *and*
# gradients with the book's functions, so a sample that blocks the gradient to $\mu$ or $\log\sigma^2$ is caught too.
# As printed here, with the functions still unwritten, every case fails:

# %%
from gantutor import exercises as ex


def my_reparameterize(mu, logvar, eps):
    raise NotImplementedError()     # your code here


def my_kl(mu, logvar):
    raise NotImplementedError()     # your code here


report_z = ex.check_reparameterize(my_reparameterize, raise_on_fail=False)
report_kl = ex.check_kl_standard_normal(my_kl, raise_on_fail=False)


# %% [markdown]
# A worked solution (click to show the code); its checks follow. Assignment 2 ({doc}`a2_for_instructors`) continues
# with the negative ELBO and trains a VAE with it.

# %% tags=["hide-input"]
def my_reparameterize(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * eps


def my_kl(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)


report_z = ex.check_reparameterize(my_reparameterize)
report_kl = ex.check_kl_standard_normal(my_kl)

# %% tags=["remove-cell"]
glue("ch4_profile", gt.Text(P.name), display=False)
glue("ch4_device", gt.Text(str(device)), display=False)
glue("ch4_seconds", time.perf_counter() - T0, display=False)
