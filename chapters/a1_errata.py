# %% [markdown]
# # Errata: the source articles, run and corrected
#
# The chapters follow five Chinese articles on generative AI (生成式人工智能), numbered 000–004 as on the
# {doc}`map of the source articles <../article_map>`. This appendix lists what they get wrong, article by article, with a number for each
# erratum (E000.1, E000.2, …) so that chapters can point here. Each entry quotes the article, translates it, gives
# the correction and its source — a paper, a documented API, or a chapter of this book that measures it. Each entry
# is folded under its title: open the ones you want to read.
#
# Every **PyTorch listing** is run below *as printed*, from a verbatim copy in the repository's `listings/` folder.
# Only the names a listing uses without defining (such as `num_epochs`, `device`, `dataloader`) are supplied, and each
# supplied name is stated. Each error shown is the one PyTorch raised when this page was executed; then comes the
# smallest fix, the next error, and so on, until the listing runs and trains briefly. The **Keras listings** are read,
# not run (a Keras runtime is not part of this book); their defects are explained and the PyTorch port the book uses
# is named. Bibliographic errata are collected on the {doc}`../reading_list` page, which checks every reference the
# articles give; the most consequential are repeated here.
#
# :::{admonition} What this page needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s (the listings' short training runs).
# :::

# %%
import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch

import gantutor as gt

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "_toc.yml").is_file())
LISTINGS = ROOT / "listings"


def listing(name):
    return (LISTINGS / name).read_text(encoding="utf-8")


def run(source, supplied, cwd=None, echo=False):
    # Run `source` in a fresh namespace that holds only the `supplied` names (and the builtins); print what it
    # printed (with echo=True), then the first line of the error it raises, or "ran to the end". Returns the namespace.
    namespace = dict(supplied)
    out = io.StringIO()
    here = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out):
            exec(compile(source, "listing", "exec"), namespace)
        error = None
    except Exception as err:
        error = f"{type(err).__name__}: {str(err).splitlines()[0]}"
    finally:
        os.chdir(here)
    if echo and out.getvalue().strip():
        print(out.getvalue().strip())
    print(error or "ran to the end")
    namespace["_printed"] = out.getvalue()
    return namespace


def fix(source, old, new, count=1):
    # Apply one textual fix to a listing and show it; the fix must match exactly `count` times.
    assert source.count(old) == count, (old, source.count(old))
    print(f"- {old.strip()}\n+ {new.strip()}")
    return source.replace(old, new)


# %% [markdown]
# ## Article 000 — 《AI新纪元：生成式AI如何推动科技进步？》 ("A new AI era: how generative AI drives progress")
#
# (erratum-000-1)=
# :::{dropdown} E000.1 — the history
# 「生成式AI的历史可以追溯到20世纪80年代的生成对抗网络（GANs）。GANs由Ian Goodfellow等人于2014年提出」
# ("The history of generative AI goes back to the generative adversarial networks (GANs) of the 1980s. GANs were
# proposed by Ian Goodfellow et al. in 2014"). The two sentences contradict each other; the second is right. GANs
# date from 2014 (Goodfellow et al., *Generative Adversarial Nets*, NIPS 2014). Generative neural networks of the
# 1980s exist — the Boltzmann machine (Ackley, Hinton & Sejnowski, 1985) — but they are not GANs.
# :::
#
# (erratum-000-2)=
# :::{dropdown} E000.2 — VAEs did not follow GANs; they came first
# The same paragraph says that after GANs (此后, "since then")
# new algorithms appeared, 「如变分自编码器（VAEs）、生成式对抗网络（GANs）的变种等」 ("such as variational autoencoders
# and variants of GANs") — a list of two items, VAEs and GAN variants. The second is right; the first is not. The
# VAE (Kingma & Welling, *Auto-Encoding Variational Bayes*, arXiv December 2013, ICLR 2014) predates the GAN paper
# (arXiv June 2014) and was developed independently of it: a likelihood-based latent-variable model trained on a
# bound, with no discriminator ({doc}`04_vae_objective`).
# :::
#
# (erratum-000-3)=
# :::{dropdown} E000.3 — the architecture diagram
# The mermaid chart (§2) chains 数据输入 → 编码器 → 潜在空间 → 解码器 →
# 生成数据 and attaches a 判别器 (discriminator) that points to 数据分布 → 数据输入, and §2.1 calls the encoder
# 「生成式AI中的第一个网络」 ("the first network of generative AI"). That mixes two models: a VAE has an encoder and a
# decoder and no discriminator; a GAN has a generator and a discriminator and no encoder. A discriminator does not
# produce the data distribution. {doc}`01_what_is_generative_ai` draws both models correctly.
# :::
#
# (erratum-000-4)=
# :::{dropdown} E000.4 — the objective loses its logarithms
# §4.2: 「判别器的目标是最大化真实数据和生成数据的判断概率之和，即最大化
# $D(x) + (1 - D(G(z)))$」 ("the discriminator maximises $D(x) + (1-D(G(z)))$"). The discriminator maximises
# $\mathbb E[\log D(x)] + \mathbb E[\log(1 - D(G(z)))]$; without the logarithms the optimum is not
# $D^* = p_\text{data}/(p_\text{data}+p_g)$ and the link to the Jensen–Shannon divergence is lost
# ({doc}`03_gan_objective` derives and checks both). §4.1's losses themselves are right:
# $L_D = -\log D(x) - \log(1 - D(G(z)))$, and $L_G = -\log D(G(z))$ is the *non-saturating* generator loss that
# Goodfellow et al. (§3) recommend in place of the minimax one — the article calls it simply 「对抗损失函数」
# ("the adversarial loss"), never claims it is the minimax objective, and it is the loss used in practice
# ({doc}`02_first_gan` measures why).
# :::
#
# (erratum-000-5)=
# :::{dropdown} E000.5 — GANs for text and as the "core algorithm"
# §3.4 says GANs 「可以用于生成高质量的文本，如新闻文章、小说」
# ("can generate high-quality text such as news articles and novels"), and §3.1 and FAQ 10.3 that
# 「生成式AI的核心算法是生成对抗网络」 ("the core algorithm of generative AI is the GAN"). (§6 makes the same text
# claim of 生成式AI — generative AI in general — which is true, through language models.) Text is discrete, so a
# generator's sampling step passes no gradient; language GANs have not matched maximum-likelihood language models
# (Caccia et al., *Language GANs Falling Short*, ICLR 2020). Today's text generators are autoregressive transformers, and image generation is led by
# diffusion models; see {doc}`15_challenges`, "Where GANs and VAEs stand today".
# :::
#
# (erratum-000-6)=
# :::{dropdown} E000.6 — the listing's claims
# §5 says the code generates 「人脸图像」 (face images) and §5.4 shows a picture
# at `https://example.com/generated_faces.png`. The networks output 784 = 28 × 28 grey values — MNIST-sized digits,
# not faces — the listing loads no dataset at all, and the picture is a placeholder address. The listing itself is run
# next (E000.7).
# :::
#

