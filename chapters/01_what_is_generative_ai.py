# %% [markdown]
# (ch-what-is-generative-ai)=
# # What is generative AI?
#
# A {term}`generative model` (生成式模型) learns the *distribution* of its training data well enough to produce new
# examples from it: new digits, faces, sentences, molecules. This chapter builds the vocabulary the rest of the book
# uses — generative versus discriminative models, the data distribution, latent space, encoder and decoder, generator
# and discriminator, adversarial training — and makes each idea concrete with a small computation that runs in this
# notebook. No idea here needs a neural network yet; the last section trains a tiny GAN on a toy distribution.
#
# :::{admonition} What this chapter needs
# :class: tip
# Runs on a laptop CPU. The run below used the **{run}`profile`** profile on **{run}`device`**
# and took {run}`seconds` s from first cell to last.
# :::
#
# The first cell loads the helper package and prints the profile (which fixes every training budget in the notebook),
# the device, and the library versions.

# %%
import time

import matplotlib.pyplot as plt
import torch

import gantutor as gt

T0 = time.perf_counter()
P = gt.get_profile()       # smoke / cpu / gpu budgets
device = gt.get_device()   # CUDA when available, else CPU
print(gt.describe_environment(P, device))

# %% [markdown]
# The hyper-parameters of this chapter, in one place. Budgets that depend on the machine (how many training steps,
# how many samples) come from the profile `P`; the rest are fixed choices you may change.

# %%
SEED = 0
LATENT_DIM = 50          # size of the PCA code used as a "latent space" in sections 1.1 and 1.3
TOY_LR = 3e-4            # Adam learning rate for the toy GAN of section 1.5
TOY_BATCH = 256
gen = gt.seed_everything(SEED)

train = gt.load_mnist(train=True, subset=P.train_subset)
test = gt.load_mnist(train=False)
print(f"MNIST: {len(train)} training and {len(test)} test images of shape {tuple(train.images.shape[1:])}")

# %% tags=["remove-cell"]
from myst_nb import glue

glue("n_test", len(test), display=False)
glue("latent_dim", LATENT_DIM, display=False)

# %% [markdown]
# ## Generative versus discriminative models
#
# Take images $x$ with labels $y$ (here: handwritten digits and their values 0–9).
#
# * A {term}`discriminative model` (判别式模型) learns $p(y \mid x)$: given an image, how likely is each label. Logistic
#   regression, most classifiers and most of "traditional" supervised learning are discriminative.
# * A **generative model** learns how the data themselves are distributed: $p(x)$, or $p(x \mid y)\,p(y)$ when there
#   are labels. Because it is a distribution over *images*, you can **sample** from it and get new images. It can
#   also classify, through Bayes' rule (贝叶斯公式):
#   $p(y \mid x) = p(x \mid y)\,p(y) / \sum_{y'} p(x \mid y')\,p(y')$.
#
# Generative models are much older than deep learning — naive Bayes, Gaussian mixtures and hidden Markov models are
# generative — so "generative" describes *what is modelled*, not *which network is used*.
#
# To see the difference in code, we fit both kinds to the same short numeric summary of each image — a
# {glue:text}`latent_dim`-number PCA code (section 1.3 explains it; think of it as a compressed image). The generative model puts one Gaussian on each class,
# $p(z \mid y) = \mathcal{N}(\mu_y, \Sigma_y)$; the discriminative model is a logistic regression.

# %%
pca = gt.PCA(LATENT_DIM).fit(train.images)                 # encoder/decoder pair, explained in section 1.3
z_train, z_test = pca.encode(train.images), pca.encode(test.images)

generative = gt.GaussianClassModel().fit(z_train, train.labels)             # models p(z | y) p(y)
discriminative = gt.fit_logistic_regression(z_train, train.labels, 10)     # models p(y | z) only

