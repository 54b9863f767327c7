# %% [markdown]
# (ch-dcgan)=
# # Convolutional and conditional GANs
#
# {numref}`Chapter %s <ch-first-gan>`'s generator is fully connected: it has no idea that neighbouring pixels belong together, and many
# of its strokes are smudged or broken. The **{term}`DCGAN`** (deep convolutional GAN, 深度卷积生成对抗网络; Radford et al., 2016) builds both
# networks from convolutions. Source article 002 gives a convolutional GAN in DCGAN's style (it calls it only "a
# simple GAN", 一个简单的生成对抗网络) and says it generates handwritten digits from MNIST. It cannot: this chapter first runs its networks shape by shape to show where they break, then trains a
# DCGAN built for 28×28 greyscale images on MNIST, measures which of two generators wins, and finally trains a
# **{term}`conditional GAN`** (条件生成对抗网络) that draws the digit you ask for. The errata appendix runs the article's whole listing, training loop
# included, fix by fix ({ref}`E002.7 <erratum-002-7>`).
#
# :::{admonition} What this chapter needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s: an unconditional GAN of {glue:text}`dcgan_steps:,.0f` steps of {glue:text}`dcgan_batch` images
# and a conditional one of {glue:text}`c_steps:,.0f` steps of {glue:text}`c_batch`. The recipe comparison and the reference runs
# it shows are recorded commands that take longer; the `gpu` profile trains wider networks, the conditional one for
# {glue:text}`gpu_steps:,.0f` steps and the unconditional one for twice as many.
# :::

# %%
import json

import matplotlib.pyplot as plt
import torch
from torch import nn
from torchvision import transforms
from IPython.display import Markdown, display

import gantutor as gt
from gantutor import features as feat
from gantutor import metrics as M

P, device = gt.start()

# %% tags=["remove-cell"]
from myst_nb import glue


# %% [markdown]
# ## Article 002's DCGAN, shape by shape
#
# Its generator maps noise of shape `(N, 100, 1, 1)` through four transposed convolutions (转置卷积); its discriminator
# mirrors them with four convolutions. A transposed convolution with kernel $k$, stride $s$ and padding $p$ turns a
# side of length $n$ into $(n - 1)s - 2p + k$; a convolution turns $n$ into $\lfloor (n + 2p - k)/s \rfloor + 1$.
# Rather than trust the arithmetic, we push tensors through the article's layers (copied verbatim) and print every
# shape:

# %% tags=["nbval-check-output"]
class ArticleGenerator(nn.Module):            # article 002, verbatim
    def __init__(self):
        super(ArticleGenerator, self).__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(100, 256, 4, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(True),
            nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
            nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, input):
        return self.main(input)


class ArticleDiscriminator(nn.Module):        # article 002, verbatim
    def __init__(self):
        super(ArticleDiscriminator, self).__init__()
        self.main = nn.Sequential(
            nn.Conv2d(3, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(128, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(256, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, input):
        output = self.main(input)
        return output.view(-1, 1).mean(0)


def trace(net, x):
    # Print the output shape of every convolution; report the first error instead of stopping.
    print(f"  input {tuple(x.shape)}")
    for layer in net.main:
        try:
            x = layer(x)
        except RuntimeError as err:
            print(f"  {type(layer).__name__}: ERROR {str(err).splitlines()[0]}")
            return None
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            print(f"  {type(layer).__name__}(k={layer.kernel_size[0]}, s={layer.stride[0]}, "
                  f"p={layer.padding[0]}) -> {tuple(x.shape)}")
    return x

torch.manual_seed(0)
G_art, D_art = ArticleGenerator().eval(), ArticleDiscriminator().eval()
print("generator on noise (2, 100, 1, 1):")
fake = trace(G_art, torch.randn(2, 100, 1, 1))
print("discriminator on an MNIST batch (2, 1, 28, 28):")
trace(D_art, torch.zeros(2, 1, 28, 28))
print("discriminator on MNIST copied to three channels (2, 3, 28, 28):")
trace(D_art, torch.zeros(2, 3, 28, 28))
print("discriminator on the generator's own output:", tuple(D_art(fake).shape), "<- one number for the whole batch")
try:
    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))(torch.zeros(1, 28, 28))
except RuntimeError as err:
    print("article's Normalize on a 1-channel MNIST image: ERROR", str(err).splitlines()[0])

# %% [markdown]
# Four independent problems, each visible above:
#
# 1. **The generator makes 32×32 colour images** (1 → 4 → 8 → 16 → 32, with 3 channels): the DCGAN recipe for
#    CIFAR-style data, not MNIST's 28×28 grey digits. Nothing it produces could be compared with a training image.
# 2. **The discriminator cannot read MNIST.** It expects 3 channels; even with the digit copied to three channels,
#    28 → 14 → 7 → 3 leaves a 3×3 map, and the last 4×4 convolution does not fit.
# 3. **The discriminator averages over the batch** (`.mean(0)`): it returns one probability for the whole batch,
#    and `BCELoss` refuses to compare it with a label per image (a `ValueError` about the target size); even if it
#    broadcast, one verdict cannot tell real images from fakes one by one.
# 4. **The data pipeline fails first**: `Normalize` with three means on a one-channel image raises an error before
#    any network runs. (The training loop also repeats {numref}`chapter %s <ch-first-gan>`'s ordering bug: the generator's loss is computed
#    through a discriminator that `optimizer_D.step()` then changes in place.)
#
# The fix is the architecture, not the data: for 28×28 images, project the noise to a 7×7 map and upsample twice,
# 7 → 14 → 28; the discriminator mirrors it, 28 → 14 → 7, and ends in one logit per image.

# %% tags=["nbval-check-output"]
W = 32
G_show, D_show = gt.models.DCGANGenerator(width=W), gt.models.DCGANDiscriminator(width=W)
x = torch.randn(2, 100)
h = G_show.project(x).view(-1, 2 * W, 7, 7)
print(f"generator: noise {tuple(x.shape)} -> Linear, reshape -> {tuple(h.shape)}")
for layer in G_show.net:
    h = layer(h)
    if isinstance(layer, nn.ConvTranspose2d):
        print(f"  ConvTranspose2d(k=4, s=2, p=1) -> {tuple(h.shape)}")
print(f"discriminator: {tuple(h.shape)} -> logits {tuple(D_show(h).shape)}")
print(f"parameters (width {W}): G {gt.count_parameters(G_show):,}  D {gt.count_parameters(D_show):,}")

# %% [markdown]
# Radford et al. also fixed the details that make DCGANs train: every convolution initialised from
# $\mathcal{N}(0, 0.02)$, BatchNorm weights from $\mathcal{N}(1, 0.02)$ with zero biases (`gt.models.dcgan_init`,
# applied by both networks); BatchNorm in the generator and in every discriminator layer but the first; ReLU in the
# generator and LeakyReLU(0.2) in the discriminator; and Adam with learning rate $2 \times 10^{-4}$ and
# $\beta_1 = 0.5$ — `train_gan`'s defaults. The initialisation, measured:

# %% tags=["nbval-check-output"]
torch.manual_seed(0)
G_init = gt.models.DCGANGenerator(width=64)
conv_w = torch.cat([m.weight.flatten() for m in G_init.modules() if isinstance(m, (nn.ConvTranspose2d, nn.Linear))])
bn_w = torch.cat([m.weight.flatten() for m in G_init.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))])
print(f"conv/linear weights: mean {conv_w.mean():+.4f}, std {conv_w.std():.4f}   (target 0, 0.02)")
print(f"BatchNorm weights:   mean {bn_w.mean():+.4f}, std {bn_w.std():.4f}   (target 1, 0.02)")

