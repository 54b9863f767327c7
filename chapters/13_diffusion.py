# %% [markdown]
# (ch-diffusion)=
# # Denoising diffusion
#
# GANs and VAEs were the families of the source articles. For images they have since been overtaken by
# **{term}`diffusion models <diffusion model>`** (扩散模型; Sohl-Dickstein et al., 2015; Ho et al., 2020): destroy the data
# step by step with Gaussian noise, and train one network to undo a single step — to **denoise** (去噪). Sampling
# starts from pure noise and applies the network many times. This chapter derives the method from the VAE's
# evidence lower bound of {numref}`chapter %s <ch-vae-objective>`, checks every closed form with code, trains a
# denoiser on the 2-D toys of {numref}`chapter %s <ch-gan-variants>` next to its exact optimum, then trains one on
# MNIST and scores it with the protocol of {numref}`chapter %s <ch-evaluation>`. The next chapter,
# {numref}`chapter %s <ch-flow-matching>`, takes the same idea along a straight path.
#
# :::{admonition} What this chapter needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s: six 2-D denoisers and one small U-Net of {glue:text}`ddpm_steps:,.0f` steps on MNIST, then the
# sampling-cost sweep. The `gpu` profile trains a wider U-Net for far longer.
# :::

# %%
import time

import matplotlib.pyplot as plt
import torch

import gantutor as gt
from gantutor import diffusion as D
from gantutor import features as feat
from gantutor import metrics as M
from gantutor.book import toys
from IPython.display import Markdown, display

P, device = gt.start()
SEED = 0

# %% tags=["remove-cell"]
from myst_nb import glue

# %% [markdown]
# ## The forward process, in closed form
#
# Fix a **noise schedule** (噪声调度) $\beta_1, \dots, \beta_T$ of small variances. The forward process (前向过程) adds a
# little noise at every step while shrinking the signal, so that the total variance stays 1:
#
# $$q(x_t \mid x_{t-1}) = \mathcal N\big(\sqrt{1-\beta_t}\, x_{t-1},\ \beta_t I\big).$$
#
# With $\alpha_t = 1 - \beta_t$ and $\bar\alpha_t = \prod_{s \le t} \alpha_s$, a sum of independent Gaussians is
# Gaussian, so any step can be reached from $x_0$ in one jump:
#
# $$\begin{aligned} q(x_t \mid x_0) &= \mathcal N\big(\sqrt{\bar\alpha_t}\, x_0,\ (1-\bar\alpha_t) I\big), \\
#   x_t &= \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\quad \epsilon \sim \mathcal N(0, I).
#   \end{aligned}$$
#
# Training never simulates the chain; it draws $t$ and jumps. We check the jump against 300 steps of the chain for
# 200,000 copies of one point (the code indexes steps from 0, as PyTorch and the diffusers library do):

# %% tags=["nbval-check-output"]
schedule = D.NoiseSchedule.linear(1000)        # Ho et al.: betas from 1e-4 to 0.02
g = torch.Generator().manual_seed(SEED)
x0 = torch.tensor([[0.7, -0.3]], dtype=torch.float64).expand(200_000, 2)
x = x0.clone()
for t in range(300):
    x = (1 - schedule.betas[t]).sqrt() * x + schedule.betas[t].sqrt() * torch.randn(x.shape, generator=g, dtype=x.dtype)
ab = schedule.alpha_bar[299]
print(f"after 300 steps  mean {x.mean(0).numpy().round(2)}  variance {x.var(0).numpy().round(2)}")
print(f"closed form      mean {(ab.sqrt() * x0[0]).numpy().round(2)}  variance {[round(float(1 - ab), 2)] * 2}")

# %% [markdown]
# The schedule decides how fast the signal fades. Ho et al.'s **linear** schedule has all but erased an MNIST digit
# by step 500 of 1,000, where the cosine schedule still shows a trace of it; Nichol and Dhariwal's (2021) **cosine**
# schedule lets $\bar\alpha_t$ fall as a
# squared cosine, so more steps are spent at noise levels where the image is still partly visible:

# %% mystnb={"figure": {"caption": "Left: the signal that survives, the square root of alpha-bar, for the linear and the cosine schedule of 1,000 steps. Right: one test digit at steps 0, 100, 250, 500, 750 and 999 under each schedule.", "name": "fig-ch13-schedules"}}
cosine = D.NoiseSchedule.cosine(1000)
test = gt.load_mnist(train=False)
digit = test.images[:1]
steps_shown = [0, 100, 250, 500, 750, 999]
fig = plt.figure(figsize=(10, 3.6), layout="constrained")
grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.7])
ax = fig.add_subplot(grid[:, 0])
for s in (schedule, cosine):
    ax.plot(s.alpha_bar.sqrt(), label=s.name)
