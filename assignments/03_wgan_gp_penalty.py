# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Assignment 3 — WGAN-GP's gradient penalty
#
# *Book chapter: When GAN training fails, and the variants that help.* **Points: 10.** Expected time on a laptop
# CPU: the checks take seconds; the line below gives the measured run time of the whole notebook.
#
# WGAN-GP (Gulrajani et al., 2017) keeps the critic close to 1-Lipschitz by penalising its gradient norm at random
# points between real and generated samples:
#
# $$\lambda\,\mathbb E_{\hat x}\bigl[(\lVert\nabla_{\hat x} f(\hat x)\rVert_2 - 1)^2\bigr], \qquad
# \hat x = \alpha x + (1-\alpha)\tilde x, \quad \alpha \sim U[0, 1].$$

# %% [markdown] nbgrader={"grade": false, "grade_id": "timing", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Measured time:** the whole notebook, with the solutions, ran in 15 s (profile `cpu`, device `cpu`, 2 CPU threads, torch 2.14.1+cu130).

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
# ## 1. The penalty (10 points)
#
# `gradient_penalty(critic, real, fake, generator)` returns the expectation above (without $\lambda$), estimated on
# the batch:
#
# - draw **one** $\alpha$ per sample, as `torch.rand(N, 1, ..., 1, generator=generator)` (one trailing 1 per
#   remaining dimension of `real`), before drawing anything else;
# - build $\hat x$ from the *detached* real and fake batches and make it require gradients;
# - take the gradient of `critic(x_hat).sum()` with respect to $\hat x$ with `torch.autograd.grad(...,
#   create_graph=True)`, so that the penalty can itself be differentiated with respect to the critic's weights;
# - flatten the gradient per sample, take its norm, and average $(\lVert g\rVert - 1)^2$.

# %% nbgrader={"grade": false, "grade_id": "gradient_penalty", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gradient_penalty(critic, real, fake, generator=None):
    ### BEGIN SOLUTION
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), generator=generator)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    grad, = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gradient_penalty", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
ex.check_gradient_penalty(gradient_penalty)
### BEGIN HIDDEN TESTS
unit = torch.nn.Linear(2, 1)
with torch.no_grad():
    unit.weight.copy_(torch.tensor([[0.6, 0.8]]))
assert gradient_penalty(unit, torch.randn(9, 2), torch.randn(9, 2)).item() < 1e-10
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Your penalty, trained
#
# The cell below trains a WGAN-GP on the 8-Gaussian ring — five critic steps per generator step, $\lambda = 10$, Adam
# with learning rate $10^{-4}$ and betas $(0, 0.9)$ as in the paper's Algorithm 1 — using your penalty (not graded),
# and reports the mean gradient norm at the interpolates, which the penalty pulls towards 1.

# %% nbgrader={"grade": false, "grade_id": "demo_run", "locked": true, "schema_version": 3, "solution": false, "task": false}
gt.seed_everything(0)
G, critic = gt.ToyGenerator(), gt.ToyDiscriminator()
opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.0, 0.9))
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.0, 0.9))
steps = max(10, P.toy_steps // 5)
for step in range(steps):
    for _ in range(5):
        real, fake = gt.sample_ring(256), G(torch.randn(256, G.latent_dim)).detach()
        loss_c = critic(fake).mean() - critic(real).mean() + 10 * gradient_penalty(critic, real, fake)
        opt_c.zero_grad(); loss_c.backward(); opt_c.step()
    loss_g = -critic(G(torch.randn(256, G.latent_dim))).mean()
    opt_g.zero_grad(); loss_g.backward(); opt_g.step()
real, fake = gt.sample_ring(1000), G(torch.randn(1000, G.latent_dim)).detach()
alpha = torch.rand(1000, 1)
x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
grad, = torch.autograd.grad(critic(x_hat).sum(), x_hat)
print(f"after {steps} generator steps: mean gradient norm at the interpolates {grad.norm(dim=1).mean():.2f}")
with torch.no_grad():
    gt.scatter_2d(G(torch.randn(2500, G.latent_dim)), title="WGAN-GP samples"); plt.show()
