# %% [markdown]
# (ch-dcgan)=
# # Convolutional and conditional GANs
#
# {numref}`Chapter %s <ch-first-gan>`'s generator is fully connected: it has no idea that neighbouring pixels belong together, and its digits
# are speckled. The **{term}`DCGAN`** (deep convolutional GAN, 深度卷积生成对抗网络; Radford et al., 2016) builds both
# networks from convolutions. Source article 002 gives a DCGAN and says it generates handwritten digits from
# MNIST. It cannot: this chapter first runs its networks shape by shape to show where they break, then trains a
# DCGAN built for 28×28 greyscale images on MNIST and on Fashion-MNIST, and finally a **{term}`conditional GAN`**
# (条件生成对抗网络) that draws the digit — or garment — you ask for. The errata appendix runs the article's whole listing, training loop
# included, fix by fix ({ref}`E002.7 <erratum-002-7>`).
#
# :::{admonition} What this chapter needs
# :class: tip
# The stored run used profile **{run}`profile`** on **{run}`device`** and took
# {run}`seconds` s: four GANs of {glue:text}`dcgan_steps` steps each. The `gpu` profile trains
# wider networks for far longer.
# :::

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn
from torchvision import transforms
from myst_nb import glue

import gantutor as gt
from gantutor import features as feat
from gantutor import metrics as M

P, device = gt.start()


# %% [markdown]
# ## Article 002's DCGAN, shape by shape
#
# Its generator maps noise of shape `(N, 100, 1, 1)` through four transposed convolutions; its discriminator
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
            print(f"  {type(layer).__name__}: ERROR {str(err).splitlines()[0][:110]}")
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
    print("article's Normalize on a 1-channel MNIST image: ERROR", str(err).splitlines()[0][:90])

# %% [markdown]
# Four independent problems, each visible above:
#
# 1. **The generator makes 32×32 colour images** (1 → 4 → 8 → 16 → 32, with 3 channels): the DCGAN recipe for
#    CIFAR-style data, not MNIST's 28×28 grey digits. Nothing it produces could be compared with a training image.
# 2. **The discriminator cannot read MNIST.** It expects 3 channels; even with the digit copied to three channels,
#    28 → 14 → 7 → 3 leaves a 3×3 map, and the last 4×4 convolution does not fit.
# 3. **The discriminator averages over the batch** (`.mean(0)`): it returns one probability for the whole batch,
#    which `BCELoss` then compares with a label per image — one verdict cannot tell real images from fakes one by
#    one.
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
# ## Training a DCGAN on MNIST and on Fashion-MNIST
#
# One function trains a DCGAN on a dataset and evaluates it with the metrics of {numref}`chapter %s <ch-evaluation>` against the test split:
# FID as a multiple of the real-vs-real floor, precision, recall and class coverage, all from
# {glue:text}`n_eval` images, and two measures that say in numbers what a grid of samples shows: the
# **{term}`confident-class rate`** (置信类别率), the share of samples to which the fixed classifier gives a top class
# probability of at least 0.9 ("recognisable"; real MNIST test digits score {glue:text}`real_confident:.1%`), and the
# **largest class share** (最大类别占比), the fraction of samples in the most common class (real digits:
# {glue:text}`real_max_share:.1%`; a generator that draws mostly 1s scores high). Samples come from an
# **{term}`exponential moving average`** (EMA, 指数移动平均) of the generator's weights, decay {glue:text}`ema_decay`
# (Yazıcı et al., 2019): `gt.train_gan(..., ema=0.99)` keeps it beside the trained weights, and both are scored.

# %%
SEED = 0
N_EVAL = min(P.metric_samples, 10000)
STEPS = P.dcgan_steps
EMA = 0.99            # decay of the weight average the samples are drawn from
fixed_noise = torch.randn(64, 100, generator=torch.Generator().manual_seed(SEED)).to(device)

def real_reference(name):
    train = gt.load_images(name, train=True, subset=P.train_subset, device=device)
    test = gt.load_images(name, train=False)
    idx = torch.randperm(len(test), generator=torch.Generator().manual_seed(SEED))[:N_EVAL]
    ref = feat.classifier_outputs(test.images[idx], name)
    floor_set = train.images[torch.randperm(len(train), generator=torch.Generator().manual_seed(1))[:N_EVAL]].cpu()
    floor = M.fid_from_features(ref[0], feat.classifier_outputs(floor_set, name)[0])
    accuracy = feat.evaluate_accuracy(feat.load_classifier(name), test.images, test.labels)
    return train, ref, floor, accuracy

