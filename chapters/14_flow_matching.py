# %% [markdown]
# (ch-flow-matching)=
# # Flow matching
#
# {numref}`Chapter %s <ch-diffusion>` turned noise into data by learning to denoise along a curved path. **Flow
# matching** (流匹配; Lipman et al., 2023), also called **rectified flow** (整流; Liu et al., 2023), keeps the
# idea and takes the straightest path there is: a point of noise moves towards a data point in a straight line at
# constant speed, and a network learns the **velocity** (速度场) of that motion. Sampling is solving an ordinary
# differential equation from $t = 0$ (noise) to $t = 1$ (data). This chapter checks the exact velocity of a
# Gaussian mixture in closed form, trains flows on the toys and on MNIST, adds the class label with
# **classifier-free guidance** (无分类器引导; Ho & Salimans, 2022), and ends with one table of every family in the
# book, measured on the same protocol.
#
# :::{admonition} What this chapter needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s: six 2-D flows and one class-conditional U-Net of {glue:text}`flow_steps:,.0f` steps on MNIST, the
# sampler and guidance sweeps, and the scoring of the reference run's shipped weights.
# :::

# %%
import json
import time

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

import gantutor as gt
from gantutor import diffusion as D
from gantutor import features as feat
from gantutor import metrics as M
from gantutor.book import reference, toys

P, device = gt.start()
SEED = 0

# %% tags=["remove-cell"]
from myst_nb import glue

# %% [markdown]
# ## The path, the velocity, and the loss
#
# Draw noise $x_0 \sim \mathcal N(0, I)$ and a data point $x_1$, and join them by the straight line
#
# $$x_t = (1 - t)\,x_0 + t\,x_1, \qquad \frac{dx_t}{dt} = x_1 - x_0 .$$
#
# Many lines pass through the same point $x_t$, so the velocity a network can learn is their average, the
# **marginal velocity** $u_t(x) = \mathbb E[x_1 - x_0 \mid x_t = x]$. Lipman et al. show that regressing on the
# single line's velocity,
#
# $$\mathcal L(\theta) = \mathbb E_{t, x_0, x_1}\, \lVert v_\theta(x_t, t) - (x_1 - x_0) \rVert^2 ,$$
#
# has the same gradient as regressing on $u_t$ (the two losses differ by a constant), and that the ODE
# $dx/dt = u_t(x)$ carries $\mathcal N(0, I)$ at $t = 0$ exactly to the data at $t = 1$. For a Gaussian mixture
# $\sum_k \pi_k \mathcal N(m_k, s^2 I)$, $u_t$ has a closed form: given component $k$, $x_t \sim \mathcal N(t m_k,
# v I)$ with $v = (1-t)^2 + t^2 s^2$, and
#
# $$\mathbb E[x_1 - x_0 \mid x_t = x, k] = m_k + \frac{t s^2 - (1 - t)}{v}\,(x - t m_k),$$
#
# weighted by each component's posterior probability at $x$ (`gt.diffusion.mixture_velocity`). We check it
# against a Monte Carlo average over 400,000 data points, each line weighted by how likely it is to pass through
# $x$ (at five typical points of the path at each time; a mixture of eight ring components with standard
# deviation 0.3):

# %% tags=["nbval-check-output"]
g = torch.Generator().manual_seed(SEED)
means, std = gt.ring_centers(), 0.3
x1 = means[torch.randint(0, 8, (400_000,), generator=g)] + std * torch.randn(400_000, 2, generator=g)
within = []
for t in (0.2, 0.5, 0.8):
    x = t * x1[:5] + (1 - t) * torch.randn(5, 2, generator=g)       # typical points of the path at time t
    logw = -((x[:, None] - t * x1[None]) ** 2).sum(-1) / (2 * (1 - t) ** 2)     # N(x; t x1, (1 - t)^2 I)
    w = torch.softmax(logw.double(), 1)
    v = ((x1[None] - x[:, None]) / (1 - t)).double()                           # x1 - x0 = (x1 - x) / (1 - t)
    mc = (w[..., None] * v).sum(1)
    se = (w[..., None] ** 2 * (v - mc[:, None]) ** 2).sum(1).sqrt()             # the weighted average's error
    within.append(((D.mixture_velocity(x, t, means, std) - mc).abs() <= 4 * se + 1e-3).all().item())
