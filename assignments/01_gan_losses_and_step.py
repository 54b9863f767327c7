# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Assignment 1 — GAN losses and one training step
#
# *Book chapters: The GAN objective; Your first GAN.* **Points: 10.** Expected time on a laptop CPU: the checks take
# seconds; the line below gives the measured run time of the whole notebook.
#
# You will implement the discriminator's loss, the non-saturating generator loss and one GAN training step, then
# train a small GAN on the 8-Gaussian ring with *your* step. Work on **logits** (the discriminator's output before the
# sigmoid) throughout. Each check cell runs your function on fixed cases against the book's reference and tells you
# which case failed and why. Do not change the check cells.

# %% [markdown] nbgrader={"grade": false, "grade_id": "timing", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Measured time:** the whole notebook, with the solutions, ran in 14 s (profile `cpu`, device `cpu`, 2 CPU threads, torch 2.14.1+cu130).

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
# ## 1. The discriminator's loss (3 points)
#
# $L_D = -\frac1N\sum_i \log\sigma(r_i) - \frac1N\sum_i \log\bigl(1-\sigma(f_i)\bigr)$ for real logits $r$ and fake
# logits $f$. It must stay finite for logits of ±200.

# %% nbgrader={"grade": false, "grade_id": "discriminator_loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
def discriminator_loss(real_logits, fake_logits):
    ### BEGIN SOLUTION
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_discriminator_loss", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
ex.check_discriminator_loss(discriminator_loss)
### BEGIN HIDDEN TESTS
assert abs(float(discriminator_loss(torch.zeros(7), torch.zeros(7))) - 2 * math.log(2)) < 1e-6
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "q2", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. The non-saturating generator loss (2 points)
#
# $L_G = -\frac1N\sum_i \log\sigma(f_i)$: the generator maximises $\log D(G(z))$ instead of minimising
# $\log(1 - D(G(z)))$, whose gradient vanishes when the discriminator is confident.

# %% nbgrader={"grade": false, "grade_id": "generator_loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
def generator_loss(fake_logits):
    ### BEGIN SOLUTION
    return F.softplus(-fake_logits).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_generator_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ex.check_generator_loss(generator_loss, "non-saturating")
### BEGIN HIDDEN TESTS
assert float(generator_loss(torch.full((3,), 50.0))) < 1e-6
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "q3", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. One training step (5 points)
#
# `gan_step(G, D, opt_g, opt_d, real, z)` performs one step and returns `(d_loss, g_loss)`:
#
# 1. make fakes `G(z)`; **discriminator step**: score `real` and the *detached* fakes, compute $L_D$ with your
#    function, zero D's gradients, backpropagate, step `opt_d`;
# 2. **generator step**: score the fakes with the *updated* D, compute $L_G$, zero G's gradients, backpropagate,
#    step `opt_g`.

# %% nbgrader={"grade": false, "grade_id": "gan_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gan_step(G, D, opt_g, opt_d, real, z):
    ### BEGIN SOLUTION
    fake = G(z)
    d_loss = discriminator_loss(D(real), D(fake.detach()))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = generator_loss(D(fake))
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    return d_loss.detach(), g_loss.detach()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gan_step", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
ex.check_gan_step(gan_step)

# %% [markdown] nbgrader={"grade": false, "grade_id": "demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Your step, trained
#
# The cell below trains a small GAN on the 8-Gaussian ring with your `gan_step` (not graded). With a correct step the
# samples spread over the ring; the book's chapter *When GAN training fails, and the variants that help* explains why some modes may still be
# missed.

# %% nbgrader={"grade": false, "grade_id": "demo_run", "locked": true, "schema_version": 3, "solution": false, "task": false}
gt.seed_everything(0)
G, D = gt.ToyGenerator(), gt.ToyDiscriminator()
opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
for step in range(P.toy_steps):
    d_loss, g_loss = gan_step(G, D, opt_g, opt_d, gt.sample_ring(256), torch.randn(256, G.latent_dim))
with torch.no_grad():
    samples = G(torch.randn(2500, G.latent_dim))
coverage = gt.mode_coverage(samples, gt.ring_centers(), gt.data.RING_STD)
print(f"after {P.toy_steps} steps: {coverage['covered']} of 8 modes, {100 * coverage['high_quality']:.0f} % high quality")
gt.scatter_2d(samples, title="your GAN's samples"); plt.show()