ax.set_xlabel("step t"); ax.set_ylabel(r"$\sqrt{\bar\alpha_t}$"); ax.legend()
noise = torch.randn((1, 1, 28, 28), generator=torch.Generator().manual_seed(1))
for i, s in enumerate((schedule, cosine)):
    ax = fig.add_subplot(grid[i, 1], frame_on=False)
    row = torch.cat([D.q_sample(s, digit, torch.tensor([t]), noise) for t in steps_shown]).clamp(-1, 1)
    gt.show_images(row, nrow=6, ax=ax, title=f"{s.name}: t = {', '.join(map(str, steps_shown))}")
plt.show()

# %% [markdown]
# ## From the evidence lower bound to a denoising loss
#
# A diffusion model is a VAE with $T$ layers of latents $x_1, \dots, x_T$, a *fixed* encoder $q$ (the forward
# process) and a learned decoder $p_\theta(x_{t-1} \mid x_t)$ that walks back. Its ELBO splits, like the VAE's of
# {numref}`chapter %s <ch-vae-objective>`, into KL terms, one per step:
#
# $$\begin{aligned} -\log p_\theta(x_0) \le \mathbb{E}_q\Big[&\underbrace{\mathrm{KL}(q(x_T\mid x_0)\,\|\,p(x_T))}_{\text{no parameters}}
#   - \log p_\theta(x_0 \mid x_1) \\
#   &+ \sum_{t>1} \mathrm{KL}\big(q(x_{t-1}\mid x_t, x_0)\,\|\,p_\theta(x_{t-1}\mid x_t)\big)\Big]. \end{aligned}$$
#
# Conditioned on $x_0$, the reverse step is Gaussian, $q(x_{t-1} \mid x_t, x_0) = \mathcal N(\tilde\mu_t,
# \tilde\beta_t I)$ with $\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t$ and
# $\tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t} x_0 + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t} x_t$.
# Give the decoder the same variance and let the network predict the noise, $\hat x_0 = (x_t -
# \sqrt{1-\bar\alpha_t}\,\epsilon_\theta(x_t, t))/\sqrt{\bar\alpha_t}$. The KL of two Gaussians with equal
# variances is a squared distance of their means, and the means differ only through $\epsilon$:
#
# $$\mathrm{KL}_t = \frac{\beta_t^2}{2\tilde\beta_t\,\alpha_t\,(1-\bar\alpha_t)}\;
#   \lVert \epsilon - \epsilon_\theta(x_t, t)\rVert^2 .$$
#
# Ho et al. drop the weight and train on $\lVert \epsilon - \epsilon_\theta(x_t, t)\rVert^2$ with $t$ uniform:
# the **simple loss** is the ELBO, reweighted. We check the identity on random tensors, then plot the weight the
# simple loss throws away:

# %% tags=["nbval-check-output"]
g = torch.Generator().manual_seed(SEED)
x0_, eps, eps_hat = (torch.randn(8, 784, generator=g, dtype=torch.float64) for _ in range(3))
worst = 0.0
for t in (1, 10, 100, 500, 999):
    tt = torch.full((8,), t)
    xt = D.q_sample(schedule, x0_, tt, eps)
    ab, ab_prev, beta = schedule.alpha_bar[t], schedule.alpha_bar[t - 1], schedule.betas[t]
    var = (1 - ab_prev) / (1 - ab) * beta
    mean = lambda x0hat: (ab_prev.sqrt() * beta * x0hat + (1 - beta).sqrt() * (1 - ab_prev) * xt) / (1 - ab)
    kl = (mean(x0_) - mean(D.predicted_x0(schedule, xt, tt, eps_hat))).pow(2).sum(1) / (2 * var)
    weight = beta ** 2 / (2 * var * (1 - beta) * (1 - ab))
    worst = max(worst, float(((kl - weight * (eps - eps_hat).pow(2).sum(1)) / kl).abs().max()))
assert worst < 1e-12, f"largest relative difference {worst:.1e}"
print("KL term = weight × squared noise error at t = 1, 10, 100, 500, 999, to 12 digits")

# %% mystnb={"figure": {"caption": "The weight of each step's noise error in the ELBO (linear schedule, log scale). The simple loss sets it to 1 everywhere: it gives the very noisy steps far more weight than the bound does, which Ho et al. found to improve samples.", "name": "fig-ch13-weights"}}
t_all = torch.arange(1, 1000)
ab, ab_prev, beta = schedule.alpha_bar[t_all], schedule.alpha_bar[t_all - 1], schedule.betas[t_all]
weights = beta ** 2 / (2 * (1 - ab_prev) / (1 - ab) * beta * (1 - beta) * (1 - ab))
fig, ax = plt.subplots(figsize=(6, 2.8))
ax.semilogy(t_all, weights)
ax.set_xlabel("step t"); ax.set_ylabel("ELBO weight of the noise error")
plt.tight_layout()
plt.show()

# %% tags=["remove-cell"]
glue("w_ratio", float(weights[0] / weights[-1]), display=False)