outside = [t for t, ok in zip((0.2, 0.5, 0.8), within) if not ok]
assert not outside, f"closed form outside 4 standard errors at t = {outside}"
print("closed-form velocity = the Monte Carlo average of 400,000 pairs (within 4 standard errors) at t = 0.2, 0.5, 0.8")

# %% [markdown]
# **The same family as diffusion.** The diffusion forward process is also a Gaussian path,
# $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon$, with a curved schedule; flow matching picks
# signal $t$ and noise $1 - t$. Any prediction converts into any other along a given path: from a velocity,
# $\hat x_1 = x_t + (1 - t)\,v$ and $\hat\epsilon = x_t - t\,v$. DDIM with $\eta = 0$ is the Euler method of a
# probability-flow ODE on the diffusion path (Song et al., 2021); flow matching chooses the path whose ODE is
# nearly straight, so few steps suffice.
#
# ## Solving the ODE: Euler and Heun
#
# With the *exact* velocity, the only error left is the solver's. We push noise through $u_t$ of the smooth ring
# mixture above (standard deviation 0.3) with the Euler method (one evaluation per step) and Heun's method (two,
# second order), and compare with a 1,000-step Heun solution. Then we do the same for the real toy ring, whose
# modes have standard deviation 0.02 ({numref}`chapter %s <ch-gan-variants>`):

# %% tags=["nbval-check-output"]
class ExactVelocity(torch.nn.Module):
    """u_t(x) of a Gaussian mixture, as a 'network' the samplers can call (time input = 1000 t)."""

    def __init__(self, means, std):
        super().__init__()
        self.means, self.std, self.anchor = means, std, torch.nn.Parameter(torch.zeros(()))

    def forward(self, x, t, labels=None):
        return D.mixture_velocity(x, float(t[0]) / 1000, self.means, self.std).float()


exact = ExactVelocity(gt.ring_centers(), 0.3)
target = D.sample_flow(exact, 2000, (2,), steps=1000, method="heun", seed=SEED, clip=False)
solver_error = {}
for method in ("euler", "heun"):
    for steps in (2, 4, 8, 16, 32):
        x = D.sample_flow(exact, 2000, (2,), steps=steps, method=method, seed=SEED, clip=False)
        solver_error[method, steps] = float((x - target).norm(dim=1).mean())
ring = D.sample_flow(ExactVelocity(gt.ring_centers(), gt.data.RING_STD), 2500, (2,), steps=1000, method="heun",
                     seed=SEED, clip=False)
cov = gt.mode_coverage(ring, gt.ring_centers(), gt.data.RING_STD)
print(f"toy ring, exact velocity, 1,000 Heun steps: {cov['covered']}/8 modes, {cov['high_quality']:.1%} high-quality")
print("mean distance to it:", ", ".join(f"{m} {s}: {e:.1e}" for (m, s), e in solver_error.items()
                                         if s in (2, 8, 32)))

# %% mystnb={"figure": {"caption": "Mean distance between samples integrated with few steps and the 1,000-step solution, exact velocity of the smooth ring mixture (standard deviation 0.3), log-log axes. Euler's error halves when the steps double (first order); Heun's falls by three to four times (second order), for twice the evaluations per step.", "name": "fig-ch14-solvers"}}
fig, ax = plt.subplots(figsize=(6, 3))
for method in ("euler", "heun"):
    nfe = [s * (2 if method == "heun" else 1) for s in (2, 4, 8, 16, 32)]
    ax.loglog(nfe, [solver_error[method, s] for s in (2, 4, 8, 16, 32)], "o-", label=method)
