# %% [markdown]
# (ch-challenges)=
# # Challenges, responsible use and the wider field
#
# Every source article ends with "future trends and challenges" (未来发展趋势与挑战), but their lists differ. Article
# 003 names three technical challenges: unstable training (训练稳定性), hard evaluation (评估难度) and dependence on
# data (数据依赖). The others overlap with it only in part: articles 000 and 004 also name unstable training, and 001
# and 004 the quality or supply of data; none of them names evaluation. What they name besides differs from article
# to article: the cost of compute (000, 001 and 002), privacy (001, 002 and 004), bias and ethics (001 and 004), model
# design (002), and talent and international competition (004). Article 003 is right about its three. Article 002 also calls the
# core algorithms "高效、多样、稳定" (efficient, diverse and stable), which this book has measured to be false for GANs: {numref}`chapter %s <ch-gan-variants>` shows mode collapse and {numref}`chapter %s <ch-evaluation>` shows the
# same recipe's FID varying from seed to seed. This chapter links each challenge to the chapter that measures it,
# adds the side of privacy the articles leave out — what generated data reveals about its training data — places GANs and VAEs
# among today's model families, and answers the articles' FAQ with pointers to evidence. The sources each article
# cites are checked on the {doc}`../reading_list` page.
#
# :::{admonition} What this chapter needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s (two small GANs for the memorisation (记忆) check).
# :::

# %%
import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

import gantutor as gt

P, device = gt.start()
SEED = 0

# %% tags=["remove-cell"]
from myst_nb import glue

# %% [markdown]
# ## The challenges, with the evidence
#
# | challenge (the articles' words) | what the book measured | where |
# |---|---|---|
# | training instability (训练稳定性), mode collapse, vanishing gradients | modes captured and high-quality fraction per loss over seeds; the saturating loss's gradient falling to zero; FID spread across seeds | {doc}`06_gan_variants`, {doc}`03_gan_objective`, {doc}`05_evaluation` |
# | evaluation is hard (评估难度) | the real-vs-real floor of FID, precision and recall; a VAE-vs-GAN ranking that depends on the feature space | {doc}`05_evaluation`, {doc}`10_vae_latent` |
# | dependence on data (数据依赖) | a copying check with a small and with the full training set (below) | this chapter |
# | compute cost | the stored run time of every chapter (below) | {doc}`../status` |
#
# Compute is the challenge a reader feels first. The table below lists, from the run record each page stores, how
# long each page's stored run took, in the profile and on the device shown. The status page and every chapter's
# opening box read the same records, so a run time is the same number wherever it appears.
#
# ```{execution-status}
# :columns: short
# ```
#
# The models are tiny by today's standards (the largest network in the book, {numref}`chapter %s <ch-first-gan>`'s
# MLP generator, has {glue:text}`ch10_largest:.1f` million parameters); the published results the book compares
# against used days of GPU time. That gap — not the algorithms — is most of the difference between a laptop result
# and a paper's.

# %% tags=["remove-cell"]
glue("ch10_largest", gt.count_parameters(gt.MLPGenerator()) / 1e6, display=False)

# %% [markdown]
# ## Does the generator copy its training data?
#
# A generator that reproduces training images is a privacy problem (faces, medical scans) and a copyright problem
# (art), and it is a *data* problem: the less data, the easier it is to memorise. Large models do it: Carlini et
# al. (2023) extracted over a thousand training images from diffusion models, Stable Diffusion and Imagen among
# them. Here is the test
# at the book's scale. For each generated sample we find its nearest training image (Euclidean distance in pixel
# space) and compare with the same distance for held-out *test* images, which by construction copy nothing. If
# samples sit much closer to the training set than test images do, the model is copying.
#
# We train the DCGAN of {numref}`chapter %s <ch-dcgan>` twice for the same number of steps: on all training images, and on only
# {glue:text}`ch10_small` of them.

# %% tags=["nbval-check-output"]
def nearest(queries, pool, chunk=500):
    # distance from each query to its nearest item in `pool` (Euclidean, flattened), and that item's index
    q, p = queries.flatten(1).cpu(), pool.flatten(1).cpu()
    d, i = zip(*[torch.cdist(q[s:s + chunk], p).min(1) for s in range(0, len(q), chunk)])
    return torch.cat(d), torch.cat(i)