# %% [markdown]
# The bound weights the first step {glue:text}`w_ratio:,.0f` times more than the last.
#
# ## Predicting the noise is estimating the score
#
# The best noise prediction for a given $x_t$ is a conditional mean, $\epsilon^*(x_t) = \mathbb E[\epsilon \mid
# x_t]$, and Tweedie's formula links it to the **score** (分数), the gradient of the log-density of the noisy data:
#
# $$\nabla_{x_t} \log q_t(x_t) = -\frac{\epsilon^*(x_t)}{\sqrt{1-\bar\alpha_t}} .$$
#
# So a noise predictor is a score model (Song et al., 2021). When the data are a finite training set
# $\{x^{(i)}\}$, everything is exact: $q_t$ is a mixture of Gaussians centred on $\sqrt{\bar\alpha_t}\,x^{(i)}$,
# and the best denoiser $\mathbb E[x_0 \mid x_t]$ is a softmax-weighted average of the training points,
# `gt.diffusion.optimal_denoiser`. We check Tweedie's formula on 500 ring points with autograd:

# %% tags=["nbval-check-output"]
train_pts = gt.sample_ring(500, generator=torch.Generator().manual_seed(SEED)).double()
x_t = torch.randn(64, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2)) * 1.5
worst = 0.0
for t in (50, 300, 800):
    ab = schedule.alpha_bar[t]
    x_req = x_t.clone().requires_grad_(True)
    log_q = torch.logsumexp(-(x_req[:, None] - ab.sqrt() * train_pts[None]).pow(2).sum(-1) / (2 * (1 - ab)), 1)
    score, = torch.autograd.grad(log_q.sum(), x_req)
    eps_star = (x_t - ab.sqrt() * D.optimal_denoiser(schedule, x_t, t, train_pts)) / (1 - ab).sqrt()
    worst = max(worst, float((score + eps_star / (1 - ab).sqrt()).abs().max()))
assert worst < 1e-9, f"largest difference {worst:.1e}"
print("autograd score = -ε*/√(1 - ᾱ_t) at t = 50, 300, 800, to within 1e-9")

# %% [markdown]
# ## Sampling: ancestral steps and DDIM
#
# **Ancestral sampling** (祖先采样; Ho et al.) walks the learned reverse chain (反向过程): from $x_T \sim \mathcal N(0, I)$, each step
# forms $\hat x_0$ from the predicted noise and draws $x_{t-1}$ from $\mathcal N(\tilde\mu_t(\hat x_0, x_t),
# \tilde\beta_t I)$ — $T$ network evaluations. **DDIM** (Song, Meng and Ermon, 2021) notes that the loss only
# involves the marginals $q(x_t \mid x_0)$, so many reverse processes share the same trained network. It jumps
# from $t$ to an earlier $s$:
#
# $$x_s = \sqrt{\bar\alpha_s}\,\hat x_0 + \sqrt{1-\bar\alpha_s-\sigma^2}\;\epsilon_\theta(x_t, t) + \sigma z,
#   \qquad \sigma = \eta\sqrt{\tfrac{1-\bar\alpha_s}{1-\bar\alpha_t}\big(1-\tfrac{\bar\alpha_t}{\bar\alpha_s}\big)}.$$
#
# $\eta = 0$ is deterministic and can skip most steps; $\eta = 1$ with $s = t - 1$ is the ancestral step again.
# The book's samplers (`gt.diffusion.ddpm_step`, `ddim_step`) are tested against the diffusers library's
# `DDPMScheduler` and `DDIMScheduler` (same betas, same $\bar\alpha$, same step on the same inputs). Here we
# check the equivalence:

# %% tags=["nbval-check-output"]
g = torch.Generator().manual_seed(SEED)
xt, eps_pred, z = (torch.randn(16, 784, generator=g) for _ in range(3))
same = all(torch.allclose(D.ddim_step(schedule, eps_pred, t, t - 1, xt, eta=1.0, noise=z),
                          D.ddpm_step(schedule, eps_pred, t, xt, z), atol=1e-5) for t in (999, 500, 10, 1))
assert same, "DDIM (eta = 1, single steps) and the ancestral step differ"
print("DDIM with η = 1 and single steps = the ancestral step at t = 999, 500, 10, 1")

# %% [markdown]
# ## A 2-D toy: the learned denoiser and the exact one
#
# On the ring and the grid of {numref}`chapter %s <ch-gan-variants>` we train a small MLP denoiser
# (`gt.models.ToyDenoiser`: the point and a sinusoidal embedding of $t$ in, the noise out) with the simple loss,
# for {glue:text}`toy_steps:,.0f` steps of 256 points, three seeds each, on data rescaled to unit variance (the noise
# has unit variance too). Samples are scored with the PacGAN protocol of that chapter: modes reached and the share
# of high-quality samples (within $3\sigma$ of a mode), from 2,500 samples.

