# %% [markdown]
# (ch-vae-latent)=
# # Inside the VAE: latent space, β, collapse and conditioning
#
# {numref}`Chapter %s <ch-what-is-generative-ai>` described a **{term}`latent space`** (潜在空间) with PCA, and source article 000 calls it "a
# low-dimensional space that captures the features of the data distribution". A VAE's latent space is different
# in one important way: the KL term pulls every image's code towards the same prior $\mathcal N(0, I)$, so the
# codes of the training set *fill* the prior, and decoding any prior draw gives something image-like. This chapter
# looks at that space directly (with two latent dimensions, so it can be drawn), then turns the KL term's weight
# $\beta$ up and down, watches latent dimensions switch off (**{term}`posterior collapse`**, 后验坍塌) and switches
# them back on, adds labels (a **{term}`conditional VAE`**, 条件变分自编码器), and finally puts a VAE and a GAN of
# the same size side by side with the metrics of {numref}`chapter %s <ch-evaluation>`.
#
# :::{admonition} What this chapter needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s for {glue:text}`ch9_runs` training runs.
# :::

# %%
import time

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

import gantutor as gt
from gantutor import features as feat
from gantutor import metrics as M
from gantutor import vae as V

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))
SEED = 0
RUNS = 0
DATA = {name: (gt.load_images(name, subset=P.train_subset, device=device),
               gt.load_images(name, train=False, device=device)) for name in ("mnist", "fashion-mnist")}


def fit(model, name, steps, labels=False, batch_size=None, **kw):
    # Train `model` on dataset `name` with the book's VAE loop; returns the history.
    global RUNS
    RUNS += 1
    train = DATA[name][0]
    tensors = (train.images, train.labels) if labels else (train.images,)
    return V.train_vae(model.to(device), gt.TensorBatches(*tensors, batch_size=batch_size or P.vae_batch_size,
                       seed=SEED), steps=steps, lr=1e-3, lr_decay=0.1, seed=SEED, **kw)


# %% tags=["remove-cell"]
from myst_nb import glue

# %% [markdown]
# ## A two-dimensional latent space
#
# With two latent dimensions the encoder's output can be plotted directly. We train the architecture of {doc}`09_vae`
# with `latent_dim=2` on MNIST and on Fashion-MNIST and plot the posterior means $\mu(x)$ of 5000 test images,
# coloured by their (unseen) class.

# %% mystnb={"figure": {"caption": "Posterior means of test images in the 2-D latent spaces. Classes form regions although the VAE never saw a label; similar classes border each other (4, 7 and 9; shirt, pullover and coat). The cloud is centred on the origin with spread about 1: the KL term's pull towards the prior.", "name": "fig-ch9-embedding"}}
two_d = {}
for name in DATA:
    gt.seed_everything(SEED)
    m = V.MLPVAE(latent_dim=2, hidden=(400, 200))
    fit(m, name, P.vae_short_steps, desc=f"2-D VAE {name}")
    two_d[name] = m

fig, axes = plt.subplots(1, 2, figsize=(9.4, 5.6), layout="constrained")
for ax, name in zip(axes, DATA):
    test = DATA[name][1]
    mu = V.encode_means(two_d[name], V.to_unit(test.images[:5000]))
    sc = ax.scatter(mu[:, 0], mu[:, 1], c=test.labels[:5000].cpu(), cmap="tab10", s=3, alpha=0.6)
    handles = [plt.Line2D([], [], marker="o", ls="", color=sc.cmap(sc.norm(c))) for c in range(10)]
    ax.legend(handles, test.classes, fontsize=10, markerscale=1.2, ncol=3, loc="upper center",
              bbox_to_anchor=(0.5, -0.13))                 # below the axes, off the clusters
    ax.set_title(f"{name}: means of 5000 test images", fontsize=12); ax.set_xlabel("$z_1$"); ax.set_ylabel("$z_2$")
plt.show()