# %% [markdown]
# ## Two ways to upsample
#
# The generator above grows 7 → 14 → 28 with transposed convolutions, as DCGAN does. A transposed convolution
# with kernel 4 and stride 2 gives neighbouring output pixels different numbers of kernel taps, which leaves a
# faint checkerboard (棋盘格伪影) in its images (Odena et al., 2016). **Resize-convolution** (缩放卷积) upsamples by repeating
# each pixel (nearest-neighbour) and then applies an ordinary 3 × 3 convolution, so every output pixel is made the
# same way; `gt.models.DCGANGenerator(upsample="resize")` also adds a 3 × 3 layer at 7 × 7 and one at 28 × 28,
# which makes the generator deeper. Its layers, run on the same noise:

# %% tags=["nbval-check-output"]
G_resize = gt.models.DCGANGenerator(width=W, upsample="resize")
h = G_resize.project(x).view(-1, 2 * W, 7, 7)
print(f"resize-convolution generator: noise {tuple(x.shape)} -> Linear, reshape -> {tuple(h.shape)}")
for layer in G_resize.net:
    h = layer(h)
    if isinstance(layer, (nn.Conv2d, nn.Upsample)):
        name = "Upsample(nearest, x2)" if isinstance(layer, nn.Upsample) else "Conv2d(k=3, s=1, p=1)"
        print(f"  {name:<22} -> {tuple(h.shape)}")
print(f"parameters (width {W}): G {gt.count_parameters(G_resize):,}")

# %% [markdown]
# The discriminator, the loss and the optimiser stay as they are. The extra layers run at full resolution, so a
# training step costs more. Whether that buys better digits is a question for measurement, not taste: the recipe
# comparison below trains both generators with several seeds.
#
# ## Training a DCGAN on MNIST
#
# One function trains a DCGAN and evaluates it with the metrics of {numref}`chapter %s <ch-evaluation>` against the
# test split: FID as a multiple of the real-vs-real floor, precision, recall and class coverage, all from
# {glue:text}`n_eval:,.0f` images, and two measures that say in numbers what a grid of samples shows: the
# **{term}`confident-class rate`** (置信类别率), the share of samples to which the fixed classifier gives a top class
# probability of at least 0.9 ("recognisable"; real MNIST test digits score {glue:text}`real_confident:.1%`), and the
# **largest class share** (最大类别占比), the fraction of samples in the most common class (real digits:
# {glue:text}`real_max_share:.1%`; a generator that draws mostly 1s scores high). Samples come from an
# **{term}`exponential moving average`** (EMA, 指数移动平均) of the generator's weights, decay {glue:text}`ema_decay`
# (Yazıcı et al., 2019): `gt.train_gan(..., ema=0.99)` keeps it beside the trained weights, and both are scored.
# The unconditional DCGAN trains with small batches of {glue:text}`dcgan_batch` images for twice the steps of DCGAN's
# usual batch of 128: half the images, twice the updates. The recipe comparison below shows why small batches. This
# page keeps to a run a 2-core laptop finishes in about ten minutes, conditional GAN and scoring included; what
# longer training buys is the reference run at the end of the chapter.