ax.set_xticks([2, 4, 8, 16, 32, 64], labels=["2", "4", "8", "16", "32", "64"], minor=False)
ax.xaxis.set_minor_formatter(plt.NullFormatter())
ax.set_xlabel("velocity evaluations per sample"); ax.set_ylabel("mean distance"); ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# With the exact velocity, the flow reaches every mode of the toy ring, with about the data's own share of
# high-quality samples (98.9 % of a 2-D Gaussian's mass lies within $3\sigma$): what is left to learn is the
# velocity itself.
#
# ## Learned flows on the toys
#
# The same protocol as {numref}`chapter %s <ch-diffusion>`: an MLP (`gt.models.ToyDenoiser`, now predicting the
# velocity) trained for {glue:text}`toy_steps:,.0f` steps on each toy, three seeds, data rescaled to unit variance,
# 2,500 samples with 50 Heun steps.

# %%
TOY = {"ring": (gt.sample_ring, gt.ring_centers(), gt.data.RING_STD),
       "grid": (gt.sample_grid, gt.grid_centers(), gt.data.GRID_STD)}


def train_toy(job):
    """The toy protocol's flow (gantutor.book.toys): samples in the data's units and their mode coverage."""
    name, seed = job
    net, scale, _ = toys.train_net(("flow", name, seed, P.toy_diffusion_steps, 128, 3))
    x = toys.toy_samples(net, "flow") * scale
    return x, gt.mode_coverage(x, TOY[name][1], TOY[name][2])


jobs = [(name, seed) for name in TOY for seed in range(P.seeds)]      # one run per core side by side on a CPU
toy = dict(zip(jobs, gt.parallel_map(train_toy, jobs) if device.type == "cpu" else map(train_toy, jobs)))
gan_runs = json.loads(gt.find_results("cpu/toy_bn_pac2_200k.json").read_text())
long_toy = json.loads(gt.find_results("cpu/toy_diffusion_32000.json").read_text())
rows = []
for name, (_, centers, _) in TOY.items():
    covered = torch.tensor([float(toy[name, s][1]["covered"]) for s in range(P.seeds)])
    hq = torch.tensor([100 * toy[name, s][1]["high_quality"] for s in range(P.seeds)])
    rows.append(f"| flow matching, {P.toy_diffusion_steps:,} steps | {name} | {covered.mean():.1f} ± "
                f"{covered.std():.1f} of {len(centers)} | {hq.mean():.1f} ± {hq.std():.1f} |")
    (lm, lsd), (lq, lqsd) = (long_toy["summary"]["flow"][name][k] for k in ("covered", "high_quality"))
    rows.append(f"| flow matching, {long_toy['steps']:,} steps, {long_toy['depth']} × {long_toy['hidden']} units "
                f"(record) | {name} | {lm:.1f} ± {lsd:.1f} of {len(centers)} | {100 * lq:.1f} ± {100 * lqsd:.1f} |")
    ends = [r["curve"][-1] for r in gan_runs if r["dist"] == name]
    gm, gq = torch.tensor([float(e[1]) for e in ends]), torch.tensor([100 * e[2] for e in ends])
    rows.append(f"| GAN (BatchNorm, decay, packing), {ends[0][0]:,} steps | {name} | {gm.mean():.1f} ± "
                f"{gm.std():.1f} of {len(centers)} | {gq.mean():.1f} ± {gq.std():.1f} |")
display(Markdown(f"| model | data | modes reached (mean ± sd, {P.seeds} seeds) | high-quality % |\n|---|---|---|---|\n"
                 + "\n".join(rows)))

# %% tags=["remove-cell"]
for name in TOY:
    covered = torch.tensor([float(toy[name, s][1]["covered"]) for s in range(P.seeds)])
    hq = torch.tensor([100 * toy[name, s][1]["high_quality"] for s in range(P.seeds)])
    glue(f"flow_{name}_modes", covered.mean().item(), display=False)
    glue(f"flow_{name}_hq", hq.mean().item(), display=False)
glue("toy_steps", P.toy_diffusion_steps, display=False)
for key in ("steps", "hidden", "depth"):
    glue(f"long_toy_{key}", long_toy[key], display=False)
for name in TOY:
    glue(f"long_flow_{name}_modes", long_toy["summary"]["flow"][name]["covered"][0], display=False)
    glue(f"long_flow_{name}_hq", 100 * long_toy["summary"]["flow"][name]["high_quality"][0], display=False)
