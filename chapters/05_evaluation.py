# %% [markdown]
# (ch-evaluation)=
# # Evaluating generative models
#
# How good is a generator? The answer usually comes in three words: **quality** (生成质量: do the samples look like
# real data?), **diversity** (多样性: do they cover everything the data contains?) and **stability** (稳定性: does
# training get there reliably, from run to run and from step to step?). This chapter turns the three words into
# numbers. It builds one fixed yardstick (a feature network), defines the standard metrics on top of it, and —
# before trusting any of them on a generator — **calibrates** them on real
# images that we damage in controlled ways, so we know what each metric can and cannot see. Then it measures how
# the sample size biases the most popular metric, how a metric moves during training and across seeds, and compares
# the book's models in one table.
#
# :::{admonition} What this chapter needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s. Every image metric here compares {glue:text}`n_metric:,.0f` images with
# {glue:text}`n_metric:,.0f` images; the GAN runs last {glue:text}`eval_gan_steps:,.0f` steps each.
# :::
#
# :::{admonition} What the source articles get wrong here
# :class: dropdown warning
# Source article 002 (§4.4, 模型评估) answers "how good is a generator?" with the three words quality, diversity and
# stability — and stops there, with one-line definitions that are vague or circular (quality: "compare the similarity
# of generated and real images") and no way to compute any of them. Article 003 lists evaluation (评估难度)
# among the field's open challenges: the quality and diversity of generated data "are hard to quantify". Article 001
# says training ends "when the discriminator can no longer tell generated from real data" — a stopping rule that, as
# this chapter shows, no real run reaches and that says little about the samples.
# :::

# %%
import time

import matplotlib.pyplot as plt
import torch
import torchvision.transforms.functional as TF
from IPython.display import Markdown, display

import gantutor as gt
from gantutor import features as feat
from gantutor import metrics as M

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))

# %% tags=["remove-cell"]
from myst_nb import glue

# %%
SEED = 0
N = P.metric_samples          # images per set for every image metric in this chapter
gen = gt.seed_everything(SEED)
pool = gt.load_mnist(train=True, subset=P.train_subset)    # training images (all 60,000 in the cpu/gpu profiles)
test = gt.load_mnist(train=False)
print(f"{len(pool)} training and {len(test)} test images; metric sets of {N} images")

# %% tags=["remove-cell"]
glue("n_metric", N, display=False)

# %% [markdown]
# ## A fixed yardstick: the feature network
#
# Comparing two *sets* of images pixel by pixel is hopeless: two different but equally good drawings of a 7 are far
# apart in pixel space. All metrics below therefore first map each image to a **feature vector** (特征向量) with a
# fixed {term}`feature network`, and compare the two clouds of feature vectors. The feature network is the yardstick: change it and
# every number changes. The most common choice, Inception-v3 trained on ImageNet (hence "Fréchet *Inception*
# Distance"), does not suit this book: its weights must be downloaded, it expects 299×299 colour photographs, and it
# was never taught what distinguishes a 4 from a 9. Published FID values also differ between implementations of the
# same network — a long-standing complaint in the field.
#
# gantutor therefore ships **its own small classifier per dataset**, trained on that dataset's training split
# (`python -m gantutor.features train mnist` reproduces it). Its 128 penultimate activations are the features; its
# 10 logits give class predictions. The weight files live inside the package, and every load checks their sha256
# against the recorded value: a damaged or swapped file is refused with an error, never silently retrained, so a
# number computed today is comparable with one computed next year. The price: our FID values can be compared with
# each other, **not** with FIDs from papers.

# %% tags=["nbval-check-output"]
for name in ("mnist", "fashion-mnist"):
    net = feat.load_classifier(name)        # verifies the file's sha256 first
    print(f"{name:>13}: {feat.CLASSIFIERS[name]['file']}, sha256 {feat.CLASSIFIERS[name]['sha256'][:16]}..., "
          f"{sum(p.numel() for p in net.parameters()):,} parameters, {net.num_features} features")
print(net.body)

# %%
accuracy = {}
for name in ("mnist", "fashion-mnist"):
    split = test if name == "mnist" else gt.load_fashion_mnist(train=False)
    accuracy[name] = feat.evaluate_accuracy(feat.load_classifier(name), split.images, split.labels)
    print(f"{name:>13} classifier: test accuracy {accuracy[name]:.2%} on {len(split)} test images")

# %% tags=["remove-cell"]
glue("acc_mnist", 100 * accuracy["mnist"], display=False)
glue("acc_fashion", 100 * accuracy["fashion-mnist"], display=False)

# %% [markdown]
# The MNIST classifier labels {glue:text}`acc_mnist:.2f`% of the test digits correctly, the Fashion-MNIST one
# {glue:text}`acc_fashion:.1f`% of the test garments. A good classifier matters twice: its class predictions are
# trustworthy, and its features separate what a person would call different images. The features of real test
# digits, projected onto their two main directions, already fall into class clusters:

