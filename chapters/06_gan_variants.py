# %% [markdown]
# (ch-gan-variants)=
# # When GAN training fails, and the variants that help
#
# GAN training has two classic failures (under the heading 训练稳定性, "training stability", in article 003): **{term}`mode collapse`**
# (模式崩溃), where the generator covers only part of the data, and **vanishing gradients** (梯度消失), where the
# generator's gradient fades once the discriminator confidently rejects its samples. A family of variants changes
# the loss or the discriminator to counter them: WGAN trains a critic that estimates the Wasserstein distance, LSGAN
# uses a least-squares loss (article 004 lists both), and later methods add a gradient penalty, spectral
# normalisation or packing. This chapter measures both failures
# and every variant on two 2-D distributions whose modes we know exactly, so "helps" becomes a number: how many
# modes are captured and how many samples are good.
#
# :::{admonition} What this chapter needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s: {glue:text}`n_variants` variants × 2 distributions × {glue:text}`n_seeds`
# seeds, {glue:text}`variant_steps:,.0f` generator steps each; on a CPU the runs train side by side, one per core.
# :::
#
# :::{admonition} What the source articles get wrong here
# :class: dropdown warning
# Article 004 lists the variants meant to fix GAN training — WGAN "uses the Wasserstein distance and solved the
# instability of GAN training", LSGAN "uses a least-squares loss and improves stability" — without showing a single
# run. No variant has *solved* GAN instability: each changes the objective or constrains the discriminator, and each
# comes with its own failure cases, as the table below shows. And article 004's reading list is mixed up: "Improved
# Techniques for Training GANs" is by Salimans et al. (NeurIPS 2016) and introduces feature matching, minibatch
# discrimination and the Inception Score — not WGAN or the gradient penalty. WGAN is Arjovsky, Chintala and Bottou
# (ICML 2017); the gradient penalty is Gulrajani et al., "Improved Training of Wasserstein GANs" (NeurIPS 2017).
# :::

# %%
import textwrap
import time

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

import gantutor as gt
from gantutor import losses as L

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))

# %% tags=["remove-cell"]
import json

from myst_nb import glue
from gantutor.book import toys

for dist, (n_modes, bar_modes, bar_hq, _, _) in toys.PACGAN_BAR.items():   # the long runs' bar
    glue(f"bar_{dist}_modes", bar_modes, display=False)
    glue(f"bar_{dist}_hq", bar_hq, display=False)
glue("long_steps", max(r["steps"] for r in json.loads(gt.find_results("cpu/toy_bn_pac2_200k.json").read_text())),
     display=False)

# %% [markdown]
# ## The yardstick: modes captured and high-quality samples
#
# The two distributions of {numref}`chapter %s <ch-what-is-generative-ai>`: the 8-Gaussian **ring** (radius 2, each mode with standard deviation
# $\sigma = 0.02$) and the 25-Gaussian **grid** (modes at $\{-4, -2, 0, 2, 4\}^2$, $\sigma = 0.05$). We use the
# protocol of PacGAN (Lin et al., 2018, Table 1), which lets us put our numbers next to theirs: draw
# {glue:text}`n_eval:,.0f` samples; a sample is **high-quality** if it lies within $3\sigma$ of its nearest mode; a mode
# is **captured** if at least one high-quality sample lies at it. A generator that covers every mode but smears
# samples between them scores high on modes and low on quality; one that collapses onto a few modes scores the
# opposite.

# %% tags=["nbval-check-output"]
SEED = 0
N_EVAL = 2500                      # samples per evaluation (PacGAN protocol)
BATCH = 256                        # divisible by the PacGAN pack size below
STEPS = P.variant_steps
TOY = {"ring": (gt.sample_ring, gt.ring_centers(), gt.data.RING_STD),
       "grid": (gt.sample_grid, gt.grid_centers(), gt.data.GRID_STD)}

def coverage(G, name, seed=SEED):
    _, centers, std = TOY[name]
    return gt.mode_coverage(gt.sample(G, N_EVAL, seed=seed), centers, std)   # radius 3 std, >= 1 sample

# the metric on samples from the true distributions, as a sanity check
for name, (sampler, centers, std) in TOY.items():
    real = sampler(N_EVAL, generator=torch.Generator().manual_seed(SEED))
    cov = gt.mode_coverage(real, centers, std)
    print(f"{name}: real data captures {cov['covered']}/{cov['modes']} modes, {cov['high_quality']:.1%} high-quality")