# %%
TOY = {"ring": (gt.sample_ring, gt.ring_centers(), gt.data.RING_STD),
       "grid": (gt.sample_grid, gt.grid_centers(), gt.data.GRID_STD)}
N_EVAL = 2500


def train_toy(job):
    """The toy protocol's denoiser (gantutor.book.toys): (EMA net, the data's scale, training seconds)."""
    name, seed = job
    return toys.train_net(("ddpm", name, seed, P.toy_diffusion_steps, 128, 3))


def toy_samples(net, scale, sampler="ddim", steps=100, seed=SEED):
    return D.sample_diffusion(net, schedule, N_EVAL, (2,), sampler=sampler, steps=steps, seed=seed, clip=False) * scale


# A network this small keeps one core busy: on a CPU, gt.parallel_map trains one run per core side by side.
jobs = [(name, seed) for name in TOY for seed in range(P.seeds)]
toy_runs = dict(zip(jobs, gt.parallel_map(train_toy, jobs) if device.type == "cpu" else map(train_toy, jobs)))
toy_scores = {key: gt.mode_coverage(toy_samples(net, scale), TOY[key[0]][1], TOY[key[0]][2])
              for key, (net, scale, _) in toy_runs.items()}

# %% tags=["remove-cell"]
glue("toy_steps", P.toy_diffusion_steps, display=False)
glue("toy_seconds", sum(s for _, _, s in toy_runs.values()) / len(toy_runs), display=False)

# %% [markdown]
# First, how close is the trained network to the exact denoiser of its training distribution? For the ring we
# know the distribution itself, so we compare with the optimal denoiser of a large sample of it (20,000 points),
# at noise levels from almost clean to almost pure noise:

# %% mystnb={"figure": {"caption": "Root-mean-square distance between the trained ring denoiser's estimate of the clean point and the exact posterior mean, against the noise level (seed 0, 2,000 noisy points per level). Both are in units of the ring's radius.", "name": "fig-ch13-denoiser-error"}}
net, scale, _ = toy_runs["ring", 0]
ring_sample = gt.sample_ring(20_000, generator=torch.Generator().manual_seed(99)) / scale
levels = [1, 10, 50, 100, 200, 400, 700, 999]
errors, spread = [], []
g = torch.Generator().manual_seed(3)
for t in levels:
    clean = gt.sample_ring(2000, generator=g) / scale
    tt = torch.full((2000,), t)
    noisy = D.q_sample(schedule, clean, tt, torch.randn(clean.shape, generator=g))
    with torch.no_grad():
        learned = D.predicted_x0(schedule, noisy, tt, net(noisy, tt.float()))
    exact = D.optimal_denoiser(schedule, noisy, t, ring_sample)
    errors.append(float((learned - exact).pow(2).sum(1).mean().sqrt() * scale / gt.data.RING_RADIUS))
    spread.append(float((exact - ring_sample.mean(0)).pow(2).sum(1).mean().sqrt() * scale / gt.data.RING_RADIUS))
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(levels, errors, "o-", label="learned vs exact posterior mean")
ax.plot(levels, spread, "s--", label="spread of the exact posterior mean")
ax.set_yscale("log")    # the almost-pure-noise end is far above the rest
ax.set_xlabel("step t"); ax.set_ylabel("RMS distance / radius")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)   # below the axes, off the curves
plt.tight_layout()
plt.show()

# %% tags=["remove-cell"]
glue("err_low", errors[0], display=False)
glue("err_mid", errors[levels.index(200)], display=False)

# %% [markdown]
# At the lowest noise level the network's clean estimate is {glue:text}`err_low:.3f` radii from the exact one, and
# at step 200 it is {glue:text}`err_mid:.3f` radii away (both too small to read off the figure's scale). Errors of
# that size decide the sample quality: the ring's modes have a
# standard deviation of 0.01 radii, so a final estimate that is off by a few hundredths of a radius lands outside
# the "high-quality" disc.
#
# The exact denoiser also shows why a *perfect* denoiser is not what we want. Built from a finite training set, it
# is the score of that set smoothed with noise, and its samples can only return to the training points. With 32
# training points, DDIM sampling with the exact denoiser reproduces them, while the samples of the trained network
# (fitted to 50,000 points) spread around the ring, most of them off the training points and off the modes:

# %% mystnb={"figure": {"caption": "Left: 32 training points of the ring (open circles: the modes are so narrow that the points of one mode print as one circle; this draw of 32 points left one of the eight modes empty) and 500 DDIM samples (50 steps) of the exact denoiser of those 32 points: every sample sits on a training point. Right: 500 samples of the trained network, spread around the ring.", "name": "fig-ch13-memorise"}}
few = gt.sample_ring(32, generator=torch.Generator().manual_seed(5)) / scale