# %% mystnb={"figure": {"caption": "The 128-dimensional classifier features of 2,000 real test digits, projected onto their first two principal components and coloured by the true label. Images of one class land close together; the metrics below measure distances in this feature space, not in pixel space.", "name": "fig-ch5-features"}}
test_feats, test_logits = feat.classifier_outputs(test.images)
pca2 = gt.PCA(2).fit(test_feats[:2000])
xy = pca2.encode(test_feats[:2000])
fig, ax = plt.subplots(figsize=(5.5, 4.5))
sc = ax.scatter(xy[:, 0], xy[:, 1], c=test.labels[:2000], cmap="tab10", s=4, alpha=0.7)
ax.legend(*sc.legend_elements(), title="digit", fontsize=10, title_fontsize=10, loc="center left",
          bbox_to_anchor=(1, 0.5))
ax.set_xlabel("feature PC 1"); ax.set_ylabel("feature PC 2"); ax.set_title("classifier features of test digits")
plt.tight_layout(); plt.show()

# %% [markdown]
# ## The metrics
#
# Write $\phi(x) \in \mathbb{R}^{128}$ for the features of image $x$, $\Phi_r$ for the features of $n$ real
# images and $\Phi_g$ for those of $n$ generated ones.
#
# **{term}`Fréchet distance` (FID, 弗雷歇距离).** Fit a Gaussian to each cloud — means $\mu_r, \mu_g$, covariances
# $\Sigma_r, \Sigma_g$ — and take the Fréchet (2-Wasserstein) distance between the two Gaussians (Heusel et al.,
# 2017):
#
# $$
# \operatorname{FID} = \lVert \mu_r - \mu_g \rVert^2
#   + \operatorname{tr}\bigl(\Sigma_r + \Sigma_g - 2 (\Sigma_r \Sigma_g)^{1/2}\bigr).
# $$ (eq-fid)
#
# Zero for identical statistics; it grows when samples are worse (the mean moves) *and* when they are less varied
# (the covariance shrinks). One number mixes quality and diversity, and it is biased upward at small $n$ (below).
# torchmetrics computes it; gantutor only feeds it the classifier's features.
#
# **Kernel distance (KID, 核距离).** The squared maximum mean discrepancy (最大均值差异) with the kernel
# $k(a, b) = (a^\top b / d + 1)^3$, estimated without bias and averaged over random subsets (Bińkowski et al.,
# 2018). Like FID it reacts to quality and diversity together; unlike FID its expected value does not depend on $n$.
#
# **{term}`Precision and recall <precision and recall>` (精确率与召回率).** Kynkäänniemi et al. (2019) separate the two. Around each real feature
# put a ball reaching its $k$-th nearest real neighbour ($k = 3$); the union of the balls estimates where real
# images live. **Precision** is the fraction of generated samples inside that union — are the samples realistic?
# **Recall** is the fraction of real samples inside the union of balls built the same way around the generated
# features — is every kind of real image produced?
#
# $$
# \begin{aligned}
# \text{precision} &= \frac1n \sum_{g \in \Phi_g} \mathbf 1\bigl[\exists\, r \in \Phi_r:
#   \lVert g - r \rVert \le \operatorname{NN}_k(r, \Phi_r)\bigr], \\
# \text{recall} &= \frac1n \sum_{r \in \Phi_r} \mathbf 1\bigl[\exists\, g \in \Phi_g:
#   \lVert r - g \rVert \le \operatorname{NN}_k(g, \Phi_g)\bigr].
# \end{aligned}
# $$ (eq-precision-recall)
#
# **Class coverage and classifier score.** The classifier's predicted labels give two simple diversity checks:
# how many of the 10 classes receive at least 1% of the samples, and the total-variation distance of the predicted
# class histogram from uniform. The *classifier score* is the Inception Score (IS, Inception 分数; Salimans et al., 2016) computed with
# our classifier: $\exp \mathbb{E}_x \mathrm{KL}(p(y \mid x) \,\Vert\, p(y))$, between 1 and 10; it is high when
# each sample is confidently one class and all classes are equally common. It never looks at real images, so it
# cannot notice samples that are confidently classified but unrealistic.
#
# Precision and recall are easiest to see in two dimensions, where the "features" are the points themselves.
# Below, the real data is the 8-Gaussian ring of {numref}`chapter %s <ch-what-is-generative-ai>`; one fake set covers only three of its modes (perfect
# samples, missing modes) and another covers the whole ring but blurred (every mode, poor samples):

# %% tags=["nbval-check-output"]
g2 = torch.Generator().manual_seed(SEED)
ring = gt.sample_ring(400, generator=g2).double()
collapsed = gt.sample_ring(400, generator=g2).double()
keep = torch.isin(torch.cdist(collapsed.float(), gt.ring_centers()).argmin(1), torch.tensor([0, 1, 2]))
collapsed = collapsed[keep]
blurred = (ring + 0.25 * torch.randn(ring.shape, generator=g2, dtype=torch.float64))
toy_sets = {"three modes only": collapsed, "all modes, blurred": blurred}
toy_scores = {label: (M.precision_recall(ring, fake), M.fid_from_features(ring, fake)) for label, fake in toy_sets.items()}
for label, (pr, fid) in toy_scores.items():
    print(f"{label:>20}: precision {pr['precision']:.3f}  recall {pr['recall']:.3f}  FID {fid:.3f}")

