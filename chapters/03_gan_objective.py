# %% [markdown]
# (ch-gan-objective)=
# # The GAN objective, derived and checked
#
# The previous chapter used the GAN losses; this one derives where they come from and what they optimise. Every
# identity is derived on paper first and then **checked numerically** in a cell whose printed result the test suite compares on every re-run.
# To make exact checks possible, we work in one dimension, where the densities can be
# written down and integrated on a fine grid.
#
# :::{admonition} What this chapter needs
# :class: tip
# Runs on a laptop CPU in a minute or two. The outputs on this page come from the **{run}`profile`** profile, run on
# **{run}`device`** in {run}`seconds` s.
# :::

# %%
import math
import time

import matplotlib.pyplot as plt
import torch

import gantutor as gt
from gantutor import theory as th
from gantutor import widgets

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))

# %%
SEED = 0
x = torch.linspace(-20, 20, 8001, dtype=torch.float64)  # the grid on which densities are integrated
p_data = th.mixture_pdf(x, **widgets.DATA_MIXTURE)      # two bumps, at -2 and +2
p_g = th.gaussian_pdf(x, 0.5, 1.0)                      # one generator: N(0.5, 1)
_ = gt.seed_everything(SEED)   # seeds Python, NumPy and PyTorch

# %% [markdown]
# ## The value function
#
# A GAN is a two-player game (博弈) between the discriminator $D$ and the generator $G$ over the {term}`value function`
# (价值函数)
#
# $$
# \begin{aligned}
# V(D, G) &= \mathbb{E}_{x \sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))] \\
#         &= \int p_\text{data}(x) \log D(x) + p_g(x) \log(1 - D(x))\, dx ,
# \end{aligned}
# $$
#
# where $p_g$ is the distribution of $G(z)$; the second form follows from the change of variables $x = G(z)$
# (the "law of the unconscious statistician"). $D$ maximises $V$, $G$ minimises it:
# $\min_G \max_D V(D, G)$ (Goodfellow et al., 2014).
#
# ## The optimal discriminator
#
# The {term}`optimal discriminator` (最优判别器) answers: for a fixed generator, which $D$ maximises $V$?
#
# Fix $G$. The integrand depends on $D$ only through the value $y = D(x)$ at each point, so $V$ is maximised by
# maximising $f(y) = a \log y + b \log(1 - y)$ separately at every $x$, with $a = p_\text{data}(x)$ and
# $b = p_g(x)$. Setting $f'(y) = a/y - b/(1-y) = 0$ gives $y = a/(a + b)$, and $f'' < 0$ makes it a maximum:
#
# $$
# D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)} .
# $$ (eq-dstar)
#
# **Check 1** — maximise $f$ by brute force over 99,999 values of $y$ at grid points and compare with the
# formula {eq}`eq-dstar`; then perturb $D^*$ and see $V$ drop:

# %% tags=["nbval-check-output"]
d_star = th.optimal_discriminator(p_data, p_g)
ys = torch.linspace(0, 1, 100_001, dtype=torch.float64)[1:-1]          # candidate values of D(x), step 1e-5
pts = torch.arange(0, len(x), 40)                                       # every 40th grid point: -20, -19.8, ...
f = torch.special.xlogy(p_data[pts, None], ys) + torch.special.xlogy(p_g[pts, None], 1 - ys)
d_brute = ys[f.argmax(1)]
mask = (p_data + p_g)[pts] > 1e-12          # where both densities vanish, D does not affect V
err = (d_brute - d_star[pts])[mask].abs().max().item()
print(f"{int(mask.sum())} points: max |D_brute - D*| = {err:.1e} (y step 1e-5) -> agrees to 1e-4: {err <= 1e-4}")
v_star = th.value_function(d_star, p_data, p_g, x)
worse = [th.value_function((d_star + e).clamp(1e-9, 1 - 1e-9), p_data, p_g, x) for e in (-0.02, 0.02)]
print(f"V(D*, G) = {v_star.item():.6f}; moving D by -0.02 / +0.02 lowers it to "
      f"{worse[0].item():.6f} / {worse[1].item():.6f}: {all(bool(w < v_star) for w in worse)}")


