# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Assignment 2 — The ELBO with the reparameterisation trick
#
# *Book chapters: The VAE objective; Training a VAE.* **Points: 10.** Expected time on a laptop CPU: the checks take
# seconds; the line below gives the measured run time of the whole notebook.
#
# A VAE's encoder outputs the mean `mu` and the log-variance `logvar` of a Gaussian $q(z\mid x)$; the decoder outputs
# one logit per pixel of a Bernoulli $p(x\mid z)$. You will write the three pieces of the training objective and then
# train a VAE on MNIST with them.

# %% [markdown] nbgrader={"grade": false, "grade_id": "timing", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Measured time:** the whole notebook, with the solutions, ran in 9 s (profile `cpu`, device `cpu`, 2 CPU threads, torch 2.14.1+cu130).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import gantutor as gt
from gantutor import exercises as ex

P = gt.get_profile()     # smoke / cpu / gpu: sets the length of the demonstration run at the end
print(gt.describe_environment(P))


# %% [markdown] nbgrader={"grade": false, "grade_id": "q1", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. The reparameterisation trick (3 points)
#
# Return $z = \mu + \sigma \odot \varepsilon$ with $\sigma = \exp(\tfrac12 \log\sigma^2)$, using the given noise
# `eps`, so that gradients flow into `mu` and `logvar`.

# %% nbgrader={"grade": false, "grade_id": "reparameterize", "locked": false, "schema_version": 3, "solution": true, "task": false}
def reparameterize(mu, logvar, eps):
    ### BEGIN SOLUTION
    return mu + torch.exp(0.5 * logvar) * eps
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_reparameterize", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
ex.check_reparameterize(reparameterize)


# %% [markdown] nbgrader={"grade": false, "grade_id": "q2", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. The KL term (3 points)
#
# $\mathrm{KL}\bigl(\mathcal N(\mu, \sigma^2)\,\|\,\mathcal N(0, I)\bigr) = \tfrac12\sum_j \bigl(\mu_j^2 + \sigma_j^2
# - 1 - \log\sigma_j^2\bigr)$, one value per example (shape `(N,)`).

# %% nbgrader={"grade": false, "grade_id": "kl", "locked": false, "schema_version": 3, "solution": true, "task": false}
def kl_standard_normal(mu, logvar):
    ### BEGIN SOLUTION
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_kl", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
ex.check_kl_standard_normal(kl_standard_normal)
### BEGIN HIDDEN TESTS
assert torch.all(kl_standard_normal(torch.randn(5, 3), torch.randn(5, 3)) >= 0)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "q3", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. The negative ELBO (4 points)
#
# $-\mathrm{ELBO}(x) = -\log p(x\mid z) + \mathrm{KL}$, where $-\log p(x\mid z)$ is the binary cross-entropy between the
# image `x` (0/1 pixels) and the decoder's `logits`, **summed over the pixels** of each image. Return one value per
# example.

# %% nbgrader={"grade": false, "grade_id": "negative_elbo", "locked": false, "schema_version": 3, "solution": true, "task": false}
def negative_elbo(x, logits, mu, logvar):
    ### BEGIN SOLUTION
    recon = F.binary_cross_entropy_with_logits(logits.flatten(1), x.flatten(1), reduction="none").sum(1)
    return recon + kl_standard_normal(mu, logvar)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_negative_elbo", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
ex.check_negative_elbo(negative_elbo)
### BEGIN HIDDEN TESTS
x = (torch.rand(3, 1, 28, 28) > 0.5).float()
assert torch.all(negative_elbo(x, torch.zeros(3, 1, 28, 28), torch.zeros(3, 2), torch.zeros(3, 2)) > 0)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Your objective, trained
#
# The cell below trains the book's MLP VAE on (freshly binarised) MNIST with your three functions and shows
# reconstructions (not graded). With correct functions the reconstructions resemble the inputs.

# %% nbgrader={"grade": false, "grade_id": "demo_run", "locked": true, "schema_version": 3, "solution": false, "task": false}
gt.seed_everything(0)
train = gt.load_images("mnist", subset=P.train_subset)
model = gt.vae.MLPVAE(latent_dim=20)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
batches = gt.TensorBatches(train.images, batch_size=100, seed=0)
steps = max(20, P.vae_short_steps // 3)
for step in range(steps):
    x = gt.vae.binarize(next(batches))
    mu, logvar = model.encode(x)
    z = reparameterize(mu, logvar, torch.randn_like(mu))
    loss = negative_elbo(x, model.decode(z), mu, logvar).mean()
    opt.zero_grad(); loss.backward(); opt.step()
print(f"negative ELBO after {steps} steps: {loss.item():.1f} nats per image")
x = gt.vae.binarize(train.images[:8])
gt.show_images(torch.cat([x, gt.vae.reconstruct(model, x)]) * 2 - 1, nrow=8,
               title="binarised images (top) and your VAE's reconstructions"); plt.show()