acc_gen = gt.accuracy(generative.predict(z_test), test.labels)
with torch.no_grad():
    acc_dis = gt.accuracy(discriminative(z_test).argmax(1), test.labels)
print(f"test accuracy  generative (Gaussian per class + Bayes' rule): {acc_gen:.3f}")
print(f"test accuracy  discriminative (logistic regression):          {acc_dis:.3f}")

# %% tags=["remove-cell"]
glue("acc_gen", 100 * acc_gen, display=False)
glue("acc_dis", 100 * acc_dis, display=False)

# %% [markdown]
# Both classify the {glue:text}`n_test:,.0f` test digits: {glue:text}`acc_gen:.1f`% correct for the generative model and
# {glue:text}`acc_dis:.1f`% for the discriminative one. Only one of them can do the next thing. The generative
# model is a distribution over codes, so we draw new codes $z \sim \mathcal{N}(\mu_y, \Sigma_y)$ and decode them
# back into images:

# %% mystnb={"figure": {"caption": "Left: real test digits, one row per class. Right: **new** images, one row per class, sampled from the fitted\ngenerative model. Look at how each row is recognisably its digit but noisy and blurred: a single Gaussian per digit\nover a short linear code is a crude model of handwriting. The logistic regression has no counterpart to the right panel \u2014\nit never modelled the images, only the labels given the images.", "name": "fig-ch1-1"}}
per_class = 8
real = torch.cat([test.images[test.labels == d][:per_class] for d in range(10)])
new = torch.cat([pca.decode(generative.sample(per_class, label=d, generator=gen)) for d in range(10)])

fig, axes = plt.subplots(1, 2, figsize=(10, 6))
gt.show_images(real, nrow=per_class, ax=axes[0], title="real test digits")
gt.show_images(new.clamp(-1, 1), nrow=per_class, ax=axes[1], title="sampled from p(z | y), decoded")
plt.tight_layout()
plt.show()

# %% [markdown]
# The rest of the book replaces "one Gaussian per class" by neural networks that turn simple noise into sharp
# images, but the question stays the same: **how do we fit a distribution over data that we can sample from?**
#
# ## The data distribution
#
# We assume the training images are independent draws from an unknown {term}`data distribution` (数据分布)
# $p_\text{data}(x)$. We never see $p_\text{data}$ itself, only samples. A generative model $p_\theta$ is fitted so
# that $p_\theta \approx p_\text{data}$; generating means sampling from $p_\theta$.
#
# The data occupy a tiny part of the space they live in. A 28×28 grey image is a point in $\mathbb{R}^{784}$, but
# almost every point of that space is noise:

# %% mystnb={"figure": {"caption": "Both panels show points of the same 784-dimensional cube. Random points (left) are noise; the digits (right) lie\non a thin, structured subset. A generative model must put its probability mass on that subset.", "name": "fig-ch1-2"}}
noise = torch.rand(16, 1, 28, 28, generator=gen) * 2 - 1
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
gt.show_images(noise, nrow=4, ax=axes[0], title="uniform random points in pixel space")
gt.show_images(train.images[:16], nrow=4, ax=axes[1], title="draws from $p_{data}$ (MNIST)")
plt.tight_layout()
plt.show()

# %% [markdown]
# Because real image distributions cannot be drawn, the book also uses **toy distributions in two dimensions**,
# where $p_\text{data}$ is known exactly and the whole density can be seen. The 8-Gaussian ring has eight equally
# likely modes (模式, the peaks of a distribution) on a circle of radius {glue:text}`ring_radius`, each with standard
# deviation {glue:text}`ring_std`:

# %% mystnb={"figure": {"caption": "Eight tight clusters, one per mode (red circles around the mode centres). A good model of this distribution puts samples near all eight\ncentres and almost none between them. Section 1.5 trains a GAN on it.", "name": "fig-ch1-3"}}
ring = gt.sample_ring(P.eval_samples, generator=gen)
ax = gt.scatter_2d(ring, title="8-Gaussian ring: samples from $p_{data}$")
ax.scatter(*gt.ring_centers().T.numpy(), s=220, facecolors="none", edgecolors="red", lw=1.2, label="mode centres")
ax.legend(loc="center", fontsize=10)    # the ring leaves the centre empty
plt.show()