# %% [markdown]
# (erratum-000-7)=
# ### E000.7 — the PyTorch GAN listing (§4.3, printed again in §5.2)
#
# The listing uses three names it never defines. We supply `num_epochs = 1`, `device = "cpu"` and a `dataloader` over
# MNIST in the usual way (`ToTensor`, `Normalize((0.5,), (0.5,))`, batches of 64) — the minimum needed for the
# article's "face" model to have data of the size it expects. The listing then runs until its first error:

# %% tags=["nbval-check-output"]
import torchvision
from torch.utils.data import DataLoader, Subset

mnist = torchvision.datasets.MNIST(str(gt.data_root()), train=True, download=False,
                                   transform=torchvision.transforms.Compose([
                                       torchvision.transforms.ToTensor(),
                                       torchvision.transforms.Normalize((0.5,), (0.5,))]))
torch.manual_seed(0)
supplied = {"num_epochs": 1, "device": "cpu", "dataloader": DataLoader(Subset(mnist, range(640)), batch_size=64)}
src = listing("a000_gan.py")
tmp = tempfile.mkdtemp()             # the listing saves generator.pth and discriminator.pth in its working folder
ns = run(src, supplied, cwd=tmp)

# %% [markdown]
# **Error 1: label shape.** The discriminator returns shape `(N, 1)`; the labels `torch.ones(N)` have shape `(N,)`.
# `BCELoss` refuses targets of another shape. Smallest fix: labels of shape `(N, 1)`.

# %% tags=["nbval-check-output"]
src = fix(src, "torch.ones(fake_images.size(0))", "torch.ones(fake_images.size(0), 1)")
src = fix(src, "torch.ones(real_images.size(0))", "torch.ones(real_images.size(0), 1)")
src = fix(src, "torch.zeros(fake_images.size(0))", "torch.zeros(fake_images.size(0), 1)")
ns = run(src, supplied, cwd=tmp)

# %% [markdown]
# **Error 2: image shape.** A batch of MNIST images has shape `(N, 1, 28, 28)`; the discriminator's first layer is
# `Linear(784, 1024)`, which needs `(N, 784)`. Smallest fix: flatten the real images.

# %% tags=["nbval-check-output"]
src = fix(src, "real_images = images.to(device)", "real_images = images.view(images.size(0), -1).to(device)")
ns = run(src, supplied, cwd=tmp)

# %% [markdown]
# **Error 3: the order of the backward passes.** `g_loss.backward()` frees the graph through the generator; `d_loss`
# was computed from the same `fake_images` *with* that graph, so `d_loss.backward()` must traverse it a second time.
# The error message suggests `retain_graph=True`; that only leads to a fourth error, because `optimizer_G.step()` has
# meanwhile changed the generator's weights in place ({doc}`02_first_gan` shows it). The real fix: the
# discriminator's loss must not reach the generator — detach the fakes when computing it.

# %% tags=["nbval-check-output"]
src = fix(src, "criterion(discriminator(fake_images), fake_labels)",
          "criterion(discriminator(fake_images.detach()), fake_labels)")
ns = run(src, supplied, cwd=tmp)

# %% [markdown]
# With three fixes the listing runs to its end. Trained for one pass over {glue:text}`a4_000_images:,.0f` images (the
# budget of this page's profile), it does not train *well*: in the figure below most samples are grey noise and the
# few with a digit-like stroke are near copies of one another, and its last progress line shows a discriminator far
# ahead of the generator. Running is not the same as learning; {doc}`02_first_gan` trains the same networks for
# longer, with the discriminator step first, logits in place of `Sigmoid` + `BCELoss`, and DCGAN's Adam setting, and
# reaches recognisable digits. (The generator loss is the same there as here: BCE against the label "real" is the
# non-saturating loss.)