# %% [markdown]
# Real data scores (almost) perfectly, as it should: 99.7% of a Gaussian's mass lies within $3\sigma$ in one
# dimension and about 98.9% in two.
#
# ## The variants, all through one loop
#
# Every variant is an entry of gantutor's loss registry (`gt.GAN_LOSSES`), trained by the same `gt.train_gan`; the
# registry entry carries the method's training rules (gradient penalty weight, weight clipping, discriminator steps
# per generator step) and its published optimiser settings:
#
# | variant | discriminator loss (minimised) | generator loss | rules and optimiser |
# | --- | --- | --- | --- |
# | GAN, minimax | $-\mathbb{E}\log D(x) - \mathbb{E}\log(1 - D(G(z)))$ | $\mathbb{E}\log(1 - D(G(z)))$ | Adam 2e-4, (0.5, 0.999) |
# | GAN, non-saturating | same | $-\mathbb{E}\log D(G(z))$ | Adam 2e-4, (0.5, 0.999) |
# | WGAN | $\mathbb{E} f(G(z)) - \mathbb{E} f(x)$ | $-\mathbb{E} f(G(z))$ | clip weights to $[-0.01, 0.01]$; 5 critic steps; RMSprop 5e-5 |
# | WGAN-GP | same $+ \lambda\,\mathbb{E}(\lVert\nabla_{\hat x} f(\hat x)\rVert - 1)^2$ | $-\mathbb{E} f(G(z))$ | $\lambda = 10$; 5 critic steps; Adam 1e-4, **(0, 0.9)** |
# | LSGAN | $\tfrac12\mathbb{E}(D(x) - 1)^2 + \tfrac12\mathbb{E}D(G(z))^2$ | $\tfrac12\mathbb{E}(D(G(z)) - 1)^2$ | Adam 2e-4, (0.5, 0.999) |
# | hinge | $\mathbb{E}\max(0, 1 - D(x)) + \mathbb{E}\max(0, 1 + D(G(z)))$ | $-\mathbb{E} D(G(z))$ | Adam 2e-4, (0.5, 0.999) |
#
# WGAN-GP uses the betas of its paper's Algorithm 1, $(\beta_1, \beta_2) = (0, 0.9)$. Its penalty is taken at
# $\hat x = \alpha x + (1 - \alpha)G(z)$ ({term}`gradient penalty`) with **one** $\alpha \sim U[0, 1]$ per sample, so each $\hat x$ lies on the
# segment between a real and a generated point, and the gradient is taken with respect to $\hat x$ (exercise 4
# below checks both in a version of your own). Two further remedies change the discriminator rather than the loss: **{term}`spectral normalisation`** (谱归一化;
# Miyato et al., 2018), applied with PyTorch's `torch.nn.utils.parametrizations.spectral_norm` to every layer, and
# **packing** (PacGAN): the discriminator judges $m = 4$ samples at once, so a generator that repeats itself
# produces packs that look unlike real packs. "D updated 5× per G step" is the standard loss with a
# discriminator that trains five times as often — a deliberately overpowered discriminator. Finally, **learning-rate
# decay** changes neither loss nor network: `gt.train_gan(..., lr_decay=True)` lowers both learning rates linearly
# from 2e-4 at the first step to nearly zero at the last, so that the generator can settle on the modes it has found
# instead of being shaken off them by constant-size steps. The last three rows change the **generator**: PacGAN's
# released code (after ALI) builds it from Linear → **{term}`batch normalisation`** (批归一化) → ReLU blocks,
# `gt.ToyGenerator(batch_norm=True)`, where ours uses Linear → LeakyReLU. Batch normalisation rescales each hidden
# unit to zero mean and unit variance over the batch, so every unit keeps switching on for part of the noise space
# — the raw material for a generator that cuts its noise into many separate pieces. (At sampling time,
# `gt.sample` puts the network in eval mode, where the layer uses running averages, so each sample depends on its
# own noise only.)

# %%
OVERPOWERED = L.GANLoss(L.discriminator_loss, L.generator_loss_nonsaturating, n_critic=5)
VARIANTS = {      # name: (loss, spectral norm, pack size, learning-rate decay, BatchNorm generator)
    "GAN, minimax loss": ("minimax", False, 1, False, False),
    "GAN, non-saturating": ("non-saturating", False, 1, False, False),
    "GAN, D updated 5× per G step": (OVERPOWERED, False, 1, False, False),
    "WGAN (weight clipping)": ("wgan", False, 1, False, False),
    "WGAN-GP": ("wgan-gp", False, 1, False, False),
    "LSGAN": ("lsgan", False, 1, False, False),
    "hinge": ("hinge", False, 1, False, False),
    "hinge + spectral norm": ("hinge", True, 1, False, False),
    "GAN + packing (PacGAN4)": ("non-saturating", False, 4, False, False),
    "GAN + learning-rate decay": ("non-saturating", False, 1, True, False),
    "GAN, BatchNorm generator": ("non-saturating", False, 1, False, True),
    "BatchNorm generator + decay": ("non-saturating", False, 1, True, True),
    "BatchNorm generator + decay + PacGAN2": ("non-saturating", False, 2, True, True),
}