def score(G, name):
    """The book's image metrics of N_EVAL samples of G; FID also as a multiple of the floor."""
    _, ref, floor, _ = REAL[name]
    samples = gt.sample(G, N_EVAL, seed=SEED + 1)
    scores = M.evaluate_images(None, samples, name, real_features=ref)
    logits = feat.classifier_outputs(samples, name)[1]
    scores.update(fid_ratio=scores["fid"] / floor, confident=M.confident_rate(logits),
                  max_share=M.max_class_share(logits))
    return scores

def train_and_score(name, conditional=False):
    """Train a DCGAN; return its EMA generator, the history and the scores (MNIST: ``scores["last"]`` for the
    last weights)."""
    train = REAL[name][0]
    gt.seed_everything(SEED)
    classes = 10 if conditional else None
    G = gt.models.DCGANGenerator(width=P.dcgan_width, num_classes=classes).to(device)
    D = gt.models.DCGANDiscriminator(width=P.dcgan_width, num_classes=classes).to(device)
    tensors = (train.images, train.labels) if conditional else (train.images,)
    hist = gt.train_gan(G, D, gt.TensorBatches(*tensors, batch_size=P.gan_batch_size, seed=SEED), steps=STEPS,
                        fixed_noise=fixed_noise, snapshots=P.gan_snapshots, seed=SEED, ema=EMA,
                        desc=f"{'conditional ' if conditional else ''}DCGAN {name}")
    ema_G = hist.ema.module
    scores = score(ema_G, name)
    if name == "mnist":                       # the last weights too, to see what the average changes
        scores["last"] = score(G, name)
    return ema_G, hist, scores

REAL = {name: real_reference(name) for name in ("mnist", "fashion-mnist")}
runs = {name: train_and_score(name) for name in ("mnist", "fashion-mnist")}
real_logits = {name: REAL[name][1][1] for name in REAL}
for name, (_, hist, s) in runs.items():
    print(f"{name:>13}: {hist.steps} steps in {hist.seconds:.0f} s | FID {s['fid']:.2f} "
          f"({s['fid_ratio']:.0f}x floor {REAL[name][2]:.2f}) | confident {s['confident']:.1%} | largest class "
          f"{s['max_share']:.1%} | precision {s['precision']:.3f} recall {s['recall']:.3f} | classes {s['classes_covered']}")
    key = name.replace("-", "_")
    glue(f"{key}_confident", s["confident"], display=False)
    glue(f"{key}_max_share", s["max_share"], display=False)
    glue(f"{key}_fid", s["fid"], display=False)
    glue(f"{key}_ratio", s["fid_ratio"], display=False)
    glue(f"{key}_precision", s["precision"], display=False)
    glue(f"{key}_recall", s["recall"], display=False)
    glue(f"{key}_classes", s["classes_covered"], display=False)
    glue(f"{key}_seconds", hist.seconds, display=False)
glue("mnist_last_ratio", runs["mnist"][2]["last"]["fid_ratio"], display=False)
glue("mnist_last_confident", runs["mnist"][2]["last"]["confident"], display=False)
glue("n_eval", N_EVAL, display=False)
glue("dcgan_steps", STEPS, display=False)
glue("ema_decay", EMA, display=False)
glue("real_confident", M.confident_rate(real_logits["mnist"]), display=False)
glue("real_max_share", M.max_class_share(real_logits["mnist"]), display=False)
mnist = runs["mnist"][2]
gt.book.metric("dcgan.fid_over_floor", mnist["fid_ratio"])
gt.book.metric("dcgan.confident_rate", mnist["confident"])
gt.book.metric("dcgan.max_class_share", mnist["max_share"])

# %% mystnb={"figure": {"caption": "Sixty-four samples from each DCGAN (the same fixed noise for both). Compare the strokes with the fully connected generator of the chapter *Your first GAN*: convolutions produce smooth, connected strokes and garment outlines.", "name": "fig-ch7-dcgan-samples"}}
fig, axes = plt.subplots(1, 2, figsize=(12, 6.2))
for ax, (name, (G, hist, s)) in zip(axes, runs.items()):
    gt.show_images(hist.snapshots[-1], nrow=8, ax=ax, title=f"DCGAN, {name}, {hist.steps} steps")
plt.tight_layout(); plt.show()