# %% mystnb={"figure": {"caption": "Precision and recall on the 8-Gaussian ring (features = the 2-D points). Pale blue discs, small because the modes are narrow: each real point's ball out to its third-nearest real neighbour. Left: generated points (red) sit on three modes only \u2014 all inside the balls (high precision) but five modes have no generated point nearby (low recall). Right: generated points spread around every mode but mostly outside the tight real balls (low precision, high recall).", "name": "fig-ch5-pr-ring"}} tags=["hide-input"]
radii = M._kth_neighbour_radii(ring, 3)
fig, axes = plt.subplots(1, 2, figsize=(10, 4.8), sharex=True, sharey=True)
for ax, (label, fake) in zip(axes, toy_sets.items()):
    for (x, y), r in zip(ring.tolist(), radii.tolist()):
        ax.add_patch(plt.Circle((x, y), r, color="C0", alpha=0.15, lw=0))
    ax.scatter(ring[:, 0], ring[:, 1], s=3, color="C0", label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, color="C3", label="generated")
    pr, fid = toy_scores[label]
    ax.set_title(f"{label}: precision {pr['precision']:.2f}, recall {pr['recall']:.2f}", fontsize=12)
    ax.set_aspect("equal"); ax.legend(loc="center", fontsize=10)
ax.set_xlim(-3, 3); ax.set_ylim(-3, 3)
plt.tight_layout(); plt.show()

# %% tags=["remove-cell"]
for label, (pr, fid) in toy_scores.items():
    key = label.split()[0]
    glue(f"ring_{key}_precision", pr["precision"], display=False)
    glue(f"ring_{key}_recall", pr["recall"], display=False)
    glue(f"ring_{key}_fid", fid, display=False)


# %% [markdown]
# The three-mode set has precision {glue:text}`ring_three_precision:.2f` and recall
# {glue:text}`ring_three_recall:.2f`; the blurred ring has precision {glue:text}`ring_all_precision:.2f` and recall
# {glue:text}`ring_all_recall:.2f`. FID gets this example backwards: it calls the blurred ring almost perfect
# (FID {glue:text}`ring_all_fid:.3f`) and the three-mode set bad ({glue:text}`ring_three_fid:.2f`). FID sees only
# a mean and a covariance, and blurring a ring barely changes either; it cannot see that the ring is made of eight
# tight clusters. In 128 feature dimensions the Gaussian summary is less crude, but the lesson stands: one number
# cannot say *what* is wrong.

# %% [markdown]
# ## The floor: real against real
#
# Before scoring a generator, score the data against itself. Two *different* samples of real images — here
# {glue:text}`n_metric:,.0f` training images against {glue:text}`n_metric:,.0f` test images — never give FID = 0: every
# finite sample has its own mean and covariance. This **{term}`real-vs-real floor`** (真实数据基线) is the best score any generator can
# expect at this sample size, so the book reports every FID also as a multiple of it.

# %%
def random_subset(images, n, seed):
    idx = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:n]
    return images[idx]

test_n = random_subset(test.images, N, SEED)
real_features = feat.classifier_outputs(test_n)       # computed once, reused for every comparison below
train_n = random_subset(pool.images, N, SEED + 1)
floor = M.evaluate_images(test_n, train_n, "mnist", real_features=real_features)
FLOOR = floor["fid"]

fashion_train, fashion_test = gt.load_fashion_mnist(train=True, subset=P.train_subset), gt.load_fashion_mnist(train=False)
fashion_floor = M.evaluate_images(random_subset(fashion_test.images, N, SEED),
                                  random_subset(fashion_train.images, N, SEED + 1), "fashion-mnist")
for name, r in (("MNIST", floor), ("Fashion-MNIST", fashion_floor)):
    print(f"{name:>13} train vs test: FID {r['fid']:.3f}  KID {r['kid']:.5f}  precision {r['precision']:.3f}  "
          f"recall {r['recall']:.3f}  classifier score {r['classifier_score']:.2f}")

# %% tags=["remove-cell"]
glue("floor_fid", FLOOR, display=False)
glue("floor_kid", floor["kid"], display=False)
glue("floor_precision", floor["precision"], display=False)
glue("floor_recall", floor["recall"], display=False)
glue("floor_score", floor["classifier_score"], display=False)
glue("fashion_floor_fid", fashion_floor["fid"], display=False)


# %% [markdown]
# On MNIST the floor is FID = {glue:text}`floor_fid:.3f` (Fashion-MNIST: {glue:text}`fashion_floor_fid:.3f`). Even
# real images reach precision {glue:text}`floor_precision:.2f` and recall {glue:text}`floor_recall:.2f`, not 1: the
# $k$-nearest-neighbour balls of a finite sample miss some of the other sample's unusual images. And the classifier
# score of real digits is {glue:text}`floor_score:.2f`, not 10, because digits are not equally common and not all
# are classified with certainty — a generator does not need a score of 10.
#
# ## Calibration: damage real images on purpose
#
# A metric earns trust by reacting to what it claims to measure. We take the {glue:text}`n_metric:,.0f` real training
# images and damage them in three controlled ways, each with a dial:
#
# * **noise** (quality): add Gaussian pixel noise of standard deviation $\sigma$ (on the $[-1, 1]$ scale);
# * **blur** (quality): a Gaussian blur of width $\sigma$ pixels;
# * **missing classes** (diversity): keep only the first $c$ digit classes — every image is perfect, but whole modes
#   of the distribution are gone.