glue("long_flow_verdict", gt.Text(toys.verdict(long_toy["summary"], "flow")), display=False)

# %% mystnb={"figure": {"caption": "2,500 samples of the seed-0 flows (50 Heun steps) with the modes' centres (crosses).", "name": "fig-ch14-toy"}}
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, name in zip(axes, TOY):
    ax.scatter(*toy[name, 0][0].T, s=2, alpha=0.4)
    ax.scatter(*TOY[name][1].T, marker="x", c="k", s=20)
    ax.set_title(name); ax.set_aspect("equal")
plt.tight_layout()
plt.show()

# %% [markdown]
# The flows reach {glue:text}`flow_ring_modes:.1f` of 8 ring modes and {glue:text}`flow_grid_modes:.1f` of 25 grid
# modes, with {glue:text}`flow_ring_hq:.1f` % and {glue:text}`flow_grid_hq:.1f` % of their samples high-quality.
# A small network trained briefly smears the modes: on the ring the samples form a halo around each centre rather
# than the data's tight spot, and on the grid they spread over the whole square, so few of them count as
# high-quality. As for the DDPM, the record row
# (`python -m gantutor toy-diffusion`, record `results/cpu/toy_diffusion_32000.json`) shows what precision costs:
# with {glue:text}`long_toy_depth` layers of {glue:text}`long_toy_hidden` units and {glue:text}`long_toy_steps:,.0f`
# steps the flows reach {glue:text}`long_flow_ring_modes:.1f` of 8 and {glue:text}`long_flow_grid_modes:.1f` of 25
# modes with {glue:text}`long_flow_ring_hq:.1f` % and {glue:text}`long_flow_grid_hq:.1f` % of the samples
# high-quality — {glue:text}`long_flow_verdict`.
#
# ## Flow matching on MNIST, with and without the label
#
# One U-Net serves both purposes. It takes the class label as an extra input, and during training a random
# tenth of the labels are replaced by a "no label" token, so it learns the class-conditional velocity
# $v(x, t, y)$ and the unconditional one $v(x, t, \varnothing)$ at once. Same widths, optimiser, batch and EMA as
# the DDPM of {numref}`chapter %s <ch-diffusion>`.

# %%
train = gt.load_mnist(device=device, subset=P.train_subset)
test = gt.load_mnist(train=False)
gt.seed_everything(SEED)
flow = gt.models.UNet(P.diffusion_channels, num_classes=10).to(device)
hist = D.train_diffusion(flow, gt.TensorBatches(train.images, train.labels, batch_size=P.diffusion_batch, seed=SEED),
                         steps=P.diffusion_steps, objective="flow", lr=2e-3, lr_decay=0.1, ema=0.999, p_uncond=0.1,
                         snapshots=4, render_steps=20, seed=SEED, desc="flow MNIST")
flow = hist.ema.module.eval()
print(f"{hist.steps} steps in {hist.seconds:.0f} s; {gt.count_parameters(flow):,} parameters")

# %% tags=["remove-cell"]
glue("flow_steps", P.diffusion_steps, display=False)
glue("flow_train_s", hist.seconds, display=False)

# %% [markdown]
# ### Unconditional samples
#
# With the "no label" token the network is an unconditional model; we score {glue:text}`n_eval:,.0f` of its samples
# (20 Euler steps) with the book's protocol:

# %%
N = P.metric_samples
real_ref = feat.classifier_outputs(test.images[:N])
train_cpu = gt.load_mnist(subset=P.train_subset)
floor = M.fid_from_features(real_ref[0], feat.classifier_outputs(
    train_cpu.images[torch.randperm(len(train_cpu), generator=torch.Generator().manual_seed(1))[:N]])[0])
no_label = torch.full((N,), 10)
start = time.perf_counter()
uncond = D.sample_flow(flow, N, steps=20, labels=no_label, seed=SEED + 1, batch_size=500)
ms_per_image = 1000 * (time.perf_counter() - start) / N
flow_scores = M.headline_scores(uncond, real_ref[0], floor)
print(M.describe_scores(flow_scores) + f" | {ms_per_image:.2f} ms per image")