class ExactDenoiser(torch.nn.Module):
    """The optimal noise prediction for the training set ``points`` (no parameters to learn)."""

    def __init__(self, points):
        super().__init__()
        self.points = points
        self.anchor = torch.nn.Parameter(torch.zeros(()))          # gives the sampler a device to read

    def forward(self, x, t, labels=None):
        step = int(t[0])
        ab = schedule.alpha_bar[step]
        return ((x.double() - ab.sqrt() * D.optimal_denoiser(schedule, x, step, self.points).double())
                / (1 - ab).sqrt()).float()


exact_samples = D.sample_diffusion(ExactDenoiser(few), schedule, 500, (2,), steps=50, seed=SEED, clip=False)
learned_samples = D.sample_diffusion(net, schedule, 500, (2,), steps=50, seed=SEED, clip=False)
nearest = torch.cdist(exact_samples, few).min(1).values * scale
fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
for ax, pts, title in zip(axes, (exact_samples, learned_samples), ("exact denoiser of 32 points", "trained network")):
    ax.scatter(*(few * scale).T, s=90, facecolors="none", edgecolors="k", lw=1, zorder=1)
    ax.scatter(*(pts * scale).T, s=6, alpha=0.6, zorder=2)
    ax.set_title(title); ax.set_aspect("equal")
plt.tight_layout()
plt.show()

# %% tags=["remove-cell"]
glue("memorise_dist", float(nearest.max()), display=False)

# %% [markdown]
# Every sample of the exact denoiser lies within {glue:text}`memorise_dist:.1e` of a training point (in the data's
# units: the ring's radius is 2 and a mode's standard deviation 0.02): it has
# memorised its data. A trained network cannot represent that function exactly, and its limited capacity and
# smooth inductive bias are what make it a generative model rather than a lookup table: its samples are new points,
# here too blurred to sit on the modes — the mode-coverage table below counts them.
#
# ### Mode coverage
#
# The table scores every seed's samples (100 DDIM steps) beside two longer runs read from their records: the same
# denoiser trained longer and wider (`python -m gantutor toy-diffusion`, record
# `results/cpu/toy_diffusion_32000.json`), and the GAN rows of the long toy runs ({doc}`a6_long_toy_runs`,
# 200,000 steps):

# %%
import json

gan_runs = json.loads(gt.find_results("cpu/toy_bn_pac2_200k.json").read_text())
long_toy = json.loads(gt.find_results("cpu/toy_diffusion_32000.json").read_text())
rows = []
for name, (_, centers, _) in TOY.items():
    covered = torch.tensor([float(toy_scores[name, s]["covered"]) for s in range(P.seeds)])
    hq = torch.tensor([100 * toy_scores[name, s]["high_quality"] for s in range(P.seeds)])
    rows.append(f"| DDPM, {P.toy_diffusion_steps:,} steps | {name} | {covered.mean():.1f} ± {covered.std():.1f} of "
                f"{len(centers)} | {hq.mean():.1f} ± {hq.std():.1f} |")
    (lm, lsd), (lq, lqsd) = (long_toy["summary"]["ddpm"][name][k] for k in ("covered", "high_quality"))
    rows.append(f"| DDPM, {long_toy['steps']:,} steps, {long_toy['depth']} × {long_toy['hidden']} units (record) | "
                f"{name} | {lm:.1f} ± {lsd:.1f} of {len(centers)} | {100 * lq:.1f} ± {100 * lqsd:.1f} |")
    ends = [r["curve"][-1] for r in gan_runs if r["dist"] == name]
    gm, gq = torch.tensor([float(e[1]) for e in ends]), torch.tensor([100 * e[2] for e in ends])
    rows.append(f"| GAN (BatchNorm, decay, packing), {ends[0][0]:,} steps | {name} | {gm.mean():.1f} ± "
                f"{gm.std():.1f} of {len(centers)} | {gq.mean():.1f} ± {gq.std():.1f} |")
display(Markdown(f"| model | data | modes reached (mean ± sd, {P.seeds} seeds) | high-quality % |\n|---|---|---|---|\n"
                 + "\n".join(rows)))

# %% tags=["remove-cell"]
glue("gan_budget_ratio", ends[0][0] / P.toy_diffusion_steps, display=False)
for key in ("steps", "hidden", "depth"):
    glue(f"long_toy_{key}", long_toy[key], display=False)
glue("long_toy_minutes", long_toy["summary"]["ddpm"]["ring"]["seconds"][0] / 60, display=False)
for name in TOY:
    glue(f"long_ddpm_{name}_modes", long_toy["summary"]["ddpm"][name]["covered"][0], display=False)
    glue(f"long_ddpm_{name}_hq", 100 * long_toy["summary"]["ddpm"][name]["high_quality"][0], display=False)
glue("long_ddpm_verdict", gt.Text(toys.verdict(long_toy["summary"], "ddpm")), display=False)
for name in TOY:
    glue(f"ddpm_{name}_modes", sum(float(toy_scores[name, s]["covered"]) for s in range(P.seeds)) / P.seeds,
         display=False)
    glue(f"ddpm_{name}_hq", sum(100 * toy_scores[name, s]["high_quality"] for s in range(P.seeds)) / P.seeds,
         display=False)