# %%
def add_noise(x, sigma, seed=SEED):
    return (x + sigma * torch.randn(x.shape, generator=torch.Generator().manual_seed(seed))).clamp(-1, 1)

def blur(x, sigma):
    return x if sigma == 0 else TF.gaussian_blur(x, kernel_size=2 * int(3 * sigma) + 1, sigma=sigma)

def keep_classes(images, labels, c, n, seed=SEED):
    chosen = images[labels < c]
    return random_subset(chosen, min(n, len(chosen)), seed)

N_CLASSES = N // 2                    # the single-class set must fit: MNIST has about 6,000 images of each digit
train_half = random_subset(pool.images, N_CLASSES, SEED + 1)
DIALS = {
    "noise": [0.0, 0.05, 0.1, 0.2, 0.4, 0.8],
    "blur": [0.0, 0.5, 1.0, 1.5, 2.0, 3.0],
    "classes kept": [10, 8, 6, 4, 2, 1],
}
damaged = {
    "noise": [add_noise(train_n, s) for s in DIALS["noise"]],
    "blur": [blur(train_n, s) for s in DIALS["blur"]],
    "classes kept": [keep_classes(pool.images, pool.labels, c, N_CLASSES) for c in DIALS["classes kept"]],
}
results = {kind: [M.evaluate_images(None, x, "mnist", real_features=real_features) for x in sets]
           for kind, sets in damaged.items()}

# %% mystnb={"figure": {"caption": "Sixteen images at each setting of each dial. Top: added pixel noise; middle: Gaussian blur; bottom: the set restricted to the first $c$ digit classes (the images themselves are untouched).", "name": "fig-ch5-damage-examples"}} tags=["hide-input"]
fig, axes = plt.subplots(len(DIALS), 6, figsize=(9, 4.8))
for row, kind in enumerate(DIALS):
    for col, (level, x) in enumerate(zip(DIALS[kind], damaged[kind])):
        gt.show_images(x[:16], nrow=4, ax=axes[row, col], title=f"{kind} {level}")
        axes[row, col].title.set_fontsize(11)
plt.tight_layout(); plt.show()

# %% mystnb={"figure": {"caption": "How each metric reacts to each kind of damage. Top: FID as a multiple of the real-vs-real FID (log scale; 1 = indistinguishable from real). Bottom: precision, recall and the fraction of classes that receive at least 1% of the samples. Precision falls only under *quality* damage (noise, blur); it stays flat when whole classes are missing. Recall falls under both kinds. Class coverage falls with missing classes, and under heavy noise or blur, where the classifier stops recognising digits that a person still reads.", "name": "fig-ch5-damage-curves"}} tags=["hide-input"]
fig, axes = plt.subplots(2, 3, figsize=(10, 6.2), sharex="col")
for col, kind in enumerate(DIALS):
    levels, rs = DIALS[kind], results[kind]
    axes[0, col].semilogy(levels, [r["fid"] / FLOOR for r in rs], "o-", label="FID / floor")
    axes[0, col].axhline(1, color="gray", lw=0.8)
    axes[1, col].plot(levels, [r["precision"] for r in rs], "o-", label="precision")
    axes[1, col].plot(levels, [r["recall"] for r in rs], "s-", label="recall")
    axes[1, col].plot(levels, [r["classes_covered"] / 10 for r in rs], "^:", label="classes covered / 10")
    axes[1, col].set_ylim(-0.03, 1.03); axes[1, col].set_xlabel(kind)
    axes[0, col].set_title(kind)
    if kind == "classes kept":
        axes[1, col].invert_xaxis()
axes[0, 0].set_ylabel("FID / real-vs-real FID"); axes[1, 0].set_ylabel("fraction")
axes[0, 0].legend(fontsize=10); axes[1, 2].legend(fontsize=10, loc="lower left")   # where no curve runs
plt.tight_layout(); plt.show()


# %%
def table(rows, columns):
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    return Markdown(head + "\n".join("| " + " | ".join(row) + " |" for row in rows))

rows = []
for kind in DIALS:
    for level, r in zip(DIALS[kind], results[kind]):
        rows.append([kind, f"{level:g}", f"{r['fid']:.2f}", f"{r['fid'] / FLOOR:.1f}", f"{r['kid']:.3g}",
                     f"{r['precision']:.3f}", f"{r['recall']:.3f}", str(r["classes_covered"])])
display(table(rows, ["damage", "setting", "FID", "FID / floor", "KID", "precision", "recall",
                     "classes ≥ 1%"]))
pick = lambda kind, level: results[kind][DIALS[kind].index(level)]