def build(spectral, pack, batch_norm):
    G = gt.ToyGenerator(latent_dim=2, hidden=128, depth=3, batch_norm=batch_norm).to(device)
    D = gt.ToyDiscriminator(hidden=128, depth=3, dim=2 * pack)
    if spectral:
        D = gt.models.spectral_normalize(D)
    if pack > 1:
        D = gt.models.PackedDiscriminator(D, pack)
    return G, D.to(device)

def run(job):
    variant, name, seed = job
    loss, spectral, pack, decay, batch_norm = VARIANTS[variant]
    gt.seed_everything(seed)
    G, D = build(spectral, pack, batch_norm)
    data = TOY[name][0](100_000, generator=torch.Generator().manual_seed(seed)).to(device)
    hist = gt.train_gan(G, D, gt.TensorBatches(data, batch_size=BATCH, seed=seed), steps=STEPS, loss=loss,
                        lr_decay=decay, seed=seed, snapshots=6 if seed == 0 else 0, progress="off",
                        fixed_noise=torch.randn(N_EVAL, 2, generator=torch.Generator().manual_seed(SEED)))
    return G, hist

# Networks this small keep one core busy, so on a CPU gt.parallel_map trains as many runs side by side as there
# are cores (one thread each); on a GPU the runs go one after another.
jobs = [(variant, name, seed) for variant in VARIANTS for name in TOY for seed in range(P.seeds)]
trained = gt.parallel_map(run, jobs) if device.type == "cpu" else [run(job) for job in jobs]
results, keep = {}, {}
for (variant, name, seed), (G, hist) in zip(jobs, trained):
    results[variant, name, seed] = coverage(G, name) | {"seconds": hist.seconds}
    if seed == 0:
        keep[variant, name] = (G, hist)
for variant in VARIANTS:
    print(f"{variant:>37}: {sum(results[variant, n, s]['seconds'] for n in TOY for s in range(P.seeds)):.0f} s "
          f"of training ({2 * P.seeds} runs)")

# %% tags=["remove-cell"]
glue("n_variants", len(VARIANTS), display=False)
glue("n_eval", N_EVAL, display=False)
glue("variant_steps", STEPS, display=False)
glue("n_seeds", P.seeds, display=False)


# %%
def stats(variant, name, key):
    vals = torch.tensor([float(results[variant, name, s][key]) for s in range(P.seeds)])
    return vals.mean().item(), (vals.std().item() if len(vals) > 1 else 0.0)

rows = []
for variant in VARIANTS:
    row = [variant]
    for name in TOY:
        m, sd = stats(variant, name, "covered")
        q, qsd = stats(variant, name, "high_quality")
        row += [f"{m:.1f} ± {sd:.1f}", f"{100 * q:.1f} ± {100 * qsd:.1f}"]
    rows.append(row)
rows.append(["*Lin et al. 2018, Table 1: GAN*", "*6.3*", "", "*17.3*", ""])
rows.append(["*Lin et al. 2018, Table 1: best PacGAN row*", "*7.9*", "*95.6*", "*24.8*", "*93.6*"])
head = ("| variant | ring: modes (of 8) | ring: high-quality % | grid: modes (of 25) | grid: high-quality % |\n"
        "|---|---|---|---|---|\n")
display(Markdown(head + "\n".join("| " + " | ".join(r) + " |" for r in rows)))

best_ring = max(VARIANTS, key=lambda v: (stats(v, "ring", "covered")[0], stats(v, "ring", "high_quality")[0]))
best_grid = max(VARIANTS, key=lambda v: (stats(v, "grid", "covered")[0], stats(v, "grid", "high_quality")[0]))

