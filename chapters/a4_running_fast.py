# %% [markdown]
# # Appendix: running fast
#
# Students wait on training, so every chapter's budget is a trade between a result worth looking at and a run that
# finishes. This appendix measures where the time goes. It runs the loop most tutorials teach and gantutor's loop side
# by side, on the same machine, with the same models, batch size and initial weights, and reports images per second;
# then it asks the question that matters to a reader: how long until the DCGAN's samples are good?
#
# Everything below is measured by `python -m gantutor.bench` (the same code, called from this notebook) and read
# from its results; run the command on your own machine, CPU or GPU, to get your numbers.
#
# :::{admonition} What this appendix needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s. It trains nothing worth keeping: every number is a timing.
# :::

# %%
import time

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

import gantutor as gt
from gantutor import bench

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))

# %% tags=["remove-cell"]
from myst_nb import glue

# %% [markdown]
# ## Two loops for the same model
#
# **The tutorial loop** is written the way the official PyTorch DCGAN tutorial writes it (and, for the VAE, PyTorch's
# `examples/vae`): a torchvision dataset whose every image is decoded to a PIL image and converted by
# `ToTensor`/`Normalize` one sample at a time, a `DataLoader` with two worker processes (the tutorial's setting), a
# `.to(device)` per batch, and `.item()` on the losses at every step. Its discriminator step runs two backward passes
# (real, then fake), and the discriminator's weight gradients are computed, then thrown away, in the generator step.
# Two changes make it train *the book's* model: the book's discriminators return logits, so `BCEWithLogitsLoss`
# replaces `Sigmoid` followed by `BCELoss` (the same function, computed stably), and the VAE sees freshly binarised
# images as the book's VAE loop does. It is not slowed on purpose: the test suite checks that, given the same weights,
# batches and noise, it computes the same losses as gantutor's step to four decimals.
#
# **gantutor's loop** ({func}`gantutor.train_gan`, {func}`gantutor.vae.train_vae`) keeps the whole dataset on the
# device as one tensor ({class}`gantutor.TensorBatches`: a batch is an index into it, with no per-sample Python
# work), records losses into a device tensor instead of calling `.item()` (the host reads them every 50 steps), and
# freezes the discriminator's weights during the generator step. On top of that comes the **fast path**
# (`fast=True`, {mod}`gantutor.fast`), a set of named techniques:

# %% tags=["nbval-check-output"]
print("techniques:", ", ".join(gt.fast.TECHNIQUES))
print("fast=None on the CPU  ->", sorted(gt.fast.resolve_fast(None, torch.device("cpu"))) or "none (float32)")
print("fast=None on CUDA     ->", sorted(gt.fast.resolve_fast(None, torch.device("cuda"))))