# %% tags=["remove-cell"]
glue("noise02_ratio", pick("noise", 0.2)["fid"] / FLOOR, display=False)
glue("noise02_precision", pick("noise", 0.2)["precision"], display=False)
glue("noise02_recall", pick("noise", 0.2)["recall"], display=False)
glue("blur1_ratio", pick("blur", 1.0)["fid"] / FLOOR, display=False)
glue("blur1_precision", pick("blur", 1.0)["precision"], display=False)
glue("cls2_ratio", pick("classes kept", 2)["fid"] / FLOOR, display=False)
glue("cls2_precision", pick("classes kept", 2)["precision"], display=False)
glue("cls2_recall", pick("classes kept", 2)["recall"], display=False)
glue("cls10_recall", pick("classes kept", 10)["recall"], display=False)
glue("cls1_score", pick("classes kept", 1)["classifier_score"], display=False)

# %% [markdown]
# What the calibration shows:
#
# * **FID sees everything, but cannot say what.** Noise of $\sigma = 0.2$ multiplies FID by
#   {glue:text}`noise02_ratio:.0f`, a blur of one pixel by {glue:text}`blur1_ratio:.0f`, and keeping two of ten
#   classes by {glue:text}`cls2_ratio:.0f` — the same kind of number for a quality problem and a diversity problem.
#   It is also very sensitive in this feature space: compare the mildest noise row of the table with its
#   images in the figure above.
# * **Precision is the clean quality signal, if a blunt one.** The mildest noise and blur of the table leave it at or
#   above its real-vs-real value, so it reacts only to clear damage. With two perfect classes precision is
#   {glue:text}`cls2_precision:.2f`, near its value for real images against real images
#   ({glue:text}`floor_precision:.2f`), while noise of $\sigma = 0.2$ lowers it to
#   {glue:text}`noise02_precision:.2f` and a one-pixel blur to {glue:text}`blur1_precision:.2f`.
# * **Recall falls for every kind of damage.** Keeping two classes cuts recall from {glue:text}`cls10_recall:.2f`
#   to {glue:text}`cls2_recall:.2f`, as expected for missing modes; but noise of $\sigma = 0.2$ also cuts it, to
#   {glue:text}`noise02_recall:.2f`. Damaged images move *together* to a region of feature space away from the real
#   images, so no real image is near them. Low recall alone does not prove mode collapse; low recall with normal
#   precision does.
# * **Class coverage is the clean diversity signal.** It counts exactly the kept classes, and ignores noise and blur
#   until they are heavy (the classifier then loses digits a person still reads). A generator with {term}`mode collapse` (模式崩溃) onto a few digits
#   looks like the bottom-right panel.
# * **The classifier score is easy to fool.** A set containing only perfect images of one digit scores
#   {glue:text}`cls1_score:.2f`, its minimum; but a generator producing confident, unrealistic blobs of all ten
#   classes would score high. Use it only next to a metric that looks at real images.
#
# No metric is pure; the calibration tells you how each one mixes quality and diversity, for this feature network.
# The textbook reading — "precision is quality, recall is diversity" — holds for precision, and only half for
# recall.
#
# ## Sample size: FID is biased
#
# FID estimates a mean and a 128×128 covariance from the samples; with few samples the covariance estimate is
# noisy, and the noise always *adds* to the distance. So the same two distributions give a larger FID at a smaller
# sample size. Below: train vs test images, repeated on different random subsets.

# %% mystnb={"figure": {"caption": "The same two distributions (MNIST training vs test images) measured with different numbers of images per set; error bars: standard deviation over random subsets. FID falls as the sample grows \u2014 it is biased upward at small $n$. KID scatters around the same value at every $n$ (it is unbiased) but is noisier at small $n$.", "name": "fig-ch5-sample-size"}}
pool_feats = feat.classifier_outputs(pool.images)[0]
test_pool_feats = test_feats
sizes = [n for n in (500, 1000, 2000, 5000, 10000) if n <= min(len(pool_feats), len(test_pool_feats))]
REPEATS = 3
by_size = {}
for n in sizes:
    fids, kids = [], []
    for rep in range(REPEATS):
        a = random_subset(pool_feats, n, 100 + rep)
        b = random_subset(test_pool_feats, n, 200 + rep)
        fids.append(M.fid_from_features(a, b))
        kids.append(M.kid_from_features(a, b, subset_size=min(1000, n), subsets=20, seed=rep)[0])
    by_size[n] = (torch.tensor(fids), torch.tensor(kids))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for ax, i, label in ((axes[0], 0, "FID"), (axes[1], 1, "KID")):
    means = [by_size[n][i].mean() for n in sizes]
    stds = [by_size[n][i].std() for n in sizes]
    ax.errorbar(sizes, means, yerr=stds, fmt="o-", capsize=3)
    ax.set_xscale("log"); ax.set_xlabel("images per set (log scale)"); ax.set_ylabel(label)
    ax.set_xticks(sizes, labels=[f"{n:,}" for n in sizes]); ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_title(f"{label}, train vs test, {REPEATS} random subsets")
axes[1].axhline(0, color="gray", lw=0.8)
plt.tight_layout(); plt.show()
for n in sizes:
    print(f"n = {n:>5}: FID {by_size[n][0].mean():.3f} ± {by_size[n][0].std():.3f}   "
          f"KID {by_size[n][1].mean():.5f} ± {by_size[n][1].std():.5f}")