d, i = nearest(torch.tensor([[0.0, 0.0], [3.0, 4.0]]), torch.tensor([[0.0, 1.0], [3.0, 3.0], [10.0, 10.0]]))
print("distances:", d.tolist(), "| nearest indices:", i.tolist())

# %%
SMALL = 256
N = min(P.eval_samples, 2000)
train = gt.load_mnist(subset=P.train_subset, device=device)
test = gt.load_mnist(train=False)
small_idx = torch.randperm(len(train), generator=torch.Generator().manual_seed(SEED))[:SMALL]
sets = {"all training images": train.images, f"{SMALL} training images": train.images[small_idx]}
memo, gens = {}, {}
for name, data in sets.items():
    gt.seed_everything(SEED)
    G = gt.models.DCGANGenerator(width=P.dcgan_width).to(device)
    D = gt.models.DCGANDiscriminator(width=P.dcgan_width).to(device)
    gt.train_gan(G, D, gt.TensorBatches(data, batch_size=min(P.gan_batch_size, len(data)), seed=SEED),
                 steps=P.dcgan_steps, seed=SEED, desc=f"DCGAN on {name}")
    fake = gt.sample(G, N, seed=SEED + 1)
    d_fake, _ = nearest(fake, data)
    d_test, _ = nearest(test.images[:N], data)
    memo[name] = {"fake": float(d_fake.median()), "test": float(d_test.median()),
                  "ratio": float(d_fake.median() / d_test.median()),
                  "close": float((d_fake < d_test.quantile(0.01)).float().mean())}
    gens[name] = (G, data, fake, d_fake)
rows = [f"| {k} | {m['fake']:.2f} | {m['test']:.2f} | {m['ratio']:.2f} | {100 * m['close']:.1f}% |"
        for k, m in memo.items()]
display(Markdown("| generator trained on | median distance, sample → nearest training image | median distance, test "
                 "image → nearest training image | ratio | samples closer than 99% of test images |\n"
                 "|---|---|---|---|---|\n" + "\n".join(rows)))
full, small = memo["all training images"], memo[f"{SMALL} training images"]

# %% tags=["remove-cell"]
glue("ch10_small", SMALL, display=False)
glue("ch10_n", N, display=False)
glue("ch10_full_ratio", full["ratio"], display=False)
glue("ch10_small_ratio", small["ratio"], display=False)
glue("ch10_full_close", 100 * full["close"], display=False)
glue("ch10_small_close", 100 * small["close"], display=False)

# %% mystnb={"figure": {"caption": "The small-data generator's samples that lie closest to its training set (top) and the training images they are closest to (bottom).", "name": "fig-ch10-memorisation"}}
G, data, fake, d_fake = gens[f"{SMALL} training images"]
order = d_fake.argsort()[:8]
_, idx = nearest(fake[order], data)
fig, ax = plt.subplots(figsize=(8, 2.4))
gt.show_images(torch.cat([fake[order], data[idx].cpu()]), nrow=8, ax=ax,
               title=f"top: the 8 samples closest to the {SMALL}-image training set; bottom: their nearest training image")
plt.tight_layout(); plt.show()