# %% tags=["remove-cell"]
for k, v in flow_scores.items():
    gt.book.metric(f"flow.{k}", v)
gt.book.metric("flow.train_minutes", hist.seconds / 60)
gt.book.metric("flow.sample_ms", ms_per_image)
glue("n_eval", N, display=False)

# %% mystnb={"figure": {"caption": "64 of the scored unconditional samples (20 Euler steps, EMA weights), not selected.", "name": "fig-ch14-uncond"}}
fig, ax = plt.subplots(figsize=(6, 6))
gt.show_images(uncond[:64], nrow=8, ax=ax, title=f"flow matching, {hist.steps:,} steps, no label")
plt.show()

# %% [markdown]
# After {glue:text}`flow_steps:,.0f` steps ({glue:text}`flow_train_s:.0f` s), the unconditional samples score
# {glue:text}`metric__flow__fid_over_floor:.1f` times the floor, with {glue:text}`metric__flow__confident_rate:.1%`
# classified confidently and the largest class at {glue:text}`metric__flow__max_class_share:.1%`. Without the label
# most samples are stroke-like shapes rather than digits: a few minutes of training are not enough for the
# unconditional model. The label changes that, as the next sections show.
#
# ### Few steps: Euler against Heun
#
# The learned velocity field is not exactly straight, so the solver matters. {glue:text}`sweep_n` samples per
# point, FID over a floor computed with as many images:

# %%
n = P.sweep_samples
sweep_floor = M.fid_from_features(real_ref[0][:n], feat.classifier_outputs(train_cpu.images[:n])[0])
solver_rows = []
for method, steps_list in (("euler", (1, 2, 5, 10, 20)), ("heun", (1, 2, 5, 10))):
    for steps in steps_list:
        start = time.perf_counter()
        x = D.sample_flow(flow, n, steps=steps, method=method, labels=torch.full((n,), 10), seed=SEED + 2)
        ms = 1000 * (time.perf_counter() - start) / n
        f, l = feat.classifier_outputs(x)
        solver_rows.append({"method": method, "nfe": steps * (2 if method == "heun" else 1), "ms": ms,
                            "fid_ratio": M.fid_from_features(real_ref[0][:n], f) / sweep_floor,
                            "confident": M.confident_rate(l)})
display(Markdown("| solver | evaluations | ms per image | FID / floor | confident |\n|---|---|---|---|---|\n" + "\n".join(
    f"| {r['method']} | {r['nfe']} | {r['ms']:.1f} | {r['fid_ratio']:.1f} | {r['confident']:.1%} |" for r in solver_rows)))
e20 = next(r for r in solver_rows if r["method"] == "euler" and r["nfe"] == 20)
h20 = next(r for r in solver_rows if r["method"] == "heun" and r["nfe"] == 20)

# %% tags=["remove-cell"]
glue("sweep_n", n, display=False)
glue("euler20", e20["fid_ratio"], display=False)
glue("heun20", h20["fid_ratio"], display=False)

# %% [markdown]
# At 20 network evaluations, Euler reaches {glue:text}`euler20:.1f` times the floor and Heun
# {glue:text}`heun20:.1f` on this sample size. With fewer than about ten evaluations Euler is ahead in the table: a
# Heun step spends two evaluations on one step twice as long, and with the learned velocity its correction does not
# pay for that yet; from ten evaluations on, Heun is slightly ahead. Compare the DDPM of
# {numref}`chapter %s <ch-diffusion>`: its ancestral sampler needs 1,000 evaluations, and DDIM brings it down to ten
# or twenty.
#
# ### Classifier-free guidance
#
# With the label, the guided velocity extrapolates from the unconditional prediction towards the conditional
# one: $\tilde v = v(x, t, \varnothing) + w\,\big(v(x, t, y) - v(x, t, \varnothing)\big)$. Scale $w = 0$ ignores
# the label, $w = 1$ is the plain conditional model, $w > 1$ pushes samples towards what the label makes most
# likely. We sweep $w$, with {glue:text}`sweep_n` samples (balanced classes, 20 Euler steps) per scale, and
# measure how often the classifier agrees with the requested label, the confident-class rate, and precision and
# recall in the classifier's feature space ({numref}`chapter %s <ch-evaluation>`):