# %% mystnb={"figure": {"caption": "Samples of article 000's networks after the three fixes and one pass over MNIST (the step count is in the title).", "name": "fig-a4-000"}}
n_images = 64 * min(len(mnist) // 64, max(10, P.gan_steps // 3))
torch.manual_seed(0)
trained = run(src, {**supplied, "dataloader": DataLoader(Subset(mnist, range(n_images)), batch_size=64,
                                                        shuffle=True)}, cwd=tmp)
print(trained["_printed"].strip().splitlines()[-1] if trained["_printed"].strip() else "(no progress line printed)")
with torch.no_grad():
    trained["generator"].eval()
    samples = trained["generator"](torch.randn(32, 100, generator=torch.Generator().manual_seed(0)))
gt.show_images(samples.view(-1, 1, 28, 28), nrow=16, title=f"article 000's GAN, fixed, after {n_images // 64} steps")
plt.show()

# %% tags=["remove-cell"]
from myst_nb import glue

glue("a4_000_images", n_images, display=False)

# %% [markdown]
# Four more things raise no error here. Two are choices rather than errors, and this book measures neither for
# this listing. The listing updates the generator *before* the discriminator, so the generator is scored by a
# discriminator not yet updated on the current batch. Goodfellow et al.'s Algorithm 1 and this book update the
# discriminator first; widely copied PyTorch examples (E. Linder-Norén's PyTorch-GAN collection) use the article's
# order, with the fakes detached for the discriminator's step. The listing also keeps Adam's default
# $\beta_1 = 0.9$, where the DCGAN paper (Radford et al., 2016) lowered it to $0.5$ because $0.9$ made their
# training oscillate. {doc}`02_first_gan` trains only with the discriminator first and $\beta_1 = 0.5$, and leaves
# the article's $\beta_1 = 0.9$ to its first exercise. The third is a defect that this page's `device = "cpu"`
# hides: the listing moves its noise and images to `device` but never its two networks, so with `device = "cuda"`
# the first forward pass fails (inputs on the GPU, weights on the CPU); the fix is `.to(device)` on both models.
# The fourth, `d_loss = (d_loss_real + d_loss_fake) / 2`, changes only the reported number. With plain SGD, halving
# a loss would halve the step; with Adam, which the listing uses, it changes nothing: Adam's update divides the
# running mean of the gradients by the square root of the running mean of their squares, so a constant factor on
# the loss cancels — up to the $\epsilon = 10^{-8}$ in the denominator, which matters only for gradients about
# that small.
#
# ### Further errata of article 000
#
# (erratum-000-8)=
# :::{dropdown} E000.8 — smaller slips
# §4.1 defines the discriminator as 「$D(x)$，其中$x$是真实数据」 ("where $x$ is real
# data"): the discriminator scores *any* sample, real or generated — that is its job. §8 recommends the book
# 《生成式AI：算法、实践与应用》, which could not be found, and calls Goodfellow et al.'s paper 《生成对抗网络》
# (*Generative Adversarial Networks*); its title is *Generative Adversarial Nets* (NIPS 2014). See the
# {doc}`../reading_list` page.
# :::
#
# (erratum-000-9)=
# :::{dropdown} E000.9 — the loss as a measure of performance
# §5.3: 「使用BCE损失函数来衡量生成器和判别器的性能」 ("the BCE loss
# is used to measure the performance of the generator and the discriminator"). A GAN's losses are training
# signals, not measures of how good the model is: each network's loss is computed against an opponent that keeps
# changing, so the losses do not fall steadily as a classifier's do, and their values depend on how strong the
# discriminator currently is rather than on how good the samples are. Sample quality is measured on the samples,
# against real data — FID, precision and recall, each next to a real-vs-real floor
# ({doc}`05_evaluation`); {doc}`02_first_gan` reads the curves for the health of training, not for quality.
# :::
#
# ## Article 001 — 生成式AI (GAN) overview with a Keras example
#
# (erratum-001-1)=
# :::{dropdown} E001.1 — generative AI is not GANs
# 「生成式AI，即生成对抗网络（GANs）」 ("generative AI, that is, generative
# adversarial networks"). GANs are one family among several: VAEs, normalising flows, autoregressive models and
# diffusion models are generative too, and the last two dominate today ({doc}`15_challenges`).
# :::
#
# (erratum-001-2)=
# :::{dropdown} E001.2 — what came before
# 「在这之前，机器学习主要依赖于监督学习和强化学习」 ("before this, machine learning relied
# mainly on supervised and reinforcement learning"). Unsupervised learning and generative models long predate GANs:
# mixture models fitted by EM (Dempster, Laird & Rubin, 1977), hidden Markov models and Boltzmann machines (1985) are
# decades older, and the VAE (2013) came a few months before them.
# :::
#
# (erratum-001-3)=
# :::{dropdown} E001.3 — when training ends, and what the discriminator can do then
# The article says training ends 「当…判别器
# 无法准确区分生成数据和真实数据时」 ("when the discriminator can no longer tell generated from real data") and, in the
# same section, that in the end 「判别器则能够准确地区分生成数据和真实数据」 ("the discriminator can accurately tell
# them apart"). Both cannot hold: at the game's equilibrium $D^* \equiv \tfrac12$ — it cannot tell them apart
# ({doc}`03_gan_objective`). And in practice that point is not a stopping rule: $D(G(z))$ does not settle at ½ in real
# runs ({doc}`05_evaluation` measured it), so training is stopped by a sample-quality metric or a budget.
# :::
#
# (erratum-001-4)=
# :::{dropdown} E001.4 — the flow chart
# The mermaid chart routes 判别器判断数据 → 「真实」→ 更新生成器 and → 「生成」→ 更新判别器:
# which network is updated depends on the discriminator's verdict. In GAN training both networks are updated at every
# step, whatever the verdicts; the verdicts enter only through the losses ({doc}`02_first_gan`, the training step).
# :::
#
# (erratum-001-5)=
# :::{dropdown} E001.5 — the discriminator's goal
# 「判别器的目标是最小化生成数据与真实数据的概率差异」 ("the discriminator's goal is
# to minimise the difference between the generated and the real data's probabilities"). It is the generator that
# reduces a divergence between $p_g$ and $p_\text{data}$; the discriminator *maximises* how well it separates them,
# and its optimal value measures the Jensen–Shannon divergence ({doc}`03_gan_objective`).
# :::
#
# (erratum-001-6)=
# :::{dropdown} E001.6 — "interpretable"
# Among adversarial training's advantages: 「可解释性：生成式AI的生成过程是可解释的」
# ("interpretability: the generation process is interpretable"). A GAN's generator is an unconstrained deep network
# mapping noise to images; understanding what its latent directions do is a research field of its own (e.g. Bau et
# al., *GAN Dissection*, ICLR 2019), and the article itself calls transparency and interpretability
# 「一个重要的研究方向」 ("an important research direction") in its section 对比其他机器学习模型, several sections
# earlier.
# :::
#
# (erratum-001-7)=
# :::{dropdown} E001.7 — the Keras listing (项目实战), read
# It is presented as generating 「人脸图像」 (faces) from MNIST.
# Its defects, by reading:
# 1. `img_shape = (28, 28, 3)` and a generator output of `28 * 28 * 3`, while MNIST images are `(28, 28, 1)` after
#    `np.expand_dims(x_train, axis=3)`: real and generated images have different shapes.
# 2. `discriminator.train_on_batch(real_img, …)` is given `real_img`, a symbolic `Input` placeholder, not data, and
#    `batch_size` is never defined; the loaded `x_train` is never used.
# 3. The discriminator is compiled and then placed inside `gan_model` without `discriminator.trainable = False`, so
#    the generator's step also trains the discriminator to call fakes real (the Keras GAN examples freeze it).
# 4. There is no loop: at most one step of each network runs, and the plotted "faces" are the output of an untrained
#    generator.
# 5. The data are scaled to $[0, 1]$ while the generator ends in `tanh`, whose range is $[-1, 1]$.
#
# The book's PyTorch port of this model is the MLP GAN of {doc}`02_first_gan`, trained on MNIST.
# :::
#
# (erratum-001-8)=
# :::{dropdown} E001.8 — references
# The article's course 「Coursera上的《生成对抗网络》（Generative Adversarial Networks）课程：由Ian Goodfellow亲自授课」 does not
# exist (Coursera's GAN specialisation is DeepLearning.AI's, taught by Sharon Zhou); the book 《生成式AI：理论与实践》
# (*Generative Adversarial Networks: Theory and Practice*), "Udacity: Generative AI and GANs" and "Yann LeCun's Notes
# on GANs, Coursera 2020" could not be found; DCGAN (Radford et al.) appeared at ICLR **2016** (arXiv 2015), not
# "ICLR 2015". Details on the {doc}`../reading_list` page.
# :::
#
# (erratum-001-9)=
# :::{dropdown} E001.9 — "until the loss converges"
# The section 优化算法 ("optimisation algorithm") gives gradient descent for each
# network, $\theta_G \leftarrow \theta_G - \alpha \nabla_{\theta_G} L_G$ and
# $\theta_D \leftarrow \theta_D - \alpha \nabla_{\theta_D} L_D$, and says to repeat the steps
# 「直到损失函数收敛」 ("until the loss function converges"). The update rules are right; the stopping rule is not a
# usable one. $G$ and $D$ minimise *different* losses, each of which depends on the other's parameters, so there is
# no single loss being driven to a minimum: the losses hover around values set by the balance of the two players
# ({doc}`02_first_gan`, "Reading the curves"), and alternating gradient steps on a two-player game can circle an
# equilibrium instead of converging to it (Mescheder, Geiger & Nowozin, *Which Training Methods for GANs do actually
# Converge?*, ICML 2018). Flat losses do not mean good samples; training is stopped by a sample metric or a budget
# ({doc}`05_evaluation`, and {ref}`E001.3 <erratum-001-3>` for the article's other stopping rule).
# :::
#
# (erratum-001-10)=
# :::{dropdown} E001.10 — privacy
# FAQ 3 asks how generative AI 「保证数据隐私」 ("guarantees data privacy") and answers with
# 「去识别化处理，如匿名化、加密等」 ("de-identification such as anonymisation and encryption") and federated learning
# (联邦学习), which keeps the training data on separate nodes. These protect the data *while they are stored and
# used for training*; none of them stops the trained generator from reproducing training examples in its samples —
# the privacy risk specific to generative models. Large models have been shown to do so (Carlini et al., 2023), and
# {doc}`15_challenges` runs the simplest test for it on the book's GANs (the memorisation check). The training method
# that bounds such a leak provably is differentially private training (Abadi et al., 2016), which the answer does not
# mention; without a bound of that kind, none of the methods it names "guarantees" privacy.
# :::
#
# (erratum-001-11)=
# :::{dropdown} E001.11 — "diversity" as an advantage of adversarial training
# The section 对抗训练的优势 ("advantages of adversarial training") lists
# 「多样性：生成式AI能够生成多样化、高质量的数据」 ("diversity: generative AI can generate diverse, high-quality data").
# Diversity is what adversarial training is known to *lose*: the generator is rewarded only for fooling the current
# discriminator, not for covering every mode of the data, and {term}`mode collapse` (模式崩溃) is the best-known
# GAN failure (Goodfellow, *NIPS 2016 Tutorial: Generative Adversarial Networks*, 2016, §5.1.1).
# {numref}`Chapter %s <ch-gan-variants>` counts the modes GANs cover on a ring and a grid of Gaussians and finds
# modes missed; the likelihood-trained families (VAEs, diffusion) are pushed to cover every mode by their objective, which punishes a
# missed mode heavily.
# :::
#
# (erratum-001-12)=
# :::{dropdown} E001.12 — what "hallucination" means
# FAQ 4 answers whether generated data are always real with
# 「在某些情况下，生成式AI可能会生成与真实数据相似但不真实的数据，这被称为幻觉（hallucination）」 ("in some cases
# generative AI may generate data that resemble real data but are not real; this is called hallucination"). Data that
# resemble the training data without being copies of it are what a generative model is *for* — every sample in this
# book is one. Hallucination (幻觉) names output that is unfaithful to a source or factually false, such as a summary
# stating what its document does not say (Maynez et al., *On Faithfulness and Factuality in Abstractive
# Summarization*, ACL 2020; Ji et al., *Survey of Hallucination in Natural Language Generation*, ACM Computing
# Surveys, 2023).
# :::
#
# (erratum-001-13)=
# :::{dropdown} E001.13 — the discriminator is not a density estimator
# The section 数学模型和公式 says 「在数学上，我们可以将生成器和判别器视为两个概率分布的估计器」 ("mathematically,
# the generator and the discriminator can be seen as estimators of two probability distributions"). Only the
# generator defines a distribution, $p_g$, and an implicit one: it can be sampled but its density cannot be evaluated
# (Mohamed & Lakshminarayanan, *Learning in Implicit Generative Models*, 2016). The discriminator estimates a *class*
# probability, the chance that a given sample is real; at its optimum
# $D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))$ (Goodfellow et al., 2014, Proposition 1;
# checked numerically in {numref}`chapter %s <ch-gan-objective>`). The section 核心算法原理 ("core algorithm")
# twice says that 「判别器的损失函数通常是基于生成器的输出」 ("the discriminator's loss is usually based on the generator's output"); it is based on real images as much as on
# generated ones: $-\mathbb E_x \log D(x) - \mathbb E_z \log(1 - D(G(z)))$.
# :::
#
# (erratum-001-14)=
# :::{dropdown} E001.14 — cross-modal generation is not a future trend
# Under 未来发展趋势 ("future trends"): 「生成式AI不仅能够生成图像、音频和文本，还将能够实现跨模态的生成，如图像到音频、
# 图像到文本等」 ("generative AI will also be able to generate across modalities, such as image to audio and image to
# text"). Image-to-text generation (captioning) was published years earlier (Vinyals et al., *Show and Tell*, CVPR
# 2015), and text-to-image generation with GANs a year later (Reed et al., *Generative Adversarial Text to Image
# Synthesis*, ICML 2016) — both before the most recent work the article itself cites (2020).
# :::
#
# ## Article 002 — 《生成式 AI：数据集的未来》 ("Generative AI: the future of datasets")
#
# (erratum-002-1)=
# :::{dropdown} E002.1 — "generator and discriminator" as the architecture of generative AI
# 「生成式 AI 的核心架构通常包括两个
# 部分：生成器和判别器」. Only GANs have that architecture; the VAE, which the same article names, has an encoder and a
# decoder ({doc}`04_vae_objective`).
# :::
#
# (erratum-002-2)=
# :::{dropdown} E002.2 — the generator's loss takes data as input
# §4.2 writes
# $L_G = -\mathbb{E}_{x \sim p_{data}(x)}[\log D(G(x))]$ and §4.3 says 「生成器 G 根据输入图像生成新的图像」 ("G generates new
# images from input images"). An (unconditional) GAN's generator maps *noise* $z \sim p_z$ to samples:
# $L_G = -\mathbb E_{z \sim p_z}[\log D(G(z))]$. Feeding it real images is image-to-image translation, a different
# model (CycleGAN, pix2pix).
# :::
#
# (erratum-002-3)=
# :::{dropdown} E002.3 — who maximises what
# 「生成器和判别器的优化目标是最大化判别器的损失函数，同时最小化生成器的损失函数」
# ("the goal is to maximise the discriminator's loss and minimise the generator's"). With the $L_D$ the article itself
# writes, the discriminator *minimises* $L_D = -V$; maximising it would make the discriminator worse.
# :::
#
# (erratum-002-4)=
# :::{dropdown} E002.4 — "a probability distribution function"
# 「生成器通常是一个概率分布函数」 ("the generator is usually a
# probability distribution function"). A GAN's generator is a deterministic function; the distribution $p_g$ is
# *implicit*, the push-forward of $p_z$ through it, and has no density the model can evaluate — which is why a GAN
# has no likelihood ({doc}`09_vae` reports one for the VAE).
# :::
#
# (erratum-002-5)=
# :::{dropdown} E002.5 — "efficient, diverse and stable"
# §9.1: the core algorithms 「具有高效、多样、稳定的特点」. GAN training is
# notoriously unstable and drops modes; {doc}`06_gan_variants` measures both across seeds, and {doc}`05_evaluation`
# shows the same recipe's FID varying from seed to seed.
# :::
#
# (erratum-002-6)=
# :::{dropdown} E002.6 — references
# 《生成式 AI：从 GAN 到 VAE》 (listed as a paper) could not be found; *Attention Is All You
# Need* is by Vaswani et al. (NIPS 2017), with Noam Shazeer as second author, not "Noam Shazeer et al."; the image in
# §5.4 is not an output of the listing. See the {doc}`../reading_list` page.
# :::
#

# %% [markdown]
# (erratum-002-7)=
# ### E002.7 — the PyTorch DCGAN listing (§5.2, printed twice)
#
# The listing loads MNIST itself with `download=True` into `./data`. We run it in a folder whose `./data` points at
# the book's data folder, so torchvision finds the files and downloads nothing, and supply `num_epochs = 1`,
# `device = "cpu"` and `display_images` (which it calls without defining).

# %% tags=["nbval-check-output"]
work = Path(tempfile.mkdtemp())
(work / "data").symlink_to(gt.data_root(), target_is_directory=True)


def display_images(images, title):
    gt.show_images(images, nrow=16, title=title)
    plt.show()


supplied2 = {"num_epochs": 1, "device": "cpu", "display_images": display_images}
src2 = listing("a002_dcgan.py")


def shorten(source, n):
    # a budget change, not a fix: let the listing see only the first n training images
    return source.replace("dataloader = DataLoader(train_data,",
                          f"train_data = torch.utils.data.Subset(train_data, range({n}))\n"
                          "dataloader = DataLoader(train_data,")
torch.manual_seed(0)
ns = run(src2, supplied2, cwd=work)

# %% [markdown]
# **Error 1: three-channel normalisation of one-channel images.** `Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))` is
# for RGB; MNIST has one channel.

# %% tags=["nbval-check-output"]
src2 = fix(src2, "transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))", "transforms.Normalize((0.5,), (0.5,))")
torch.manual_seed(0)
ns = run(src2, supplied2, cwd=work)

# %% [markdown]
# **Error 2: the networks are built for 3 × 32 × 32 images.** The generator's four transposed convolutions go
# 1 → 4 → 8 → 16 → 32 pixels and end in 3 channels; the discriminator expects 3 channels, and its 4 × 4 convolutions
# need 32 × 32 input (on 28 × 28 they reach 3 × 3 and the last 4 × 4 kernel no longer fits —
# {doc}`07_dcgan` traces it layer by layer). The smallest change that keeps the article's networks: one channel at
# both ends, and MNIST padded to 32 × 32.

# %% tags=["nbval-check-output"]
src2 = fix(src2, "nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False)", "nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False)")
src2 = fix(src2, "nn.Conv2d(3, 64, 4, 2, 1, bias=False)", "nn.Conv2d(1, 64, 4, 2, 1, bias=False)")
src2 = fix(src2, "transforms.Compose([\n    transforms.ToTensor(),",
           "transforms.Compose([\n    transforms.Pad(2),\n    transforms.ToTensor(),")
torch.manual_seed(0)
ns = run(src2, supplied2, cwd=work)

# %% [markdown]
# **Error 3: one verdict per batch.** The discriminator's `forward` ends in `output.view(-1, 1).mean(0)`: it
# averages the whole batch into one number, so the loss compares one probability with 128 labels (and a
# discriminator must judge each image). Smallest fix: one output per image.

# %% tags=["nbval-check-output"]
src2 = fix(src2, "return output.view(-1, 1).mean(0)", "return output.view(-1)")
torch.manual_seed(0)
ns = run(src2, supplied2, cwd=work)

# %% [markdown]
# **Error 4: integer labels.** `torch.full((batch_size,), 1, device=device)` makes an integer tensor; `BCELoss` needs
# floating-point targets. Smallest fix: `1.0` and `0.0`.

# %% tags=["nbval-check-output"]
src2 = fix(src2, "torch.full((batch_size,), 1, device=device)", "torch.full((batch_size,), 1.0, device=device)")
src2 = fix(src2, "torch.full((batch_size,), 0, device=device)", "torch.full((batch_size,), 0.0, device=device)")
torch.manual_seed(0)
ns = run(src2, supplied2, cwd=work)

# %% [markdown]
# **Error 5: the generator's loss uses the discriminator from before its update.** `loss_G` is computed *before*
# `optimizer_D.step()`, which then changes the discriminator's weights in place; `loss_G.backward()` needs the old
# ones. Smallest fix: compute `loss_G` after the discriminator's step (which is also the right algorithm: the generator
# should be scored by the updated discriminator). So that this page runs in seconds, from here on the listing sees only
# a subset of the training images (a few hundred for the next check, {glue:text}`a4_002_images:,.0f` for the final
# run) — `Subset` is the one change that is not a fix.

# %% tags=["nbval-check-output"]
src2 = fix(src2, "        # 计算生成器损失\n        loss_G = criterion(discriminator(fake_images), labels_real)\n", "")
src2 = fix(src2, "        # 更新生成器参数\n        optimizer_G.zero_grad()",
           "        # 更新生成器参数\n        loss_G = criterion(discriminator(fake_images), labels_real)\n"
           "        optimizer_G.zero_grad()")
torch.manual_seed(0)
ns = run(shorten(src2, 128 * 2 + 96), supplied2, cwd=work)     # from here on, a short subset (see below)

# %% [markdown]
# **Error 6: a fixed batch of 128 noise vectors.** MNIST's 60,000 images make 468 full batches of 128 and a last one
# of 96 (the subset above ends the same way), but the listing always draws 128 noise vectors, so in the last batch
# 128 fakes meet 96 labels — the error above. Smallest fix: draw as many noise vectors as there are real images.

# %% tags=["nbval-check-output"]
src2 = fix(src2, "noise = torch.randn(128, 100, 1, 1).to(device)",
           "noise = torch.randn(data[0].size(0), 100, 1, 1).to(device)")

# %% [markdown]
# With six fixes the listing runs to its end and draws its samples with the `display_images` we supplied, here
# after one pass over the first {glue:text}`a4_002_images:,.0f` training images:

# %% mystnb={"figure": {"caption": "Samples of article 002's DCGAN after six fixes and one short pass over padded MNIST images (the listing's own final cell, which shows the last batch).", "name": "fig-a4-002"}}
budget = 128 * max(2, P.demo_steps) + 96
torch.manual_seed(0)
ns = run(shorten(src2, budget), supplied2, cwd=work)
print([line for line in ns["_printed"].splitlines() if "Loss_D" in line][-1])

# %% tags=["remove-cell"]
glue("a4_002_images", budget, display=False)
glue("a4_002_steps", -(-budget // 128), display=False)

# %% [markdown]
# With six fixes the listing runs to its end, and again running is not learning: after {glue:text}`a4_002_steps`
# steps the discriminator is winning (in the last progress line above its loss is a small fraction of the
# $\log 2 \approx 0.69$ that this listing's halved loss gives a discriminator that cannot tell real from fake) and the samples are nearly all the same
# speckled pattern — the generator has collapsed to one output. {doc}`07_dcgan` builds a DCGAN for 28 × 28 × 1
# with the DCGAN paper's weight initialisation (which this listing omits) and trains it to recognisable digits on
# both datasets. Not errors, but worth knowing: the listing never moves its networks to `device`, so with
# `device = "cuda"` it fails at the first step; and it reports progress only every 100 steps.
#
# ## Article 003 — 生成式人工智能 (GANs and VAEs, with a PyTorch GAN)
#
# (erratum-003-1)=
# :::{dropdown} E003.1 — the VAE's steps
# §3: the encoder produces 「一批隐向量」 ("a batch of latent vectors"), the decoder
# 「生成一批假数据」 ("generates a batch of fake data"), then reconstruction error and KL are computed. Three things
# are missing or wrong: the encoder outputs the *parameters* $(\mu, \log\sigma^2)$ of $q(z \mid x)$, not a vector; $z$
# is *sampled* from it with the reparameterisation trick, which is what makes the loss differentiable; and what the
# decoder produces from an encoded image is a *reconstruction*, while new ("fake") data come from decoding prior
# samples $z \sim \mathcal N(0, I)$. {doc}`09_vae` builds all three.
# :::
#
# (erratum-003-2)=
# :::{dropdown} E003.2 — the VAE objective
# $\mathbb{E}[\|x - D(E(x))\|^2] + D_{KL}(E(x) \| p_z(z))$ treats $E(x)$ as a point and
# the squared error as given. The ELBO is $\mathbb E_{q(z\mid x)}[\log p(x \mid z)] - \mathrm{KL}(q(z \mid x) \| p(z))$;
# the squared error is $-\log p(x\mid z)$ only for a Gaussian decoder with variance ½ (up to a constant), i.e. the
# article's formula is a $\beta$-weighted special case — {doc}`04_vae_objective` derives it and checks the constant
# numerically.
# :::
#
# (erratum-003-3)=
# :::{dropdown} E003.3 — the listing is a GAN, without training
# §5 offers 「一个使用PyTorch实现的简单的生成对抗网络的示例代码」 for an
# article about GANs *and* VAEs, but the code only defines a generator and a discriminator: no data, no loss, no
# training, and no VAE code at all. Run, it defines both networks; fed a batch of images it fails, because the
# discriminator's first layer needs flattened 784-vectors:
# :::
#

# %% tags=["nbval-check-output"]
ns3 = run(listing("a003_models.py") + "\nG, D = Generator(), Discriminator()\nz = torch.randn(4, 100)\n"
          "print('G(z) has shape', tuple(G(z).shape))\nD(torch.rand(4, 1, 28, 28))", {}, echo=True)
ns3 = run(listing("a003_models.py") + "\nD = Discriminator()\nD(torch.rand(4, 1, 28, 28).view(4, -1))", {})

# %% [markdown]
# With the images flattened (the second run) the discriminator works. The training loop the article leaves out is
# {numref}`chapter %s <ch-first-gan>`'s; the VAE code it never gives is in {doc}`09_vae`.
#
# (erratum-003-4)=
# :::{dropdown} E003.4 — the concept diagram
# §2's chart draws arrows 生成模型 → 深度学习 → 神经网络 ("generative model → deep learning
# → neural network"), and from each of the three to 生成式人工智能 (generative AI). The chain reads as if deep learning
# came out of generative models and generative AI needed all three. Generative models are older and broader: naive
# Bayes, Gaussian mixtures and hidden Markov models are generative models without
# neural networks; deep generative models are the intersection. {doc}`01_what_is_generative_ai` fits a non-neural
# generative model (a Gaussian per class) next to a discriminative one.
# :::
#
# ## Article 004 — 生成式AI in China, with a Keras GAN
#
# (erratum-004-1)=
# :::{dropdown} E004.1 — "generative model" is not "generator", and "discriminative model" is not "discriminator"
# 「生成式AI
# 的核心在于生成模型（Generator）和判别模型（Discriminator）的互动」. A *generative model* (生成模型) models how data are
# distributed; a *discriminative model* (判别模型) models labels given data. A GAN's *generator* (生成器) and
# *discriminator* (判别器) are two networks of one generative model. {doc}`01_what_is_generative_ai` trains one of each
# kind side by side.
# :::
#
# (erratum-004-2)=
# :::{dropdown} E004.2 — DeepArt and "Starry Night" as Chinese GAN applications
# 「DeepArt、Starry Night等应用…通过GAN技术生成出
# 具有独特风格的艺术作品」. DeepArt (deepart.io, from the University of Tübingen's group) implements *neural style
# transfer* (Gatys, Ecker & Bethge, 2015), an optimisation of an image against a fixed classifier's features — not a
# GAN, and not Chinese. *The Starry Night* is van Gogh's painting, not an application.
# :::
#
# (erratum-004-3)=
# :::{dropdown} E004.3 — GPT-3 and ChatGPT as Chinese achievements
# §1.2 lists 「GPT-3、ChatGPT等模型」 among
# what 「中国的企业和研究机构开发了」 ("Chinese companies and institutes developed"). Both are OpenAI's (Brown et al.,
# 2020; OpenAI, 2022) and both are autoregressive transformers trained by maximum likelihood (then fine-tuned), not
# GANs, as §1.1's definition of generative AI (the interplay of a generator and a discriminator) would have them.
# §1.4's 「谷歌的Inkblot」 ("Google's Inkblot") could not be found.
# :::
#
# (erratum-004-4)=
# :::{dropdown} E004.4 — the training diagram re-initialises every round
# In the §1.5 mermaid chart the loop closes with
# 重复训练 → 初始化模型参数 ("repeat training → initialise the parameters"). Parameters are initialised once; each
# round goes back to generating data with the *current* parameters.
# :::
#
# (erratum-004-5)=
# :::{dropdown} E004.5 — the losses
# §1.6 says the generator's loss 「是判别器判断生成数据为真实的概率」 ("is the probability that
# the discriminator judges generated data real"); that probability is what the generator *maximises* — its loss is
# $-\log D(G(z))$. §1.7's $L_D$ sums only over real samples $x_i$ with labels $y_r(i)$ that may be 0 ("generated"),
# so the generated samples never enter the discriminator's loss; it needs both terms,
# $-\frac1N\sum_i \log D(x_i) - \frac1N\sum_i \log(1 - D(G(z_i)))$ ({doc}`03_gan_objective`).
# :::
#
# (erratum-004-6)=
# :::{dropdown} E004.6 — a "total loss"
# $L = \alpha L_G + (1-\alpha) L_D$ has no role in GAN training: the two players optimise
# *opposite* objectives, each with respect to its own parameters, so no single loss is minimised
# ({doc}`03_gan_objective`).
# :::
#
# (erratum-004-7)=
# :::{dropdown} E004.7 — the worked example
# §1.8 computes $-\log(0.9) \approx -0.1054$, $-\log(0.6) \approx -0.2218$,
# $-\log(0.8) \approx -0.1506$, $-\log(0.4) \approx -0.3979$, $-\log(0.7) \approx -0.3567$. The signs are wrong
# ($-\log p > 0$ for $p < 1$); the magnitudes mix bases (0.1054 and 0.3567 are natural logarithms, 0.2218 and 0.3979
# base-10, 0.1506 neither); and one batch of five probabilities serves as both the generator's fakes and the
# discriminator's mixed batch. Its averages do not even follow from its own terms: the five generator terms
# average $-0.2465$, not 「$\approx -0.2123$」; the five discriminator terms average $-0.0014$, not
# 「$\approx 0.0322$」; and $0.5 \cdot (-0.2123) = -0.1062$, not $-0.1026$. {doc}`03_gan_objective` recomputes it
# term by term.
# :::
#
# (erratum-004-8)=
# :::{dropdown} E004.8 — the Keras listing (§1.9–1.10), read and, where it is NumPy, run
# The preprocessing lines are plain
# NumPy, so they are run here on the same MNIST arrays:
# :::
#

# %% tags=["nbval-check-output"]
import numpy as np

train_images = mnist.data.numpy()                                           # (60000, 28, 28) uint8, as mnist.load_data()
train_images = train_images.reshape((60000, 28, 28, 1)).astype('float32') / 255
train_images = np.expand_dims(train_images, axis=-1)                        # the listing's "增加通道维度"
print("shape after the listing's preprocessing:", train_images.shape)
classes = int(train_images.max()) + 1          # to_categorical: num_classes = max(y) + 1 of the values cast to int
print(f"to_categorical(train_images) would one-hot {train_images.size:,} pixel values into "
      f"{classes} classes: {train_images.size * classes * 4 / 1e9:.1f} GB of float32")

# %% [markdown]
# 1. The images are reshaped to `(60000, 28, 28, 1)` and then given *another* channel axis: the result above has five
#    dimensions. And `to_categorical(train_images)` one-hot encodes the **images**, not labels: with pixel values
#    in $[0, 1]$ it produces two "classes" per pixel, as counted above, for labels an unconditional GAN never uses.
# 2. The generator's three stride-2 transposed convolutions take 7 → 14 → 28 → **56** pixels, so it outputs
#    56 × 56 × 1 images while the discriminator takes 28 × 28 × 1; `discriminator(generator(input_noise))` fails.
#    (PyTorch's equivalent layer, `ConvTranspose2d(…, 5, stride=2, padding=2, output_padding=1)`, gives the same
#    14, 28, 56 — the arithmetic is {doc}`07_dcgan`'s.)
# 3. In the discriminator, `x = LeakyReLU(alpha=0.2)` and `x = BatchNormalization()` assign *layers* to `x` instead of
#    applying them (`…(x)` is missing), so the next layer receives a layer object and model construction fails.
# 4. `batch_size` is never defined; `real_images = train_images[:batch_size]` trains on the same first batch every
#    step; the discriminator is not frozen (`trainable = False`) inside `gan_output`, so the generator's step also
#    trains it to call fakes real.
# 5. §1.10 says the generator uses a lower learning rate than the discriminator; the code gives the discriminator
#    `Adam(0.0001)` and the combined model `Adam(0.0004)` — the opposite. It says the first dense layer maps noise
#    「为一个128维的向量」 ("to a 128-dimensional vector"); it has 128 × 7 × 7 = 6,272 outputs.
#
# The book's PyTorch port is {numref}`chapter %s <ch-dcgan>`'s DCGAN for 28 × 28 × 1.
#
# (erratum-004-9)=
# :::{dropdown} E004.9 — references and facts
# *Improved Techniques for Training GANs* is by Salimans et al. (NIPS 2016), not
# "Kingma et al., ICLR 2017", and it introduced feature matching, minibatch discrimination, one-sided label smoothing,
# virtual batch normalisation and the Inception score — not "Wasserstein GAN and gradient penalty" nor "gradient
# penalty and weight decay"; WGAN is Arjovsky, Chintala & Bottou (ICML 2017) and the gradient penalty Gulrajani et
# al. (NIPS 2017); CycleGAN's first author is Zhu, not "Zhang" (the model itself is built and measured in
# {doc}`12_cyclegan`); CelebA has 202,599 face images (Liu et al., ICCV 2015),
# not "10万张" (100,000); Keras 3 runs on TensorFlow, JAX or PyTorch, and Theano support ended with Keras 2.3. Not
# found: 《人工智能发展行动纲要（2021-2025年）》, "Goodfellow, 《生成对抗网络：深度学习的对抗性技巧》, MIT Press 2018",
# "Hamilton, Generative Text Models for NLP, 2018", the "GANapy" library. The {doc}`../reading_list` page gives each
# entry.
# :::
#
# (erratum-004-10)=
# :::{dropdown} E004.10 — "WGAN solved instability"
# FAQ Q3: WGAN 「解决了GAN训练不稳定的问题」 ("solved GAN training
# instability"). It changed the divergence and made the critic's loss informative; it did not make training reliable —
# the gradient penalty (Gulrajani et al., 2017) and spectral normalisation (Miyato et al., 2018) followed because
# weight clipping fails in its own ways. {doc}`06_gan_variants` and {doc}`08_variants_mnist` measure WGAN and WGAN-GP
# next to the other losses.
# :::
#
# (erratum-004-11)=
# :::{dropdown} E004.11 — unsourced statistics
# §1.2–1.4 state that Chinese generative-AI papers 「在全球范围内位居前列」 ("rank
# among the world's first") in 2020 and 2021 「根据Google Scholar等数据库的数据显示」 ("according to Google Scholar and
# other databases"), that patent filings rise year by year 「根据国家知识产权局的数据」 ("according to the national IP
# office"); and its introduction says that the 2017 plan and the 2021–2025 outline 「明确提出要大力发展生成式AI技术」
# ("explicitly call for vigorously developing generative AI"). No figure, query or document is cited for any of them, so the book repeats none; the policy
# documents it can cite, with dates, are in {doc}`15_challenges` (regulation).
# :::
#

# %% tags=["remove-cell"]
glue("a4_profile", gt.Text(P.name), display=False)
glue("a4_device", gt.Text(str(device)), display=False)
glue("a4_seconds", time.perf_counter() - T0, display=False)