# %% [markdown]
# After {glue:text}`toy_steps:,.0f` steps (about {glue:text}`toy_seconds:.0f` s per run) these denoisers are far from the
# GAN rows: only {glue:text}`ddpm_ring_hq:.1f` % of the ring samples and {glue:text}`ddpm_grid_hq:.1f` % of the grid
# samples land within three standard deviations of a mode, so on average only {glue:text}`ddpm_ring_modes:.1f` of 8
# ring modes and {glue:text}`ddpm_grid_modes:.1f` of 25 grid modes receive any sample at all. The samples form blurred
# clouds around the modes instead of their tight spots: as the denoiser errors above show ({glue:text}`err_low:.3f`
# radii at the lowest noise level), a small network trained briefly is not sharp enough at low noise for modes this
# narrow (0.01 ring radii). The loss itself gives every mode
# the same weight at every noise level; what is missing here is precision. The record row shows what buys it: the
# same recipe with {glue:text}`long_toy_depth` hidden layers of {glue:text}`long_toy_hidden` units, trained for
# {glue:text}`long_toy_steps:,.0f` steps (about {glue:text}`long_toy_minutes:.0f` min per run on one core), puts
# {glue:text}`long_ddpm_ring_hq:.1f` % of the ring samples and {glue:text}`long_ddpm_grid_hq:.1f` % of the grid
# samples on a mode and reaches {glue:text}`long_ddpm_ring_modes:.1f` of 8 and {glue:text}`long_ddpm_grid_modes:.1f`
# of 25 modes — {glue:text}`long_ddpm_verdict`. The GAN rows trained {glue:text}`gan_budget_ratio:.0f` times longer
# than this chapter's runs.
#
# ## Diffusion on MNIST
#
# For images the denoiser is a **U-Net** (Ronneberger et al., 2015; the form of Ho et al.): convolutions at 28, 14
# and 7 pixels, skip connections from each resolution on the way down to the same resolution on the way up, and
# the time embedding added inside every residual block. `gt.models.UNet` is deliberately small:

# %%
gt.seed_everything(SEED)          # the initial weights, independent of what the cells above drew
unet = gt.models.UNet(P.diffusion_channels).to(device)
chain = schedule if P.diffusion_T == 1000 else D.NoiseSchedule.linear(P.diffusion_T, beta_end=0.5)  # smoke: short
print(f"U-Net with widths {P.diffusion_channels}: {gt.count_parameters(unet):,} parameters")

# %% [markdown]
# We train it with the simple loss, Adam at 2e-3 decaying tenfold, batches of {glue:text}`ddpm_batch`, and keep
# an exponential moving average (EMA, decay 0.999) of the weights for sampling — standard for diffusion models.
# The snapshots sample 64 fixed noises with 20 DDIM steps.

# %%
train = gt.load_mnist(device=device, subset=P.train_subset)
gt.seed_everything(SEED)
hist = D.train_diffusion(unet, gt.TensorBatches(train.images, batch_size=P.diffusion_batch, seed=SEED),
                         steps=P.diffusion_steps, objective="ddpm", schedule=chain, lr=2e-3, lr_decay=0.1,
                         ema=0.999, snapshots=4, render_steps=20, seed=SEED, desc="DDPM MNIST")
ddpm = hist.ema.module.eval()
print(f"{hist.steps} steps in {hist.seconds:.0f} s; final loss (mean of the last 100 steps) {hist.loss[-100:].mean():.4f}")

# %% tags=["remove-cell"]
glue("ddpm_steps", P.diffusion_steps, display=False)
glue("ddpm_batch", P.diffusion_batch, display=False)
glue("ddpm_train_s", hist.seconds, display=False)

# %% mystnb={"figure": {"caption": "The EMA network's samples for the same 25 of its 64 fixed noises (20 DDIM steps) during training.", "name": "fig-ch13-evolution"}}
fig, axes = plt.subplots(1, len(hist.snapshots) - 1, figsize=(9, 3.4))
for ax, step, snap in zip(axes, hist.snapshot_steps[1:], hist.snapshots[1:]):
    gt.show_images(snap[:25], nrow=5, ax=ax, title=f"step {step:,}")
    ax.title.set_fontsize(13)
plt.tight_layout()
plt.show()

# %% [markdown]
# Now the chapter's protocol: {glue:text}`n_eval:,.0f` samples, FID as a multiple of the real-vs-real floor, the
# confident-class rate and the largest class share. The samples are drawn with 10 stochastic DDIM steps ($\eta = 1$,
# defined above), which the cost sweep at the end of the chapter finds close to the best sampler it tries, at half
# that one's cost:

# %%
N = P.metric_samples
real_ref = feat.classifier_outputs(test.images[:N])
train_cpu = gt.load_mnist(subset=P.train_subset)
floor = M.fid_from_features(real_ref[0], feat.classifier_outputs(
    train_cpu.images[torch.randperm(len(train_cpu), generator=torch.Generator().manual_seed(1))[:N]])[0])
