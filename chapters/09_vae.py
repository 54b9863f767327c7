# %% [markdown]
# (ch-vae)=
# # Training a VAE
#
# {numref}`Chapter %s <ch-vae-objective>` derived the **{term}`ELBO`** (evidence lower bound, 证据下界) that a **{term}`VAE <variational autoencoder>`** (variational
# autoencoder, 变分自编码器) maximises. This chapter trains one on MNIST and measures it the way the literature does:
# by its **test log-likelihood** (测试对数似然), estimated with 5000 importance samples (重要性采样) per image and set beside the published
# number for the same architecture (Burda, Grosse and Salakhutdinov, *Importance Weighted Autoencoders*, ICLR 2016,
# Table 1). A GAN has no likelihood to report; a VAE does, and that makes it checkable.
#
# Three details decide whether the code is a VAE at all, and each matters in what follows:
#
# * The encoder outputs a **distribution** $q(z \mid x)$ (a mean and a variance per latent dimension), and one $z$
#   is **sampled** from it with the **{term}`reparameterisation trick`** (重参数化技巧),
#   $z = \mu + \sigma \odot \varepsilon$, so that gradients reach $\mu$ and $\sigma$. An encoder that outputs
#   one vector is a plain autoencoder, and its KL term is undefined.
# * Decoding the encoder's $z$ gives **reconstructions** of the input. New data comes from decoding
#   $z \sim p(z) = \mathcal N(0, I)$, the prior (先验); the encoder plays no part in generation.
# * The reconstruction term is a **log-likelihood** $\log p(x \mid z)$ on the same scale as the KL term. MNIST
#   pixels are near-binary, so this chapter uses a Bernoulli decoder (伯努利解码器), whose log-likelihood is minus the binary
#   cross-entropy — and then the bound is a bound on a real probability, in nats.
#
# :::{admonition} What this chapter needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s. The published numbers come from 3280 passes over the data; a laptop run is far
# shorter, and the table says so.
# :::
#
# :::{admonition} What the source articles get wrong here
# :class: dropdown warning
# Source article 003 lists the VAE's training steps:
#
# > 1. 使用编码器对真实数据进行编码，得到一批隐向量。 (Encode real data to get a batch of latent vectors.)
# > 2. 使用解码器对隐向量进行解码，生成一批假数据。 (Decode the latent vectors to generate a batch of fake data.)
# > 3. 计算真实数据和假数据之间的重构误差和隐向量的KL散度。 (Compute the reconstruction error and the KL divergence.)
# > 4. 使用重构误差和KL散度来更新编码器和解码器的参数。 (Update both networks with them.)
#
# Three things are missing or wrong, and each matters in code:
#
# * The encoder does not output latent vectors: it outputs a distribution, and $z$ is sampled from it by
#   reparameterisation.
# * Decoding the encoder's $z$ gives reconstructions of the input, not "fake data"; new data comes from the prior.
# * "Reconstruction error" must be a log-likelihood on the same scale as the KL term. The article's squared error is
#   a Gaussian decoder with a fixed variance ({numref}`chapter %s <ch-vae-objective>` showed which one, and that the
#   choice silently weights the KL).
# :::

# %%
import inspect
import json
import time

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

import gantutor as gt
from gantutor import vae as V
from gantutor.book import reference

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))
SEED = 0

# %% tags=["remove-cell"]
from myst_nb import glue

# %% [markdown]
# ## The data: binarised afresh every time
#
# The likelihood benchmark treats each MNIST image as a 784-dimensional **binary** vector. The grey levels are read
# as probabilities, and every time a training image is used a fresh binary image is drawn from them ("dynamic
# binarisation", 动态二值化): the model never sees exactly the same image twice, which acts as a regulariser. The test set is
# binarised once, with a fixed seed, so every model is scored on the same binary images.