# %% [markdown]
# With all training images the ratio is {glue:text}`ch10_full_ratio:.2f` and {glue:text}`ch10_full_close:.1f`% of
# {glue:text}`ch10_n:,.0f` samples are closer to a training image than 99% of test images are; with
# {glue:text}`ch10_small` images the ratio is {glue:text}`ch10_small_ratio:.2f` and the fraction
# {glue:text}`ch10_small_close:.1f`%. A ratio well below 1 means the samples hug the training images more tightly
# than fresh data does — the signature of copying. The figure shows why the baseline matters: the closest pairs
# can look like near-copies, but they are mostly thin digits such as 1s, which are close to *any* other thin
# stroke in pixel distance; the test images' own distances to the training set are the yardstick that says
# whether such closeness is unusual. Pixel distance is a crude test (a shifted copy is "far"), so a
# ratio near 1 does not prove the absence of memorisation; it is the first check, not the last. At this scale
# neither generator copies: both ratios are above 1, so the samples sit no closer to the training set than fresh
# digits do. The same check belongs before releasing any model trained on private data.
#
# ## Responsible use
#
# * **Privacy and memorisation.** Large models memorise small or repeated data, and what they generate can leak it
#   (Carlini et al., 2023); the small GANs above show no copying, and only a check like theirs tells, model by
#   model. Differentially private (差分隐私) training bounds the leak (Abadi et al., 2016) at a cost in quality.
# * **Deepfakes and provenance.** Realistic synthetic faces and voices enable impersonation and fraud. Two defences
#   are in use: labelling and provenance metadata (the C2PA Content Credentials specification), and detection,
#   which is an arms race. China's *Provisions on the Administration of Deep Synthesis of Internet Information
#   Services* (《互联网信息服务深度合成管理规定》, in force 10 January 2023) and *Measures for Labelling AI-Generated
#   Synthetic Content* (《人工智能生成合成内容标识办法》, in force 1 September 2025) require such labels in China.
# * **Bias inherited from data.** A generative model reproduces the distribution it was trained on, imbalances
#   included; {numref}`chapter %s <ch-evaluation>`'s class coverage is the simplest instance of the measurement. At scale, text-to-image models
#   have been shown to amplify demographic stereotypes (Bianchi et al., 2023).
# * **Copyright.** Training on copyrighted images and generating in an artist's style are under legal dispute in
#   several jurisdictions; memorised near-copies (Carlini et al., 2023; Somepalli et al., 2023) are the technically
#   clear case.
# * **Regulation.** China: *Interim Measures for the Management of Generative Artificial Intelligence Services*
#   (《生成式人工智能服务管理暂行办法》), issued by the Cyberspace Administration of China with six other authorities on
#   10 July 2023, in force 15 August 2023. European Union: the *AI Act*, Regulation (EU) 2024/1689, in force
#   1 August 2024, with obligations phased in from February 2025 to August 2027 (transparency duties for synthetic
#   content, Article 50, from 2 August 2026); personal data remain governed by the GDPR, Regulation (EU) 2016/679,
#   applicable since 25 May 2018. Article 004 also cites the State Council's *New Generation Artificial Intelligence
#   Development Plan* (《新一代人工智能发展规划》, July 2017), which exists; the *人工智能发展行动纲要（2021-2025年）*
#   it cites next could not be found among the State Council's published documents and is listed as not found on
#   the {doc}`../reading_list` page.
#
# ## Where GANs and VAEs stand today
#
# The articles present GANs and VAEs as *the* core algorithms of generative AI (生成式AI的核心算法). In 2026 they are
# two of five families, and rarely the headline one:
#
# | family | what it optimises | strong at | weak at | key papers |
# |---|---|---|---|---|
# | GAN | a two-player game ({numref}`chapter %s <ch-gan-objective>`) | sharp samples in one network pass; real-time synthesis, super-resolution, adversarial losses inside other models | no likelihood; unstable; drops modes | Goodfellow et al. 2014; Karras et al. 2019 (StyleGAN) |
# | VAE | the ELBO ({numref}`chapter %s <ch-vae-objective>`) | an encoder and a likelihood bound; stable training; compact latent spaces | blurry samples with simple decoders | Kingma & Welling 2014; Vahdat & Kautz 2020 (NVAE) |
# | autoregressive | exact log-likelihood, $\log p(x) = \sum_t \log p(x_t \mid x_{<t})$ | text (GPT-style language models), also audio and images | sampling is sequential | van den Oord et al. 2016; Vaswani et al. 2017; Brown et al. 2020 |
# | normalising flow | exact log-likelihood through an invertible map | exact likelihood and exact encoding | architecture constraints; weaker samples | Dinh et al. 2017; Kingma & Dhariwal 2018 |
# | diffusion and flow matching | a variational bound / denoising score matching ({numref}`chapter %s <ch-diffusion>`); a velocity regression ({numref}`chapter %s <ch-flow-matching>`) | today's best images, audio and video; stable training | many network passes per sample | Sohl-Dickstein et al. 2015; Ho et al. 2020; Song et al. 2021; Dhariwal & Nichol 2021; Lipman et al. 2023; Liu et al. 2023 |
#
# Diffusion and flow models are now the dominant family for images. {numref}`Chapter %s <ch-diffusion>` derives
# denoising diffusion from the VAE's evidence lower bound and samples it with ancestral steps and DDIM;
# {numref}`chapter %s <ch-flow-matching>` takes the straight path from noise to data and adds classifier-free
# guidance. Both train on a plain regression loss in which every training point counts at every noise level, so
# nothing in the loss lets a mode drop out; they pay instead at sampling time, with many network evaluations per
# image where a GAN needs one. {numref}`Chapter %s <ch-flow-matching>` ends with a table that compares the book's
# families — its GANs, its diffusion model and its flows — on the same metrics, with training time and sampling
# cost beside them.
#
# The ideas of the GAN and VAE chapters live on inside the newer families: latent diffusion (潜在扩散; Rombach et al., 2022,
# the basis of Stable Diffusion) denoises in the latent space of an autoencoder trained with a KL-regularised
# (VAE-style) objective and an adversarial loss, and neural audio codecs and vocoders use GAN discriminators (Kong
# et al., 2020). The articles' application list maps onto the families like this:
#
# * **Text** (文本生成): autoregressive transformers. GANs struggle with discrete tokens because sampling a token
#   is not differentiable (SeqGAN, Yu et al. 2017, needed reinforcement learning to work around it).
# * **Speech and music** (语音): autoregressive, diffusion and flow models for the acoustic model, often with a
#   GAN-trained vocoder.
# * **Images and art** (图像、艺术): diffusion and flow models for text-to-image; GANs for fast and real-time generation.
#   Neural style transfer (Gatys et al., 2016) is an optimisation with a fixed classifier, not a GAN.
# * **Medicine** (医疗): data augmentation and image reconstruction, where a generated image must be validated as
#   carefully as a measurement; privacy rules (above) apply to the training data.
# * **Games and business** (游戏、商业): mostly large language models and diffusion models today.
#
# ## FAQ
#
# **What is the difference between generative and discriminative models?** A discriminative model learns
# $p(y \mid x)$ and can only classify; a generative model learns $p(x)$ (or $p(x \mid y)$) and can also sample.
# The first chapter ({doc}`01_what_is_generative_ai`) fits both to the same digits and samples from the generative one.
#
# **What is the difference between a GAN and a VAE?** A GAN trains a generator against a discriminator and has no
# encoder and no likelihood; a VAE trains an encoder and a decoder on a likelihood bound. Both objectives are
# derived ({doc}`03_gan_objective`, {doc}`04_vae_objective`), a VAE's test likelihood is measured ({doc}`09_vae`),
# and VAE samples are compared with precision and recall ({doc}`10_vae_latent`).
#
# **Which GAN variant should I use?** Measure, do not choose by reputation: the book compares the losses on toy data
# over seeds ({doc}`06_gan_variants`) and on MNIST ({doc}`08_variants_mnist`). Spectral normalisation and the hinge loss are today's common default for
# image GANs; the WGAN-GP penalty costs several critic steps per generator step.
#
# **How do I know whether GAN training is working?** Losses alone do not say. Watch $D(x)$ and $D(G(z))$, the
# gradient norms and a fixed-noise sample strip ({doc}`02_first_gan`, {doc}`06_gan_variants`), and compute a
# sample metric during training ({doc}`05_evaluation`).
#
# **How should generative models be evaluated?** With a metric against a real-vs-real floor at the same sample
# size, with precision and recall separately, over several seeds — and, for likelihood models, with the test
# log-likelihood ({doc}`05_evaluation`, {doc}`09_vae`).
#
# :::{admonition} Try it yourself
# :class: seealso
# 1. Repeat the memorisation check with 16 and 64 training images. Does the ratio fall below 1, and from what size on?
# 2. Replace the pixel distance by the distance between the {numref}`chapter %s <ch-evaluation>` classifier's features. Does the conclusion
#    change for shifted copies?
# :::
