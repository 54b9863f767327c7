# %% [markdown]
# # Interactive explorers
#
# Three explorers let a reader turn the book's ideas by hand. In a running notebook they respond to the sliders; on
# this rendered page each shows the state the stored run left it in, drawn as an image, so nothing is missing without
# a kernel.
#
# 1. **The optimal discriminator** ($D^*$) explorer lives in {doc}`03_gan_objective`: move the generator's
#    distribution and watch $D^*$, the value $V(D^*, G)$ and the Jensen–Shannon divergence follow.
# 2. **A live training dashboard**, below: the loss curve and the samples redraw at every snapshot *while* the model
#    trains.
# 3. **A latent-space explorer**, below: sliders for the latent coordinates and a class menu for a conditional VAE
#    (条件变分自编码器) with a 2-D latent space (潜在空间).
#
# :::{admonition} What this page needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s (one small conditional VAE).
# :::

# %%
import time

import matplotlib.pyplot as plt
import torch

import gantutor as gt
from gantutor import vae as V
from gantutor import widgets

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))
SEED = 0

# %% [markdown]
# ## A live training dashboard
#
# `gt.widgets.TrainingDashboard(metric, samples)` is a widget whose `on_snapshot` method is passed to the training
# loop; at each snapshot it evaluates the metric — here the negative ELBO (in nats) of 1,000 held-out test images —
# and draws ten samples of every class. Run the cell and watch it change; the stop button ends training cleanly and
# keeps the model.

# %% tags=["nbval-check-output"]
dash_demo = widgets.TrainingDashboard(metric=lambda m: 0.0, samples=lambda m: torch.zeros(4, 1, 28, 28))
print(dash_demo.status.value)
print(round(dash_demo.on_snapshot(0, None), 3), "|", dash_demo.status.value)

# %%
train = gt.load_images("mnist", subset=P.train_subset, device=device)
test = gt.load_images("mnist", train=False, device=device)
x_test = V.binarize(test.images[:1000], torch.Generator(device=device).manual_seed(SEED))
y_test = test.labels[:1000]
grid_labels = torch.arange(100, device=device) // 10             # ten samples of each class, one class per row

gt.seed_everything(SEED)
cvae = V.MLPVAE(latent_dim=2, hidden=(400, 200), num_classes=10).to(device)
dashboard = widgets.TrainingDashboard(
    metric=lambda m: -V.evaluate_bound(m, x_test, y_test, seed=SEED)["bound"],
    samples=lambda m: V.sample_vae(m, 100, seed=SEED, labels=grid_labels).view(100, 1, 28, 28),
    metric_name="test −ELBO (nats)", nrow=10).display()
steps = P.vae_short_steps // 2
history = V.train_vae(cvae, gt.TensorBatches(train.images, train.labels, batch_size=P.vae_batch_size, seed=SEED),
                      steps=steps, snapshots=9, seed=SEED, on_snapshot=dashboard.on_snapshot, desc="CVAE, 2-D latent")

# %% tags=["remove-cell"]
from myst_nb import glue

glue("a3_steps", steps, display=False)
glue("a3_final", dashboard.values[-1], display=False)
glue("a3_first", dashboard.values[0], display=False)


# %% [markdown]
# In the stored run the test −ELBO fell from {glue:text}`a3_first:.0f` nats before training to
# {glue:text}`a3_final:.1f` after {glue:text}`a3_steps:,.0f` steps. Each row of the grid is one class: the label, not the
# 2-D code, carries the digit's identity, which leaves the two latent coordinates free to describe *style*.
#
# ## The latent-space explorer
#
# `gt.widgets.latent_explorer(render, latent_dim, num_classes=...)` puts a slider on each latent coordinate and a
# menu on the class. Because this model is conditional, the same $(z_1, z_2)$ gives the same style for every class —
# try moving $z_1$ with the class fixed, then change the class with $z$ fixed.

# %%
def render(z, label):
    y = torch.tensor([label], device=device)
    return V.sample_vae(cvae, 1, z=z.to(device), labels=y)[0].view(28, 28)


explorer = widgets.latent_explorer(render, cvae.latent_dim, num_classes=10, start=[1.0, -1.0])

# %% [markdown]
# What the sliders show, as a static figure: one row per class, the same five latent points in every row.

# %% mystnb={"figure": {"caption": "Decoded images of the conditional VAE with a 2-D latent space: each column is one latent point, each row one class. The style (slant and stroke width) changes along a row in the same way for every digit.", "name": "fig-a3-style"}}
zs = torch.tensor([[-2.0, 0.0], [-1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [2.0, 0.0]], device=device)
rows = [V.sample_vae(cvae, 5, z=zs, labels=torch.full((5,), c, device=device)) for c in range(10)]
gt.show_images(torch.cat(rows).view(50, 1, 28, 28) * 2 - 1, nrow=5,
               title="z₁ from −2 to 2 (columns), z₂ = 0; one class per row")
plt.show()

# %% [markdown]
# :::{admonition} Try it yourself
# :class: seealso
# 1. Train the dashboard's model without labels (`num_classes=None`) and explore it: which digits share a region of
#    the 2-D latent space, and what happens between them?
# 2. Give the dashboard a second metric — the KL term alone — and watch when the encoder starts using its latents.
# 3. Use `latent_explorer` on {numref}`chapter %s <ch-dcgan>`'s conditional DCGAN: `render = lambda z, c: (G(z, torch.tensor([c])) + 1) / 2`
#    with 100 latent coordinates, of which the first six get sliders.
# :::

# %% tags=["remove-cell"]
glue("a3_profile", gt.Text(P.name), display=False)
glue("a3_device", gt.Text(str(device)), display=False)
glue("a3_seconds", time.perf_counter() - T0, display=False)
