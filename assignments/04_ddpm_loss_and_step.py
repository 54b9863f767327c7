# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Assignment 4 — the DDPM loss and one DDIM step
#
# *Book chapter: Denoising diffusion.* **Points: 10.** Expected time on a laptop CPU: the checks take seconds; the
# line below gives the measured run time of the whole notebook.
#
# A diffusion model is trained to predict the noise in $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,
# \epsilon$ (Ho et al., 2020), and sampled by walking back from pure noise; DDIM (Song et al., 2021) takes
# deterministic jumps from step $t$ to an earlier step $s$:
#
# $$\hat x_0 = \frac{x_t - \sqrt{1-\bar\alpha_t}\,\hat\epsilon}{\sqrt{\bar\alpha_t}}, \qquad
#   x_s = \sqrt{\bar\alpha_s}\,\hat x_0 + \sqrt{1-\bar\alpha_s}\,\hat\epsilon .$$

# %% [markdown] nbgrader={"grade": false, "grade_id": "timing", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Measured time:** the whole notebook, with the solutions, ran in 83 s (profile `cpu`, device `cpu`, 2 CPU threads, torch 2.14.1+cu130).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import torch

import gantutor as gt
from gantutor import diffusion as D

P = gt.get_profile()     # smoke / cpu / gpu: sets the length of the demonstration run at the end
print(gt.describe_environment(P))
schedule = D.NoiseSchedule.linear(1000)
alpha_bar = schedule.alpha_bar.float()


# %% [markdown] nbgrader={"grade": false, "grade_id": "q1", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. The simple loss (5 points)
#
# `simple_loss(model, alpha_bar, x0, t, noise)` returns the mean over all elements of
# $(\epsilon - \epsilon_\theta(x_t, t))^2$, where $x_t$ is the forward jump above and the network is called as
# `model(x_t, t.float())`. `t` holds one integer step per example; `alpha_bar[t]` must broadcast over the other
# dimensions of `x0`.

# %% nbgrader={"grade": false, "grade_id": "simple_loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
def simple_loss(model, alpha_bar, x0, t, noise):
    ### BEGIN SOLUTION
    ab = alpha_bar[t].view(-1, *([1] * (x0.dim() - 1)))
    x_t = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
    return (model(x_t, t.float()) - noise).pow(2).mean()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_simple_loss", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
torch.manual_seed(0)
net = gt.models.ToyDenoiser(hidden=16, depth=1)
x0, noise, t = torch.randn(32, 2), torch.randn(32, 2), torch.randint(0, 1000, (32,))
got = simple_loss(net, alpha_bar, x0, t, noise)
expected = (net(D.q_sample(schedule, x0, t, noise), t.float()) - noise).pow(2).mean()
assert torch.allclose(got, expected, atol=1e-6), f"expected {expected.item():.6f}, got {float(got):.6f}"
assert got.requires_grad, "the loss must stay differentiable in the network's weights"
### BEGIN HIDDEN TESTS
images, eps, steps = torch.rand(3, 1, 28, 28), torch.randn(3, 1, 28, 28), torch.tensor([0, 500, 999])
zero = lambda x, t: torch.zeros_like(x)
assert torch.allclose(simple_loss(zero, alpha_bar, images, steps, eps), eps.pow(2).mean())
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "q2", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. One DDIM step (5 points)
#
# `ddim_step(alpha_bar, eps, t, s, x_t)` returns $x_s$ for the predicted noise `eps` ($\eta = 0$), with `t` and
# `s` plain integers; `s = -1` means "to the clean image", where $\bar\alpha_{-1} = 1$.

# %% nbgrader={"grade": false, "grade_id": "ddim_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ddim_step(alpha_bar, eps, t, s, x_t):
    ### BEGIN SOLUTION
    ab_t = alpha_bar[t]
    ab_s = alpha_bar[s] if s >= 0 else torch.tensor(1.0)
    x0_hat = (x_t - (1 - ab_t).sqrt() * eps) / ab_t.sqrt()
    return ab_s.sqrt() * x0_hat + (1 - ab_s).sqrt() * eps
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ddim_step", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
x_t, eps = torch.randn(8, 2), torch.randn(8, 2)
for t, s in ((999, 949), (500, 400), (10, -1)):
    got, expected = ddim_step(alpha_bar, eps, t, s, x_t), D.ddim_step(schedule, eps, t, s, x_t)
    assert torch.allclose(got, expected, atol=1e-5), f"step {t} -> {s}: expected {expected[0]}, got {got[0]}"
### BEGIN HIDDEN TESTS
assert torch.allclose(ddim_step(alpha_bar, torch.zeros(4, 2), 300, -1, x_t[:4]), x_t[:4] / alpha_bar[300].sqrt())
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Your loss and your step, together
#
# The cell below (not graded) trains a small denoiser on the 8-Gaussian ring with your loss, then samples it with
# 50 of your DDIM steps.

# %% nbgrader={"grade": false, "grade_id": "demo_run", "locked": true, "schema_version": 3, "solution": false, "task": false}
gt.seed_everything(0)
data = gt.sample_ring(20_000) / 1.4                 # about unit variance, like the noise
net = gt.models.ToyDenoiser(hidden=64, depth=3)
opt = torch.optim.Adam(net.parameters(), lr=2e-3)
for step in range(max(20, P.toy_steps // 2)):
    x0 = data[torch.randint(0, len(data), (256,))]
    loss = simple_loss(net, alpha_bar, x0, torch.randint(0, 1000, (256,)), torch.randn(256, 2))
    opt.zero_grad(); loss.backward(); opt.step()
times = D.ddim_timesteps(1000, 50)
x = torch.randn(2000, 2)
with torch.no_grad():
    for i, t in enumerate(times):
        x = ddim_step(alpha_bar, net(x, torch.full((len(x),), float(t))), t, times[i + 1] if i + 1 < len(times) else -1, x)
cov = gt.mode_coverage(x * 1.4, gt.ring_centers(), gt.data.RING_STD)
print(f"after {step + 1} steps: {cov['covered']}/8 modes, {cov['high_quality']:.1%} high-quality samples")
gt.scatter_2d(x * 1.4, title="your DDIM samples"); plt.show()