start = time.perf_counter()
samples = D.sample_diffusion(ddpm, chain, N, steps=10, eta=1.0, seed=SEED + 1)
ms_per_image = 1000 * (time.perf_counter() - start) / N
ddpm_scores = M.headline_scores(samples, real_ref[0], floor)
print(M.describe_scores(ddpm_scores) + f" | {ms_per_image:.2f} ms per image")

# %% tags=["remove-cell"]
for k, v in ddpm_scores.items():
    gt.book.metric(f"ddpm.{k}", v)
gt.book.metric("ddpm.train_minutes", hist.seconds / 60)
gt.book.metric("ddpm.sample_ms", ms_per_image)
glue("n_eval", N, display=False)
glue("ddpm_ms", ms_per_image, display=False)

# %% mystnb={"figure": {"caption": "64 of the scored samples (10 DDIM steps with eta = 1, EMA weights), not selected.", "name": "fig-ch13-samples"}}
fig, ax = plt.subplots(figsize=(6, 6))
gt.show_images(samples[:64], nrow=8, ax=ax, title=f"DDPM, {hist.steps:,} steps")
plt.show()

# %% [markdown]
# After {glue:text}`ddpm_steps:,.0f` steps ({glue:text}`ddpm_train_s:.0f` s) the samples score
# {glue:text}`metric__ddpm__fid_over_floor:.0f` times the floor; {glue:text}`metric__ddpm__confident_rate:.1%` of them
# are classified with a top probability of at least 0.9, and one class takes
# {glue:text}`metric__ddpm__max_class_share:.1%` of them. The grid shows why: thick, grainy strokes that are seldom
# readable digits. At this budget — each training image seen only a few times — the DDPM has not learned the
# digits' shapes, and its noise-prediction errors at the last, low-noise steps leave grain behind. The flow model
# of {numref}`chapter %s <ch-flow-matching>`, the same U-Net trained for the same number of steps, and its longer
# reference run show how much a straighter path and more compute change this.
#
# ## What a sample costs
#
# A GAN draws an image with one network evaluation; a diffusion model needs many. We sample the same trained
# network with DDIM ($\eta = 0$) at 1 to 50 steps and with the stochastic $\eta = 1$ variant at 10 to 50 steps,
# {glue:text}`sweep_n` images each (FID with this many samples is biased upwards, so the floor is computed with
# the same number), and time all {glue:text}`chain_T:,.0f` ancestral steps on {glue:text}`n_ancestral` images:

# %%
n = P.sweep_samples
sweep_floor = M.fid_from_features(real_ref[0][:n], feat.classifier_outputs(train_cpu.images[:n])[0])
cost = []
plan = [(0.0, s) for s in (1, 2, 5, 10, 20, 50)] + [(1.0, s) for s in (10, 20, 50)]
for eta, steps in [(e, s) for e, s in plan if s <= chain.T]:
    start = time.perf_counter()
    x = D.sample_diffusion(ddpm, chain, n, steps=steps, eta=eta, seed=SEED + 2)
    ms = 1000 * (time.perf_counter() - start) / n
    f, l = feat.classifier_outputs(x)
    cost.append({"eta": eta, "nfe": steps, "ms": ms, "confident": M.confident_rate(l),
                 "fid_ratio": M.fid_from_features(real_ref[0][:n], f) / sweep_floor})
    print(f"DDIM eta={eta:g} {steps:>4} evaluations: {ms:6.1f} ms/image, FID/floor {cost[-1]['fid_ratio']:7.1f}, "
          f"confident {cost[-1]['confident']:.1%}")