# %% tags=["remove-cell"]
glue("ring_radius", gt.data.RING_RADIUS, display=False)
glue("ring_std", gt.data.RING_STD, display=False)

# %% [markdown]
# The ring's parameters are fixed and documented in `gantutor.data`, so every chapter and test uses the same
# distribution:

# %% tags=["nbval-check-output"]
print(f"{gt.data.RING_MODES} modes, radius {gt.data.RING_RADIUS}, standard deviation {gt.data.RING_STD}")
for k, (x, y) in enumerate(gt.ring_centers().tolist()):
    print(f"  mode {k}: centre ({round(x, 3) + 0.0:+.3f}, {round(y, 3) + 0.0:+.3f})")  # + 0.0 turns -0.0 into 0.0

# %% [markdown]
# ## Latent space, encoder and decoder
#
# Digits vary in few ways — which digit, slant, stroke width, size — so a few numbers should describe an image. A
# {term}`latent space` (潜在空间) is a low-dimensional space of such codes $z$. An {term}`encoder` (编码器) maps data to
# codes, $x \mapsto z$; a {term}`decoder` (解码器) maps codes back to data, $z \mapsto \hat{x}$.
#
# The simplest encoder/decoder pair is linear: principal component analysis (PCA, 主成分分析) keeps the $k$ directions
# of largest variance. Encoding is a projection, $z = W^\top (x - \mu)$; decoding is $\hat{x} = W z + \mu$. This is
# the pair we used in section 1.1. How much of an image survives a trip through a $k$-dimensional latent space?

# %% mystnb={"figure": {"caption": "Top row: ten test digits. Below: the same digits after encoding to $k$ numbers and decoding. With $k = 2$\n(keeping {glue:text}`ev2:.0f`% of the pixel variance) only a blurry, digit-like shape survives; $k = 10$\n({glue:text}`ev10:.0f`%) shows which digit most of them are (the 2 still reads as a 3); $k = 50$ ({glue:text}`ev50:.0f`%) is close to the\noriginal.", "name": "fig-ch1-4"}}
originals = test.images[:10]
rows = [originals]
for k in (2, 10, LATENT_DIM):
    z = pca.encode(originals)
    z[:, k:] = 0                      # keep only the first k latent coordinates
    rows.append(pca.decode(z).clamp(-1, 1))
gt.show_images(torch.cat(rows), nrow=10, title="rows: original, then decoded from k = 2, 10, 50 numbers")
plt.show()
ev = pca.explained_variance_ratio
print(f"share of pixel variance kept: k=2 {ev[:2].sum():.1%}, k=10 {ev[:10].sum():.1%}, k=50 {ev.sum():.1%}")

# %% tags=["remove-cell"]
glue("ev2", 100 * float(ev[:2].sum()), display=False)
glue("ev10", 100 * float(ev[:10].sum()), display=False)
glue("ev50", 100 * float(ev[:LATENT_DIM].sum()), display=False)

# %% [markdown]
# A latent space is useful when moving in it moves meaningfully in data space. Here we decode points along the first
# two latent axes, keeping all other coordinates at zero (the mean image):

# %% mystnb={"figure": {"caption": "Each row decodes codes spaced evenly from \u22122.5 to +2.5 standard deviations along one latent axis. Look at how\nthe images morph smoothly: along the first axis between a \"1\"-like stroke and a \"0\"-like ring, along the second\nbetween other digit shapes. Nothing about digits was programmed \u2014 the axes come from the data.", "name": "fig-ch1-5"}}
steps = torch.linspace(-2.5, 2.5, 9)
scale = pca.encode(train.images).std(0)[:2]
walk = []
for axis in (0, 1):
    z = torch.zeros(len(steps), LATENT_DIM)
    z[:, axis] = steps * scale[axis]
    walk.append(pca.decode(z).clamp(-1, 1))