# %% [markdown]
# **Check 2** — a real discriminator (a small network, trained with the BCE loss against samples from this fixed
# $p_g$) should approach $D^*$ where there are data to learn from:

# %% mystnb={"figure": {"caption": "Blue and orange: the two densities. Dashed green: $D^*$ from the formula. Red: a network trained for\n{glue:text}`d_net_steps:,.0f` steps on samples only. Look at where they agree \u2014 wherever either density has mass (the\nlargest gap there is {glue:text}`d_net_gap:.3f`) \u2014 and where they do not: in the far tails, where neither\ndistribution ever puts a sample, the network has nothing to learn from and extrapolates.", "name": "fig-ch3-1"}}
def sample_data(n):
    comp = torch.randint(0, 2, (n,))
    return (torch.tensor([-2.0, 2.0])[comp] + 0.6 * torch.randn(n)).unsqueeze(1).to(device)

def sample_gen(n):
    return (0.5 + torch.randn(n, 1)).to(device)

net = gt.ToyDiscriminator(dim=1).to(device)
d_losses = gt.train_discriminator(net, sample_data, sample_gen, steps=P.toy_steps, batch_size=512, lr=1e-3)
with torch.no_grad():
    d_net = torch.sigmoid(net(x.float().unsqueeze(1).to(device))).double().cpu()

dense = (p_data + p_g) > 0.05          # where at least one density has visible mass
gap = (d_net - d_star)[dense].abs().max().item()

fig, ax = plt.subplots(figsize=(8, 3.4))
ax.plot(x, p_data, label="$p_{data}$"); ax.plot(x, p_g, label="$p_g$")
ax.plot(x, d_star, "--", color="C2", label="$D^*(x)$ (formula)")
ax.plot(x, d_net, color="C3", lw=1, label="trained network $\\sigma(\\ell(x))$")
ax.set_xlabel("x"); ax.set_xlim(-7, 7); ax.set_ylim(-0.02, 1.02); ax.legend(fontsize=8)
plt.show()

# %% tags=["remove-cell"]
from myst_nb import glue

glue("d_net_gap", gap, display=False)
glue("d_net_steps", P.toy_steps, display=False)
glue("d_net_loss", d_losses[-100:].mean().item(), display=False)
glue("neg_v_star", -v_star.item(), display=False)

# %% [markdown]
# Note what $D^*$ does: it is $1/2$ exactly where $p_\text{data} = p_g$, close to 1 where only the data have mass
# and close to 0 where only the generator has. Its final BCE loss, averaged over the last 100 steps, is
# {glue:text}`d_net_loss:.4f`, close to $-V(D^*, G) =$ {glue:text}`neg_v_star:.4f`, the smallest loss any
# discriminator can reach against this generator (the next section explains why $L_D = -V$).
#
# ## What the generator minimises: the Jensen–Shannon divergence
#
# Substitute $D^*$ into $V$. Writing $m = \tfrac12(p_\text{data} + p_g)$,
#
# $$
# \begin{aligned}
# V(D^*, G) &= \int p_\text{data} \log \frac{p_\text{data}}{p_\text{data} + p_g}
#            + p_g \log \frac{p_g}{p_\text{data} + p_g}\, dx \\
#           &= \int p_\text{data} \log \frac{p_\text{data}}{2m} + p_g \log \frac{p_g}{2m}\, dx \\
#           &= -\log 4 + \mathrm{KL}(p_\text{data} \,\|\, m) + \mathrm{KL}(p_g \,\|\, m) \\
#           &= -\log 4 + 2\, \mathrm{JSD}(p_\text{data} \,\|\, p_g).
# \end{aligned}
# $$ (eq-jsd)
#
# So against the best discriminator, the generator minimises the {term}`Jensen–Shannon divergence` (JS 散度) between
# the data and its own distribution. JSD $\ge 0$ with equality iff $p_g = p_\text{data}$: the global minimum of
# $\max_D V$ is $-\log 4$, reached exactly when the generator reproduces the data, and there $D^* \equiv 1/2$.
#
# **Check 3** — compute $V(D^*, G)$ by integrating the definition, and $-\log 4 + 2\,\mathrm{JSD}$ from two KL
# integrals ({eq}`eq-jsd`), for several generators:

# %% tags=["nbval-check-output"]
print(f"{'p_g':>16} | {'V(D*,G) direct':>15} | {'-log4 + 2 JSD':>14} | rel. diff <= 1e-4")
for mean, std in [(0.5, 1.0), (2.0, 0.6), (-3.0, 2.0), (6.0, 0.5)]:
    q = th.gaussian_pdf(x, mean, std)
    direct = th.value_function(th.optimal_discriminator(p_data, q), p_data, q, x).item()
    formula = th.value_at_optimum(p_data, q, x).item()
    print(f"  N({mean:+.1f}, {std:.1f}^2) | {direct:15.6f} | {formula:14.6f} | "
          f"{abs(direct - formula) <= 1e-4 * abs(formula)}")
print(f"p_g = p_data      | {th.value_function(torch.full_like(x, 0.5), p_data, p_data, x).item():15.6f} | "
      f"{-math.log(4):14.6f} | {abs(th.value_at_optimum(p_data, p_data, x).item() + math.log(4)) < 1e-9}")

# %% [markdown]
# **What this means for training.** The JSD has a well-known weakness: when $p_g$ and $p_\text{data}$ barely
# overlap, it is stuck at its maximum, $\log 2$, *whatever* the distance between them. Slide a generator
# $\mathcal{N}(\mu, 0.3^2)$ away from the data:

# %% mystnb={"figure": {"caption": "The JSD between the data and a narrow Gaussian as the Gaussian moves right. It dips where the Gaussian sits on\nthe data's mode at $\\mu = 2$, and is flat at $\\log 2$ from about $\\mu =$ {glue:text}`jsd_flat_from:.1f` on.", "name": "fig-ch3-2"}}
mus = torch.linspace(-1, 9, 201)
jsd = [th.js_divergence(p_data, th.gaussian_pdf(x, float(m), 0.3), x).item() for m in mus]
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(mus, jsd, label="JSD($p_{data}$ ‖ $N(\\mu, 0.3^2)$)")
ax.axhline(math.log(2), color="gray", ls="--", lw=1, label="log 2")
ax.set_xlabel("generator mean $\\mu$"); ax.set_ylabel("nats"); ax.legend(fontsize=8)
plt.show()
flat_from = float(mus[next(i for i, v in enumerate(jsd) if v > math.log(2) - 1e-3 and mus[i] > 2)])

# %% tags=["remove-cell"]
glue("jsd_flat_from", flat_from, display=False)

# %% [markdown]
# On the flat part, moving the generator closer to the data does not change the objective, so its gradient is
# zero: an optimal discriminator gives a generator far from the data *no direction to move in*. Real
# discriminators are not optimal and real distributions are high-dimensional, so this is a tendency, not a law —
# but it is one reason GAN training is fragile, and the motivation for the Wasserstein GAN of the variants chapter.
#
# ## Why the minimax generator loss saturates
#
# The theory above uses $\min_G V$, i.e. the generator loss $L_G^\text{minimax} = \mathbb{E}_z[\log(1-D(G(z)))]$.
# Write $D = \sigma(\ell)$ with logit $\ell$. Then
#
# $$
# \begin{aligned}
# \frac{\partial}{\partial \ell} \log(1 - \sigma(\ell)) &= -\sigma(\ell) = -D, \\
# \frac{\partial}{\partial \ell} \bigl(-\log \sigma(\ell)\bigr) &= -(1 - \sigma(\ell)) = -(1 - D).
# \end{aligned}
# $$
#
# Early in training the discriminator rejects fakes easily: $D(G(z)) \approx 0$. The minimax gradient is then
# $\approx 0$ — it **saturates** — while the non-saturating loss $L_G^\text{NS} = -\mathbb{E}_z[\log D(G(z))]$ has
# gradient $\approx -1$. Both losses push $D(G(z))$ the same way and share their fixed points.
#
# **Check 4** — autograd against the two closed forms over a range of logits:

# %% tags=["nbval-check-output"]
logits = torch.linspace(-10, 10, 2001, dtype=torch.float64, requires_grad=True)
g_mm, = torch.autograd.grad(gt.generator_loss_minimax(logits) * len(logits), logits)
g_ns, = torch.autograd.grad(gt.generator_loss_nonsaturating(logits) * len(logits), logits)
d = torch.sigmoid(logits.detach())
print(f"minimax:        max |autograd - (-D)|     = {(g_mm + d).abs().max().item():.1e}")
print(f"non-saturating: max |autograd - (-(1-D))| = {(g_ns + 1 - d).abs().max().item():.1e}")

# %% mystnb={"figure": {"caption": "Gradient magnitude that reaches the generator through one sample, as a function of how real the discriminator\nthinks the sample is. In the shaded region \u2014 where a young generator lives \u2014 the minimax loss passes almost\nnothing back.", "name": "fig-ch3-3"}}
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(d, g_mm.abs(), label="minimax  $|\\partial L_G / \\partial \\ell| = D$")
ax.plot(d, g_ns.abs(), label="non-saturating  $|\\partial L_G / \\partial \\ell| = 1 - D$")
ax.axvspan(0, 0.1, color="red", alpha=0.08, label="D rejects the fakes")
ax.set_xlabel("$D(G(z))$"); ax.set_ylabel("gradient magnitude per sample"); ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# Now in a real run, on MNIST with the networks of the previous chapter. First the situation early in training:
# a **fresh generator**, and a discriminator trained for {glue:text}`pre_steps` steps to tell real digits from that
# generator's noise. How large a gradient reaches the generator's weights under each loss, from the same batch?

# %%
import copy

mnist = gt.load_mnist(train=True, subset=P.train_subset, device=device)
real_batches = gt.TensorBatches(mnist.images, batch_size=128, seed=SEED)
_ = gt.seed_everything(SEED)   # seeds Python, NumPy and PyTorch
G0, D0 = gt.MLPGenerator().to(device), gt.MLPDiscriminator().to(device)
PRE_STEPS = P.demo_steps
gt.train_discriminator(D0, lambda n: next(real_batches)[:n], lambda n: G0(torch.randn(n, 100, device=device)),
                       steps=PRE_STEPS, batch_size=128, lr=2e-4)

z_probe = torch.randn(256, 100, device=device)
D0.eval()
with torch.no_grad():
    d_probe = torch.sigmoid(D0(G0(z_probe))).mean().item()
norms = {}
for loss_name in ("minimax", "non-saturating"):
    loss = gt.get_gan_loss(loss_name).generator(D0(G0(z_probe)))
    grads = torch.autograd.grad(loss, list(G0.parameters()))
    norms[loss_name] = torch.sqrt(sum((g ** 2).sum() for g in grads)).item()
D0.train()
print(f"mean D(G(z)) = {d_probe:.2e}; gradient norm: minimax {norms['minimax']:.2e}, "
      f"non-saturating {norms['non-saturating']:.2e}")

# %% tags=["remove-cell"]
glue("pre_steps", PRE_STEPS, display=False)
glue("sat_probe", d_probe, display=False)
glue("sat_ratio", norms["non-saturating"] / norms["minimax"], display=False)

# %% [markdown]
# The discriminator gives the generator's samples $D(G(z)) \approx$ {glue:text}`sat_probe:.1e`, and the
# non-saturating loss sends back a gradient {glue:text}`sat_ratio:.0f` times larger than the minimax loss. Now train
# each generator from this same start, against its own copy of the discriminator, for {glue:text}`sat_steps` steps:

# %% mystnb={"figure": {"caption": "Left: the discriminator's mean verdict on generated digits (log scale) while each generator trains. Middle and\nright: samples from the two generators at the end.", "name": "fig-ch3-4"}}
SAT_STEPS = P.demo_steps
runs = {}
for loss_name in ("minimax", "non-saturating"):
    G, D = copy.deepcopy(G0), copy.deepcopy(D0)
    hist = gt.train_gan(G, D, gt.TensorBatches(mnist.images, batch_size=128, seed=SEED), steps=SAT_STEPS,
                        loss=loss_name, seed=SEED, progress="off")
    runs[loss_name] = (G, hist)

fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), gridspec_kw={"width_ratios": [1.4, 1, 1]})
for loss_name, (G, hist) in runs.items():
    axes[0].semilogy(hist.d_fake.clamp_min(1e-8).numpy(), label=loss_name)
axes[0].set_xlabel("step"); axes[0].set_ylabel("mean D(G(z))"); axes[0].legend(fontsize=8)
for ax, (loss_name, (G, hist)) in zip(axes[1:], runs.items()):
    gt.show_images(gt.sample(G, 16, seed=SEED), nrow=4, ax=ax, title=f"{loss_name}, step {SAT_STEPS}")
plt.tight_layout()
plt.show()
tail = max(1, SAT_STEPS // 5)

# %% tags=["remove-cell"]
for loss_name, (G, hist) in runs.items():
    glue(f"sat_end_{loss_name.replace('-', '_')}", hist.d_fake[-tail:].mean().item(), display=False)
glue("sat_steps", SAT_STEPS, display=False)

# %% [markdown]
# Over the last fifth of the run, the minimax generator's samples
# score $D(G(z)) \approx$ {glue:text}`sat_end_minimax:.1e` — the discriminator keeps winning and the generator barely
# learns — while the non-saturating generator's score {glue:text}`sat_end_non_saturating:.2f`.
#
# :::{note}
# The size of a gradient is not the whole story: Adam divides each step by a running estimate of the gradient's
# scale, so a uniformly small gradient is partly compensated. In small one-dimensional problems that is often enough
# for the minimax loss to escape; on images, as here, it is not. Try `optimizer="sgd"` in `gt.train_gan`
# (exercise 4).
# :::
#
# ## The losses as binary cross-entropy, and the update rules
#
# For a mini-batch of $m$ real samples $x_i$ and $m$ noise vectors $z_i$, the losses that the code minimises are
#
# $$
# \begin{aligned}
# L_D &= -\frac1m \sum_{i=1}^m \bigl[\log D(x_i) + \log(1 - D(G(z_i)))\bigr] , \\
# L_G &= -\frac1m \sum_{i=1}^m \log D(G(z_i)) .
# \end{aligned}
# $$
#
# $L_D$ is the binary cross-entropy of $D$'s outputs with label 1 on real and 0 on fake samples, and
# $L_D = -\hat V$, the negated Monte Carlo estimate of $V$: minimising $L_D$ *is* maximising $V$. $L_G$ is the
# cross-entropy with label 1 on fakes — the non-saturating loss. Each player takes its own gradient step,
# alternating (交替):
#
# $$
# \begin{aligned}
# \theta_D &\leftarrow \theta_D - \eta_D \nabla_{\theta_D} L_D, \\
# \theta_G &\leftarrow \theta_G - \eta_G \nabla_{\theta_G} L_G ,
# \end{aligned}
# $$
#
# with $D$ updated first and $G$ then scored by the updated $D$ (the loop of the previous chapter); Adam replaces
# the plain step in practice. There is **no single loss** that both players minimise: the two objectives pull in
# opposite directions, which is why a GAN's losses do not fall together.
#
# ## Article 004's five-sample example, recomputed
#
# (The errata appendix lists this example as {ref}`E004.7 <erratum-004-7>`, next to the article's other errors.)
#
# Article 004 works through a batch of five samples with discriminator outputs
# $D(G(z_i)) = (0.9, 0.6, 0.8, 0.4, 0.7)$, generator labels all 1, and discriminator labels $(1, 0, 1, 0, 1)$ on the
# same five outputs. Its numbers, and the correct ones (natural logarithms, as everywhere in this book):

# %% tags=["nbval-check-output"]
import torch.nn.functional as F
probs = torch.tensor([0.9, 0.6, 0.8, 0.4, 0.7], dtype=torch.float64)
y_g = torch.ones(5, dtype=torch.float64)
y_d = torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0], dtype=torch.float64)
article_lg = [-0.1054, -0.2218, -0.1506, -0.3979, -0.3567]
article_ld = [0.1054, -0.3979, 0.1506, -0.2218, 0.3567]
per_g = F.binary_cross_entropy(probs, y_g, reduction="none")
per_d = F.binary_cross_entropy(probs, y_d, reduction="none")
print(" i   D    | article L_G(i)  correct | article L_D(i)  correct | -log10 of the same")
for i in range(5):
    p, t = probs[i].item(), y_d[i].item()
    q = p if t == 1 else 1 - p
    print(f" {i+1}  {p:.1f}  |  {article_lg[i]:+.4f}      {per_g[i].item():.4f}  |  {article_ld[i]:+.4f}      "
          f"{per_d[i].item():.4f}  | G {-math.log10(p):.4f}  D {-math.log10(q):.4f}")