# %% [markdown]
# - `bf16`: the networks' forward passes run under `torch.autocast` in bfloat16 (bf16), which keeps float32's
#   exponent range, so no loss scaling is needed; each network's *output* is cast back to float32, so the losses, the
#   VAE's KL term and the gradient penalty are computed in float32.
# - `fused_adam`: one fused kernel updates all parameters (`torch.optim.Adam(..., fused=True)`) instead of a loop over
#   parameter tensors.
# - `channels_last`: convolutional networks get the memory layout their fastest kernels want (tensor cores on CUDA,
#   oneDNN's NHWC convolutions on the CPU). `fast=True` includes it on CUDA; on the CPU, name it:
#   `fast=["channels_last"]` (the record `results/cpu/bench_cpu_channels_last_run1.json` measures it).
# - `cudnn_benchmark` (CUDA only): cuDNN times its algorithms for each shape once and keeps the fastest.
# - `compile=True` adds `torch.compile` of the forward passes (it needs a C++ compiler on the CPU and pays a
#   compilation time up front, so it is off by default). `compile="reduce-overhead"` also records each compiled
#   network as a CUDA graph (CUDA 图) on a GPU. torch.compile cannot differentiate a network twice, so it refuses the
#   WGAN-GP's gradient penalty with an error that says so.
# - `graph=True` (an option of the training loop itself, CUDA only) records the *whole* training step — every
#   discriminator update, the generator update, both backward passes and both optimisers — once as a CUDA graph and
#   replays it with a single launch per step (`gantutor.graphs`). The book's networks are small, so on a GPU most of
#   a step's time is spent launching a few hundred tiny kernels from Python; a replayed graph removes that cost. The
#   loop feeds the recorded step through fixed batch buffers, keeps Adam's state and the learning rate on the GPU,
#   and registers the run's random generator with the graph, so training takes the same batches and updates as
#   without it. A step whose Python values change from step to step (the VAE's KL warm-up) cannot be replayed and is
#   refused with its reason. On a GPU, this command puts the plain loop, the whole-step graph and compiled networks
#   side by side:
#
#   ```
#   python -m gantutor.bench --loops \
#       'tutorial,gantutor[fused_adam],gantutor[fused_adam+graph],gantutor[fused_adam+reduce-overhead]'
#   ```
#
# On CUDA part of the fast path is the default (fused Adam, the part that measured faster on a GPU, see below); on
# the CPU it is opt-in, because a CPU without native bf16 instructions
# has to emulate them and may run bf16 *slower* (on a 2-core AVX2 CPU, `python -m gantutor.bench --op-profile`
# shows PyTorch's bf16 convolutions falling back from oneDNN to its slow reference kernels,
# `results/cpu/op_profile_dcgan_bf16.json`), and because float32 runs on the CPU are bit-for-bit reproducible — the
# numbers in this book's chapters can be re-run exactly. Every loop runs with PyTorch's default thread count (one per
# physical core: `threads=` in the first line above); on a shared machine, `export GANTUTOR_THREADS=1` before
# starting Jupyter (gantutor applies it when a notebook calls `gt.get_device()`) leaves cores to others.
#
# ## Images per second
#
# For each model the benchmark runs a few untimed warm-up steps, then {glue:text}`a1_repeats` timed blocks of
# {glue:text}`a1_steps` steps per loop, interleaved so that a noisy machine slows every loop alike, and reports each
# loop's best block (its least disturbed measurement); the ratios are taken between best blocks, and a loop whose
# blocks differ by more than ×2 is flagged as noisy. `tutorial-tensors` is the tutorial's step with the data already on the device, and `gantutor[...]` is
# gantutor's loop with only the named techniques, so each one's share can be read off.

# %%
result = bench.throughput(device=device, steps=P.bench_steps, repeats=P.bench_repeats,
                          agree_steps=P.bench_agree_steps, warmup=P.bench_warmup,
                          workers=P.bench_workers, log=lambda line: None)
env = result["environment"]
LOOPS = list(bench.LOOPS)
MODELS = list(bench.MODELS)
speed = {m: {lp: result["models"][m]["loops"][lp] for lp in LOOPS} for m in MODELS}
header = "| loop | " + " | ".join(MODELS) + " |\n|---|" + "---|" * len(MODELS) + "\n"
rows = [f"| `{lp}` | " + " | ".join(f"{speed[m][lp]['images_per_s']:,.0f} (×{speed[m][lp]['speedup_vs_tutorial']:.2f})"
                                    for m in MODELS) + " |" for lp in LOOPS]
display(Markdown(header + "\n".join(rows)))
print(f"images per second (× tutorial) on {env['device']}"
      + (f" ({env['gpu']})" if "gpu" in env else f", {env['threads']} threads") + f", batch {result['settings']['batch_size']}, "
      f"torch {env['torch']}")

# %% mystnb={"figure": {"caption": "Training throughput of each loop for the three models of the benchmark, measured in the stored run (device and thread count printed above). Higher is better.", "name": "fig-a1-throughput"}}
fig, ax = plt.subplots(figsize=(9, 3.8))
width = 0.8 / len(LOOPS)
for i, lp in enumerate(LOOPS):
    ax.bar([j + i * width for j in range(len(MODELS))], [speed[m][lp]["images_per_s"] for m in MODELS], width,
           label=lp)