# %% [markdown]
# Decoding a regular grid of latent points shows the **manifold** the decoder has learnt. The grid is laid out in
# prior *quantiles* (each coordinate is $\Phi^{-1}(q)$ for evenly spaced $q$, with $\Phi$ the standard normal CDF),
# so that equal areas of the picture hold equal prior mass.

# %% mystnb={"figure": {"caption": "The learnt manifolds. Moving across the MNIST grid morphs one digit into its neighbours smoothly, because the KL term made the codes fill the prior; on Fashion-MNIST a band between the garments and the shoes decodes to faint, nearly empty images.", "name": "fig-ch9-manifold"}}
n = 15
q = torch.linspace(0.03, 0.97, n)
coords = torch.distributions.Normal(0.0, 1.0).icdf(q)
zz = torch.stack(torch.meshgrid(coords, coords.flip(0), indexing="xy"), -1).reshape(-1, 2)
fig, axes = plt.subplots(1, 2, figsize=(9.4, 5.2))
for ax, name in zip(axes, DATA):
    gt.show_images(V.sample_vae(two_d[name], len(zz), z=zz) * 2 - 1, nrow=n, ax=ax,
                   title=f"{name}: a 15×15 grid of prior quantiles")
    ax.title.set_fontsize(12)
plt.tight_layout(); plt.show()

# %% [markdown]
# ## Reconstructions, samples and interpolations in a richer space
#
# Two dimensions cannot hold much detail. A 16-dimensional convolutional VAE ({doc}`09_vae`) reconstructs far better;
# walking in a straight line between the posterior means of two test images and decoding each point gives an
# **interpolation**.

# %% mystnb={"figure": {"caption": "The 16-D convolutional VAE. Left: six test digits and their reconstructions. Right: each row decodes ten evenly spaced points on the straight line from the code of the test digit on its left to the code of another test image; the digit changes gradually rather than as a cross-fade of two images, though some midpoints are blots rather than digits.", "name": "fig-ch9-interpolation"}}
gt.seed_everything(SEED)
conv = V.ConvVAE(latent_dim=16, width=32)
h_conv = fit(conv, "mnist", P.dcgan_steps, batch_size=P.gan_batch_size, desc="ConvVAE mnist")
test = DATA["mnist"][1]
x = V.to_unit(test.images[:16])
starts, ends = V.encode_means(conv, x[:6]), V.encode_means(conv, x[6:12])
t = torch.linspace(0, 1, 10)
path = (starts[:, None] * (1 - t[None, :, None]) + ends[:, None] * t[None, :, None]).reshape(-1, 16)
fig, axes = plt.subplots(1, 2, figsize=(10, 5.4), gridspec_kw={"width_ratios": [2, 10]})
pairs = torch.stack([x[:6], V.reconstruct(conv, x[:6])], dim=1).flatten(0, 1)     # image, reconstruction, ...
gt.show_images(pairs * 2 - 1, nrow=2, ax=axes[0], title="image,\nreconstruction")
gt.show_images(V.sample_vae(conv, len(path), z=path) * 2 - 1, nrow=10, ax=axes[1],
               title="interpolations between two test images' codes")
plt.tight_layout(); plt.show()

# %% [markdown]
# ## β: trading reconstruction for KL
#
# The **{term}`β-VAE`** (Higgins et al., 2017) multiplies the KL term by $\beta$. With $\beta = 1$ the objective is
# the ELBO. Larger $\beta$ buys a latent code closer to the prior (fewer nats of information about the image) at the
# price of reconstruction; smaller $\beta$ the reverse. The KL term is the **rate** (nats spent on the code) and the
# reconstruction term the **distortion**; each β picks a point on the trade-off between them (Alemi et al., 2018).
# We train the architecture of {doc}`09_vae` (50 latents) for {glue:text}`ch9_beta_steps:,.0f` steps at each β and measure
# both terms, and the number of active latent dimensions, on test images.