# %% mystnb={"figure": {"caption": "Sample evolution of the MNIST DCGAN: the same 16 noise vectors at evenly spaced steps from initialisation to the end.", "name": "fig-ch7-evolution"}}
G, hist, _ = runs["mnist"]
gt.plot_snapshots(hist, n=16, nrow=4)
plt.show()

# %% mystnb={"figure": {"caption": "Training dynamics of the MNIST DCGAN: losses, the discriminator's mean outputs on real and generated images, and the norms of both networks' gradients (moving averages).", "name": "fig-ch7-dynamics"}}
fig, axes = plt.subplots(1, 3, figsize=(15, 3.6))
gt.plot_gan_history(hist, axes=axes[:2])
gt.plot_gradient_norms(hist, ax=axes[2])
plt.tight_layout(); plt.show()

# %% [markdown]
# After {glue:text}`dcgan_steps` steps the MNIST DCGAN reaches FID {glue:text}`mnist_fid:.1f`
# ({glue:text}`mnist_ratio:.0f` times the real-vs-real floor) with precision {glue:text}`mnist_precision:.2f`,
# recall {glue:text}`mnist_recall:.2f` and {glue:text}`mnist_classes` of 10 classes present. The classifier is
# confident about {glue:text}`mnist_confident:.0%` of its digits (real digits: {glue:text}`real_confident:.0%`), and
# the most common class takes {glue:text}`mnist_max_share:.0%` of the samples (real: {glue:text}`real_max_share:.0%`):
# the strokes look like handwriting, but a good part of the glyphs are not clearly any digit. The last weights,
# without averaging, score {glue:text}`mnist_last_ratio:.0f` times the floor and {glue:text}`mnist_last_confident:.0%`
# confident. The Fashion-MNIST DCGAN reaches FID {glue:text}`fashion_mnist_fid:.1f` ({glue:text}`fashion_mnist_ratio:.0f` times its floor),
# precision {glue:text}`fashion_mnist_precision:.2f`, recall {glue:text}`fashion_mnist_recall:.2f` and
# {glue:text}`fashion_mnist_classes` classes. Training took {glue:text}`mnist_seconds:.0f` s and
# {glue:text}`fashion_mnist_seconds:.0f` s. These are short runs; {numref}`chapter %s <ch-evaluation>`'s table compares models at the same
# sample size, and the `gpu` profile trains for {glue:text}`gpu_steps` steps.
#
# ## Conditional GANs: asking for a class
#
# An unconditional generator decides by itself which digit to draw. A **conditional GAN** (Mirza & Osindero,
# 2014) gives both networks the class label $y$: the generator models $p(x \mid y)$ and the discriminator judges
# whether $x$ is a real example *of class $y$*. Here the generator concatenates a learned embedding of $y$ to the
# noise, and the discriminator is a *projection discriminator* (Miyato & Koyama, 2018): its logit is
# $\psi(h(x)) + \langle e_y, h(x) \rangle$, where $h(x)$ are its features and $e_y$ a learned vector per class.
# The training loop is unchanged: `gt.train_gan` sees that the generator has a `num_classes` attribute and passes
# each batch's labels to both networks.

# %%
cruns = {name: train_and_score(name, conditional=True) for name in ("mnist", "fashion-mnist")}
label_acc = {}
for name, (G, hist, s) in cruns.items():
    wanted = torch.arange(N_EVAL) % 10
    x = gt.sample(G, N_EVAL, seed=SEED + 2, labels=wanted)
    predicted = feat.classifier_outputs(x, name)[1].argmax(1)
    label_acc[name] = (predicted == wanted).float().mean().item()
    key = name.replace("-", "_")
    glue(f"c_{key}_acc", 100 * label_acc[name], display=False)
    glue(f"clf_{key}_acc", 100 * REAL[name][3], display=False)
    glue(f"c_{key}_ratio", s["fid_ratio"], display=False)
    glue(f"c_{key}_classes", s["classes_covered"], display=False)
    glue(f"c_{key}_confident", s["confident"], display=False)
    print(f"{name:>13}: the classifier agrees with the requested class for {label_acc[name]:.1%} of samples; "
          f"FID {s['fid']:.2f} ({s['fid_ratio']:.0f}x floor), confident {s['confident']:.1%}, "
          f"precision {s['precision']:.3f}, recall {s['recall']:.3f}")