ax.set_xticks([j + 0.4 - width / 2 for j in range(len(MODELS))], MODELS)
ax.set_ylabel("training images per second")
ax.legend(fontsize=10, ncol=2)
plt.tight_layout(); plt.show()

# %% tags=["remove-cell"]
def ratio(m, a, b="tutorial"):
    return speed[m][a]["images_per_s"] / speed[m][b]["images_per_s"]


for m, key in (("mlp-gan", "mlp"), ("dcgan", "dcgan"), ("conv-vae", "vae")):
    glue(f"a1_{key}_fast", ratio(m, "gantutor-fast"), display=False)
    glue(f"a1_{key}_plain", ratio(m, "gantutor"), display=False)
    glue(f"a1_{key}_pipeline", ratio(m, "tutorial-tensors"), display=False)
    glue(f"a1_{key}_bf16", ratio(m, "gantutor[bf16]", "gantutor"), display=False)
    glue(f"a1_{key}_fused", ratio(m, "gantutor[fused_adam]", "gantutor"), display=False)
glue("a1_mlp_fast_ips", speed["mlp-gan"]["gantutor-fast"]["images_per_s"], display=False)
glue("a1_mlp_tutorial_ips", speed["mlp-gan"]["tutorial"]["images_per_s"], display=False)
glue("a1_steps", result["settings"]["steps"], display=False)
glue("a1_repeats", result["settings"]["repeats"], display=False)
glue("a1_agree", result["settings"]["agree_steps"], display=False)

# %% [markdown]
# Reading the table technique by technique (ratios of the stored run):
#
# - **The input pipeline.** Moving the data onto the device once, instead of decoding PIL images in worker processes,
#   makes the *same* step {glue:text}`a1_mlp_pipeline:.2f`× faster for the MLP GAN, {glue:text}`a1_dcgan_pipeline:.2f`×
#   for the DCGAN and {glue:text}`a1_vae_pipeline:.2f`× for the VAE (`tutorial-tensors` vs `tutorial`). On a
#   machine with few cores the workers also compete with the training threads for them.
# - **gantutor's float32 loop** (`gantutor`: the CPU default) runs at {glue:text}`a1_mlp_plain:.2f`×,
#   {glue:text}`a1_dcgan_plain:.2f`× and {glue:text}`a1_vae_plain:.2f`× the tutorial's speed. It is
#   about as fast as the tutorial's step on device-resident data: on the CPU the arithmetic dominates, and
#   `.item()` costs nothing there, because there is no GPU queue to drain.
# - **Fused Adam** alone changes gantutor's speed by ×{glue:text}`a1_mlp_fused:.2f` (MLP GAN),
#   ×{glue:text}`a1_dcgan_fused:.2f` (DCGAN) and ×{glue:text}`a1_vae_fused:.2f` (VAE): it matters most where
#   the parameters are many and the arithmetic per parameter is small, as in the MLP.
# - **bf16 autocast** alone: ×{glue:text}`a1_mlp_bf16:.2f`, ×{glue:text}`a1_dcgan_bf16:.2f` and
#   ×{glue:text}`a1_vae_bf16:.2f` — on a CPU with native bf16 instructions (the stored run's does), matrix products
#   in bf16 move half the bytes and use wider vector units.
# - **Everything together** (`gantutor-fast`): {glue:text}`a1_mlp_fast:.2f`× the tutorial loop for the MLP GAN
#   ({glue:text}`a1_mlp_tutorial_ips:,.0f` → {glue:text}`a1_mlp_fast_ips:,.0f` images per second),
#   {glue:text}`a1_dcgan_fast:.2f`× for the DCGAN and {glue:text}`a1_vae_fast:.2f`× for the VAE.
#
# On a GPU the picture changes in kind, not only in degree. A 28×28 model's step is a few dozen tiny kernels; the
# tutorial's `.item()` makes the CPU wait for the GPU at every step, and the `DataLoader` cannot decode PIL images as
# fast as the GPU consumes them, so the GPU idles most of the time. There the device-resident data and the absence of
# host synchronisation are worth more than bf16. The benchmark was run once on an NVIDIA H100, and its record is shown
# in {doc}`a5_gpu_runs`: keeping the data on the device and fused Adam helped every model, while bf16 autocast made
# these small models *slower* — a step's launch overhead, not its arithmetic, sets the pace. That is why `fast=None`
# turns on fused Adam alone on CUDA (`gt.fast.CUDA_DEFAULT`); `fast=True` still turns on every technique.
#
# ## Do both loops learn the same thing?
#
# Speed is worthless if the fast loop trains a different model. The benchmark also trains a fresh copy of each model
# (the same initial weights) for {glue:text}`a1_agree` steps with the tutorial loop, gantutor's float32 loop and the
# fast path, and averages the losses over the second half of each run:

