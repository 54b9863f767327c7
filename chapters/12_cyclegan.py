# %% [markdown]
# (ch-cyclegan)=
# # Image-to-image translation with CycleGAN
#
# Article 004 lists CycleGAN among the GAN variants: 「实现了无配对图像之间的风格转换」 — it "achieves style transfer
# between unpaired images". That is the right one-line summary of **{term}`image-to-image translation`** (图像到图像翻译)
# without pairs, and this chapter builds it, trains it and measures whether it does what the sentence promises.
#
# The setting: two collections of images, domain A and domain B, that show the same kind of content in two styles,
# with **no pairs** — no image of A comes with "its" version in B. Photographs and paintings, summer and winter
# landscapes, horses and zebras are the classic examples (Zhu et al., 2017). Here both domains are built from MNIST so
# that every claim can be checked: A is ordinary MNIST digits, B is MNIST digits with **thickened strokes**, and the
# two are drawn from **different** images, so the model cannot memorise a pairing. A fixed digit classifier, which
# CycleGAN never sees, tells us whether a translation kept the digit.
#
# :::{admonition} What this chapter needs
# :class: tip
# MNIST ({numref}`chapter %s <ch-first-gan>`), the classifier weights shipped with gantutor ({numref}`chapter %s <ch-evaluation>`). The outputs on this page come from the
# **{run}`profile`** profile, run on **{run}`device`** in {run}`seconds` s: two
# CycleGANs of {glue:text}`ch9c_steps:,.0f` steps each.
# :::
#
# :::{admonition} What the source articles get wrong here
# :class: dropdown warning
# Article 004's reference list credits the CycleGAN paper to "Zhang et al."; its first author is Zhu (Zhu et al.,
# 2017) — see {ref}`the errata <erratum-004-9>`.
# :::

# %%
import time

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

import gantutor as gt
from gantutor import cyclegan as C

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))

# %% tags=["remove-cell"]
from myst_nb import glue

# %% [markdown]
# ## Two domains from disjoint images
#
# `gt.cyclegan.make_domains` shuffles the images, keeps one half as domain A and passes the other half through a
# transformation to make domain B. The transformation here, `gt.cyclegan.thicken`, is a grey-level dilation: every pixel
# takes the brightest value in its 3×3 neighbourhood, so each stroke grows by one pixel on every side. The test images
# are split the same way, with another seed.

# %% mystnb={"figure": {"caption": "Test images of the two domains. The digits in B are different images from those in A (the domains share no image), so nothing tells the model which B image \"belongs\" to an A image.", "name": "fig-ch9c-domains"}}
SEED = 0
train = gt.load_mnist(device=device, subset=P.train_subset)
test = gt.load_mnist(train=False, device=device, subset=P.metric_samples)   # all 10,000 outside smoke
a, a_labels, b, b_labels = C.make_domains(train.images, train.labels, C.thicken, seed=SEED)
ta, ta_labels, tb, tb_labels = C.make_domains(test.images, test.labels, C.thicken, seed=SEED + 1)
print(f"domain A: {len(a):,} training images, domain B: {len(b):,} other training images (thickened)")
print(f"test: {len(ta):,} A images, {len(tb):,} B images")

fig, axes = plt.subplots(1, 2, figsize=(9, 2.6))
gt.show_images(ta[:16], nrow=8, ax=axes[0], title="domain A: MNIST")
gt.show_images(tb[:16], nrow=8, ax=axes[1], title="domain B: other digits, thickened")
plt.tight_layout(); plt.show()

# %% [markdown]
# What thickening does, on a stroke small enough to print (`#` is ink):

# %% tags=["nbval-check-output"]
x = -torch.ones(1, 1, 5, 9)
x[0, 0, 1:4, 2] = 1                      # a short vertical stroke
x[0, 0, 2, 5:8] = 1                      # and a short horizontal one
for name, img in (("input", x), ("thicken(input)", C.thicken(x))):
    print(name)
    print("\n".join("".join("#" if v > 0 else "." for v in row) for row in img[0, 0].tolist()))