cmnist = cruns["mnist"][2]
glue("c_mnist_last_ratio", cmnist["last"]["fid_ratio"], display=False)
gt.book.metric("cdcgan.fid_over_floor", cmnist["fid_ratio"])
gt.book.metric("cdcgan.confident_rate", cmnist["confident"])
gt.book.metric("cdcgan.max_class_share", cmnist["max_share"])

# %% [markdown]
# All four runs, scored with the weight average the samples come from (for MNIST also with the last weights of
# training):

# %%
from IPython.display import Markdown, display

rows = []
for label, group in (("DCGAN", runs), ("conditional DCGAN", cruns)):
    for name, (_, hist, s) in group.items():
        for weights, r in [("average (EMA)", s)] + ([("last", s["last"])] if "last" in s else []):
            rows.append(f"| {label} | {name} | {weights} | {r['fid']:.1f} | {r['fid_ratio']:.1f}× | "
                        f"{r['confident']:.1%} | {r['max_share']:.1%} | {r['precision']:.3f} | {r['recall']:.3f} | "
                        f"{r['classes_covered']} |")
display(Markdown("| model | data | weights | FID | FID / floor | confident | largest class | precision | recall | "
                 "classes ≥ 1% |\n|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)))

# %% mystnb={"figure": {"caption": "Class-controlled samples: each row asks for one class, each column uses one fixed noise vector for every class. Within a column the style (slant, thickness, for garments the shape and brightness) tends to stay while the class changes: the noise carries the style, the label the content.", "name": "fig-ch7-conditional"}}
fig, axes = plt.subplots(1, 2, figsize=(12, 7.2))
noise = torch.randn(8, 100, generator=torch.Generator().manual_seed(SEED + 3))
for ax, (name, (G, _, _)) in zip(axes, cruns.items()):
    G.eval()
    with torch.no_grad():
        rows = [G(noise.to(device), torch.full((8,), c, device=device)).cpu() for c in range(10)]
    G.train()
    gt.show_images(torch.cat(rows), nrow=8, ax=ax, title=f"conditional DCGAN, {name}")
    ax.set_yticks([2 + 30 * c + 14 for c in range(10)])   # 28-pixel images with 2-pixel padding
    ax.set_yticklabels(gt.data.CLASS_NAMES[name], fontsize=8)
    ax.tick_params(left=False)
    ax.axis("on"); ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
plt.tight_layout(); plt.show()

# %% [markdown]
# The classifier of {numref}`chapter %s <ch-evaluation>` agrees with the requested class for {glue:text}`c_mnist_acc:.1f`% of the
# conditional MNIST samples and {glue:text}`c_fashion_mnist_acc:.1f`% of the Fashion-MNIST ones (on real test
# images the classifier itself is right {glue:text}`clf_mnist_acc:.1f`% and {glue:text}`clf_fashion_mnist_acc:.1f`%
# of the time). Conditioning also guards against one failure mode: a generator that must produce every label in
# turn cannot silently drop a class, because the discriminator judges its samples *for that label*.
# {glue:text}`c_mnist_classes` of 10 MNIST classes receive at least 1% of the conditional samples (unconditional
# DCGAN: {glue:text}`mnist_classes`). The label also fixes the class proportions, which FID weighs heavily: the
# conditional MNIST generator scores {glue:text}`c_mnist_ratio:.0f` times the floor (last weights:
# {glue:text}`c_mnist_last_ratio:.0f`), with {glue:text}`c_mnist_confident:.0%` of its digits classified
# confidently, against {glue:text}`mnist_ratio:.0f` times for the unconditional one.

# %% [markdown]
# ## What more compute buys
#
# Every run above stops after {glue:text}`dcgan_steps` steps, a few minutes on a laptop. A **reference run** trains
# the conditional MNIST recipe of this chapter — the same networks, loss and optimiser, with a slower weight average
# (decay {glue:text}`ref_ema`) to suit the longer run — for a wall-clock budget instead. One command,
# `python -m gantutor reference cdcgan --seconds …` (the exact one is printed below, from the record), trains it and
# writes `results/cpu/reference_cdcgan.json` (command, device, steps, time, metrics) and the average generator's
# weights beside it (float16, {glue:text}`ref_kb:.0f` KB). The cell below loads those weights (their sha256 is
# checked against the record) and scores them here with this chapter's protocol, beside the short run of the same
# recipe.

# %%
from gantutor.book import reference

ref_G, ref_record = reference.load_reference(gt.find_results("cpu/reference_cdcgan.json"))
ref_G = ref_G.to(device)
ref_scores = score(ref_G, "mnist")
short = cruns["mnist"][2]
table = [("steps", f"{STEPS:,}", f"{ref_record['steps']:,}"),
         ("training time", f"{cruns['mnist'][1].seconds / 60:.1f} min", f"{ref_record['train_seconds'] / 60:.0f} min"),
         ("FID / floor", f"{short['fid_ratio']:.1f}×", f"{ref_scores['fid_ratio']:.1f}×"),
         ("confident-class rate", f"{short['confident']:.1%}", f"{ref_scores['confident']:.1%}"),
         ("largest class share", f"{short['max_share']:.1%}", f"{ref_scores['max_share']:.1%}"),
         ("precision / recall", f"{short['precision']:.3f} / {short['recall']:.3f}",
          f"{ref_scores['precision']:.3f} / {ref_scores['recall']:.3f}")]
display(Markdown("| conditional DCGAN, MNIST | this chapter's run | reference run |\n|---|---|---|\n"
                 + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in table)))
print(f"reference record: {ref_record['command']} | device {ref_record['device']}, {ref_record['threads']} threads, "
      f"torch {ref_record['torch']} | CAS {ref_record['metrics']['cdcgan_reference.cas']:.2%}")

# %% tags=["remove-cell"]
glue("ref_ema", reference.RECIPES["cdcgan"]["ema"], display=False)
glue("ref_kb", gt.find_results("cpu/reference_cdcgan.pt").stat().st_size / 1024, display=False)
glue("ref_steps", ref_record["steps"], display=False)
glue("ref_minutes", ref_record["train_seconds"] / 60, display=False)
glue("ref_ratio", ref_scores["fid_ratio"], display=False)
glue("ref_confident", ref_scores["confident"], display=False)
glue("ref_cas", ref_record["metrics"]["cdcgan_reference.cas"], display=False)
gt.book.metric("cdcgan_reference.fid_over_floor", ref_scores["fid_ratio"])
gt.book.metric("cdcgan_reference.confident_rate", ref_scores["confident"])
gt.book.metric("cdcgan_reference.max_class_share", ref_scores["max_share"])
gt.book.metric("cdcgan_reference.cas", ref_record["metrics"]["cdcgan_reference.cas"])

# %% mystnb={"figure": {"caption": "The same request \u2014 each row one class, each column one fixed noise vector \u2014 to the conditional generator of this chapter's run (left) and of the reference run (right).", "name": "fig-ch7-reference"}}
fig, axes = plt.subplots(1, 2, figsize=(12, 7.2))
noise = torch.randn(8, 100, generator=torch.Generator().manual_seed(SEED + 3))
for ax, (title, G) in zip(axes, ((f"this chapter's run, {STEPS:,} steps", cruns["mnist"][0]),
                                 (f"reference run, {ref_record['steps']:,} steps", ref_G))):
    G.eval()
    with torch.no_grad():
        rows = [G(noise.to(device), torch.full((8,), c, device=device)).cpu() for c in range(10)]
    gt.show_images(torch.cat(rows), nrow=8, ax=ax, title=title)
plt.tight_layout(); plt.show()

# %% [markdown]
# After {glue:text}`ref_steps` steps ({glue:text}`ref_minutes:.0f` minutes of training) the reference generator
# scores {glue:text}`ref_ratio:.1f` times the real-vs-real floor, with {glue:text}`ref_confident:.1%` of its digits
# classified confidently; a classifier trained only on 60,000 of its images reaches {glue:text}`ref_cas:.2%` on the
# real test set (the Classification Accuracy Score of the chapter *Applications, measured*). The record
# names the command, the device and the time, so the run can be repeated or extended.

# %% [markdown]
# ## Summary
#
# * Article 002's DCGAN is a 32×32×3 (CIFAR-sized) model: it cannot read or produce MNIST. For 28×28 images,
#   upsample 7 → 14 → 28 and mirror it in the discriminator — check shapes by running the layers, not by eye.
# * DCGAN's recipe: convolutions, BatchNorm, ReLU/LeakyReLU, $\mathcal{N}(0, 0.02)$ initialisation, Adam 2e-4 with
#   $\beta_1 = 0.5$.
# * A conditional GAN feeds the label to both networks; the classifier agreement rate measures whether the
#   generator obeys it.
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
# :::

# %% tags=["remove-cell"]
glue("gpu_steps", gt.get_profile("gpu").dcgan_steps, display=False)