# %%
SEED = 0
N_EVAL = min(P.metric_samples, 10000)
BATCH, STEPS = 32, 2 * P.dcgan_steps   # the unconditional DCGAN: images per step, steps
EMA = 0.99            # decay of the weight average the samples are drawn from
fixed_noise = torch.randn(64, 100, generator=torch.Generator().manual_seed(SEED)).to(device)

train = gt.load_images("mnist", train=True, subset=P.train_subset, device=device)
test = gt.load_images("mnist", train=False)
idx = torch.randperm(len(test), generator=torch.Generator().manual_seed(SEED))[:N_EVAL]
real_features, real_logits = feat.classifier_outputs(test.images[idx])
floor_set = train.images[torch.randperm(len(train), generator=torch.Generator().manual_seed(1))[:N_EVAL]].cpu()
floor = M.fid_from_features(real_features, feat.classifier_outputs(floor_set)[0])

def score(G, precision_recall=True):
    """The book's image metrics of N_EVAL samples of G, with FID also as a multiple of the floor (precision and
    recall only when asked: they cost a nearest-neighbour search over all samples)."""
    return score_images(gt.sample(G, N_EVAL, seed=SEED + 1), precision_recall)

def score_images(images, precision_recall=True):
    """The scores of score() for given images."""
    features, logits = feat.classifier_outputs(images)
    fid = M.fid_from_features(real_features, features)
    scores = {"fid": fid, "classes_covered": M.class_coverage(logits)["covered"], "fid_ratio": fid / floor,
              "confident": M.confident_rate(logits), "max_share": M.max_class_share(logits)}
    if precision_recall:
        scores.update(M.precision_recall(real_features, features))
    return scores

def train_and_score(batch, steps, conditional=False, upsample="transposed"):
    """Train a DCGAN on MNIST; return its EMA generator, the history and the scores of the average and (under
    ``"last"``) of the last weights."""
    gt.seed_everything(SEED)
    classes = 10 if conditional else None
    G = gt.models.DCGANGenerator(width=P.dcgan_width, num_classes=classes, upsample=upsample).to(device)
    D = gt.models.DCGANDiscriminator(width=P.dcgan_width, num_classes=classes).to(device)
    tensors = (train.images, train.labels) if conditional else (train.images,)
    hist = gt.train_gan(G, D, gt.TensorBatches(*tensors, batch_size=batch, seed=SEED), steps=steps,
                        fixed_noise=fixed_noise, snapshots=P.gan_snapshots, seed=SEED, ema=EMA,
                        desc=f"{'conditional ' if conditional else ''}DCGAN ({upsample})")
    scores = score(hist.ema.module)
    scores["last"] = score(G, precision_recall=False)
    return hist.ema.module, hist, scores

G, hist, mnist = train_and_score(BATCH, STEPS, upsample="resize")
print(f"{hist.steps} steps in {hist.seconds:.0f} s | FID {mnist['fid']:.2f} ({mnist['fid_ratio']:.1f}x floor "
      f"{floor:.2f}) | confident {mnist['confident']:.1%} | largest class {mnist['max_share']:.1%} | "
      f"precision {mnist['precision']:.3f} recall {mnist['recall']:.3f} | classes {mnist['classes_covered']}")

# %% tags=["remove-cell"]
for key in ("fid", "fid_ratio", "confident", "max_share", "precision", "recall", "classes_covered"):
    glue(f"mnist_{key}", mnist[key], display=False)
for key in ("fid_ratio", "confident"):
    glue(f"mnist_last_{key}", mnist["last"][key], display=False)
glue("dcgan_batch", BATCH, display=False)
glue("mnist_seconds", hist.seconds, display=False)
glue("n_eval", N_EVAL, display=False)
glue("dcgan_steps", STEPS, display=False)
glue("ema_decay", EMA, display=False)
glue("real_confident", M.confident_rate(real_logits), display=False)
glue("real_max_share", M.max_class_share(real_logits), display=False)
gt.book.metric("dcgan.fid_over_floor", mnist["fid_ratio"])
gt.book.metric("dcgan.confident_rate", mnist["confident"])
gt.book.metric("dcgan.max_class_share", mnist["max_share"])
gt.book.metric("dcgan.train_minutes", hist.seconds / 60)
gt.book.metric("dcgan.precision", mnist["precision"])
gt.book.metric("dcgan.recall", mnist["recall"])

# %% mystnb={"figure": {"caption": "Sixty-four samples of the MNIST DCGAN with the resize-convolution generator (the average of its weights), from the 64 fixed noise vectors. Compare the strokes with the fully connected generator of the chapter *Your first GAN*: convolutions produce smooth, connected strokes, though at this budget many glyphs are no digit.", "name": "fig-ch7-dcgan-samples"}}
fig, ax = plt.subplots(figsize=(6.2, 6.4))
gt.show_images(hist.snapshots[-1], nrow=8, ax=ax, title=f"DCGAN (resize-convolution), MNIST, {hist.steps} steps")
plt.tight_layout(); plt.show()

# %% mystnb={"figure": {"caption": "Sample evolution of the MNIST DCGAN: the same 16 noise vectors at evenly spaced steps from initialisation to the end.", "name": "fig-ch7-evolution"}}
gt.plot_snapshots(hist, n=16, nrow=4)
plt.show()

# %% mystnb={"figure": {"caption": "Training dynamics of the MNIST DCGAN: losses, the discriminator's mean outputs on real and generated images, and the norms of both networks' gradients (moving averages).", "name": "fig-ch7-dynamics"}}
fig, axes = plt.subplots(3, 1, figsize=(7.5, 9.6), sharex=True)
gt.plot_gan_history(hist, axes=axes[:2])
gt.plot_gradient_norms(hist, ax=axes[2])
plt.tight_layout(); plt.show()