start = time.perf_counter()
ancestral = D.sample_diffusion(ddpm, chain, max(1, n // 25), sampler="ddpm", seed=SEED + 2)
ms_ancestral = 1000 * (time.perf_counter() - start) / len(ancestral)
print(f"ancestral, all {chain.T} steps: {ms_ancestral:.0f} ms/image")

# %% tags=["remove-cell"]
glue("sweep_n", n, display=False)
glue("chain_T", chain.T, display=False)

# %% mystnb={"figure": {"caption": "FID over the floor (left) and the confident-class rate (right) against network evaluations per image, for deterministic DDIM (eta = 0) and stochastic DDIM (eta = 1), same network and noise seed.", "name": "fig-ch13-cost"}}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
for label, eta in (("DDIM, eta = 0", 0.0), ("DDIM, eta = 1", 1.0)):
    pts = [c for c in cost if c["eta"] == eta]
    axes[0].loglog([c["nfe"] for c in pts], [c["fid_ratio"] for c in pts], "o-", label=label)
    axes[1].semilogx([c["nfe"] for c in pts], [100 * c["confident"] for c in pts], "o-", label=label)
axes[0].set_ylabel("FID / floor"); axes[1].set_ylabel("confident-class rate, %")
ratios = [c["fid_ratio"] for c in cost]
fid_ticks = [t for t in (5, 10, 20, 50, 100, 200, 500, 1000) if min(ratios) / 1.2 <= t <= max(ratios) * 1.2]
axes[0].set_yticks(fid_ticks, labels=[str(t) for t in fid_ticks])
axes[0].yaxis.set_minor_formatter(plt.NullFormatter())
nfes = sorted({c["nfe"] for c in cost})
for ax in axes:
    ax.set_xticks(nfes, labels=[str(n) for n in nfes]); ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("network evaluations per image"); ax.legend(fontsize=11)
plt.tight_layout()
plt.show()
best = min(cost, key=lambda c: c["fid_ratio"])

# %% tags=["remove-cell"]
glue("best_sampler", gt.Text(f"DDIM with η = {best['eta']:g} and {best['nfe']} steps"), display=False)
deterministic = {c["nfe"]: c["fid_ratio"] for c in cost if c["eta"] == 0}
more_steps_help = max(deterministic) > 20 and deterministic[max(deterministic)] < 0.9 * deterministic[20]
glue("ddim_more_steps", gt.Text("more deterministic steps still improve it" if more_steps_help else
                                "more deterministic steps do not improve it further for this network"), display=False)
glue("ddim_best_kind", gt.Text(
    "the stochastic η = 1 variant, whose fresh noise corrects earlier errors, scores best here"
    if best["eta"] == 1 else "the deterministic variant scores best here"), display=False)
glue("best_ratio", best["fid_ratio"], display=False)
glue("ms_ancestral", ms_ancestral, display=False)
glue("n_ancestral", len(ancestral), display=False)
glue("ms_20", next(c["ms"] for c in cost if c["eta"] == 0 and c["nfe"] == min(20, chain.T)), display=False)
glue("fid_1", cost[0]["fid_ratio"], display=False)


# %% [markdown]
# One step returns the network's blurry average digit (FID {glue:text}`fid_1:.0f` times the floor): the classifier
# is sure of its class, which is why the confident-class rate alone can mislead. FID falls quickly up to 10–20
# steps; {glue:text}`ddim_more_steps`, and {glue:text}`ddim_best_kind`: {glue:text}`best_sampler`
# ({glue:text}`best_ratio:.1f` times a floor computed with the same {glue:text}`sweep_n` images; these small-sample
# ratios are much lower than the 10,000-sample headline number because the floor itself grows when fewer images are
# compared). All {glue:text}`chain_T:,.0f` ancestral steps cost {glue:text}`ms_ancestral:.0f` ms per image on this
# device, against {glue:text}`ms_20:.1f` ms for 20 DDIM steps — and a GAN's single evaluation is cheaper still.
# Fast samplers, distillation and flow models with straight paths are all answers to this cost.
#
# ## Summary
#
# * The forward process has a closed form, $x_t = \sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\epsilon$, so
#   training draws one step at random and never simulates the chain.
# * The ELBO of this hierarchical VAE is a weighted sum of noise-prediction errors; the simple loss drops the
#   weights. Predicting the noise is estimating the score, $-\epsilon/\sqrt{1-\bar\alpha_t}$.
# * The exact denoiser of a finite training set only reproduces the training points: generalisation comes from
#   the network's limits.
# * Small denoisers trained briefly are not sharp: on the toys and on MNIST, this chapter's short runs are far
#   from the GANs' long runs; on the toys, a wider network trained longer closes most of the gap.
#   Sampling costs many network evaluations, which DDIM cuts.
#
# ## Exercises
#
# 1. Train the MNIST U-Net with the cosine schedule (`D.NoiseSchedule.cosine(1000)`). Compare FID over the floor
#    at the same number of steps.
# 2. Show that DDIM with $\eta = 0$ is the Euler method for an ordinary differential equation (ODE, 常微分方程) in
#    $x_t/\sqrt{\bar\alpha_t}$ (Song et al., 2021).
# 3. Replace the simple loss by the ELBO's weights. Which steps dominate training, and what happens to the samples?
#
# ## Checked code exercise
#
# Write the forward jump $q(x_t \mid x_0)$: given clean images, integer steps and noise, return $x_t$. The
# checker compares with the closed form on several schedules and steps.

# %%
def my_q_sample(alpha_bar, x0, t, noise):
    """alpha_bar: (T,) tensor; x0, noise: (N, ...); t: (N,) integer steps. Return x_t."""
    raise NotImplementedError()


report = gt.exercises.check_q_sample(my_q_sample, raise_on_fail=False)

# %% [markdown]
# A worked solution (click to show the code); its checks follow.

# %% tags=["hide-input"]
def my_q_sample(alpha_bar, x0, t, noise):
    ab = alpha_bar[t].view(-1, *([1] * (x0.dim() - 1)))       # one value per example, broadcast over pixels
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


report = gt.exercises.check_q_sample(my_q_sample)