gt.show_images(torch.cat(walk), nrow=len(steps), title="decoding along latent axis 1 (top) and axis 2 (bottom)")
plt.show()

# %% [markdown]
# PCA's latent space is linear and deterministic. Autoencoders (自编码器) make the encoder and decoder neural networks;
# {term}`variational autoencoders <variational autoencoder>` (VAEs, 变分自编码器) make the encoder output a *distribution* $q(z \mid x)$ and give the latent space
# a prior $p(z) = \mathcal{N}(0, I)$ from which new codes can be drawn — the VAE chapters build this up.
#
# ## Generator and discriminator
#
# A {term}`generative adversarial network` (GAN, 生成对抗网络; Goodfellow et al., 2014) has no encoder at all. It has
# two networks:
#
# * the {term}`generator` (生成器) $G$ maps noise $z \sim p(z)$ (for example $\mathcal{N}(0, I)$) to a sample $G(z)$; the
#   distribution of $G(z)$ is the model $p_\theta$;
# * the {term}`discriminator` (判别器) $D$ maps a sample to the probability $D(x)$ that it came from the data rather than
#   from $G$.
#
# They are trained against each other — {term}`adversarial training` (对抗训练). Every training step updates *both*
# networks, using both real and generated samples:

# %% [markdown]
# ```{mermaid}
# flowchart TB
#     Z["noise z ~ p(z)"] --> G["generator G"]
#     G --> F["fake G(z)"]
#     X["real x ~ p_data"] --> D["discriminator D"]
#     F --> D
#     D --> S["D(x), D(G(z)): probability of 'real'"]
#     S -- "L_D: push D(x) to 1 and D(G(z)) to 0" --> UD["update D"]
#     S -- "L_G: push D(G(z)) to 1" --> UG["update G (gradient flows back through D)"]
#     UD -. "next step" .-> D
#     UG -. "next step" .-> G
# ```

# %% [markdown]
# *The GAN loop. Real and fake samples both go through $D$; $D$ is updated to tell them apart, then $G$ is updated
# to make $D$ call its samples real. Only $G$ is needed to generate once training is over.*
#
# A VAE, by contrast, is an encoder and a decoder joined at the latent space; at generation time the encoder is
# dropped and codes come from the prior:

# %% [markdown]
# ```{mermaid}
# flowchart TB
#     X["data x"] --> E["encoder q(z | x)"]
#     E --> Z["latent code z"]
#     Z --> Dec["decoder p(x | z)"]
#     Dec --> R["reconstruction of x"]
#     P["prior p(z) = N(0, I)"] -. "generation: sample z, decode" .-> Dec
# ```

# %% [markdown]
# *The VAE. Training (solid arrows) encodes and reconstructs real data; generating (dashed arrow) decodes codes
# drawn from the prior.*
#
# Two further families, the subject of {numref}`chapter %s <ch-diffusion>` and {numref}`chapter %s <ch-flow-matching>`,
# need neither a discriminator nor an encoder. A {term}`diffusion model` (扩散模型) adds Gaussian noise to the data
# step by step and trains one network to undo a single step — to {term}`denoise <denoising>` (去噪); generating
# starts from pure noise and applies that network many times. {term}`Flow matching <flow matching>` (流匹配) trains a
# network on the velocity of straight paths from noise to data, and generates by following the learned
# {term}`velocity field` (速度场) from a point of noise. Both are trained by plain regression, without a game between
# two networks, and are today's strongest image generators; the price is many network evaluations per sample, where
# a GAN's generator or a VAE's decoder needs one:

# %% [markdown]
# ```{mermaid}
# flowchart TB
#     X["data x"] --> M["mix with noise at a random level t"]
#     M --> XT["noisy x_t"]
#     XT --> F["network at level t"]
#     F -- "loss: predict the noise (diffusion) or the velocity (flow)" --> U["update the network"]
#     P["pure noise ~ N(0, I)"] -. "generation: many small steps, each one network evaluation" .-> F
# ```

# %% [markdown]
# *Diffusion and flow models. Training (solid arrows) mixes real data with noise at a random level and teaches the
# network to predict the noise that was added (diffusion) or the velocity from noise to data (flow); generating
# (dashed arrow) starts from pure noise and moves it towards the data in many small steps.*
#
# :::{admonition} The source articles' diagram, corrected
# :class: dropdown warning
# Article 000 draws one pipeline "数据输入 → 编码器 → 潜在空间 → 解码器 → 生成数据" and attaches a discriminator
# that points to "数据分布", which points back to "数据输入". That mixes two different models: encoder, latent space
# and decoder belong to autoencoders and VAEs; generator and discriminator belong to GANs, and a GAN has no
# encoder. The discriminator does not produce the data distribution either — it *receives* samples and outputs a
# probability. Article 001's flowchart sends "real" verdicts to "update the generator" and "fake" verdicts to
# "update the discriminator"; in fact each step updates both networks, and each update uses the discriminator's
# outputs on both real and generated data (the two diagrams above).
# :::
#
# ## The adversarial loop on a toy distribution
#
# Here is the whole idea at small scale: a generator and a discriminator, each a three-layer network, trained
# against each other on the 8-Gaussian ring for {glue:text}`toy_steps:,.0f` steps. The training loop is
# `gantutor.train_gan`; the next chapter goes through it line by line.

# %%
ring_data = gt.sample_ring(20_000, generator=gen, device=device)
toy_G, toy_D = gt.ToyGenerator(latent_dim=2).to(device), gt.ToyDiscriminator().to(device)
fixed_noise = torch.randn(1000, 2, generator=gen).to(device)
toy_hist = gt.train_gan(toy_G, toy_D, gt.TensorBatches(ring_data, batch_size=TOY_BATCH, seed=SEED),
                        steps=P.toy_steps, lr=TOY_LR, fixed_noise=fixed_noise, snapshots=4, seed=SEED,
                        desc="ring GAN")

# %% tags=["remove-cell"]
glue("toy_steps", P.toy_steps, display=False)