# %% [markdown]
# After {glue:text}`dcgan_steps:,.0f` steps ({glue:text}`mnist_seconds:.0f` s) the DCGAN reaches FID
# {glue:text}`mnist_fid:.1f` ({glue:text}`mnist_fid_ratio:.0f` times the real-vs-real floor) with precision
# {glue:text}`mnist_precision:.2f`, recall {glue:text}`mnist_recall:.2f` and {glue:text}`mnist_classes_covered` of 10
# classes present. The classifier is confident about {glue:text}`mnist_confident:.0%` of its digits (real digits:
# {glue:text}`real_confident:.0%`), and the most common class takes {glue:text}`mnist_max_share:.0%` of the samples
# (real: {glue:text}`real_max_share:.0%`). The last weights, without averaging, score
# {glue:text}`mnist_last_fid_ratio:.0f` times the floor and {glue:text}`mnist_last_confident:.0%` confident.
#
# ### Which recipe wins
#
# One run is one seed. Several recorded commands train this chapter's networks with one ingredient changed at a
# time, on the same number of images (batch 128 for {glue:text}`rc_steps128:,.0f` steps, or smaller batches for
# proportionally more steps), and score the average and the last weights of every run with the protocol above. The
# rows: DCGAN's transposed-convolution generator against resize-convolution, both at batch 128 (three seeds); then,
# with resize-convolution, batches of 64 and 32; two time-scale learning rates (Heusel et al., 2017: generator
# 1e-4, discriminator 4e-4); a slower weight average (decay 0.999); and a spectrally normalised discriminator
# without batch norm, trained with the hinge loss (Miyato et al., 2018); last, a discriminator twice as wide (64 and
# 128 channels), screened at batch 32 for a third of that row's steps, beside a run at the chapter's width (32 and 64
# channels); and the batch-32 recipe as an **InfoGAN** (Chen et al., 2016), described below the table. Rows with one
# seed are a screen, not a verdict. The cell reads the records.

# %%
from gantutor.book import recipes

RECIPE_RECORDS = ("cpu/recipes_dcgan.json", "cpu/recipes_dcgan_rates_seed0.json", "cpu/recipes_dcgan_sn_hinge_seed0.json",
                  "cpu/recipes_dcgan_batch32_seed0.json", "cpu/recipes_dcgan_batch32_seeds12.json",
                  "cpu/recipes_dcgan_wide_d_seed0.json", "cpu/recipes_dcgan_info_seed0.json",
                  "cpu/recipes_dcgan_info_seeds12.json")
LABELS = {"transposed": "transposed convolutions, batch 128", "resize": "resize-convolution, batch 128",
          "batch64": "resize, batch 64", "batch32": "resize, batch 32", "ttur": "resize, two time-scale rates",
          "ema999": "resize, average decay 0.999", "sn-hinge": "resize, spectral norm + hinge loss",
          "d32": "resize, batch 32, a third of the steps", "d64": "same, discriminator twice as wide",
          "info": "resize, batch 32, InfoGAN code"}
recipe_runs, recipe_records = recipes.load_runs(*RECIPE_RECORDS)
display(Markdown(recipes.summary_table(recipe_runs, LABELS)))
for record in recipe_records:
    print(f"record: {record['command']} | device {record['device']}, {record['threads']} threads")

# %% tags=["remove-cell"]
summary = recipes.summarise(recipe_runs)
for variant in summary:
    for weights in ("ema", "last"):
        for m in ("fid_over_floor", "confident_rate", "max_class_share", "seconds"):
            name = f"rc_{variant.replace('-', '_')}_{weights}_{m}"
            glue(name, summary[variant][weights][m][0], display=False)
            glue(f"{name}_sd", summary[variant][weights][m][1], display=False)
glue("rc_steps128", recipe_records[0]["steps"], display=False)
median_seconds = {v: torch.tensor([r["seconds"] for r in recipe_runs if r["variant"] == v and r["weights"] == "ema"])
                  .median().item() for v in ("resize", "transposed")}
glue("rc_cost", median_seconds["resize"] / median_seconds["transposed"], display=False)
info_fid, plain_fid = summary["info"]["ema"]["fid_over_floor"], summary["batch32"]["ema"]["fid_over_floor"]
info_gain, spreads = plain_fid[0] - info_fid[0], plain_fid[1] + info_fid[1]
glue("rc_info_verdict", gt.Text(
    "the code helps, by more than the two rows' spreads over seeds" if info_gain > spreads else
    "the code makes it worse" if info_gain < -spreads else
    "a difference within the spreads over seeds, so the code does not clearly help at this budget"), display=False)