# %% tags=["remove-cell"]
glue("fid_small_n", sizes[0], display=False)
glue("fid_small", by_size[sizes[0]][0].mean().item(), display=False)
glue("fid_large_n", sizes[-1], display=False)
glue("fid_large", by_size[sizes[-1]][0].mean().item(), display=False)
glue("fid_bias_ratio", (by_size[sizes[0]][0].mean() / by_size[sizes[-1]][0].mean()).item(), display=False)

# %% [markdown]
# With {glue:text}`fid_small_n` images per set the real-vs-real FID is {glue:text}`fid_small:.3f`; with
# {glue:text}`fid_large_n:,.0f` it is {glue:text}`fid_large:.3f` — {glue:text}`fid_bias_ratio:.1f` times smaller for
# *the same distributions*. Two rules follow: compare FIDs only at the same $n$ (and state $n$), and when only few
# samples are affordable prefer KID, reported with its spread.
#
# KID pays for its missing bias with noise. Training and test images come from (almost) the same distribution, so
# their KID is zero in expectation, and every real-vs-real KID printed in this chapter is that zero plus noise: the
# floor table's value and this study's mean at the largest $n$ differ by a couple of the standard deviations printed
# beside them (themselves estimated from three repeats), and at smaller $n$ the means even change sign. With these
# features a KID difference means something only when it is many of those standard deviations; the damage table's
# KIDs outgrow them already at the mildest noise.
#
# ## Stability: a metric over training, and across seeds
#
# "Stability" in article 002 is left undefined. Two measurable meanings: how much the metric moves **during** one
# run (a run whose FID jumps around cannot be stopped at a good moment), and how much it differs **between** runs
# that differ only in the random seed (a result from one seed may be luck). We train {numref}`chapter %s <ch-first-gan>`'s GAN
# {glue:text}`n_seeds` times with different seeds and compute FID on {glue:text}`n_track:,.0f` samples at evenly spaced
# steps, using `train_gan`'s `on_snapshot` hook.

# %%
N_TRACK = min(N, 2000)                  # samples per FID evaluation during training
track_real = real_features[0][:N_TRACK]

def fid_now(step, G):
    return M.fid_from_features(track_real, feat.classifier_outputs(gt.sample(G, N_TRACK, seed=SEED))[0])

runs = []
for seed in range(P.seeds):
    gt.seed_everything(seed)
    G, D = gt.MLPGenerator(latent_dim=100).to(device), gt.MLPDiscriminator().to(device)
    batches = gt.TensorBatches(pool.images.to(device), batch_size=P.gan_batch_size, seed=seed)
    hist = gt.train_gan(G, D, batches, steps=P.eval_gan_steps, lr=2e-4, betas=(0.5, 0.999), seed=seed,
                        snapshots=11, on_snapshot=fid_now, progress="off")
    runs.append((G, hist))
    print(f"seed {seed}: {hist.steps} steps in {hist.seconds:.0f} s; FID at "
          + ", ".join(f"step {s}: {v:.1f}" for s, v in hist.evaluations[::5]))

# %% tags=["remove-cell"]
glue("n_seeds", P.seeds, display=False)
glue("n_track", N_TRACK, display=False)
glue("eval_gan_steps", P.eval_gan_steps, display=False)