# %% tags=["remove-cell"]
for key, variant in (("vanilla", "GAN, non-saturating"), ("minimax", "GAN, minimax loss"),
                     ("overpowered", "GAN, D updated 5× per G step"), ("wgangp", "WGAN-GP"),
                     ("wgan", "WGAN (weight clipping)"), ("pac", "GAN + packing (PacGAN4)"),
                     ("sn", "hinge + spectral norm"), ("decay", "GAN + learning-rate decay"),
                     ("bn", "GAN, BatchNorm generator"), ("bndecay", "BatchNorm generator + decay"),
                     ("bnpac", "BatchNorm generator + decay + PacGAN2")):
    for name in TOY:
        glue(f"{key}_{name}_modes", stats(variant, name, "covered")[0], display=False)
        glue(f"{key}_{name}_hq", 100 * stats(variant, name, "high_quality")[0], display=False)
glue("best_ring", gt.Text(best_ring), display=False)
glue("best_ring_modes", stats(best_ring, "ring", "covered")[0], display=False)
glue("best_ring_hq", 100 * stats(best_ring, "ring", "high_quality")[0], display=False)
glue("best_grid", gt.Text(best_grid), display=False)
glue("best_grid_modes", stats(best_grid, "grid", "covered")[0], display=False)
glue("best_grid_hq", 100 * stats(best_grid, "grid", "high_quality")[0], display=False)

# %% [markdown]
# The table: mean ± standard deviation over {glue:text}`n_seeds` seeds of the modes captured and the percentage of
# high-quality samples, each from {glue:text}`n_eval:,.0f` samples after {glue:text}`variant_steps:,.0f` generator steps.
# The two italic rows are the published PacGAN numbers, from much longer training with larger networks — for
# orientation, not a like-for-like comparison (a GPU sweep with a longer budget, and what PacGAN's released
# configuration trains for, are in {doc}`a5_gpu_runs`). In this run the best ring result is **{glue:text}`best_ring`**
# ({glue:text}`best_ring_modes:.1f` of 8 modes, {glue:text}`best_ring_hq:.1f`% high-quality) and the best grid
# result **{glue:text}`best_grid`** ({glue:text}`best_grid_modes:.1f` of 25, {glue:text}`best_grid_hq:.1f`%).
# The vanilla non-saturating GAN captures {glue:text}`vanilla_ring_modes:.1f` ring modes
# ({glue:text}`vanilla_ring_hq:.1f`% high-quality) and {glue:text}`vanilla_grid_modes:.1f` grid modes
# ({glue:text}`vanilla_grid_hq:.1f`%).

# %% mystnb={"figure": {"caption": "Samples (red) from every variant after training with seed 0: each panel pair shows the ring (left) and the grid (right); grey dots mark the true modes. The last pair is real data.", "name": "fig-ch6-variants"}} tags=["hide-input"]
def draw_toy(ax, name, pts):
    centers, lim = TOY[name][1], (3 if name == "ring" else 5.5)
    ax.scatter(centers[:, 0], centers[:, 1], s=10, color="lightgray", zorder=0)
    ax.scatter(pts[:, 0], pts[:, 1], s=1, alpha=0.3, color="C3")
    ax.set_xlim(-lim, lim); ax.set_ylim(-lim, lim); ax.set_aspect("equal")
    ax.set_xticks([]); ax.set_yticks([])

real = {name: TOY[name][0](N_EVAL, generator=torch.Generator().manual_seed(SEED)) for name in TOY}
panels = [(variant, {name: gt.sample(keep[variant, name][0], N_EVAL, seed=SEED) for name in TOY})
          for variant in VARIANTS] + [("real data", real)]