# %% [markdown]
# At batch 128, the resize-convolution generator scores {glue:text}`rc_resize_ema_fid_over_floor:.0f` ±
# {glue:text}`rc_resize_ema_fid_over_floor_sd:.0f` times the floor with its weight average, the transposed one
# {glue:text}`rc_transposed_ema_fid_over_floor:.0f` ± {glue:text}`rc_transposed_ema_fid_over_floor_sd:.0f`, at
# {glue:text}`rc_cost:.1f` times the cost per run (medians); the average helps the resize-convolution generator on
# average (its last weights: {glue:text}`rc_resize_last_fid_over_floor:.0f`, with a wider spread over seeds) and not
# the transposed one. On top of resize-convolution, the largest gain needs no new code: the same images in smaller
# batches. Batch 64 scores {glue:text}`rc_batch64_ema_fid_over_floor:.0f`
# times the floor (one seed) and batch 32 {glue:text}`rc_batch32_ema_fid_over_floor:.1f` ±
# {glue:text}`rc_batch32_ema_fid_over_floor_sd:.1f` over three seeds, with
# {glue:text}`rc_batch32_ema_confident_rate:.0%` of its digits confidently classified; the three seeds' spreads do
# not overlap those of batch 128. The gain needs all four times the updates: this chapter's run above, batch 32 for
# half of that row's steps (half the images), scores {glue:text}`mnist_fid_ratio:.0f` times the floor, about as good as
# batch 128 with all the images, in {glue:text}`mnist_seconds:.0f` s of training. The reference run at the end of the
# chapter uses the full recipe. The seconds column compares runs within a record only: the batch-128 records of the
# first two recipes come from a faster 2-core CPU than the others. What did not win, at this budget and with one seed each: two time-scale rates
# ({glue:text}`rc_ttur_ema_fid_over_floor:.0f`), the slower average ({glue:text}`rc_ema999_ema_fid_over_floor:.0f`
# with the average, {glue:text}`rc_ema999_last_fid_over_floor:.0f` with the last weights: after a few thousand steps
# a long average still holds early weights) and spectral normalisation with the hinge loss
# ({glue:text}`rc_sn_hinge_ema_fid_over_floor:.0f`). In one seed, the wider discriminator is a mixed result for its cost: it
# scores {glue:text}`rc_d64_ema_fid_over_floor:.0f` against {glue:text}`rc_d32_ema_fid_over_floor:.0f` times the
# floor with the average, {glue:text}`rc_d64_last_fid_over_floor:.0f` against
# {glue:text}`rc_d32_last_fid_over_floor:.0f` with the last weights, and took {glue:text}`rc_d64_ema_seconds:.0f` s
# against {glue:text}`rc_d32_ema_seconds:.0f` s.
#
# Why are so many unconditional glyphs no digit? The generator maps one connected cloud of Gaussian noise onto ten
# separate shapes, so some noise vectors must land between two digits. **InfoGAN** (信息最大化 GAN) gives the
# generator a second input, a categorical code $c \in \{0, \dots, 9\}$ drawn uniformly at random — not a label:
# no data label is used anywhere — and gives the discriminator a second head $Q(c \mid x)$ that must tell which
# code made each generated image. Both networks also minimise the head's cross-entropy (weight 1), a lower bound on
# the mutual information between code and image, so the generator is pushed to make each code visibly different:
# ten pieces instead of one stretched cloud. `gt.train_gan(G, D, ..., info=1.0)` with
# `DCGANGenerator(num_classes=10)` and `DCGANDiscriminator(codes=10)` trains it in the same loop. At batch 32 for
# all four times the updates it scores {glue:text}`rc_info_ema_fid_over_floor:.1f` ±
# {glue:text}`rc_info_ema_fid_over_floor_sd:.1f` times the floor with {glue:text}`rc_info_ema_confident_rate:.0%`
# confident, against {glue:text}`rc_batch32_ema_fid_over_floor:.1f` ± {glue:text}`rc_batch32_ema_fid_over_floor_sd:.1f`
# and {glue:text}`rc_batch32_ema_confident_rate:.0%` without the code: {glue:text}`rc_info_verdict`. Even the best
# recipe is far from real digits at this budget: the unconditional generator still draws glyphs that are no digit.
# The end of the chapter shows what a longer run of the plain recipe reaches.
#
# ## Conditional GANs: asking for a class
#
# An unconditional generator decides by itself which digit to draw. A **conditional GAN** (Mirza & Osindero,
# 2014) gives both networks the class label $y$: the generator models $p(x \mid y)$ and the discriminator judges
# whether $x$ is a real example *of class $y$*. Here the generator concatenates a learned embedding of $y$ to the
# noise, and the discriminator is a *projection discriminator* (投影判别器; Miyato & Koyama, 2018): its logit is
# $\psi(h(x)) + \langle e_y, h(x) \rangle$, where $h(x)$ are its features and $e_y$ a learned vector per class.
# The training loop is unchanged: `gt.train_gan` sees that the generator has a `num_classes` attribute and passes
# each batch's labels to both networks. This run keeps DCGAN's transposed convolutions and its batch of
# {glue:text}`c_batch` for {glue:text}`c_steps:,.0f` steps.

# %%
cG, chist, cmnist = train_and_score(P.gan_batch_size, P.dcgan_steps, conditional=True)
wanted = torch.arange(N_EVAL) % 10
predicted = feat.classifier_outputs(gt.sample(cG, N_EVAL, seed=SEED + 2, labels=wanted.to(device)))[1].argmax(1)
label_acc = (predicted == wanted).float().mean().item()
classifier_acc = feat.evaluate_accuracy(feat.load_classifier("mnist"), test.images, test.labels)
print(f"the classifier agrees with the requested class for {label_acc:.1%} of samples; FID {cmnist['fid']:.2f} "
      f"({cmnist['fid_ratio']:.1f}x floor), confident {cmnist['confident']:.1%}, precision {cmnist['precision']:.3f}, "
      f"recall {cmnist['recall']:.3f}")