# %% [markdown]
# Two measurements follow every translation in this chapter:
#
# * **Identity preservation**: the fixed MNIST classifier ({numref}`chapter %s <ch-evaluation>`, `gt.features`) reads the translated image, and we
#   count how often it names the digit of the *source* image. Its accuracy on the real images of each domain is the
#   reference (the first row of the table below), but not a hard bound: a translation is not a real
#   image of its target domain. A generator that thickens strokes less than the dilation does, or draws a cleaner
#   stroke than an unusual real digit has, produces images that the classifier — trained on ordinary MNIST — reads
#   more easily than real ones, so a translation can score above the real images.
# * **Ink**: the mean brightness of an image (in [0, 1]), a direct measure of stroke thickness (compare the two domains
#   below). A translation that keeps the digit but not the style has not translated anything.

# %%
def accuracy(images, labels):
    logits = gt.features.classifier_outputs(images.cpu())[1]
    return (logits.argmax(1) == labels.cpu()).float().mean().item()


def ink(images):
    return ((images + 1) / 2).mean().item()


real_acc = {"A": accuracy(ta, ta_labels), "B": accuracy(tb, tb_labels)}
real_ink = {"A": ink(ta), "B": ink(tb)}
for d in "AB":
    print(f"real {d}: classifier accuracy {real_acc[d]:.2%}, ink {real_ink[d]:.3f}")

# %% tags=["remove-cell"]
glue("ch9c_acc_real_a", 100 * real_acc["A"], display=False)
glue("ch9c_acc_real_b", 100 * real_acc["B"], display=False)
glue("ch9c_ink_a", real_ink["A"], display=False)
glue("ch9c_ink_b", real_ink["B"], display=False)


# %% [markdown]
# The classifier was trained on ordinary MNIST, yet it still reads {glue:text}`ch9c_acc_real_b:.1f`% of thickened
# digits correctly ({glue:text}`ch9c_acc_real_a:.1f`% on domain A), so it can judge translations in both directions.
#
# ## Cycle consistency
#
# A GAN alone can make `G_AB(a)` look like *some* thick digit — the discriminator of B only asks whether the output is
# a plausible B image, not whether it is *this* digit thickened. The objective allows every A image to map to the same
# good-looking thick "1". CycleGAN adds a second generator `G_BA` for the way back and asks that a round trip returns
# the start: **{term}`cycle consistency`** (循环一致性),
#
# $$
# \mathcal L_{\text{cyc}} = \mathbb E_a \lVert G_{BA}(G_{AB}(a)) - a \rVert_1 + \mathbb E_b \lVert G_{AB}(G_{BA}(b)) - b \rVert_1 .
# $$
#
# If `G_AB` threw the digit away, `G_BA` could not recover it, and the loss would be large. The full generator
# objective is
#
# $$
# \begin{aligned}
# \mathcal L_G &= \mathcal L_{\text{adv}}(G_{AB}, D_B) + \mathcal L_{\text{adv}}(G_{BA}, D_A) + \lambda_{\text{cyc}}\,
# \mathcal L_{\text{cyc}} \\
# &\quad + \lambda_{\text{id}}\,\big(\mathbb E_b \lVert G_{AB}(b) - b\rVert_1 + \mathbb E_a \lVert G_{BA}(a) - a\rVert_1\big),
# \end{aligned}
# $$
#
# with the least-squares adversarial loss of LSGAN (taken from the book's loss registry, `gt.GAN_LOSSES["lsgan"]`,
# {numref}`chapter %s <ch-gan-variants>`), $\lambda_{\text{cyc}} = 10$ and the **identity** term with $\lambda_{\text{id}} = 5$, as in Zhu et al.:
# an image that is already in the target style should pass unchanged. Each discriminator is a **{term}`PatchGAN`** (Isola et
# al., 2017): it scores every overlapping 18×18 patch (a 7×7 grid of scores) instead of the whole image, which suits
# a translation that changes local texture — here, stroke width. Both generators are small ResNets: down-sample once
# to 14×14, {glue:text}`ch9c_blocks` residual blocks, up-sample back.
#
# Cycle consistency is a constraint, not a proof of faithfulness: a generator can hide the information needed for the
# way back in faint patterns the eye cannot see (Chu et al., 2017, "CycleGAN, a master of steganography"). That is one
# more reason to measure identity with an independent classifier rather than trust the low cycle loss.