# %%
labels = torch.arange(n) % 10
guidance_rows = []
for w in (0.0, 1.0, 2.0, 4.0):
    x = D.sample_flow(flow, n, steps=20, labels=labels, guidance=w, seed=SEED + 3)
    f, l = feat.classifier_outputs(x)
    pr = M.precision_recall(real_ref[0][:n], f)
    guidance_rows.append({"w": w, "agree": float((l.argmax(1) == labels).float().mean()),
                          "confident": M.confident_rate(l), "precision": pr["precision"], "recall": pr["recall"],
                          "fid_ratio": M.fid_from_features(real_ref[0][:n], f) / sweep_floor, "images": x})
display(Markdown("| guidance w | label agreement | confident | precision | recall | FID / floor |\n|---|---|---|---|---|---|\n"
                 + "\n".join(f"| {r['w']:g} | {r['agree']:.1%} | {r['confident']:.1%} | {r['precision']:.3f} | "
                             f"{r['recall']:.3f} | {r['fid_ratio']:.1f} |" for r in guidance_rows)))

# %% tags=["remove-cell"]
for r in guidance_rows:
    key = f"w{r['w']:g}"
    glue(f"agree_{key}", r["agree"], display=False)
    glue(f"recall_{key}", r["recall"], display=False)
    glue(f"precision_{key}", r["precision"], display=False)

# %% mystnb={"figure": {"caption": "Guided samples, one row per class 0 to 9, at guidance scales 0 (label ignored), 1 and 4, same noise.", "name": "fig-ch14-guidance"}}
fig, axes = plt.subplots(1, 3, figsize=(12, 4.4))
order = torch.cat([torch.nonzero(labels == c).flatten()[:8] for c in range(10)]) if n >= 80 else torch.arange(min(n, 80))
for ax, r in zip(axes, [guidance_rows[0], guidance_rows[1], guidance_rows[3]]):
    gt.show_images(r["images"][order], nrow=8, ax=ax, title=f"w = {r['w']:g}")
    ax.title.set_fontsize(14)
plt.tight_layout()
plt.show()

# %% [markdown]
# Guidance trades diversity for fidelity, and the numbers show both sides. Label agreement rises from
# {glue:text}`agree_w0:.1%` (the label ignored: chance is 10 %) to {glue:text}`agree_w1:.1%` at $w = 1$ and
# {glue:text}`agree_w4:.1%` at $w = 4$; precision moves from {glue:text}`precision_w1:.3f` to
# {glue:text}`precision_w4:.3f` and recall from {glue:text}`recall_w1:.3f` to {glue:text}`recall_w4:.3f` between
# $w = 1$ and $w = 4$. Strong guidance draws each class's most typical digits and fewer of its unusual ones.
#
# ## What more compute buys
#
# The same recipe with a U-Net twice as wide, trained for {glue:text}`ref_minutes:.0f` minutes on the same 2-core
# CPU, is a **reference run** (its time budget is checked every 500 steps, so it stops at the first check past the
# hour): one recorded command,
#
# ```
# python -m gantutor reference flow --seconds 3600 --out results/cpu/reference_flow.json
# ```
#
# which writes the record (command, device, steps, time, metrics) and the EMA network's weights in float16. The
# record's numbers use the book's protocol: 10,000 unconditional samples, 10,000 guided ones (scale
# {glue:text}`ref_guidance`, {glue:text}`ref_sampler_steps` Heun steps) and the Classification Accuracy Score — a
# classifier trained only on those 10,000 guided images and tested on the real test set. Here we load the
# weights (their sha256 is checked against the record) and re-score the unconditional model on
# {glue:text}`sweep_n` fresh samples. At that sample size both FIDs carry a large positive bias, the floor's most
# ({numref}`chapter %s <ch-evaluation>`), so the ratio printed below reads far smaller than the record's
# 10,000-sample one and cannot be compared with it; the confident-class rate, which needs no floor, can:

# %%
ref_G, ref_record = reference.load_reference(gt.find_results("cpu/reference_flow.json"))
ref_recipe = ref_record["recipe"]
x = reference.draw(ref_G, ref_recipe, n, seed=SEED + 4)
f, l = feat.classifier_outputs(x)
rescored = {"fid_ratio": M.fid_from_features(real_ref[0][:n], f) / sweep_floor, "confident": M.confident_rate(l)}
rm = ref_record["metrics"]
print(f"record: {ref_record['steps']:,} steps in {ref_record['train_seconds'] / 60:.0f} min on {ref_record['device']} "
      f"({ref_record['threads']} threads) | FID/floor {rm['flow_reference.fid_over_floor']:.2f} | confident "
      f"{rm['flow_reference.confident_rate']:.1%} | guided FID/floor {rm['flow_reference.guided_fid_over_floor']:.2f} | "
      f"CAS {rm['flow_reference.cas']:.2%}")
print(f"re-scored here ({n} samples): FID/floor {rescored['fid_ratio']:.2f} (floor at {n}), "
      f"confident {rescored['confident']:.1%}")

# %% tags=["remove-cell"]
for k in ("fid_over_floor", "confident_rate", "max_class_share", "cas", "guided_fid_over_floor", "sample_ms"):
    gt.book.metric(f"flow_reference.{k}", rm[f"flow_reference.{k}"])
gt.book.metric("flow_reference.train_minutes", ref_record["train_seconds"] / 60)
glue("ref_steps", ref_record["steps"], display=False)
glue("ref_minutes", ref_record["train_seconds"] / 60, display=False)
glue("ref_guidance", ref_recipe["guidance"], display=False)
glue("ref_sampler_steps", ref_recipe["sampler_steps"], display=False)
glue("ref_params", gt.count_parameters(ref_G), display=False)