# %% mystnb={"figure": {"caption": "Left: each \u03b2 lands on a different point of the rate\u2013distortion trade-off (test images). Right: the number of latent dimensions the encoder actually uses (Burda et al.'s criterion) at each \u03b2; the table below gives the numbers.", "name": "fig-ch9-beta"}}
BETAS = [0.5, 1.0, 2.0, 4.0, 8.0]
STEPS_B = max(1, P.vae_short_steps // 2)
x_test = V.binarize(DATA["mnist"][1].images[:2000], torch.Generator(device=device).manual_seed(123))
sweep = {}
for beta in BETAS:
    gt.seed_everything(SEED)
    m = V.MLPVAE(latent_dim=50)
    fit(m, "mnist", STEPS_B, beta=beta, desc=f"beta={beta}")
    ev = V.evaluate_bound(m, x_test, seed=SEED)
    sweep[beta] = {"model": m, "recon": ev["recon"], "kl": ev["kl"], "elbo": ev["bound"],
                   "active": V.active_units(m, x_test)[0], "kl_dims": V.vae_terms(m, x_test)["kl_dims"].mean(0).detach().cpu()}

fig, axes = plt.subplots(1, 2, figsize=(9.4, 3.8))
axes[0].plot([sweep[b]["kl"] for b in BETAS], [sweep[b]["recon"] for b in BETAS], "o-")
for b in BETAS:
    axes[0].annotate(f"β={b:g}", (sweep[b]["kl"], sweep[b]["recon"]), textcoords="offset points", xytext=(5, 5))
axes[0].set_xlabel("rate: KL(q(z|x) ‖ p(z)) (nats)"); axes[0].set_ylabel("distortion: −log p(x|z) (nats)")
axes[0].set_title("test reconstruction vs KL"); axes[0].margins(0.15)
axes[1].bar([f"β={b:g}" for b in BETAS], [sweep[b]["active"] for b in BETAS])
axes[1].set_ylabel("active latent dimensions (of 50)"); axes[1].set_title("dimensions in use")
plt.tight_layout(); plt.show()

# %% tags=["remove-cell"]
glue("ch9_beta_steps", STEPS_B, display=False)

# %%
table = "| β | test −log p(x∣z) | test KL | test −ELBO | active units |\n|---|---|---|---|---|\n" + "\n".join(
    f"| {b:g} | {sweep[b]['recon']:.1f} | {sweep[b]['kl']:.1f} | {-sweep[b]['elbo']:.1f} | {sweep[b]['active']} |"
    for b in BETAS)
display(Markdown(table))

# %% tags=["remove-cell"]
for b in BETAS:
    key = str(b).replace(".", "_")
    glue(f"ch9_b{key}_kl", sweep[b]["kl"], display=False)
    glue(f"ch9_b{key}_recon", sweep[b]["recon"], display=False)
    glue(f"ch9_b{key}_active", sweep[b]["active"], display=False)

# %% mystnb={"figure": {"caption": "Prior samples for each \u03b2 (same noise). Small \u03b2: detailed but more often malformed, because the codes do not fill the prior and prior draws land between them; large \u03b2: smooth, blurry digits, and at \u03b2 = 8, with one dimension active, the draws decode to a few blurred shapes, mostly 8- and 9-like.", "name": "fig-ch9-beta-samples"}}
fig, axes = plt.subplots(1, len(BETAS), figsize=(1.9 * len(BETAS), 2.3))
for ax, b in zip(axes, BETAS):
    gt.show_images(V.sample_vae(sweep[b]["model"], 16, seed=SEED) * 2 - 1, nrow=4, ax=ax)
    ax.set_title(f"β = {b:g}", fontsize=14)
plt.tight_layout(); plt.show()

# %% [markdown]
# From β = 0.5 to β = 8 the rate falls from {glue:text}`ch9_b0_5_kl:.1f` to {glue:text}`ch9_b8_0_kl:.1f` nats and
# the distortion rises from {glue:text}`ch9_b0_5_recon:.1f` to {glue:text}`ch9_b8_0_recon:.1f` nats. The active
# dimensions number {glue:text}`ch9_b0_5_active` at β = 0.5, {glue:text}`ch9_b1_0_active` at β = 1 and
# {glue:text}`ch9_b8_0_active` at β = 8: a large β switches dimensions off, but between neighbouring small values of β
# the count need not move in step with β — one seed and a short run decide a difference of a dimension or two.
# Only β = 1 optimises a bound on the log-likelihood; the others optimise something else on purpose.
#
# That does not make β = 1 the row with the lowest test −ELBO. If a smaller β comes out lower there (compare the
# β = 0.5 and β = 1 rows of the table above), nothing is broken. The promise that β = 1 gives the best ELBO holds
# at the optimum of each objective, and after {glue:text}`ch9_beta_steps:,.0f` steps no model is near its optimum: the
# table compares unfinished optimisations. A β below 1 makes information in $z$ cheaper, so the encoder puts more
# into its code and the decoder learns to reconstruct faster — the idea behind KL warm-up, below. Whenever the
# reconstruction gained that way (the −log p(x∣z) column) exceeds the extra KL it costs (the KL column), the
# smaller β also has the better −ELBO. A short run shows how fast each setting makes progress, not where it would
# end.
#
# ## Posterior collapse, and two remedies
#
# An inactive dimension is one where $q(z_j \mid x) = p(z_j)$ for every image: its KL is zero and it carries
# nothing. Some of this is healthy — 50 dimensions are more than MNIST needs at this distortion — but when a
# model sends (almost) *all* dimensions to the prior, its decoder ignores $z$: that is **posterior collapse**. It is
# most severe with powerful autoregressive decoders (Bowman et al., 2016), and appears here at large β. Two common
# remedies:
#
# * **KL warm-up** (Bowman et al., 2016; Sønderby et al., 2016): β rises linearly from 0 to its final value during
#   the first part of training, so the encoder learns to use $z$ before the KL term pushes back.
# * **Free bits** (Kingma et al., 2016): each dimension's batch-mean KL counts as at least λ nats in the loss, so
#   there is nothing to gain by pushing a dimension below λ.
#
# We apply both to the β = {glue:text}`ch9_collapse_beta` model of the sweep, where many dimensions have
# collapsed, with the same number of steps, and show the KL of each dimension (sorted) on test images.

# %% mystnb={"figure": {"caption": "KL per latent dimension on test images, sorted, for the plain \u03b2-VAE and the two remedies (same \u03b2, same steps). Dimensions near zero are collapsed onto the prior.", "name": "fig-ch9-collapse"}}
BETA_C = 4.0
LAMBDA = 0.5
remedies = {f"plain, β={BETA_C:g}": sweep[BETA_C]}
for label, kw in [("warm-up over half the run", {"warmup_steps": STEPS_B // 2}),
                  (f"free bits λ={LAMBDA:g}", {"free_bits": LAMBDA})]:
    gt.seed_everything(SEED)
    m = V.MLPVAE(latent_dim=50)
    fit(m, "mnist", STEPS_B, beta=BETA_C, desc=label, **kw)
    ev = V.evaluate_bound(m, x_test, seed=SEED)
    remedies[label] = {"model": m, "recon": ev["recon"], "kl": ev["kl"], "elbo": ev["bound"],
                       "active": V.active_units(m, x_test)[0],
                       "kl_dims": V.vae_terms(m, x_test)["kl_dims"].mean(0).detach().cpu()}
fig, ax = plt.subplots(figsize=(8, 3.4))
for label, r in remedies.items():
    ax.plot(r["kl_dims"].sort(descending=True).values, "o-", ms=3, label=f"{label}: {r['active']} active")
ax.set_xlabel("latent dimension (sorted by KL)"); ax.set_ylabel("mean KL on test images (nats)")
ax.set_yscale("symlog", linthresh=0.01); ax.legend()
plt.tight_layout(); plt.show()

# %%
table = "| training | test −log p(x∣z) | test KL | test −ELBO | active units |\n|---|---|---|---|---|\n" + "\n".join(
    f"| {k} | {r['recon']:.1f} | {r['kl']:.1f} | {-r['elbo']:.1f} | {r['active']} |" for k, r in remedies.items())
display(Markdown(table))

# %% tags=["remove-cell"]
glue("ch9_collapse_beta", BETA_C, display=False)
glue("ch9_lambda", LAMBDA, display=False)
for key, (label, r) in zip(["plain", "warmup", "freebits"], remedies.items()):
    glue(f"ch9_{key}_active", r["active"], display=False)
    glue(f"ch9_{key}_recon", r["recon"], display=False)

# %% [markdown]
# Plain training at β = {glue:text}`ch9_collapse_beta` keeps {glue:text}`ch9_plain_active` dimensions active;
# warm-up keeps {glue:text}`ch9_warmup_active` and free bits (λ = {glue:text}`ch9_lambda` nats)
# {glue:text}`ch9_freebits_active`, with test distortions {glue:text}`ch9_plain_recon:.1f`,
# {glue:text}`ch9_warmup_recon:.1f` and {glue:text}`ch9_freebits_recon:.1f` nats. Free bits acts directly on the
# number of dimensions in use; warm-up changes only the start of training, and whether its effect lasts depends on
# how long the final β then acts — compare the numbers rather than the reputation. In this run warm-up ends with
# fewer active dimensions than plain training, though at a lower distortion.
#
# ## A conditional VAE
#
# Feeding the label to both encoder and decoder (one-hot, concatenated to their inputs) gives a **conditional
# VAE** (Sohn et al., 2015): $q(z \mid x, y)$ and $p(x \mid z, y)$. The label no longer has to be stored in $z$, so
# $z$ is free to encode *style*; at generation time we choose the class and draw $z$ from the prior.

# %% tags=["nbval-check-output"]
m = V.MLPVAE(latent_dim=16, hidden=(400, 200), num_classes=10)
print("encoder's first layer:", m.encoder[0], "<- 784 pixels + 10 one-hot label entries")
print("decoder's first layer:", m.decoder[0], "<- 16 latents + 10 one-hot label entries")

# %% mystnb={"figure": {"caption": "Class-controlled samples of the conditional VAEs: each row asks for one class, each column uses the same latent draw for every class, so a column shares a style (slant and thickness; for garments, shape and brightness).", "name": "fig-ch9-cvae"}}
cvae = {}
label_acc = {}
for name in DATA:
    gt.seed_everything(SEED)
    m = V.MLPVAE(latent_dim=16, hidden=(400, 200), num_classes=10)
    fit(m, name, P.vae_short_steps, labels=True, desc=f"CVAE {name}")
    cvae[name] = m
    n_check = min(P.metric_samples, 5000)
    asked = torch.arange(n_check) % 10
    s = V.sample_vae(m, n_check, seed=SEED, labels=asked)
    label_acc[name] = float((feat.classifier_outputs(s * 2 - 1, name)[1].argmax(1) == asked).float().mean())

fig, axes = plt.subplots(1, 2, figsize=(9.4, 5.8))
z = torch.randn(8, 16, generator=torch.Generator().manual_seed(SEED + 3))
for ax, name in zip(axes, DATA):
    rows = [V.sample_vae(cvae[name], 8, z=z, labels=torch.full((8,), c)) for c in range(10)]
    gt.show_images(torch.cat(rows) * 2 - 1, nrow=8, ax=ax, title=f"conditional VAE, {name}")
    ax.axis("on"); ax.set_xticks([]); ax.tick_params(left=False)
    ax.set_yticks([2 + 30 * c + 14 for c in range(10)])
    ax.set_yticklabels(gt.data.CLASS_NAMES[name], fontsize=11)
    for spine in ax.spines.values():
        spine.set_visible(False)
plt.tight_layout(); plt.show()

# %% tags=["remove-cell"]
for name in DATA:
    glue(f"ch9_cvae_{name.replace('-', '_')}_acc", 100 * label_acc[name], display=False)

# %% [markdown]
# The fixed classifier of {numref}`chapter %s <ch-evaluation>` agrees with the requested class for {glue:text}`ch9_cvae_mnist_acc:.1f`% of the
# conditional MNIST samples and {glue:text}`ch9_cvae_fashion_mnist_acc:.1f`% of the Fashion-MNIST ones — compare
# {numref}`chapter %s <ch-dcgan>`'s conditional GAN. The figure shows why it is not higher. On MNIST some columns
# override the label (a latent draw that "means" a thick 8 wins against the requested class); on Fashion-MNIST whole
# rows fail, most of the Bag row draws tops, and the Sandal row is a faint smear. The label does not *have* to be stored
# in $z$ any more, but nothing stops the encoder from storing it there anyway, and then a prior draw carries a class
# of its own. Longer training, a larger β or an auxiliary classifier on $z$ reduce this; the agreement rate is the
# number to watch.
#
# ## VAE and GAN side by side
#
# Which is better, a VAE or a GAN? The metrics of {numref}`chapter %s <ch-evaluation>` split the question. We train the 16-D convolutional VAE
# above and a DCGAN of matching width ({numref}`chapter %s <ch-dcgan>`) for the same number of steps and batch size on MNIST, and score
# {glue:text}`ch9_n_eval:,.0f` samples of each against the test set.

# %%
N_EVAL = min(P.metric_samples, 10000)
test = DATA["mnist"][1]
ref = feat.classifier_outputs(test.images[:N_EVAL], "mnist")
floor_set = DATA["mnist"][0].images[torch.randperm(len(DATA["mnist"][0]), generator=torch.Generator().manual_seed(1))[:N_EVAL]]
floor = M.fid_from_features(ref[0], feat.classifier_outputs(floor_set, "mnist")[0])
gt.seed_everything(SEED)
G = gt.models.DCGANGenerator(width=P.dcgan_width).to(device)
D = gt.models.DCGANDiscriminator(width=P.dcgan_width).to(device)
RUNS += 1
h_gan = gt.train_gan(G, D, gt.TensorBatches(DATA["mnist"][0].images, batch_size=P.gan_batch_size, seed=SEED),
                     steps=P.dcgan_steps, seed=SEED, desc="DCGAN mnist")
samples = {"ConvVAE (decoder means)": V.sample_vae(conv, N_EVAL, seed=SEED + 1) * 2 - 1,
           "DCGAN": gt.sample(G, N_EVAL, seed=SEED + 1)}
scores = {k: M.evaluate_images(None, s, "mnist", real_features=ref) for k, s in samples.items()}
rows = [f"| {k} | {s['fid']:.2f} | {s['fid'] / floor:.0f}× | {s['precision']:.3f} | {s['recall']:.3f} | "
        f"{s['classes_covered']} |" for k, s in scores.items()]
display(Markdown("| model | FID | FID / floor | precision | recall | classes ≥ 1% |\n|---|---|---|---|---|---|\n"
                 + "\n".join(rows)))

# %% tags=["remove-cell"]
for k, key in zip(scores, ["vae", "gan"]):
    for m in ("precision", "recall", "fid"):
        glue(f"ch9_{key}_{m}", scores[k][m], display=False)
v, g = scores["ConvVAE (decoder means)"], scores["DCGAN"]
glue("ch9_prec_cmp", gt.Text("higher" if v["precision"] > g["precision"] else "lower"), display=False)
glue("ch9_rec_cmp", gt.Text("higher" if v["recall"] > g["recall"] else "lower"), display=False)
usual = v["recall"] > g["recall"] and v["precision"] < g["precision"]
glue("ch9_vs_reading", gt.Text(
    "This run matches the usual picture: the VAE covers more of the data and the GAN's samples sit closer to it."
    if usual else
    "This run does not match the usual picture, and the reason is instructive: decoder means are averages, smooth "
    "prototypes that the classifier recognises readily, so blur costs little precision in its feature space, "
    "while averaging removes the variety of strokes that recall measures."), display=False)
glue("ch9_n_eval", N_EVAL, display=False)
glue("ch9_vs_steps", P.dcgan_steps, display=False)
glue("ch9_vae_seconds", h_conv.seconds, display=False)
glue("ch9_gan_seconds", h_gan.seconds, display=False)

# %% mystnb={"figure": {"caption": "Samples of the convolutional VAE (decoder means) and of the DCGAN after the same number of steps. The VAE's digits are blurred averages; the GAN's strokes are sharp and varied. Both sets contain malformed digits.", "name": "fig-ch9-vae-vs-gan"}}
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
for ax, (k, s) in zip(axes, samples.items()):
    gt.show_images(s[:36], nrow=6, ax=ax, title=k)
plt.tight_layout(); plt.show()

# %% [markdown]
# After {glue:text}`ch9_vs_steps:,.0f` steps each ({glue:text}`ch9_vae_seconds:.0f` s for the VAE,
# {glue:text}`ch9_gan_seconds:.0f` s for the GAN, which updates two networks), the VAE's precision is
# {glue:text}`ch9_vae_precision:.3f` and its recall {glue:text}`ch9_vae_recall:.3f`; the GAN's are
# {glue:text}`ch9_gan_precision:.3f` and {glue:text}`ch9_gan_recall:.3f`: the VAE's precision is
# {glue:text}`ch9_prec_cmp` and its recall {glue:text}`ch9_rec_cmp` than the GAN's. Precision asks whether samples
# look like real images (in the classifier's feature space); recall whether the real images are covered by samples.
# The usual picture — a VAE covers the data but blurs it, a GAN is sharp but may miss parts — is a claim about these
# two numbers. {glue:text}`ch9_vs_reading` Either way the comparison belongs to a budget and a feature space, which
# is why the book reports it as a measurement. A VAE also has what no GAN has: an encoder, and a likelihood
# ({doc}`09_vae`).
#
# The DCGAN's FID here, {glue:text}`ch9_gan_fid:.2f`, is not a number {numref}`chapter %s <ch-dcgan>` reports: that
# chapter's unconditional DCGAN upsamples by resize-convolution, and the transposed-convolution rows of its recipe
# comparison, which train this network with the same steps, batch size and seeds, draw different training noise (the
# 64 fixed snapshot vectors are drawn from the same seeded generator here, before the first step) — in effect
# another noise seed, and {numref}`chapter %s <ch-evaluation>` showed how far FID moves between seeds.
# {numref}`Chapter %s <ch-dcgan>` also scores an average of its generator's weights; this chapter scores the last
# weights.
#
# ## Summary
#
# * The KL term makes a VAE's codes fill the prior, so most grid points and straight-line interpolations decode to
#   digit-like images; some midpoints are blots, and Fashion-MNIST's grid has a faint band between classes.
# * β trades rate (KL) for distortion (reconstruction); only β = 1 is a likelihood bound, though after a short run
#   another β can reach a better one. Large β switches latent dimensions off — posterior collapse. Free bits acts
#   directly on the number of dimensions in use; warm-up only changes the start of training. Count the active
#   dimensions each one keeps rather than trusting either remedy's reputation.
# * A conditional VAE separates content (the label) from style ($z$).
# * Compare VAEs and GANs with precision and recall, not adjectives.
#
# :::{admonition} Try it yourself
# :class: seealso
# 1. Train the 2-D VAE with β = 0.1 and plot its embedding. Why do holes appear between the classes, and what do
#    prior samples that land in them look like?
# 2. Interpolate between two codes through the origin rather than along the straight line (e.g. spherical
#    interpolation). For a 50-D model, why do straight-line midpoints have an unusually small norm under the prior?
# 3. Give the conditional VAE the *wrong* label for a test image and reconstruct it. What is kept, what changes?
# :::

# %% tags=["remove-cell"]
glue("ch9_runs", RUNS, display=False)
glue("ch9_profile", gt.Text(P.name), display=False)
glue("ch9_device", gt.Text(str(device)), display=False)
glue("ch9_seconds", time.perf_counter() - T0, display=False)