# %% mystnb={"figure": {"caption": "One training image (left) and six independent binarisations of it: each pixel is on with probability equal to its intensity, so the stroke's core is always on and its soft edge flickers.", "name": "fig-ch8-binarise"}}
train = gt.load_mnist(device=device, subset=P.train_subset)
test = gt.load_mnist(train=False, device=device)
x_test = V.binarize(test.images, torch.Generator(device=device).manual_seed(123))
n_nll = len(x_test) if P.nll_images is None else P.nll_images
print(f"{len(train)} training images, {len(x_test)} test images; the log-likelihood uses the first {n_nll}")
g = torch.Generator(device=device).manual_seed(1)
one = train.images[:1].expand(6, -1, -1, -1)
fig, ax = plt.subplots(figsize=(7, 1.6))
gt.show_images(torch.cat([train.images[:1], V.binarize(one, g) * 2 - 1]), nrow=7, ax=ax,
               title="grey levels, then six binarisations of the same image")
plt.show()

# %% [markdown]
# ## The model
#
# The architecture is Burda et al.'s one-stochastic-layer model: the encoder maps the 784 pixels through two
# hidden layers of 200 tanh units to the mean and log-variance of 50 Gaussian latents; the decoder mirrors it and
# outputs 784 Bernoulli logits.

# %% tags=["nbval-check-output"]
model = V.MLPVAE(latent_dim=50, hidden=(200, 200)).to(device)
print(model)
print(f"{gt.count_parameters(model):,} parameters")

# %% [markdown]
# One training step computes the pieces of the objective with `gantutor.vae.vae_terms` and combines them with
# `vae_loss`. These are the lines that ran (printed from the package, not retyped):

# %% tags=["nbval-check-output"]
src = inspect.getsource(V.vae_terms)
print(src[src.index("    mu, logvar"):])
src = inspect.getsource(V.vae_loss)
print(src[src.index("    if k > 1"):])

# %% [markdown]
# Line by line: the encoder gives $\mu$ and $\log \sigma^2$; $z = \mu + \sigma \odot \varepsilon$ with
# $\varepsilon \sim \mathcal N(0, I)$ is the reparameterised sample (with `k` samples per image for the IWAE bound
# below); `log_px` is the Bernoulli log-likelihood summed over pixels; the KL is the closed form derived in {numref}`chapter %s <ch-vae-objective>`,
# kept per latent dimension so that later chapters can inspect it. With one sample the loss is
# $\text{recon} + \beta\,\mathrm{KL}$, averaged over the batch — the negative ELBO when $\beta = 1$.
#
# ## Training
#
# `gt.vae.train_vae` is the VAE's counterpart of `gt.train_gan`: Adam, a progress bar, a per-step history, optional
# checkpoints and fixed-noise snapshots. Adam's learning rate decays tenfold over the run.

# %%
batches = gt.TensorBatches(train.images, batch_size=P.vae_batch_size, seed=SEED)
gt.seed_everything(SEED)
model = V.MLPVAE(latent_dim=50).to(device)
hist = V.train_vae(model, batches, steps=P.vae_steps, lr=1e-3, lr_decay=0.1, snapshots=6, seed=SEED,
                   desc="VAE (Burda architecture)")
epochs = P.vae_steps * P.vae_batch_size / len(train)
print(f"{P.vae_steps} steps = {epochs:.1f} epochs in {hist.seconds:.0f} s")

# %% tags=["remove-cell"]
glue("ch8_steps", P.vae_steps, display=False)
glue("ch8_epochs", epochs, display=False)
glue("ch8_train_seconds", hist.seconds, display=False)