# %%
AGREE = list(bench.AGREEMENT_LOOPS)
rows = []
for m in MODELS:
    ag = result["models"][m]["agreement"]
    for name in ag["tutorial"]:
        rows.append(f"| {m} | {name} | " + " | ".join(f"{ag[lp][name]:.3f}" for lp in AGREE) + " |")
display(Markdown("| model | loss | " + " | ".join(f"`{lp}`" for lp in AGREE) + " |\n|---|---|"
                 + "---|" * len(AGREE) + "\n" + "\n".join(rows)))

# %% tags=["remove-cell"]
gaps = [abs(result["models"][m]["agreement"][lp][k] - result["models"][m]["agreement"]["tutorial"][k])
        / abs(result["models"][m]["agreement"]["tutorial"][k])
        for m in MODELS for lp in AGREE for k in result["models"][m]["agreement"]["tutorial"]]
glue("a1_max_gap", 100 * max(gaps), display=False)

# %% [markdown]
# The largest difference from the tutorial loop is {glue:text}`a1_max_gap:.0f` % of the loss. Early GAN losses move
# quickly and differ from run to run with the batches and noise drawn (the loops draw them in different orders), so
# a gap of this size between two short runs does not by itself show a different algorithm; the VAE's loss, which is
# smooth, agrees much more closely. The stronger check uses identical batches and noise: then the tutorial's step
# and gantutor's step produce the same losses step after step (the package's tests check this), and the fast path's losses
# stay within a few per cent of the float32 path's when both train a GAN on the 2-D ring of
# {numref}`chapter %s <ch-what-is-generative-ai>`.
#
# ## Time to a good DCGAN
#
# Images per second is a means; the end is a good model. The benchmark's `--time-to-quality` mode trains the
# {numref}`chapter %s <ch-dcgan>` DCGAN on MNIST with this device's default settings and evaluates the classifier-feature FID of {numref}`chapter %s <ch-evaluation>`
# every {glue:text}`a1_ttq_every` steps on {glue:text}`a1_ttq_n:,.0f` samples, until FID is within 3× the real-vs-real
# floor at the same sample size or {glue:text}`a1_ttq_budget:.0f` s of training have passed (the evaluations' own time
# is not counted).

# %% mystnb={"figure": {"caption": "The DCGAN's FID, as a multiple of the real-vs-real floor, against seconds of training in the stored run (evaluation time excluded); the dashed line is the target.", "name": "fig-a1-ttq"}}
ttq = bench.time_to_quality(device=device, target=3.0, max_seconds=P.ttq_seconds, eval_every=P.ttq_eval_every,
                            n_eval=P.ttq_samples, log=lambda line: None)
traj = ttq["trajectory"]
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot([t["train_seconds"] for t in traj], [t["fid_over_floor"] for t in traj], "o-", label="DCGAN")
ax.axhline(3.0, color="k", ls="--", lw=1, label="target: 3× floor")
ax.set_yscale("log"); ax.set_xlabel("seconds of training"); ax.set_ylabel("FID / real-vs-real floor")
ax.legend(); plt.tight_layout(); plt.show()
state = (f"reached after {ttq['seconds_to_target']:.1f} s of training" if ttq["reached"] else
         f"not reached within {P.ttq_seconds:.0f} s; best {ttq['best_fid_over_floor']:.1f}× the floor")