# %% mystnb={"figure": {"caption": "Grey: real samples. Orange: $G$ applied to the same 1,000 noise vectors at four moments of training. At step 0\nthe generator maps noise to a small blob near the origin; as training goes on, the discriminator's feedback pulls\nthe generated points out towards the modes.", "name": "fig-ch1-6"}}
cols = 2
rows = -(-len(toy_hist.snapshots) // cols)
fig, axes = plt.subplots(rows, cols, figsize=(7, 3.5 * rows), sharex=True, sharey=True)
for ax, step, pts in zip(axes.flat, toy_hist.snapshot_steps, toy_hist.snapshots):
    gt.scatter_2d(ring_data[:1000].cpu(), ax=ax, color="lightgray", s=2, alpha=0.5)
    gt.scatter_2d(pts, ax=ax, s=2, alpha=0.5, color="C1", title=f"step {step}")
    ax.set_xlim(-3, 3); ax.set_ylim(-3, 3)
plt.tight_layout()
plt.show()

coverage = gt.mode_coverage(gt.sample(toy_G, P.eval_samples, seed=SEED), gt.ring_centers(), gt.data.RING_STD,
                            min_count=max(1, P.eval_samples // 200))
print(f"modes covered: {coverage['covered']} of 8; samples within 3 std of a mode: {coverage['high_quality']:.1%}")
print("samples per mode:", coverage["counts"].tolist())

# %% tags=["remove-cell"]
glue("toy_covered", coverage["covered"], display=False)
glue("toy_quality", 100 * coverage["high_quality"], display=False)

# %% [markdown]
# At the end of this run the generator puts samples on {glue:text}`toy_covered` of the 8 modes (counting a mode as
# covered when at least 0.5% of samples land within three standard deviations of it), and
# {glue:text}`toy_quality:.0f`% of its samples fall that close to some mode. The rest lie between modes. Whatever
# the count, two things are visible: GAN training does move the model distribution towards the data, and it does
# not do so evenly — a generator that covers only some modes shows {term}`mode collapse` (模式崩溃), a central failure of
# GANs that the chapter on training failures studies.
#
# ## What the source articles get wrong
#
# The {doc}`a1_errata` appendix numbers every error of the five articles, runs each code listing and gives the sources; the table below collects the ones this chapter is about.
#
# | The articles say | Correct | Why it matters |
# | --- | --- | --- |
# | "生成式AI的历史可以追溯到20世纪80年代的生成对抗网络" (000): GANs date from the 1980s | GANs were introduced by Goodfellow et al. in 2014 (NeurIPS). Generative *models* are older: Boltzmann machines (1980s), Gaussian mixtures, hidden Markov models | The article contradicts itself in the next sentence ("于2014年提出") |
# | "生成式AI，即生成对抗网络" (001); generative AI's "核心架构" is a generator plus a discriminator (002) | GANs are one family. VAEs (2013), autoregressive models (自回归模型), normalising flows (标准化流) and diffusion models are generative and have no discriminator | Section 1.1 fitted a generative model with no network at all |
# | 004 calls the GAN's two networks "生成模型" and "判别模型" | A GAN's discriminator is a component *inside* a generative model, not a "discriminative model" in the sense of section 1.1 | The two uses of "discriminative" are different ideas |
# | Training ends when the discriminator 「无法准确区分生成数据和真实数据」 ("cannot accurately tell generated from real data"), yet in the end it 「能够准确地区分」 them ("can accurately tell them apart") (001: its stopping rule, then its summary sentences) | At the ideal end point $p_\theta = p_\text{data}$ and the best discriminator outputs $D(x) = 1/2$ everywhere: it *cannot* tell them apart, so the summary sentences are wrong. The stopping rule describes the ideal end point, but in real runs $D(G(z))$ does not settle at 1/2, so in practice it does not fire ({numref}`chapter %s <ch-evaluation>` measures this) | The next chapter's curves read "healthy" against this; {ref}`E001.3 <erratum-001-3>` |
# | The GAN generation process "是可解释的" (001) | A GAN's generator is a deep network whose latent directions have no given meaning; interpreting them is a research topic | Section 1.3's meaningful axes came from linear PCA |
# | Article 003's diagram: 生成模型 → 深度学习 → 神经网络 | Generative modelling does not depend on deep learning (section 1.1); deep networks are one way to parametrise $p_\theta$ | |
#
# ## Check your understanding
#
# 1. A spam filter that outputs $p(\text{spam} \mid \text{email})$ — generative or discriminative? What extra ability
#    would a generative spam model have?
# 2. In section 1.1, set `LATENT_DIM = 10` and re-run. What happens to the two accuracies and to the sampled digits,
#    and why?
# 3. Why does every PCA reconstruction in section 1.3 look like a "blurred" digit rather than a sharp one with a wrong
#    shape? (Hint: what does a linear decoder do with an average?)
# 4. Run section 1.5 with `TOY_LR = 1e-3`. Count the modes covered. Run it with two other seeds. What do you conclude
#    from three runs that you could not conclude from one?

# %% tags=["remove-cell"]
glue("ch1_profile", gt.Text(P.name), display=False)
glue("ch1_device", gt.Text(str(device)), display=False)
glue("ch1_seconds", time.perf_counter() - T0, display=False)