# %% mystnb={"figure": {"caption": "Left: FID of chapter 2's GAN during training, one line per seed (log scale), with the real-vs-real value at the same sample size. Right: the discriminator's mean output on generated images (moving average). Article 001's stopping rule \u2014 stop when $D$ can no longer tell, i.e. $D(G(z)) = 0.5$ \u2014 is reached only in the first few steps, while FID keeps improving.", "name": "fig-ch5-stability"}} tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
curves = []
for seed, (G, hist) in enumerate(runs):
    steps, fids = zip(*hist.evaluations)
    curves.append(torch.tensor(fids))
    axes[0].semilogy(steps, fids, "o-", ms=3, label=f"seed {seed}")
    k = max(1, hist.steps // 50)
    d_fake = hist.d_fake[: hist.steps // k * k].view(-1, k).mean(1)
    axes[1].plot(torch.arange(len(d_fake)) * k + k / 2, d_fake, label=f"seed {seed}")
track_floor = M.fid_from_features(track_real, random_subset(pool_feats, N_TRACK, 7))
axes[0].axhline(track_floor, color="gray", ls="--", label="real vs real")
axes[0].set_xlabel("step"); axes[0].set_ylabel(f"FID ({N_TRACK} samples)"); axes[0].legend(fontsize=10)
axes[0].set_title("FID during training")
axes[1].axhline(0.5, color="gray", ls="--", label="D cannot tell (0.5)")
axes[1].set_xlabel("step"); axes[1].set_ylabel("mean D(G(z))"); axes[1].legend(fontsize=10)
axes[1].set_title("the discriminator's verdict on fakes")
plt.tight_layout(); plt.show()
curves = torch.stack(curves)
final = curves[:, -1]
print("final FID per seed:", ", ".join(f"{v:.2f}" for v in final.tolist()))

# %% tags=["remove-cell"]
late = curves[:, len(steps) // 2:]
glue("track_floor", track_floor, display=False)
glue("final_fid_mean", final.mean().item(), display=False)
glue("final_fid_std", final.std().item() if len(final) > 1 else 0.0, display=False)
glue("final_fid_min", final.min().item(), display=False)
glue("final_fid_max", final.max().item(), display=False)
glue("within_run_spread", (late.std(1) / late.mean(1)).mean().item() * 100, display=False)
glue("end_d_fake", torch.tensor([h.tail_means(0.1)["d_fake"] for _, h in runs]).mean().item(), display=False)

# %% [markdown]
# After {glue:text}`eval_gan_steps:,.0f` steps the final FID is {glue:text}`final_fid_mean:.1f` ±
# {glue:text}`final_fid_std:.1f` (mean ± standard deviation over {glue:text}`n_seeds` seeds; from
# {glue:text}`final_fid_min:.1f` to {glue:text}`final_fid_max:.1f`; real against real at this sample size:
# {glue:text}`track_floor:.2f`). Over the second half of each run FID's values still spread by
# {glue:text}`within_run_spread:.0f`% of their mean (coefficient of variation, averaged over seeds), partly a
# continuing fall and partly jumps from one evaluation to the next. Two lessons: report GAN results as mean ± spread over seeds, never one lucky
# run; and evaluate at several checkpoints rather than trusting the last one.
#
# The right panel answers article 001: the discriminator's verdict on fakes ends around
# {glue:text}`end_d_fake:.2f`, not 0.5, in every run — the rule "train until $D$ cannot tell" would stop these runs
# only in their first steps, before $D$ has learned anything, and never afterwards; and $D$'s numbers do not track
# sample quality anyway (they depend on how strong $D$ is, which changes as it trains). Measure the samples with a fixed yardstick instead.
#
# ## The book's models, side by side
#
# The same metrics, the same {glue:text}`n_metric:,.0f` real test images and {glue:text}`n_metric:,.0f` samples from each
# model. The classical baseline is {numref}`chapter %s <ch-what-is-generative-ai>`'s generative classifier: a Gaussian per class in a 50-dimensional PCA
# code, decoded back to pixels. The later chapters' models follow in a second table.

# %%
pca = gt.PCA(50).fit(pool.images)
gauss = gt.GaussianClassModel().fit(pca.encode(pool.images), pool.labels)
classical = pca.decode(gauss.sample(N, generator=torch.Generator().manual_seed(SEED))).clamp(-1, 1)

models = {"real training images (the floor)": train_n,
          "noise σ = 0.2 on real images (reference)": add_noise(train_n, 0.2),
          "PCA + Gaussian per class (chapter 1)": classical}
gan_scores = [M.evaluate_images(None, gt.sample(G, N, seed=SEED + 1), "mnist", real_features=real_features)
              for G, _ in runs]
scores = {name: M.evaluate_images(None, x, "mnist", real_features=real_features) for name, x in models.items()}

def fmt(vals, spec):
    vals = torch.tensor(vals, dtype=torch.float64)
    return f"{vals.mean():{spec}}" if len(vals) == 1 else f"{vals.mean():{spec}} ± {vals.std():{spec}}"

rows = [[name, fmt([r["fid"]], ".2f"), fmt([r["fid"] / FLOOR], ".1f"), fmt([r["kid"]], ".3g"),
         fmt([r["precision"]], ".3f"), fmt([r["recall"]], ".3f"), fmt([r["classes_covered"]], ".0f"),
         fmt([r["classifier_score"]], ".2f")] for name, r in scores.items()]
rows.append([f"MLP GAN (chapter 2), {P.eval_gan_steps} steps, {P.seeds} seeds"]
            + [fmt([f(r) for r in gan_scores], spec) for f, spec in (
                (lambda r: r["fid"], ".2f"), (lambda r: r["fid"] / FLOOR, ".1f"), (lambda r: r["kid"], ".3g"),
                (lambda r: r["precision"], ".3f"), (lambda r: r["recall"], ".3f"),
                (lambda r: r["classes_covered"], ".1f"), (lambda r: r["classifier_score"], ".2f"))])
display(table(rows, ["model", "FID", "FID / floor", "KID", "precision", "recall", "classes ≥ 1%",
                     "classifier score"]))
best = min(gan_scores, key=lambda r: r["fid"])

# %% tags=["remove-cell"]
glue("gan_ratio_best", best["fid"] / FLOOR, display=False)
glue("gan_ratio_mean", sum(r["fid"] for r in gan_scores) / len(gan_scores) / FLOOR, display=False)
glue("gan_precision", sum(r["precision"] for r in gan_scores) / len(gan_scores), display=False)
glue("gan_recall", sum(r["recall"] for r in gan_scores) / len(gan_scores), display=False)
glue("gan_classes", sum(r["classes_covered"] for r in gan_scores) / len(gan_scores), display=False)
glue("gan_score", sum(r["classifier_score"] for r in gan_scores) / len(gan_scores), display=False)
glue("classical_ratio", scores["PCA + Gaussian per class (chapter 1)"]["fid"] / FLOOR, display=False)
glue("classical_precision", scores["PCA + Gaussian per class (chapter 1)"]["precision"], display=False)
glue("classical_recall", scores["PCA + Gaussian per class (chapter 1)"]["recall"], display=False)

# %% mystnb={"figure": {"caption": "Thirty-six images from each source in the table: real test digits, the classical baseline's samples and the best-seed GAN's samples. The classical model's samples are smooth, blurry blends that cover every class; the briefly trained GAN's are speckled and favour a few digits (many 1s and 7s).", "name": "fig-ch5-models"}} tags=["hide-input"]
fig, axes = plt.subplots(1, 3, figsize=(12, 4.3))
best_G = runs[min(range(len(runs)), key=lambda i: gan_scores[i]["fid"])][0]
for ax, (title, x) in zip(axes, [("real test images", test_n[:36]), ("PCA + Gaussian per class", classical[:36]),
                                 ("MLP GAN, best seed", gt.sample(best_G, 36, seed=SEED + 1))]):
    gt.show_images(x, nrow=6, ax=ax, title=title)
    ax.title.set_fontsize(13)
plt.tight_layout(); plt.show()

# %% [markdown]
# Reading the table with the calibration in mind: after {glue:text}`eval_gan_steps:,.0f` steps the GAN's FID is
# {glue:text}`gan_ratio_mean:.0f` times the floor on average ({glue:text}`gan_ratio_best:.0f` for the best seed).
# Its precision, {glue:text}`gan_precision:.2f`, is close to real data's ({glue:text}`floor_precision:.2f`), but its
# recall is
# {glue:text}`gan_recall:.2f`, only {glue:text}`gan_classes:.1f` classes receive at least 1% of its samples on
# average, and its classifier score is {glue:text}`gan_score:.1f` — the signature of a generator that has not yet
# spread over all ten digits. Its recall is lower even than that of the calibration's single kept class (bottom-right
# panel): its samples crowd into a few tight clusters, and the best seed's grid above is mostly 1s and 7s. {numref}`Chapter %s <ch-first-gan>`'s longer run covers
# visibly more digits. The classical model sits at {glue:text}`classical_ratio:.0f` times the
# floor, with precision {glue:text}`classical_precision:.2f` and recall {glue:text}`classical_recall:.2f` but all
# ten classes: every class is there, but blurred, and as in the blur calibration the blur alone drives recall down.
#
# For orientation only, since their feature network differs: Lesort et al. (2018), also with an MNIST classifier,
# measured a floor of 0.245 and their best GAN at 0.66 — about 2.7 times the floor. A fully connected GAN trained
# for minutes on a CPU is far from that; getting within a few times the floor takes convolutional GANs and longer
# training (the reference runs of {numref}`chapter %s <ch-dcgan>`).
#
# ### Every model in the book
#
# The later chapters train better models, and score each with this chapter's protocol: 10,000 samples against the
# 10,000 test images, FID as a multiple of the floor, the confident-class rate and the largest class share, and,
# where they apply, the Classification Accuracy Score and the test log-likelihood. The table below is read from the
# run record each chapter's notebook stores, so it always shows the runs you read on those pages; "reference" rows are the longer runs those chapters load and re-score.
#
# ```{model-scores}
# ```
#
# The MLP GAN row is {numref}`chapter %s <ch-first-gan>`'s run, trained longer than this chapter's {glue:text}`eval_gan_steps:,.0f`-step GANs
# above. A VAE's rows need one word of care. Its FID scores the decoder's means, the smooth images a VAE is usually shown
# by; its CAS is measured on its samples, binary images drawn from those means, because a classifier trained on the
# means learns blurred digits ({numref}`chapter %s <ch-applications>` measures both).
#
# ## Summary
#
# * Pick a fixed feature network and never change it silently; name it with every number. gantutor's are small
#   dataset classifiers, checked by sha256 on load.
# * Report FID **with its sample size and its real-vs-real floor**; compare FIDs only at equal $n$. KID is unbiased
#   at any $n$.
# * FID mixes quality and diversity. Precision (quality) and recall/class coverage (diversity) separate them: noise
#   and blur lower precision; missing classes lower recall.
# * Stability is measurable: the spread of a metric across seeds and over the last part of training. Report
#   mean ± spread.
# * The discriminator's loss or output is not a quality metric, and "train until $D$ cannot tell" is not a
#   stopping rule that real runs reach.
#
# :::{admonition} Try it yourself
# :class: seealso
# 1. Add a fourth damage dial: rotate the digits by an angle (`TF.rotate`). Which metrics notice a 15° rotation?
# 2. Replace `N = P.metric_samples` by 1000 and re-run the table. Which conclusions survive?
# 3. Compute the table's metrics on Fashion-MNIST with `"fashion-mnist"` as the dataset argument and the
#    Fashion-MNIST classifier.
# :::

# %% tags=["remove-cell"]
glue("ch5_profile", gt.Text(P.name), display=False)
glue("ch5_device", gt.Text(str(device)), display=False)
glue("ch5_seconds", time.perf_counter() - T0, display=False)