COLS = 3
ROWS = -(-len(panels) // COLS)
fig = plt.figure(figsize=(10, 2.0 * ROWS), layout="constrained")
for sub, (title, samples) in zip(fig.subfigures(ROWS, COLS, wspace=0.04).flat, panels):
    for ax, name in zip(sub.subplots(1, 2), TOY):
        draw_toy(ax, name, samples[name])
    sub.suptitle(textwrap.fill(title, 36), fontsize=12)
plt.show()

# %% [markdown]
# ## Failure 1: mode collapse, seen over time
#
# A collapsing generator does not simply sit on one mode. The discriminator learns to reject the region the
# generator occupies, the generator moves to another mode, the discriminator follows — the generator *hops*
# between modes and never covers them all at once. The snapshots of this run's standard GAN show a milder failure:
# on the ring every mode is covered from the third snapshot on, while on the grid the count of captured modes goes
# up and down as the samples smear across the square:

# %% mystnb={"figure": {"caption": "The non-saturating GAN's samples (the same 2,500 noise vectors) at evenly spaced steps, ring on top, grid below, with the number of modes captured at each moment.", "name": "fig-ch6-collapse"}}
count = len(keep["GAN, non-saturating", "ring"][1].snapshots)
fig, axes = plt.subplots(2, count, figsize=(10, 3.2), squeeze=False)
for row, name in enumerate(TOY):
    G, hist = keep["GAN, non-saturating", name]
    lim = 3 if name == "ring" else 5.5
    for ax, step, pts in zip(axes[row], hist.snapshot_steps, hist.snapshots):
        cov = gt.mode_coverage(pts, TOY[name][1], TOY[name][2])
        ax.scatter(TOY[name][1][:, 0], TOY[name][1][:, 1], s=10, color="lightgray")
        ax.scatter(pts[:, 0], pts[:, 1], s=1, alpha=0.3, color="C0")
        covered = cov["covered"]
        ax.set_title(f"step {step}\n{covered} mode{'s' * (covered != 1)}", fontsize=11)
        ax.set_xlim(-lim, lim); ax.set_ylim(-lim, lim); ax.set_aspect("equal"); ax.set_xticks([]); ax.set_yticks([])
plt.tight_layout(); plt.show()

# %% [markdown]
# In this run the generator's coverage of the grid moves up and down during training instead of growing steadily,
# and the modes it misses at the end are interior ones; the spread over seeds in the table is the same instability
# seen across runs. Packing, the remedy aimed squarely at collapse, hurt on the ring at this budget and gave a
# mixed result on the grid. On the ring PacGAN4 captures {glue:text}`pac_ring_modes:.1f` modes
# ({glue:text}`pac_ring_hq:.1f`% high-quality) against {glue:text}`vanilla_ring_modes:.1f`
# ({glue:text}`vanilla_ring_hq:.1f`%) without packing. On the grid it captures {glue:text}`pac_grid_modes:.1f`
# modes against {glue:text}`vanilla_grid_modes:.1f`: slightly more, but by less than the spread over seeds in the
# table, and with fewer high-quality samples ({glue:text}`pac_grid_hq:.1f`% against
# {glue:text}`vanilla_grid_hq:.1f`%). A packed discriminator sees four times fewer (but four times wider) inputs per
# batch, which plausibly slows its learning; the paper's gains came from far longer training.
#
# ## Failure 2: vanishing gradients and an overpowering discriminator
#
# With the minimax loss the generator's gradient per logit is $-D(G(z))$ ({numref}`chapter %s <ch-first-gan>`): it vanishes when the
# discriminator *confidently* rejects the fakes. The runs above include the minimax loss and the standard loss
# with a discriminator that takes five steps for each generator step. `train_gan` records the norm of each
# network's gradient at every step:

# %% mystnb={"figure": {"caption": "Training dynamics on the ring for the standard GAN, the minimax loss and the overpowered discriminator (seed 0; moving averages). Left: the norm of the generator's gradient (log scale). Middle: mean $D(x)$ (solid) and $D(G(z))$ (dashed). Right: the discriminator's loss, with $2 \\log 2$ (dashed) for reference.", "name": "fig-ch6-dynamics"}}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
for variant, color in (("GAN, non-saturating", "C0"), ("GAN, minimax loss", "C1"),
                       ("GAN, D updated 5× per G step", "C2")):
    _, hist = keep[variant, "ring"]
    k = max(1, hist.steps // 100)
    sm = lambda y: y[: len(y) // k * k].view(-1, k).mean(1)
    x = torch.arange(len(sm(hist.g_grad_norm))) * k
    axes[0].semilogy(x, sm(hist.g_grad_norm), color=color, label=variant)
    axes[1].plot(x, sm(hist.d_real), color=color, ls="-")
    axes[1].plot(x, sm(hist.d_fake), color=color, ls="--")
    axes[2].plot(x, sm(hist.d_loss), color=color)
axes[0].set_title("|gradient of G|"); axes[1].set_title("D(x) solid, D(G(z)) dashed"); axes[2].set_title("D's loss")
for ax in axes:
    ax.set_xlabel("step")
axes[2].axhline(2 * torch.log(torch.tensor(2.0)).item(), color="gray", ls="--", lw=0.8)
fig.legend(loc="upper center", ncol=3, fontsize=10, frameon=False)
plt.tight_layout(rect=(0, 0, 1, 0.88)); plt.show()
tails = {v: keep[v, "ring"][1] for v in ("GAN, non-saturating", "GAN, minimax loss", "GAN, D updated 5× per G step")}
for v, h in tails.items():
    t = h.tail_means(0.2)
    print(f"{v:>30}: last 20% of steps: |grad G| {h.g_grad_norm[-h.steps // 5:].mean():.3f}  "
          f"D(x) {t['d_real']:.3f}  D(G(z)) {t['d_fake']:.3f}")

# %% tags=["remove-cell"]
glue("gn_vanilla", tails["GAN, non-saturating"].g_grad_norm[-STEPS // 5:].mean().item(), display=False)
glue("gn_minimax", tails["GAN, minimax loss"].g_grad_norm[-STEPS // 5:].mean().item(), display=False)
glue("gn_over", tails["GAN, D updated 5× per G step"].g_grad_norm[-STEPS // 5:].mean().item(), display=False)
glue("dfake_over", tails["GAN, D updated 5× per G step"].tail_means(0.2)["d_fake"], display=False)
glue("dfake_vanilla", tails["GAN, non-saturating"].tail_means(0.2)["d_fake"], display=False)

# %% [markdown]
# Over the last fifth of training the generator's gradient norm averages {glue:text}`gn_vanilla:.1f` with the
# non-saturating loss and {glue:text}`gn_minimax:.1f` with the minimax loss: no vanishing here, because on these toy
# data the discriminator never becomes confident — $D(G(z))$ stays near {glue:text}`dfake_vanilla:.2f`. The
# saturation is real but needs a confident discriminator; {numref}`chapter %s <ch-first-gan>` measured it on MNIST, where the minimax
# generator's gradient was hundreds of times smaller. The overpowered discriminator pushes $D(G(z))$ down to
# {glue:text}`dfake_over:.2f`, and — with the non-saturating loss — the generator's gradient *grows*, to
# {glue:text}`gn_over:.1f`: a strong discriminator starves the generator only under the saturating loss. Here it
# even improved the grid's sample quality ({glue:text}`overpowered_grid_hq:.1f`% high-quality against
# {glue:text}`vanilla_grid_hq:.1f`%), at the price of a ring mode lost in some seeds
# ({glue:text}`overpowered_ring_modes:.1f` of 8 on average, against {glue:text}`vanilla_ring_modes:.1f`).
#
# What the other variants did, at the same number of generator steps:
#
# * **WGAN and WGAN-GP** train at their published, small learning rates (RMSprop 5e-5; Adam 1e-4) and were far
#   from converged: {glue:text}`wgan_ring_hq:.1f`% and {glue:text}`wgangp_ring_hq:.1f`% high-quality ring samples,
#   against {glue:text}`vanilla_ring_hq:.1f`% for the standard GAN, while costing several times as much per
#   step (see the timings printed above: five critic updates, and for the penalty a second-order backward pass). Their promise is steadier
#   training over long runs, not speed.
# * **Spectral normalisation** with the hinge loss reached {glue:text}`sn_ring_modes:.1f` ring and
#   {glue:text}`sn_grid_modes:.1f` grid modes — at this budget worse than the unconstrained hinge loss (table above).
# * **LSGAN and hinge** behave like the standard GAN here; their differences show on images and in long runs.
# * **Learning-rate decay**, the one change that touches neither loss nor network, gives
#   {glue:text}`decay_ring_hq:.1f`% high-quality ring samples and {glue:text}`decay_grid_hq:.1f`% on the grid, against
#   {glue:text}`vanilla_ring_hq:.1f`% and {glue:text}`vanilla_grid_hq:.1f`% for the same GAN at a constant rate, with
#   {glue:text}`decay_ring_modes:.1f` ring and {glue:text}`decay_grid_modes:.1f` grid modes. Whether decay helps
#   depends on the budget: it can only sharpen modes the generator has already found, and in a short run the rate
#   falls before that has happened. The longer GPU runs of {doc}`a5_gpu_runs` are where it pays.
# * **PacGAN's BatchNorm generator** changes neither the loss nor the discriminator, only the generator's
#   blocks. On the grid it captures {glue:text}`bn_grid_modes:.1f` modes with {glue:text}`bn_grid_hq:.1f`%
#   high-quality samples, against {glue:text}`vanilla_grid_modes:.1f` and {glue:text}`vanilla_grid_hq:.1f`% for the
#   same GAN with LeakyReLU blocks; on the ring, {glue:text}`bn_ring_hq:.1f`% against
#   {glue:text}`vanilla_ring_hq:.1f`%. With the decaying learning rate added it gives {glue:text}`bndecay_ring_hq:.1f`%
#   high-quality ring samples ({glue:text}`bndecay_ring_modes:.1f` modes) and {glue:text}`bndecay_grid_modes:.1f`
#   grid modes with {glue:text}`bndecay_grid_hq:.1f`%. On the grid the BatchNorm generator helps on its own; on the
#   ring it costs quality until the decaying rate is added. A reading consistent with both: normalised hidden units
#   let the generator split its noise among more modes early on, and the falling step size then lets it settle on
#   them. A detail of a released configuration, not of the paper's idea, can matter as much as the idea —
#   one reason to read the code of a paper whose numbers you want to reproduce.
# * **PacGAN's full recipe** — the BatchNorm generator, the decay, and a discriminator that judges packs of two
#   samples — gives {glue:text}`bnpac_ring_modes:.1f` ring modes with {glue:text}`bnpac_ring_hq:.1f`% high-quality
#   samples and {glue:text}`bnpac_grid_modes:.1f` grid modes with {glue:text}`bnpac_grid_hq:.1f`%, against
#   {glue:text}`bndecay_ring_hq:.1f`%, {glue:text}`bndecay_grid_modes:.1f` and {glue:text}`bndecay_grid_hq:.1f`%
#   for the row above it without packing. Read it next to the plain GAN's packing row: a packed discriminator has
#   to learn what real *pairs* look like before it can judge them precisely, so a short budget shows its cost. Given
#   {glue:text}`long_steps:,.0f` steps it is the recipe that clears, on both distributions, a bar set just below
#   PacGAN's best published rows (at least {glue:text}`bar_ring_modes` of 8 ring modes with
#   {glue:text}`bar_ring_hq:.0f`% high-quality samples, {glue:text}`bar_grid_modes` of 25 grid modes with
#   {glue:text}`bar_grid_hq:.0f`%)
#   ({doc}`a6_long_toy_runs`): a ranking after a short budget does not predict the ranking after a long one.
#
# None of these numbers reaches the published ones: the variants that capture most modes put few samples
# within $3\sigma$ of a mode after {glue:text}`variant_steps:,.0f` steps; the samples are smeared along the ring and
# across the grid (the figure above). Precise modes need much longer training: {doc}`a6_long_toy_runs` follows the
# BatchNorm recipe, without and with packing, for many more steps on a CPU, and the GPU runs in {doc}`a5_gpu_runs` do the same for the other
# recipes.
#
# ## Where the missing high-quality samples are
#
# A sample fails the $3\sigma$ test for one of two reasons: its mode is *wider* than the data's (the generator has
# the right place but not yet the right spread), or it lies on a **bridge** between modes, far from any of them. The
# two call for different fixes, so we measure which it is, for the best variant on each distribution (seed 0),
# with more samples than the protocol's so the tails are visible:

# %% mystnb={"figure": {"caption": "How far samples lie from their nearest mode, in units of the mode's standard deviation (log scale), for the best variant of the table (seed 0) and for the data; dashed: the $3\\sigma$ threshold of the protocol, dotted: $6\\sigma$.", "name": "fig-ch6-tails"}}
N_TAIL = 20_000
def distance_in_sigmas(pts, name):
    _, centers, std = TOY[name]
    return torch.cdist(pts.float().cpu(), centers.float()).min(1).values / std

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
bins = torch.logspace(-1, 2.5, 60)
far, tail_parts = {}, {}
for ax, (name, variant) in zip(axes, (("ring", best_ring), ("grid", best_grid))):
    gen = distance_in_sigmas(gt.sample(keep[variant, name][0], N_TAIL, seed=SEED + 1), name)
    real = distance_in_sigmas(TOY[name][0](N_TAIL, generator=torch.Generator().manual_seed(SEED + 1)), name)
    for d, label, color in ((real, "data", "gray"), (gen, variant, "C3")):
        ax.hist(d.clamp(0.1, 300).numpy(), bins=bins.numpy(), histtype="step", color=color, label=label,
                weights=torch.full_like(d, 100 / len(d)).numpy())
    ax.axvline(3, color="k", ls="--", lw=0.8); ax.axvline(6, color="k", ls=":", lw=0.8)
    ax.set_xscale("log"); ax.set_xlabel("distance to the nearest mode (in σ)"); ax.set_ylabel("% of samples")
    ax.set_title(name); ax.legend(fontsize=9)
    parts = {"on": (gen <= 3).float().mean().item(), "wide": ((gen > 3) & (gen <= 6)).float().mean().item(),
             "bridge": (gen > 6).float().mean().item(), "real_on": (real <= 3).float().mean().item()}
    print(f"{name} ({variant}): within 3σ {parts['on']:.1%}, 3–6σ {parts['wide']:.1%}, beyond 6σ "
          f"{parts['bridge']:.1%}; data within 3σ {parts['real_on']:.1%}")
    tail_parts[name] = parts
    far[name] = parts["bridge"] > parts["wide"]
plt.tight_layout(); plt.show()

# %% tags=["remove-cell"]
for name, parts in tail_parts.items():
    for key, value in parts.items():
        glue(f"tail_{name}_{key}", 100 * value, display=False)
    glue(f"tail_{name}_far_share", 100 * parts["bridge"] / max(1e-9, parts["bridge"] + parts["wide"]), display=False)
glue("n_tail", N_TAIL, display=False)
glue("tail_verdict", gt.Text(
    "most misses lie far from every mode on both distributions: the generator has not yet gathered its samples "
    "onto the modes, and they are still spread along the ring and across the grid" if all(far.values()) else
    "most misses lie just outside a mode on both distributions: the modes are in place but still too wide"
    if not any(far.values()) else
    "the misses are of different kinds on the two distributions: far from every mode on the "
    + " and ".join(n for n in far if far[n]) + ", just outside a mode on the " + " and ".join(n for n in far if not far[n])),
    display=False)

# %% [markdown]
# Of {glue:text}`n_tail:,.0f` samples of the best ring generator, {glue:text}`tail_ring_on:.1f`% are within $3\sigma$
# (the data: {glue:text}`tail_ring_real_on:.1f`%), {glue:text}`tail_ring_wide:.1f`% are just outside, between
# $3\sigma$ and $6\sigma$, and {glue:text}`tail_ring_bridge:.1f`% are more than $6\sigma$ from every mode; on the
# grid the three shares are {glue:text}`tail_grid_on:.1f`%, {glue:text}`tail_grid_wide:.1f`% and
# {glue:text}`tail_grid_bridge:.1f`%. Of the misses, {glue:text}`tail_ring_far_share:.0f`% (ring) and
# {glue:text}`tail_grid_far_share:.0f`% (grid) lie beyond $6\sigma$ — {glue:text}`tail_verdict`. Those misses go
# with more steps at a small learning rate. Not all of them can go, though, and the reason is the architecture: the
# generator is a continuous function, and it maps the *connected* Gaussian noise space onto a connected set of
# points. Eight (or 25) separate modes cannot be the image of a connected space, so some noise vectors must land on
# **bridges** between modes. Their share shrinks only as the generator becomes steep exactly on the borders between
# the noise regions it sends to different modes — and learning such sharp borders with small, noisy gradient steps
# is slow. That is why the published numbers come from hundreds of thousands of steps with a small learning rate,
# why a decaying learning rate helps most at the end of long runs
# ({doc}`a5_gpu_runs`), and why no change of loss removes the bridges at a short budget.
#
# ## A longer run
#
# How far the BatchNorm generator with a decaying learning rate goes when it trains for many times the table's
# budget — alone, and with a packed discriminator — three seeds on each distribution, against a bar set just below
# PacGAN's best published rows and those rows themselves, is measured in {doc}`a6_long_toy_runs`.
#
# ## What to take away
#
# * Measure mode collapse with a protocol (samples, radius, threshold) and several seeds; one picture of one run
#   proves little.
# * No variant is a cure, and "more stable" is not "better at a fixed budget". Each variant's rank changes with
#   the data, the budget and the seed — the spread columns are part of the result.
# * The saturating (minimax) loss starves the generator only when the discriminator is confident; the
#   non-saturating loss removes that failure, and then a stronger discriminator gives *larger* gradients, not
#   smaller ones.
# * Published numbers come with a configuration. PacGAN's BatchNorm generator is in its released code, not in its
#   title idea; compare the two BatchNorm rows without packing with the one with packing before crediting the
#   idea.
# * WGAN did not "solve" GAN training (article 004). What lasted from it is the idea of a Lipschitz critic,
#   enforced today by the gradient penalty or spectral normalisation — and paid for with slower steps.
#
# :::{admonition} Try it yourself
# :class: seealso
# 1. Change `BATCH` to 64 and re-run the vanilla and PacGAN rows. Which one suffers more?
# 2. Give WGAN-GP the learning rate of the standard GAN (`lr=2e-4`) — does it catch up within the same budget?
# 3. Train the minimax loss against the overpowered discriminator (`n_critic=5` with
#    `L.generator_loss_minimax`). Does the generator's gradient vanish now?
# 4. Write WGAN-GP's gradient penalty yourself and check it with `gt.exercises.check_gradient_penalty` — the
#    graded version is assignment 3 ({doc}`a2_for_instructors`).
# :::

# %% tags=["remove-cell"]
glue("ch6_profile", gt.Text(P.name), display=False)
glue("ch6_device", gt.Text(str(device)), display=False)
glue("ch6_seconds", time.perf_counter() - T0, display=False)