# %% tags=["remove-cell"]
glue("c_mnist_acc", 100 * label_acc, display=False)
glue("c_batch", P.gan_batch_size, display=False)
glue("c_steps", chist.steps, display=False)
glue("clf_mnist_acc", 100 * classifier_acc, display=False)
glue("c_mnist_ratio", cmnist["fid_ratio"], display=False)
glue("c_mnist_classes", cmnist["classes_covered"], display=False)
glue("c_mnist_confident", cmnist["confident"], display=False)
glue("c_mnist_last_ratio", cmnist["last"]["fid_ratio"], display=False)
glue("c_mnist_recall", cmnist["recall"], display=False)
gt.book.metric("cdcgan.fid_over_floor", cmnist["fid_ratio"])
gt.book.metric("cdcgan.confident_rate", cmnist["confident"])
gt.book.metric("cdcgan.max_class_share", cmnist["max_share"])
gt.book.metric("cdcgan.train_minutes", chist.seconds / 60)
gt.book.metric("cdcgan.precision", cmnist["precision"])
gt.book.metric("cdcgan.recall", cmnist["recall"])

# %% mystnb={"figure": {"caption": "Class-controlled samples: each row asks for one digit, each column uses one fixed noise vector for every class. Within a column the style (slant, thickness) tends to stay while the digit changes: the noise carries the style, the label the content.", "name": "fig-ch7-conditional"}}
def class_grid(G, ax, title):
    """Rows: the ten classes; columns: eight fixed noise vectors."""
    noise = torch.randn(8, 100, generator=torch.Generator().manual_seed(SEED + 3)).to(device)
    G.eval()
    with torch.no_grad():
        rows = [G(noise, torch.full((8,), c, device=device)).cpu() for c in range(10)]
    gt.show_images(torch.cat(rows), nrow=8, ax=ax, title=title)

fig, ax = plt.subplots(figsize=(6.2, 7.4))
class_grid(cG, ax, f"conditional DCGAN, MNIST, {chist.steps} steps")
ax.axis("on"); ax.set_xticks([])
ax.set_yticks([2 + 30 * c + 14 for c in range(10)])   # 28-pixel images with 2-pixel padding
ax.set_yticklabels(gt.data.CLASS_NAMES["mnist"], fontsize=9)
ax.tick_params(left=False)
for spine in ax.spines.values():
    spine.set_visible(False)
plt.tight_layout(); plt.show()

# %% [markdown]
# The classifier of {numref}`chapter %s <ch-evaluation>` agrees with the requested class for
# {glue:text}`c_mnist_acc:.1f`% of the conditional samples (on real test images the classifier itself is right
# {glue:text}`clf_mnist_acc:.1f`% of the time). Conditioning also guards against one failure mode: a generator that
# must produce every label in turn cannot silently drop a class, because the discriminator judges its samples *for
# that label*. {glue:text}`c_mnist_classes` of 10 classes receive at least 1% of the conditional samples. The label
# also makes the digits far more often recognisable: the conditional generator scores
# {glue:text}`c_mnist_ratio:.1f` times the floor (last weights: {glue:text}`c_mnist_last_ratio:.1f`), with
# {glue:text}`c_mnist_confident:.0%` of its digits classified confidently, against {glue:text}`mnist_fid_ratio:.0f`
# times and {glue:text}`mnist_confident:.0%` for the unconditional one — with the cheaper generator, twice the
# images (batches of {glue:text}`c_batch`), and a lower recall ({glue:text}`c_mnist_recall:.2f` against
# {glue:text}`mnist_recall:.2f`): it covers less of the variety of real digits.
#
# ## What more compute buys
#
# The chapter's two runs above stop after a few minutes of training on a 2-core CPU. A **reference run** trains
# one of this chapter's recipes — the same networks, loss and optimiser, with a slower weight average (decay
# {glue:text}`ref_ema`) to suit the longer run — for a wall-clock budget instead. Both references use this
# chapter's batches of {glue:text}`ref_dcgan_batch` and the resize-convolution generator; the conditional one
# differs from the unconditional one only by the labels. One command,
# `python -m gantutor reference dcgan --seconds …` or `… reference cdcgan …` (the exact ones are printed below,
# from the records), trains it and writes `results/cpu/reference_dcgan.json` (command, device, steps, time,
# metrics) and the average generator's weights beside it (float16, {glue:text}`ref_kb:.0f` KB for both). The cell
# below loads both reference generators (their sha256 is checked against the records) and scores them here with
# this chapter's protocol, beside the short runs of the same recipes.

# %%
from gantutor.book import reference

REFS = {"dcgan": ("DCGAN, resize-convolution", hist, mnist), "cdcgan": ("conditional DCGAN", chist, cmnist)}
ref = {}
table = []
for model, (label, short_hist, short) in REFS.items():
    ref_G, record = reference.load_reference(gt.find_results(f"cpu/reference_{model}.json"))
    ref[model] = (ref_G.to(device), record, score(ref_G.to(device)))
    for run, steps, minutes, s in (("this chapter", short_hist.steps, short_hist.seconds / 60, short),
                                   ("reference", record["steps"], record["train_seconds"] / 60, ref[model][2])):
        table.append(f"| {label} | {run} | {steps:,} | {minutes:.1f} | {s['fid_ratio']:.1f}× | {s['confident']:.1%} "
                     f"| {s['max_share']:.1%} | {s['precision']:.3f} / {s['recall']:.3f} |")
    print(f"{model} record: {record['command']} | device {record['device']}, {record['threads']} threads, "
          f"torch {record['torch']}")