# %% mystnb={"figure": {"caption": "The reference flow: unconditional samples (left, no label) and guided samples, one row per class (right), not selected.", "name": "fig-ch14-reference"}}
fig, axes = plt.subplots(1, 2, figsize=(11, 5.6))
gt.show_images(x[:64], nrow=8, ax=axes[0], title=f"reference, no label ({ref_record['steps']:,} steps)")
guided_ref = reference.draw(ref_G, ref_recipe, 80, seed=SEED + 5, labels=torch.arange(80) // 8)
gt.show_images(guided_ref, nrow=8, ax=axes[1], title=f"reference, guided (w = {ref_recipe['guidance']:g})")
plt.tight_layout()
plt.show()

# %% [markdown]
# The reference network ({glue:text}`ref_params:,` parameters) trained for {glue:text}`ref_steps:,` steps
# ({glue:text}`ref_minutes:.0f` minutes). Unconditionally it scores {glue:text}`metric__flow_reference__fid_over_floor:.2f`
# times the floor with {glue:text}`metric__flow_reference__confident_rate:.1%` of samples classified confidently;
# guided, {glue:text}`metric__flow_reference__guided_fid_over_floor:.2f` times the floor, and a classifier trained
# only on its images reaches {glue:text}`metric__flow_reference__cas:.2%` on the real test set.
#
# ## The families, side by side
#
# Every number below comes from a stored run of this book — the chapters' own `cpu` runs and the reference runs
# they load — each read from the run record its notebook stores (`metadata.gantutor.metrics`).
# All are scored with 10,000 samples against the 10,000 test images; a dash marks a measure that run does not
# record. The same table, with every model, closes {numref}`chapter %s <ch-evaluation>`.
#
# ```{model-scores}
# :models: mlpgan, dcgan, dcgan_reference, cdcgan, cdcgan_reference, vae, vae_reference, ddpm, flow, flow_reference
# ```
#
# What each family buys and costs, read from the table:
#
# * **Unconditional quality for a few minutes of training.** The DDPM scores {score}`ddpm.fid_over_floor:.0f` and
#   the flow {score}`flow.fid_over_floor:.0f` times the floor, the MLP GAN {score}`mlpgan.fid_over_floor:.0f` and
#   the DCGAN {score}`dcgan.fid_over_floor:.0f`. A U-Net needs far more than a few minutes to learn the digits
#   without labels; the flow's reference run, an hour long, reaches {score}`flow_reference.fid_over_floor:.0f` times
#   the floor. The largest-class column shows that uneven classes are not only a GAN failure: the briefly trained
#   DDPM's classes are the most uneven of all.
# * **Sampling cost.** A GAN draws an image with one network evaluation; the diffusion-family rows need 10 (DDPM) or
#   20 (flow) each, and DDPM's ancestral sampler 1,000. The milliseconds-per-image column is the price of their samples.
# * **Labels help both families that have a labelled row.** The conditional DCGAN ({score}`cdcgan.fid_over_floor` times the floor) beats the
#   unconditional one. Guidance does the same for the flow, in one network: its reference run's guided samples
#   train a classifier to CAS {glue:text}`metric__flow_reference__cas:.1%`, close to the conditional VAE's
#   reference run ({score}`cvae_reference.cas:.1%`, {numref}`chapter %s <ch-applications>`).
# * **Likelihood, and what it does not buy.** Only the VAE of {numref}`chapter %s <ch-vae>` reports a test
#   log-likelihood: {score}`vae.nll_nats` nats for its run on the chapter's first
#   {glue:text}`09_vae.ipynb::ch8_n_nll:d` test images, and {score}`vae_reference.nll_nats` for its reference run on all
#   10,000 (Burda et al.: 86.76). Its samples, scored on the same protocol, are another matter: the reference VAE,
#   trained for {score}`vae_reference.train_minutes:.0f` minutes, scores {score}`vae_reference.fid_over_floor:.0f`
#   times the floor, behind the DCGAN of {numref}`chapter %s <ch-dcgan>` after {score}`dcgan.train_minutes:.0f`
#   minutes of training ({score}`dcgan.fid_over_floor:.0f` times the floor): its samples are decoder means, and
#   blurred. Diffusion models have a
#   likelihood too (through their ELBO, or exactly through the ODE), which this book does not compute.
#
# ## Summary
#
# * Flow matching regresses a network on the velocity $x_1 - x_0$ of straight lines from noise to data; the
#   marginal velocity it learns carries noise exactly to data, as the closed form for a mixture shows.
# * Samplers are ODE solvers: with the exact velocity, Heun (second order) needs fewer evaluations than Euler for the
#   same error; with the learned MNIST velocity it pays off only from about ten evaluations.
# * Dropping the label a tenth of the time trains the conditional and the unconditional model in one network;
#   classifier-free guidance trades recall for precision and label agreement.
#
# ## Exercises
#
# 1. Change the path to the diffusion path of {numref}`chapter %s <ch-diffusion>` (signal
#    $\sqrt{\bar\alpha}$, noise $\sqrt{1-\bar\alpha}$) and derive its conditional velocity.
# 2. "Reflow" (Liu et al., 2023): pair each noise with the sample the trained flow draws from it, and train a
#    second flow on those pairs. Why are its paths straighter, and how many Euler steps does it need?
# 3. Sweep the label-dropout share (0.05, 0.1, 0.3). How do guided and unguided samples change?
#
# ## Checked code exercise
#
# Write one training pair of conditional flow matching: given data $x_1$, noise $x_0$ and times $t$, return the
# point on the path and its target velocity.

# %%
def my_flow_pair(x0, x1, t):
    """x0, x1: (N, ...); t: (N,) in [0, 1]. Return (x_t, target velocity)."""
    raise NotImplementedError()


report = gt.exercises.check_flow_pair(my_flow_pair, raise_on_fail=False)

# %% [markdown]
# A worked solution (click to show the code); its checks follow.

# %% tags=["hide-input"]
def my_flow_pair(x0, x1, t):
    tb = t.view(-1, *([1] * (x1.dim() - 1)))          # one time per example, broadcast over the rest
    return (1 - tb) * x0 + tb * x1, x1 - x0


report = gt.exercises.check_flow_pair(my_flow_pair)