# %%
def cyclegan(cycle_weight, identity_weight, seed=SEED):
    gt.seed_everything(seed)
    nets = (C.TranslationGenerator(P.cyclegan_width, P.cyclegan_blocks), C.TranslationGenerator(P.cyclegan_width, P.cyclegan_blocks),
            C.PatchDiscriminator(P.cyclegan_width), C.PatchDiscriminator(P.cyclegan_width))
    nets = tuple(n.to(device) for n in nets)
    hist = C.train_cyclegan(*nets, gt.TensorBatches(a, batch_size=P.cyclegan_batch, seed=seed),
                            gt.TensorBatches(b, batch_size=P.cyclegan_batch, seed=seed + 1), steps=P.cyclegan_steps,
                            loss="lsgan", cycle_weight=cycle_weight, identity_weight=identity_weight, snapshots=5,
                            fixed_a=ta[:8], fixed_b=tb[:8], desc=f"CycleGAN λ_cyc={cycle_weight:g}")
    return nets, hist


(g_ab, g_ba, d_a, d_b), hist = cyclegan(10.0, 5.0)
print(f"{gt.count_parameters(g_ab):,} parameters per generator, {gt.count_parameters(d_a):,} per discriminator; "
      f"{P.cyclegan_steps} steps of {P.cyclegan_batch} + {P.cyclegan_batch} images in {hist.seconds:.0f} s")

# %% tags=["remove-cell"]
glue("ch9c_steps", P.cyclegan_steps, display=False)
glue("ch9c_blocks", P.cyclegan_blocks, display=False)
glue("ch9c_train_seconds", hist.seconds, display=False)