display(Markdown("| model | run | steps | training min | FID / floor | confident | largest class | precision / recall |\n"
                 "|---|---|---|---|---|---|---|---|\n" + "\n".join(table)))

# %% tags=["remove-cell"]
glue("ref_ema", reference.RECIPES["cdcgan"]["ema"], display=False)
glue("ref_kb", sum(gt.find_results(f"cpu/reference_{m}.pt").stat().st_size for m in REFS) / 1024, display=False)
for model, (_, record, s) in ref.items():
    glue(f"ref_{model}_steps", record["steps"], display=False)
    glue(f"ref_{model}_batch", record["recipe"]["batch_size"], display=False)
    glue(f"ref_{model}_minutes", record["train_seconds"] / 60, display=False)
    glue(f"ref_{model}_ratio", s["fid_ratio"], display=False)
    glue(f"ref_{model}_confident", s["confident"], display=False)
    glue(f"ref_{model}_max_share", s["max_share"], display=False)
    glue(f"ref_{model}_precision", s["precision"], display=False)
    glue(f"ref_{model}_recall", s["recall"], display=False)
    gt.book.metric(f"{model}_reference.fid_over_floor", s["fid_ratio"])
    gt.book.metric(f"{model}_reference.confident_rate", s["confident"])
    gt.book.metric(f"{model}_reference.max_class_share", s["max_share"])
    gt.book.metric(f"{model}_reference.train_minutes", record["train_seconds"] / 60)
    gt.book.metric(f"{model}_reference.precision", s["precision"])
    gt.book.metric(f"{model}_reference.recall", s["recall"])
glue("ref_cdcgan_cas", ref["cdcgan"][1]["metrics"]["cdcgan_reference.cas"], display=False)
gt.book.metric("cdcgan_reference.cas", ref["cdcgan"][1]["metrics"]["cdcgan_reference.cas"])

# %% mystnb={"figure": {"caption": "Left: the unconditional generators from the same 32 noise vectors, this chapter's run in the top four rows and the reference run in the bottom four (below the red line). Right: the same request to both conditional generators \u2014 each column one class, each row one fixed noise vector; this chapter's run above the red line, the reference run below it.", "name": "fig-ch7-reference"}}
fig, axes = plt.subplots(1, 2, figsize=(12, 7.4))
with torch.no_grad():
    pair = torch.cat([gt.sample(G, 32, seed=SEED + 4), gt.sample(ref["dcgan"][0], 32, seed=SEED + 4)])
gt.show_images(pair, nrow=8, ax=axes[0], title=f"DCGAN: {STEPS:,} steps (top),\nreference {ref['dcgan'][1]['steps']:,} (bottom)")
axes[0].axhline(4 * 30 + 1, color="tab:red", lw=2)   # between the two runs' rows (28-pixel images, 2-pixel padding)
noise = torch.randn(5, 100, generator=torch.Generator().manual_seed(SEED + 3)).to(device)
blocks = []
for G_c in (cG, ref["cdcgan"][0]):
    G_c.eval()
    with torch.no_grad():
        blocks.append(torch.cat([G_c(noise, torch.full((5,), c, device=device)).cpu() for c in range(10)]))
grid = torch.cat([b.view(10, 5, 1, 28, 28).transpose(0, 1).reshape(50, 1, 28, 28) for b in blocks])
gt.show_images(grid, nrow=10, ax=axes[1], title="conditional: this chapter (top 5 rows),\nreference (bottom 5)")
axes[1].axhline(5 * 30 + 1, color="tab:red", lw=2)
for ax in axes:
    ax.title.set_fontsize(13)
plt.tight_layout(); plt.show()

# %% [markdown]
# After {glue:text}`ref_dcgan_steps:,.0f` steps ({glue:text}`ref_dcgan_minutes:.0f` minutes of training) the unconditional
# reference generator scores {glue:text}`ref_dcgan_ratio:.1f` times the real-vs-real floor, with
# {glue:text}`ref_dcgan_confident:.1%` of its digits classified confidently and {glue:text}`ref_dcgan_max_share:.1%`
# in its most common class. The conditional reference, after {glue:text}`ref_cdcgan_steps:,.0f` steps
# ({glue:text}`ref_cdcgan_minutes:.0f` minutes), scores {glue:text}`ref_cdcgan_ratio:.1f` times the floor with
# {glue:text}`ref_cdcgan_confident:.1%` confident; a classifier trained only on 60,000 of its images reaches
# {glue:text}`ref_cdcgan_cas:.2%` on the real test set (the Classification Accuracy Score of the chapter
# *Applications, measured*). Each record names the command, the device and the time, so a run can be repeated or
# extended.
#
# ### Truncation: fewer odd samples for less variety?
#
# A trained generator can also be sampled differently. The **truncation trick** (截断技巧; Brock et al., 2019,
# BigGAN) draws the noise from a narrower distribution, here $\psi z$ with $z \sim \mathcal N(0, I)$ and
# $\psi < 1$: samples move towards the centre of the noise space, where the generator has had the most training
# signal, which is meant to trade variety (recall) for quality (precision). The unconditional reference generator, from the same
# {glue:text}`n_eval:,.0f` noise vectors scaled by $\psi$:

# %%
TRUNCATION = (1.0, 0.8, 0.6)
ref_G = ref["dcgan"][0].eval()
ref_noise = torch.randn(N_EVAL, ref_G.latent_dim, generator=torch.Generator(device=device).manual_seed(SEED + 1),
                        device=device)