print(f"mean: article L_G = -0.2123, correct {per_g.mean().item():.4f};"
      f" article L_D = 0.0322, correct {per_d.mean().item():.4f}")

# %% [markdown]
# What goes wrong in the article, and how to see it in the table:
#
# 1. **A cross-entropy is never negative.** Each term is $-\log q$ with $q \in (0, 1]$, so it is $\ge 0$. The
#    article writes $L_G(1) = -\log(0.9) \approx -0.1054$; the value is $+0.1054$. Its average $L_G = -0.2123$ is
#    therefore impossible, and so is the "total loss" $-0.0865$.
# 2. **Mixed logarithm bases.** $0.1054$ and $0.3567$ are natural logarithms ($-\ln 0.9$, $-\ln 0.7$), but
#    $0.2218$ and $0.3979$ are base-10 ($-\log_{10} 0.6$, $-\log_{10} 0.4$; last column). Within one loss all terms
#    must use the same base; deep-learning libraries use $\ln$.
# 3. **A value that matches no base.** $0.1506$ for $-\log 0.8$ is neither $\ln$ ($0.2231$) nor $\log_{10}$
#    ($0.0969$).
# 4. **Sign errors in $L_D$.** For label 1 the article writes $L_D(1) = 1 \cdot \log 0.9 - 0 \cdot \log 0.1
#    \approx 0.1054$: the formula has lost its leading minus, and the value has the wrong sign for that formula
#    ($\log 0.9 < 0$) — two errors that cancel. For label 0 it writes $-\log 0.4 \approx -0.3979$: the expression
#    is right, but the value is a base-10 logarithm with the wrong sign; the term is $-\ln 0.4 = 0.9163$.
# 5. **One batch, two roles.** The same five outputs are treated as $D(G(z_i))$ for the generator loss and as
#    $D(x_i)$ on "real" data for the discriminator loss ("$G(z_1) = x_1$"). In a GAN, $L_D$ scores real and
#    generated samples, which are different inputs.
# 6. **No total loss.** The article's $L = \alpha L_G + (1 - \alpha) L_D$ is not minimised by anything: $D$ and $G$
#    have different parameters and opposite goals, so each minimises its own loss (previous section).
#
# ## Explore: the optimal discriminator and the JSD
#
# The explorer below lets you change the generator's distribution — a two-bump mixture whose bump position, width and
# right-hand weight you control — and redraws $D^*$, $V(D^*, G)$ and the JSD. First its starting state as a
# plain figure, which every page shows:

# %% mystnb={"figure": {"caption": "The data density (blue), the generator's (orange) and the optimal discriminator (dashed green) for a generator\nwhose two bumps sit at \u00b11 with width 1. $D^*$ is above 1/2 where the data are denser than the generator, below\nwhere the generator is denser, and the title gives $V(D^*, G)$ and the JSD.", "name": "fig-ch3-5"}}
widgets.plot_objective(mean=1.0, std=1.0, weight_right=0.5)
plt.show()

# %% [markdown]
# In a running notebook the cell below shows sliders; a page rendered with the widget JavaScript shows them with
# their stored state:

# %%
explorer = widgets.objective_explorer(mean=1.0, std=1.0, weight_right=0.5)

# %% [markdown]
# Things to try with the sliders: put the
# bumps at 2 with width 0.6 and weight 0.5 — $D^*$ becomes the flat line $1/2$, $V = -\log 4$, JSD $= 0$. Then move
# the right weight to 1: the generator drops a mode (mode collapse), and $D^*$ rises to 1 on the forgotten mode.
#
# ## Exercises
#
# 1. Derive $D^*$ for the non-saturating game: does the discriminator's optimum change when the generator uses
#    $L_G^\text{NS}$? What divergence does $G$ then minimise against $D^*$? (Hint: compute
#    $\mathbb{E}_{p_g}[-\log D^*]$ and compare with $\mathrm{KL}(p_g \| p_\text{data})$.)
# 2. Show that $0 \le \mathrm{JSD} \le \log 2$, and check both bounds numerically with `th.js_divergence`.
# 3. Repeat Check 3 with `x = torch.linspace(-8, 8, 401)`. How does the agreement change, and why?
# 4. In the MNIST saturation run, give the discriminator only 5 pre-training steps. Does the minimax run still
#    stall? Then repeat both runs with `optimizer="sgd", lr=0.05` in `gt.train_gan`. Explain what you see with
#    the gradient plot and the note on Adam.
# 5. Recompute article 004's example with base-2 logarithms (bits). Which of its numbers can you now reproduce?

# %% [markdown]
# ## Checked code exercise
#
# Write the two losses of this chapter as functions of **logits** $\ell$ (the discriminator's output before the
# sigmoid): $L_D = -\frac1N\sum\log\sigma(\ell_\text{real}) - \frac1N\sum\log(1-\sigma(\ell_\text{fake}))$ and the
# non-saturating $L_G = -\frac1N\sum\log\sigma(\ell_\text{fake})$. Replace the `raise` lines, then run the cell: the
# checkers from `gantutor.book.exercises` compare your functions with the book's on fixed cases — including logits of
# ±200, where $\log\sigma(\ell)$ computed naively becomes $-\infty$ — and say which case failed and why. As printed
# here, with the functions still unwritten, every case fails:

# %%
from gantutor import exercises as ex


def my_discriminator_loss(real_logits, fake_logits):
    raise NotImplementedError()     # your code here


def my_generator_loss(fake_logits):
    raise NotImplementedError()     # your code here


report_d = ex.check_discriminator_loss(my_discriminator_loss, raise_on_fail=False)
report_g = ex.check_generator_loss(my_generator_loss, "non-saturating", raise_on_fail=False)

# %% [markdown]
# A worked solution (click to show the code); its checks follow.

# %% tags=["hide-input"]
import torch.nn.functional as F


def my_discriminator_loss(real_logits, fake_logits):
    # -log σ(l) = softplus(-l) and -log(1 - σ(l)) = softplus(l): finite for any logit
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def my_generator_loss(fake_logits):
    return F.softplus(-fake_logits).mean()


report_d = ex.check_discriminator_loss(my_discriminator_loss)
report_g = ex.check_generator_loss(my_generator_loss, "non-saturating")

# %% tags=["remove-cell"]
glue("ch3_profile", gt.Text(P.name), display=False)
glue("ch3_device", gt.Text(str(device)), display=False)
glue("ch3_seconds", time.perf_counter() - T0, display=False)