# %% mystnb={"figure": {"caption": "Training curves (batch means, smoothed). The negative ELBO falls fast and then slowly; the reconstruction term falls while the KL term rises: the encoder learns to put information into $z$, and pays for each nat of it in KL.", "name": "fig-ch8-curves"}}
def smooth(y, w=max(1, P.vae_steps // 100)):
    return torch.nn.functional.avg_pool1d(y.view(1, 1, -1), w, stride=max(1, w // 2)).view(-1), w


fig, axes = plt.subplots(1, 3, figsize=(9.4, 3.0))
for ax, (name, series) in zip(axes, [("−ELBO (nats)", -hist.elbo), ("reconstruction −log p(x|z)", hist.recon),
                                     ("KL(q(z|x) ‖ p(z))", hist.kl)]):
    y, w = smooth(series)
    ax.plot(torch.linspace(1, hist.steps, len(y)), y)
    ax.set_title(name); ax.set_xlabel("step")
for ax, series in zip(axes[:2], (-hist.elbo, hist.recon)):     # the first tenth of the run would flatten the rest
    y = smooth(series)[0]
    ax.set_ylim(None, float(y[len(y) // 10:].max()) + 5)
plt.tight_layout(); plt.show()

# %% mystnb={"figure": {"caption": "Decoder means for the same 16 prior draws $z \\sim \\mathcal N(0, I)$ at the start, at the first snapshot and at the end of training.", "name": "fig-ch8-snapshots"}}
picks = [0, 1, len(hist.snapshots) - 1]                   # the start, the first snapshot and the end
fig, axes = plt.subplots(1, len(picks), figsize=(7.5, 2.9))
for ax, i in zip(axes, picks):
    step, snap = hist.snapshot_steps[i], hist.snapshots[i]
    gt.show_images(snap[:16] * 2 - 1, nrow=4, ax=ax, title=f"step {step}")
plt.tight_layout(); plt.show()

# %% [markdown]
# ## Reconstructions are not samples
#
# The figure below shows the difference article 003 blurs. Reconstructions pass a *test* image through the
# encoder and back; samples start from the prior and never see an image. Both are shown as the decoder's mean
# (the pixel probabilities), as is customary; a binary sample from them would look speckled.

# %% mystnb={"figure": {"caption": "Left: test images. Middle: their reconstructions \u2014 faithful, if smoothed, because the encoder told the decoder which digit to draw. Right: prior samples \u2014 blurrier and sometimes ambiguous, because the decoder must now cope with regions of latent space that no training image was mapped to.", "name": "fig-ch8-recon-vs-samples"}}
x = x_test[:16]
fig, axes = plt.subplots(1, 3, figsize=(9, 3.3))
gt.show_images(x * 2 - 1, nrow=4, ax=axes[0], title="binarised test images")
gt.show_images(V.reconstruct(model, x) * 2 - 1, nrow=4, ax=axes[1], title="reconstructions (z = μ(x))")
gt.show_images(V.sample_vae(model, 16, seed=SEED) * 2 - 1, nrow=4, ax=axes[2], title="samples (z ~ N(0, I))")
plt.tight_layout(); plt.show()

# %% [markdown]
# ## Test log-likelihood, against the published table
#
# The ELBO is a lower bound on $\log p(x)$; the gap is $\mathrm{KL}(q(z \mid x) \,\|\, p(z \mid x))$ ({numref}`chapter %s <ch-vae-objective>`). To
# estimate $\log p(x)$ itself we use the encoder as a proposal for importance sampling,
#
# $$\log p(x) \approx \log \frac1k \sum_{i=1}^k \frac{p(x \mid z_i)\, p(z_i)}{q(z_i \mid x)}, \qquad z_i \sim q(z \mid x),$$
#
# which is the IWAE bound $\mathcal L_k$: it never exceeds $\log p(x)$ in expectation and tightens as $k$ grows
# (Burda et al. report $k = 5000$). The estimator is tested in `tests/test_vae.py` on a linear-Gaussian model whose
# $\log p(x)$ is known exactly. Here is how the estimate tightens with $k$ on our test images:

# %% mystnb={"figure": {"caption": "The importance-sampled bound $-\\mathcal L_k$ on the test images as $k$ grows: $k = 1$ is the ELBO; the curve flattens as the estimate approaches $-\\log p(x)$.", "name": "fig-ch8-bound-vs-k"}}
xs = x_test[:n_nll]
ks = [k for k in (1, 10, 100, 1000) if k < P.nll_k] + [P.nll_k]
t0 = time.perf_counter()
bounds = {k: V.log_likelihood(model, xs, k=k, seed=SEED) for k in ks}
nll_seconds = time.perf_counter() - t0
for k in ks:
    print(f"k = {k:>5}: -L_k = {-bounds[k].mean():.2f} nats")
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(ks, [-float(bounds[k].mean()) for k in ks], "o-")
ax.set_xscale("log"); ax.set_xlabel("importance samples k"); ax.set_ylabel("−L_k (nats, lower is tighter)")
plt.tight_layout(); plt.show()
nll = -bounds[P.nll_k]
se = nll.std() / len(nll) ** 0.5

# %% tags=["remove-cell"]
glue("ch8_nll", float(nll.mean()), display=False)
glue("ch8_nll_se", float(se), display=False)
glue("ch8_k", P.nll_k, display=False)
glue("ch8_n_nll", n_nll, display=False)
glue("ch8_nll_seconds", nll_seconds, display=False)

# %% [markdown]
# With $k$ = {glue:text}`ch8_k:,.0f` the estimated test NLL (negative log-likelihood, 负对数似然) is **{glue:text}`ch8_nll:.2f` nats** (± {glue:text}`ch8_nll_se:.2f`,
# one standard error over the {glue:text}`ch8_n_nll` test images used), {glue:text}`ch8_gap:.2f` nats below the
# negative ELBO of the same images: that difference estimates, from below, the average KL between the encoder's $q(z \mid x)$ and the
# true posterior (后验; the $k$-sample estimate is itself still a bound on $\log p(x)$). The sweep's $k = 1$ point,
# {glue:text}`ch8_k1:.2f` nats, and the negative ELBO below, {glue:text}`ch8_elbo:.2f`, estimate the same quantity
# on the same images from one draw of $z$ each: the sweep estimates the KL term from that draw too
# ($\log q(z \mid x) - \log p(z)$), the ELBO below computes it in closed form, so the two differ by Monte Carlo noise
# alone. The table at the end of the next subsection puts the run next to Burda et al.

# %%
elbo_test = V.evaluate_bound(model, xs, seed=SEED)
n_active, _ = V.active_units(model, x_test)
ref_model, ref_record = reference.load_reference(gt.find_results("cpu/reference_vae.json"))
ref = {k.removeprefix("vae_reference."): v for k, v in ref_record["metrics"].items()}
ref_epochs = ref_record["steps"] * ref_record["recipe"]["batch_size"] / len(train)
ref_active = V.active_units(ref_model.to(device), x_test)[0]
rows = [("This book, VAE (k = 1), main run", f"{epochs:.0f}", f"{-elbo_test['bound']:.2f}", f"{nll.mean():.2f} ± {se:.2f}",
         f"{n_active}"),
        (f"This book, IWAE (k = {ref_record['recipe'].get('k', 1)}), reference run*", f"{ref_epochs:.0f}",
         f"{ref['test_elbo_nats']:.2f}*", f"{ref['nll_nats']:.2f} ± {ref['nll_se']:.2f}*", f"{ref_active}")]
print(f"this chapter's model on the same {n_nll} test images: -ELBO {-elbo_test['bound']:.2f} nats "
      f"(reconstruction {elbo_test['recon']:.2f} + KL {elbo_test['kl']:.2f}, the KL in closed form); "
      f"{n_active} active units")

# %% tags=["remove-cell"]
glue("ch8_active", n_active, display=False)
glue("ch8_elbo", -elbo_test["bound"], display=False)
glue("ch8_gap", float(-elbo_test["bound"] - nll.mean()), display=False)
glue("ch8_k1", float(-bounds[1].mean()), display=False)

# %% [markdown]
# ### An extension: training on the IWAE bound
#
# The ELBO penalises an encoder that puts mass where the posterior has none; the IWAE bound $\mathcal L_k$ with
# $k > 1$ is tighter and penalises it less, so the encoder can be broader and the decoder is trained on a better
# objective (Burda et al.). We train the same architecture twice for {glue:text}`ch8_short_steps:,.0f` steps, once on
# the ELBO and once on $\mathcal L_5$, and score both with the same estimator. The **{term}`active units <active unit>`** column counts
# latent dimensions the model actually uses (Burda et al.'s criterion: the posterior mean varies across test images
# with variance above 0.01); the other dimensions have collapsed to the prior — {doc}`10_vae_latent` returns to this.

# %%
short = {}
for name, k in [("VAE (k = 1)", 1), ("IWAE (k = 5)", 5)]:
    gt.seed_everything(SEED)
    m = V.MLPVAE(latent_dim=50).to(device)
    h = V.train_vae(m, gt.TensorBatches(train.images, batch_size=P.vae_batch_size, seed=SEED),
                    steps=P.vae_short_steps, k=k, lr=1e-3, lr_decay=0.1, seed=SEED, desc=name)
    ll = V.log_likelihood(m, xs, k=P.nll_k, seed=SEED)
    short[name] = {"elbo": -V.evaluate_bound(m, xs, seed=SEED)["bound"], "nll": float(-ll.mean()),
                   "se": float(ll.std() / len(ll) ** 0.5), "active": V.active_units(m, x_test)[0],
                   "seconds": h.seconds, "ll": ll}
    rows.append((f"This book, {name}, short run", f"{P.vae_short_steps * P.vae_batch_size / len(train):.0f}",
                 f"{short[name]['elbo']:.2f}", f"{short[name]['nll']:.2f} ± {short[name]['se']:.2f}",
                 f"{short[name]['active']}"))
    print(f"{name}: {P.vae_short_steps:,} steps in {h.seconds:.0f} s | test NLL {short[name]['nll']:.2f} nats")
diff = short["IWAE (k = 5)"]["ll"] - short["VAE (k = 1)"]["ll"]
BURDA = {"VAE (k = 1)": 86.76, "IWAE (k = 5)": 85.54, "IWAE (k = 50)": 84.78}    # Table 1, one stochastic layer
rows += [(f"Burda et al. 2016, {name}", "3280", "—", f"{value:.2f}", "—") for name, value in BURDA.items()]

# %% tags=["hide-input"]
head = "| model | epochs | test −ELBO | test NLL, k = " + str(P.nll_k) + " | active units |\n|---|---|---|---|---|\n"
display(Markdown(head + "\n".join("| " + " | ".join(r) + " |" for r in rows)))

# %% tags=["remove-cell"]
glue("ch8_short_steps", P.vae_short_steps, display=False)
glue("ch8_iwae_gain", float(diff.mean()), display=False)
glue("ch8_iwae_gain_se", float(diff.std() / len(diff) ** 0.5), display=False)
glue("ch8_short_vae_active", short["VAE (k = 1)"]["active"], display=False)
ref_vs_vae = ref["nll_nats"] - BURDA["VAE (k = 1)"]
glue("ref_vae_vs_burda_vae", gt.Text(f"{abs(ref_vs_vae):.2f} nats {'behind' if ref_vs_vae > 0 else 'ahead of'} it"),
     display=False)
glue("ref_vae_behind_burda_iwae", ref["nll_nats"] - BURDA["IWAE (k = 5)"], display=False)
glue("ch8_short_iwae_active", short["IWAE (k = 5)"]["active"], display=False)
glue("ref_vae_active", ref_active, display=False)
gpu_vae = json.loads(gt.find_results("gpu/vae_nll_h100.json").read_text())    # the ELBO-trained model, longer
glue("gpu_vae_nll", gpu_vae["nll"], display=False)
glue("gpu_vae_epochs", gpu_vae["epochs"], display=False)
glue("gpu_vae_minutes", gpu_vae["train_seconds"] / 60, display=False)
glue("ref_vae_batch", ref_record["recipe"]["batch_size"], display=False)
glue("ref_vae_lr", gt.Text(f"{ref_record['recipe']['lr']:g}"), display=False)

# %% [markdown]
# The published rows are Burda et al.'s Table 1 (one stochastic layer, 50 latents; their NLL uses $k = 5000$ on all
# 10,000 test images; we quote only their NLL column, and count active units with their criterion). The rows marked
# \* are scored the published way, on all 10,000 test images; the others on this page's first
# {glue:text}`ch8_n_nll` (the estimate costs 5000 decoder passes per image). Reading it honestly:
#
# * Our main run trained for {glue:text}`ch8_epochs:.0f` epochs ({glue:text}`ch8_train_seconds:.0f` s on this
#   machine) against the paper's 3280, and reaches {glue:text}`ch8_nll:.2f` nats against their 86.76. The gap is
#   training, not the estimator: the same code is checked against an exact likelihood in the tests, and the same
#   ELBO-trained model, run for {glue:text}`gpu_vae_minutes:.0f` minutes ({glue:text}`gpu_vae_epochs:.0f` epochs)
#   on an H100, reaches {glue:text}`gpu_vae_nll:.2f` nats on the full test set (record
#   `results/gpu/vae_nll_h100.json`, {doc}`a5_gpu_runs`). The `gpu` profile trains for
#   {glue:text}`ch8_gpu_epochs:.0f` epochs and evaluates all 10,000 test images.
# * At equal (short) training in steps — each IWAE step costs more, since it decodes five samples — the
#   IWAE-trained model's test log-likelihood minus the VAE's is {glue:text}`ch8_iwae_gain:.2f` nats
#   (± {glue:text}`ch8_iwae_gain_se:.2f`, paired over the same test images; a positive number means IWAE wins), and
#   it uses {glue:text}`ch8_short_iwae_active` latent dimensions against the VAE's
#   {glue:text}`ch8_short_vae_active`. Burda et al. find IWAE ahead on both counts after 3280 epochs; the two numbers
#   above measure the same comparison after minutes. Active units also fall as training goes on — the main run keeps
#   {glue:text}`ch8_active`, the reference run {glue:text}`ref_vae_active` — so the count compares models trained
#   equally long, and no more.
# * The reference run trains the same architecture with the same recipe (batch {glue:text}`ref_vae_batch`, Adam from
#   {glue:text}`ref_vae_lr` decaying tenfold),
#   but on the IWAE bound with $k$ = {glue:text}`ref_vae_k` (the bound that came out ahead in the short runs above),
#   for {glue:text}`ref_vae_epochs:.0f` epochs — {glue:text}`ref_vae_minutes:.0f` minutes on the CPU named in its record.
#   It reaches {glue:text}`ref_vae_nll:.2f` nats (± {glue:text}`ref_vae_nll_se:.2f`) on the full test set, against
#   {glue:text}`ch8_nll:.2f` for this page's run. Its row in the published table is IWAE ($k$ = 5) at 85.54 nats
#   after 3280 epochs, {glue:text}`ref_vae_behind_burda_iwae:.2f` nats better than the reference run. Their
#   ELBO-trained VAE, after the same 3280 epochs, reaches 86.76; the reference run is {glue:text}`ref_vae_vs_burda_vae`. The
#   next section compares its samples with this page's run.
# * NLL is in nats per image. Papers that report bits per dimension divide by $784 \ln 2$.
#
# ### What longer training buys
#
# The reference run is one recorded command, `python -m gantutor reference vae`; its record in `results/cpu/` names
# the device, the time and the versions, and its weights (float16) come with the package. The cell below loads them,
# checks them on this page's test images, and scores both models' samples the way
# the GANs are scored ({doc}`05_evaluation`): 10,000 decoder means from prior draws, FID as a multiple of the
# real-vs-real floor, the confident-class rate and the largest class share.

# %%
print(f"record results/cpu/reference_vae.json: {ref_record['steps']:,} steps ({ref_epochs:.0f} epochs),\n"
      f"  {ref_record['train_seconds'] / 60:.0f} min on a {ref_record['threads']}-thread {ref_record['cpu']} "
      f"({ref_record['cpu_capability']}) CPU, torch {ref_record['torch']}")
print(f"  test NLL (k = {ref['nll_k']}, {ref['test_images']:,} images) {ref['nll_nats']:.2f} ± {ref['nll_se']:.2f} "
      f"nats, test -ELBO {ref['test_elbo_nats']:.2f}")
print(f"the loaded weights on this page's {n_nll} test images: -ELBO "
      f"{-V.evaluate_bound(ref_model.to(device), xs, seed=SEED)['bound']:.2f}\n  (this chapter's run: "
      f"{-elbo_test['bound']:.2f})")
N_EVAL = min(P.metric_samples, 10000)
real_features = gt.features.classifier_outputs(test.images[:N_EVAL])[0]
floor_set = train.images[torch.randperm(len(train), generator=torch.Generator().manual_seed(1))[:N_EVAL]].cpu()
floor = gt.metrics.fid_from_features(real_features, gt.features.classifier_outputs(floor_set)[0])
sample_scores = {}
for name, m in [("this chapter's run", model), ("reference run", ref_model)]:
    t0 = time.perf_counter()
    images = V.sample_vae(m.to(device), N_EVAL, seed=SEED + 1) * 2 - 1
    ms = 1000 * (time.perf_counter() - t0) / N_EVAL
    features, logits = gt.features.classifier_outputs(images)
    s = {"fid_over_floor": gt.metrics.fid_from_features(real_features, features) / floor,
         "confident_rate": gt.metrics.confident_rate(logits), "max_class_share": gt.metrics.max_class_share(logits),
         **gt.metrics.precision_recall(real_features, features), "sample_ms": ms}
    sample_scores[name] = s
display(Markdown("| model | FID / floor | confident-class rate | largest class | precision | recall |\n"
                 "|---|---|---|---|---|---|\n"
                 + "\n".join(f"| {name} | {s['fid_over_floor']:.0f} | {s['confident_rate']:.1%} | "
                              f"{s['max_class_share']:.1%} | {s['precision']:.3f} | {s['recall']:.3f} |"
                              for name, s in sample_scores.items())))

# %% tags=["remove-cell"]
glue("ref_vae_epochs", ref_epochs, display=False)
glue("ref_vae_minutes", ref_record["train_seconds"] / 60, display=False)
glue("ref_vae_nll", ref["nll_nats"], display=False)
glue("ref_vae_nll_se", ref["nll_se"], display=False)
glue("ref_vae_k", ref_record["recipe"].get("k", 1), display=False)
for prefix, name in [("vae", "this chapter's run"), ("vae_reference", "reference run")]:
    for key in ("fid_over_floor", "confident_rate", "max_class_share", "precision", "recall", "sample_ms"):
        gt.book.metric(f"{prefix}.{key}", sample_scores[name][key])
        glue(f"{prefix}_{key}", sample_scores[name][key], display=False)
gt.book.metric("vae.nll_nats", float(nll.mean()))
gt.book.metric("vae.train_minutes", hist.seconds / 60)
gt.book.metric("vae_reference.nll_nats", ref["nll_nats"])
gt.book.metric("vae_reference.train_minutes", ref_record["train_seconds"] / 60)

# %% mystnb={"figure": {"caption": "Decoder means for the same 32 prior draws: this chapter's run (left) and the reference run (right).", "name": "fig-ch8-reference"}}
z = torch.randn(32, 50, generator=torch.Generator().manual_seed(SEED)).to(device)
fig, axes = plt.subplots(1, 2, figsize=(8.6, 4.7))
for ax, (name, m) in zip(axes, [(f"this chapter's run, {epochs:.0f} epochs", model),
                                (f"reference run, {ref_epochs:.0f} epochs", ref_model)]):
    gt.show_images(V.sample_vae(m.to(device), len(z), z=z) * 2 - 1, nrow=8, ax=ax, title=name)
plt.tight_layout(); plt.show()

# %% [markdown]
# The likelihood improves with training; the samples' scores say how far that carries to images. This chapter's run
# scores {glue:text}`vae_fid_over_floor:.0f` times the floor with {glue:text}`vae_confident_rate:.0%` of its samples
# recognisable, the reference run {glue:text}`vae_reference_fid_over_floor:.0f` times and
# {glue:text}`vae_reference_confident_rate:.0%`. Decoder means of prior draws are smooth averages over many possible
# images, which is why a VAE with a good likelihood can still draw blurred digits; {doc}`05_evaluation` has every
# model's scores side by side.

# %% [markdown]
# ## A convolutional VAE
#
# The MLP ignores that pixels have neighbours. `gt.vae.ConvVAE` replaces both networks with two (transposed)
# convolutions, trained by the same loop. Estimating its likelihood would cost 5000 passes of a convolutional
# decoder per test image, each far more expensive than the MLP's, so here we compare the ELBO instead: it is a lower
# bound on the log-likelihood, so a lower −ELBO certifies at least that much likelihood.

# %% mystnb={"figure": {"caption": "Samples and reconstructions of the convolutional VAE after the short run.", "name": "fig-ch8-conv"}}
gt.seed_everything(SEED)
conv = V.ConvVAE(latent_dim=16, width=32).to(device)
print(f"ConvVAE: {gt.count_parameters(conv):,} parameters")
hc = V.train_vae(conv, gt.TensorBatches(train.images, batch_size=P.vae_batch_size, seed=SEED),
                 steps=P.vae_short_steps, lr=1e-3, lr_decay=0.1, seed=SEED, desc="ConvVAE")
conv_elbo = -V.evaluate_bound(conv, xs, seed=SEED)["bound"]
print(f"test -ELBO after {P.vae_short_steps} steps: ConvVAE {conv_elbo:.2f}, MLP VAE {short['VAE (k = 1)']['elbo']:.2f}")
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
gt.show_images(V.sample_vae(conv, 36, seed=SEED) * 2 - 1, nrow=6, ax=axes[0], title="ConvVAE samples")
gt.show_images(V.reconstruct(conv, x_test[:36]) * 2 - 1, nrow=6, ax=axes[1], title="ConvVAE reconstructions")
plt.tight_layout(); plt.show()

# %% tags=["remove-cell"]
glue("ch8_conv_elbo", conv_elbo, display=False)
glue("ch8_conv_seconds", hc.seconds, display=False)
glue("ch8_mlp_short_elbo", short["VAE (k = 1)"]["elbo"], display=False)

# %% [markdown]
# After {glue:text}`ch8_short_steps:,.0f` steps ({glue:text}`ch8_conv_seconds:.0f` s) the convolutional VAE reaches a
# test −ELBO of {glue:text}`ch8_conv_elbo:.2f` nats against the MLP's {glue:text}`ch8_mlp_short_elbo:.2f` at the
# same step count, with {glue:text}`ch8_conv_latent` latent dimensions instead of 50.
#
# ## Summary
#
# * A VAE's encoder outputs a distribution; $z$ is sampled by reparameterisation; reconstructions are not samples;
#   new images come from the prior. Article 003's steps omit all three ({ref}`E003.1 <erratum-003-1>`).
# * With a Bernoulli decoder the objective is a bound on a real log-probability, so a VAE can be scored by its test
#   log-likelihood: importance sampling with the encoder as proposal, $k = 5000$, as in the literature.
# * A short laptop run lands behind the published 86.76 ({glue:text}`ch8_nll:.2f` nats here); the gap narrows with
#   training, slowly: the ELBO-trained model reaches {glue:text}`gpu_vae_nll:.2f` nats after
#   {glue:text}`gpu_vae_epochs:.0f` epochs, and the reference run, trained on the IWAE bound, ends at
#   {glue:text}`ref_vae_nll:.2f` nats after {glue:text}`ref_vae_epochs:.0f` epochs. At an equal number of steps the
#   paired difference above measures what the IWAE bound adds; Burda et al. report that it is better and keeps more
#   latent dimensions alive, and here it keeps more at equal training.
#
# :::{admonition} Try it yourself
# :class: seealso
# 1. Train without binarisation (`binarize_data=False`, the grey levels as Bernoulli targets). Why is the number
#    you get no longer a log-likelihood of anything, and why is it lower?
# 2. Replace the tanh units by ReLU (`MLPVAE(activation="relu")`). Does the test NLL at the same step count change
#    by more than its standard error?
# 3. Estimate the test NLL with $k = 5000$ using the **prior** as the proposal instead of the encoder (sample
#    $z \sim \mathcal N(0, I)$ and average $p(x \mid z)$). How large must $k$ be before the estimate is usable?
# 4. Write the negative ELBO yourself and check it with `gt.exercises.check_negative_elbo` — the graded version,
#    which then trains a VAE with your functions, is assignment 2 ({doc}`a2_for_instructors`).
# :::

# %% tags=["remove-cell"]
glue("ch8_conv_latent", conv.latent_dim, display=False)
gpu = gt.get_profile("gpu")
glue("ch8_gpu_epochs", gpu.vae_steps * gpu.vae_batch_size / 60000, display=False)
glue("ch8_profile", gt.Text(P.name), display=False)
glue("ch8_device", gt.Text(str(device)), display=False)
glue("ch8_seconds", time.perf_counter() - T0, display=False)