print(f"FID floor at n={ttq['settings']['n_eval']}: {ttq['floor_fid']:.2f}; target {state}")

# %% tags=["remove-cell"]
glue("a1_ttq_every", ttq["settings"]["eval_every"], display=False)
glue("a1_ttq_n", ttq["settings"]["n_eval"], display=False)
glue("a1_ttq_budget", P.ttq_seconds, display=False)
glue("a1_ttq_best", ttq["best_fid_over_floor"], display=False)
glue("a1_ttq_steps", traj[-1]["step"], display=False)
last = traj[-1]
best = ("the best of its evaluations" if ttq["best_fid_over_floor"] == last["fid_over_floor"] else
        f"its best was {ttq['best_fid_over_floor']:.1f}×")
glue("a1_ttq_state", gt.Text(
    f"reached the target after {ttq['seconds_to_target']:.1f} s of training" if ttq["reached"] else
    f"did not reach the target; at the first evaluation past the budget, after {last['train_seconds']:.0f} s "
    f"({last['step']:,} steps), it was at {last['fid_over_floor']:.1f}× the floor, {best}"), display=False)

# %% [markdown]
# In the stored run the DCGAN {glue:text}`a1_ttq_state`. The curve above is the honest statement for a laptop: most
# of the gain comes early, and the curve flattens long before the target. {numref}`Chapter %s <ch-dcgan>`'s
# reference runs show how much further more training goes.
#
# ## Making your own runs faster
#
# 1. Keep the data on the device: `gt.load_images(..., device=device)` and {class}`gantutor.TensorBatches`.
# 2. Do not call `.item()` or `print` a tensor inside the step; record into a tensor and read it every few hundred
#    steps.
# 3. On a GPU leave `fast=None` (fused Adam); try `fast=True` for larger models or batches, where bf16 pays. On a CPU
#    try `fast=True` and keep it if the benchmark says it helps *your* CPU:
#    `python -m gantutor.bench --models mlp-gan --loops gantutor,gantutor-fast`.
# 4. Many small runs (seeds, variants, toy models) on a CPU: a network of a few hundred units keeps only one core
#    busy, so train them side by side, one per core, with `gt.parallel_map(train_one, jobs)` — each worker uses one
#    thread, and the results equal a one-thread run of the same job bit for bit. {numref}`Chapter %s
#    <ch-gan-variants>` trains its 78 toy GANs this way.
# 5. Large batches on a Linux CPU (sampling 1,000 images, scoring 10,000): each layer's output is a block of tens of
#    MiB, and glibc's `malloc` maps every such block afresh from the system and returns it when it is freed, so the
#    process spends much of its time in the kernel, filling new pages. `import gantutor` therefore tells glibc to
#    keep freed memory for reuse (module `gantutor.allocator`; the numbers computed do not change, the process may
#    hold up to 1 GiB more). `python -m gantutor.bench --allocator` times flow sampling and classifier scoring
#    under both settings, each block in a fresh process, and checks that both give the same numbers; the record
#    `results/cpu/bench_allocator.json` holds a run on a 2-core virtual machine. Set `GANTUTOR_MALLOC=system`
#    before the import to keep the C library's defaults.
# 6. Measure before and after, with warm-up and repeats — never from a single timed step.
#
# :::{admonition} Try it yourself
# :class: seealso
# 1. Run `python -m gantutor.bench --workers 0` and `--workers 4`. How much of the tutorial loop's time is its
#    `DataLoader`?
# 2. Double the batch size with `--batch-size 256`. Which loop gains more images per second, and why?
# 3. On a GPU, add `--compile`. Which model gains most from compilation?
# :::

# %% tags=["remove-cell"]
glue("a1_profile", gt.Text(P.name), display=False)
glue("a1_device", gt.Text(str(device)), display=False)
glue("a1_seconds", time.perf_counter() - T0, display=False)