with torch.no_grad():
    truncated = {psi: score_images(ref_G(psi * ref_noise).cpu()) for psi in TRUNCATION[1:]}
truncated = {1.0: ref["dcgan"][2], **truncated}    # psi = 1: the reference's scores above (the same noise, unscaled)
display(Markdown("| ψ | FID / floor | confident | largest class | precision | recall |\n|---|---|---|---|---|---|\n" +
                 "\n".join(f"| {psi:g} | {s['fid_ratio']:.1f}× | {s['confident']:.1%} | {s['max_share']:.1%} | "
                           f"{s['precision']:.3f} | {s['recall']:.3f} |" for psi, s in truncated.items())))

# %% tags=["remove-cell"]
low = truncated[TRUNCATION[-1]]
glue("trunc_psi", TRUNCATION[-1], display=False)
for key in ("fid_ratio", "confident", "precision", "recall"):
    glue(f"trunc_{key}", low[key], display=False)
gap = low["confident"] - truncated[1.0]["confident"]
glue("trunc_confident_moves", gt.Text("barely moves" if abs(gap) < 0.01 else "rises" if gap > 0 else "falls"),
     display=False)
glue("trunc_reading", gt.Text(
    "it does, so some of them come from the tails" if gap >= 0.01 else
    "it does not, so truncation does not remove them: typical noise vectors draw them too"), display=False)
trade = low["precision"] > truncated[1.0]["precision"] and low["recall"] < truncated[1.0]["recall"]
glue("trunc_trade", gt.Text("trades recall for precision, as intended" if trade else
                            "does not trade recall for precision here"), display=False)

# %% [markdown]
# At $\psi$ = {glue:text}`trunc_psi` precision is {glue:text}`trunc_precision:.3f` (against
# {glue:text}`ref_dcgan_precision:.3f` unscaled) and recall {glue:text}`trunc_recall:.3f` (against
# {glue:text}`ref_dcgan_recall:.3f`); FID, which counts both, is {glue:text}`trunc_fid_ratio:.1f` times the floor:
# truncation {glue:text}`trunc_trade`.
# The confident-class rate {glue:text}`trunc_confident_moves` ({glue:text}`ref_dcgan_confident:.1%` →
# {glue:text}`trunc_confident:.1%`). If the glyphs that are no digit sat in the tails of the noise distribution,
# truncation would remove them and that rate would rise: {glue:text}`trunc_reading`.

# %% [markdown]
# ## Summary
#
# * Article 002's DCGAN is a 32×32×3 (CIFAR-sized) model: it cannot read or produce MNIST. For 28×28 images,
#   upsample 7 → 14 → 28 and mirror it in the discriminator — check shapes by running the layers, not by eye.
# * DCGAN's recipe: convolutions, BatchNorm, ReLU/LeakyReLU, $\mathcal{N}(0, 0.02)$ initialisation, Adam 2e-4 with
#   $\beta_1 = 0.5$.
# * Upsampling by resize-convolution (nearest-neighbour, then a 3 × 3 convolution) beat DCGAN's transposed
#   convolutions (mean over seeds) at {glue:text}`rc_cost:.1f` times the cost per run;
#   sampling from the average of the generator's weights helped the resize-convolution generator and not the
#   transposed one. Spending the same images in batches of 32 instead of 128 improved the resize-convolution
#   generator further, more than two time-scale rates, a slower average or spectral normalisation; half the images in batches of 32 only
#   matched batch 128. Measure such choices over seeds at a fixed budget rather than from one grid.
# * Truncating the noise ($\psi z$, $\psi < 1$) is meant to trade recall for precision at sampling time, without
#   retraining; precision, recall and the confident-class rate say whether it does and whether it removes the glyphs
#   that are no digit (here the confident-class rate {glue:text}`trunc_confident_moves`).
# * A conditional GAN feeds the label to both networks; the classifier agreement rate measures whether the
#   generator obeys it.
# * More compute helps, but the unconditional reference run is still far from real digits' scores. The
#   conditional reference, with the same small batches, comes within a few times the floor, and a classifier
#   trained only on its images scores {glue:text}`ref_cdcgan_cas:.2%` on the real test digits.
# * The next chapter, {doc}`08_variants_mnist`, trains this DCGAN with each loss of {numref}`chapter %s <ch-gan-variants>` and compares them
#   on MNIST.
#
# :::{admonition} Try it yourself
# :class: seealso
# 1. Train the DCGAN with the WGAN-GP loss of {numref}`chapter %s <ch-gan-variants>` (`loss="wgan-gp"`). The gradient penalty is defined per
#    sample, so build the discriminator with `batchnorm=False`. Compare the FID ratio at the same number of steps.
# 2. Interpolate between two noise vectors for a fixed class: does the style change smoothly?
# 3. Ask the conditional MNIST generator for a class with a label embedding half-way between two classes' rows
#    (`G.embed.weight`). What does it draw?
# 4. Train the conditional DCGAN on Fashion-MNIST: load it with `gt.load_images("fashion-mnist", ...)`, score it
#    with the `"fashion-mnist"` classifier (`feat.classifier_outputs(x, "fashion-mnist")`), and draw its class grid
#    with `gt.data.CLASS_NAMES["fashion-mnist"]` as row labels. Which garments does it mix up?
# :::

# %% tags=["remove-cell"]
glue("gpu_steps", gt.get_profile("gpu").dcgan_steps, display=False)