# %% mystnb={"figure": {"caption": "Training curves of the CycleGAN (moving averages): left, the least-squares losses of the two discriminators and of the generators; right, the unweighted L1 cycle and identity terms.", "name": "fig-ch9c-curves"}}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
window = max(1, P.cyclegan_steps // 50)
smooth = lambda v: torch.nn.functional.avg_pool1d(v.view(1, 1, -1), window, stride=1).flatten()
for name in ("d_a", "d_b", "g_adv"):
    axes[0].plot(smooth(hist.column(name)), label=name)
for name in ("cycle", "identity"):
    axes[1].plot(smooth(hist.column(name)), label=name + " (L1, unweighted)")
for ax, title in zip(axes, ("adversarial losses (least squares)", "cycle and identity terms")):
    ax.set_xlabel("step"); ax.set_title(title); ax.legend(fontsize=10); ax.grid(alpha=0.3)
plt.tight_layout(); plt.show()


# %% [markdown]
# ## The translations

# %% mystnb={"figure": {"caption": "Left: eight thin test digits (domain A, top row), their translations into the thick domain B (middle row) and back to A (bottom row). Right: the same for eight thick test digits of B. None of these images was seen in training.", "name": "fig-ch9c-translations"}}
def translations(g_ab, g_ba):
    ab, ba = C.translate(g_ab, ta), C.translate(g_ba, tb)
    return {"A→B": ab, "B→A": ba, "A→B→A": C.translate(g_ba, ab), "B→A→B": C.translate(g_ab, ba)}


out = translations(g_ab, g_ba)
fig, axes = plt.subplots(1, 2, figsize=(12, 2.9))
for ax, (src, keys) in zip(axes, ((ta, ("A→B", "A→B→A")), (tb, ("B→A", "B→A→B")))):
    gt.show_image_rows({f"input {keys[0][0]}": src[:8], **{key: out[key][:8] for key in keys}}, ax=ax)
    ax.tick_params(labelsize=12)
plt.tight_layout(); plt.show()


# %% tags=["remove-output"]
def scores(out):
    return {"A→B": (accuracy(out["A→B"], ta_labels), ink(out["A→B"])),
            "B→A": (accuracy(out["B→A"], tb_labels), ink(out["B→A"])),
            "A→B→A": (accuracy(out["A→B→A"], ta_labels), ink(out["A→B→A"])),
            "B→A→B": (accuracy(out["B→A→B"], tb_labels), ink(out["B→A→B"]))}


full = scores(out)

# %% tags=["remove-cell"]
for key, (acc, ik) in full.items():
    glue(f"ch9c_acc_{key.replace('→', '')}", 100 * acc, display=False)
    glue(f"ch9c_ink_{key.replace('→', '')}", ik, display=False)

# %% [markdown]
# The snapshots taken during training show how quickly the style is learnt:

# %% mystnb={"figure": {"caption": "The same eight test digits translated A\u2192B at evenly spaced steps of training, from the untrained generator (step 0) to the end of training.", "name": "fig-ch9c-snapshots"}}
fig, ax = plt.subplots(figsize=(7, 0.75 * len(hist.snapshots) + 0.3))
gt.show_image_rows({f"step {step}": ab[:8] for step, (ab, _) in zip(hist.snapshot_steps, hist.snapshots)}, ax=ax)
ax.tick_params(labelsize=12)
plt.tight_layout(); plt.show()

# %% [markdown]
# ## Does the cycle term matter? The same model without it
#
# The control experiment: the same networks, data, seed and number of steps, with $\lambda_{\text{cyc}} =
# \lambda_{\text{id}} = 0$ — a pair of plain (least-squares) GANs that translate. Whatever identity survives now is
# owed to the architecture alone: convolutions are local, so a generator that only edits strokes keeps the digit
# "for free".

# %%
(g_ab0, g_ba0, _, _), hist0 = cyclegan(0.0, 0.0)
plain = scores(translations(g_ab0, g_ba0))
rows = [f"| real images of the target domain (reference) | {100 * real_acc['B']:.1f} | {100 * real_acc['A']:.1f} | "
        f"{100 * real_acc['A']:.1f} | {100 * real_acc['B']:.1f} | real A {real_ink['A']:.3f}, real B {real_ink['B']:.3f} |"]
for name, s in (("CycleGAN (λ_cyc = 10, λ_id = 5)", full), ("no cycle or identity term", plain)):
    rows.append(f"| {name} | {100 * s['A→B'][0]:.1f} | {100 * s['B→A'][0]:.1f} | {100 * s['A→B→A'][0]:.1f} | "
                f"{100 * s['B→A→B'][0]:.1f} | A→B {s['A→B'][1]:.3f}, B→A {s['B→A'][1]:.3f} |")
display(Markdown("| model | A→B: digit kept (%) | B→A: digit kept (%) | A→B→A (%) | B→A→B (%) | ink |\n"
                 "|---|---|---|---|---|---|\n" + "\n".join(rows)))
print(f"{len(ta):,} test images per direction; accuracy of the fixed MNIST classifier against the source digit")

# %% tags=["remove-cell"]
for key, (acc, ik) in plain.items():
    glue(f"ch9c_plain_acc_{key.replace('→', '')}", 100 * acc, display=False)
    glue(f"ch9c_plain_ink_{key.replace('→', '')}", ik, display=False)
# comparisons stated in the prose, decided by this run's numbers
trips = [full[k][0] - plain[k][0] for k in ("A→B→A", "B→A→B")]
glue("ch9c_trip_verdict", gt.Text(
    "keeps the digit more often after both round trips" if min(trips) > 0 else
    "does not keep the digit more often after both round trips"), display=False)
singles = [full[k][0] - plain[k][0] for k in ("A→B", "B→A")]
glue("ch9c_single_verdict", gt.Text(
    "higher in both directions" if min(singles) > 0 else "lower in both directions" if max(singles) < 0 else
    "higher in one direction and lower in the other"), display=False)
closer = abs(plain["A→B"][1] - real_ink["B"]) < abs(full["A→B"][1] - real_ink["B"])
glue("ch9c_ink_verdict", gt.Text(
    "the run without them matches the thick domain's ink more closely: the identity term pulls every output towards "
    "its input, which limits how far the strokes grow" if closer else
    "CycleGAN also matches the thick domain's ink at least as closely as the run without them"), display=False)

# %% mystnb={"figure": {"caption": "The control: eight test digits of A (top row), translated A\u2192B by the CycleGAN (middle row) and by the same generator trained with the adversarial loss only (bottom row).", "name": "fig-ch9c-nocycle"}}
fig, ax = plt.subplots(figsize=(8, 2.8))
gt.show_image_rows({"input A": ta[:8], "A→B, CycleGAN": out["A→B"][:8],
                    "A→B, no cycle term": C.translate(g_ab0, ta[:8])}, ax=ax)
ax.tick_params(labelsize=12)
plt.tight_layout(); plt.show()

# %% [markdown]
# **What the numbers say.** With cycle consistency, the classifier still names the source digit in
# {glue:text}`ch9c_acc_AB:.1f`% of A→B translations and {glue:text}`ch9c_acc_BA:.1f`% of B→A translations, against
# {glue:text}`ch9c_acc_real_b:.1f`% and {glue:text}`ch9c_acc_real_a:.1f`% on real images of the target domains (a
# reference, not a bound: see above);
# after the round trip it is {glue:text}`ch9c_acc_ABA:.1f`% and {glue:text}`ch9c_acc_BAB:.1f`%. The style changed
# too: the ink of A→B translations is {glue:text}`ch9c_ink_AB:.3f` (real A {glue:text}`ch9c_ink_a:.3f`, real B
# {glue:text}`ch9c_ink_b:.3f`), and of B→A translations {glue:text}`ch9c_ink_BA:.3f`.
#
# Without the cycle and identity terms the digit is kept in {glue:text}`ch9c_plain_acc_AB:.1f`% (A→B) and
# {glue:text}`ch9c_plain_acc_BA:.1f`% (B→A) of translations and in {glue:text}`ch9c_plain_acc_ABA:.1f`% and
# {glue:text}`ch9c_plain_acc_BAB:.1f`% of round trips, with ink {glue:text}`ch9c_plain_ink_AB:.3f` (A→B) and
# {glue:text}`ch9c_plain_ink_BA:.3f` (B→A). So in this run CycleGAN {glue:text}`ch9c_trip_verdict` — the round trip is
# what its extra term optimises — while on single translations its identity scores are
# {glue:text}`ch9c_single_verdict`; and {glue:text}`ch9c_ink_verdict`. Each row is one seed: differences of a point
# or two are within what another seed could change.
#
# The control is instructive for what it does *not* show: a plain GAN translating thin to thick digits already keeps
# most digits. Thickening is a *local* change, and a generator made of small convolutions around a residual body is
# built to "edit the strokes it is given", so the adversarial loss alone rarely pushes it to change the digit. On
# translations that move content around (horses to zebras, or a digit's position — exercise 3) the architecture
# helps far less, and the cycle term carries the whole burden of keeping the content.
#
# ## Where CycleGAN is used, and where it fails
#
# Unpaired translation is CycleGAN's territory: photographs to paintings in a given artist's style and back, summer
# to winter, day to night, maps to aerial photographs, and in medicine MR to CT images for planning when paired scans
# are rare (with the caveats of {doc}`11_applications`: a translated scan must be validated like any other
# measurement, and a model can invent or delete a lesion while its cycle loss stays low — Cohen et al., 2018,
# "Distribution matching losses can hallucinate features in medical image translation"). Its known limits:
#
# * **Geometry.** Changes of shape (cat ↔ dog) mostly fail; the residual generator is built to re-texture, not to move
#   things.
# * **Many-to-one mappings.** Thin → thick is close to one-to-one; thick → thin is not quite (two thin digits can
#   thicken to the same image), so the way back has to guess, and B→A can keep the digit less often than A→B.
# * **Hidden information.** The steganography effect above: a low cycle loss does not prove a faithful translation.
# * **It is not neural style transfer.** Gatys et al.'s style transfer optimises one image to match another's Gram
#   matrices and involves no GAN ({doc}`11_applications`); CycleGAN learns a translation between two whole
#   collections.
#
# :::{admonition} Try it yourself
# :class: seealso
# 1. Replace `C.thicken` by colour inversion, `lambda x: -x`. Is identity easier or harder to keep than for thickening,
#    and why does the identity term now matter a great deal?
# 2. Set `identity_weight=0` but keep `cycle_weight=10`. Which of the table's numbers move?
# 3. Make B a *shifted* MNIST (`torch.roll(x, 4, dims=3)`): a translation that moves content. How does the run without
#    the cycle term fare now?
# 4. Use the Fashion-MNIST classifier and two clothing domains (e.g. thickened vs plain Fashion-MNIST). Does the
#    fixed classifier still read the translations?
# :::

# %% tags=["remove-cell"]
glue("ch9c_profile", gt.Text(P.name), display=False)
glue("ch9c_device", gt.Text(str(device)), display=False)
glue("ch9c_seconds", time.perf_counter() - T0, display=False)
