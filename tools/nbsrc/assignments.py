"""Source of the course assignments in assignments/ (nbgrader format). Run: python tools/nbsrc/assignments.py.

Each assignment is written here as a list of cells; the notebooks are the instructor versions (solutions in
``### BEGIN SOLUTION`` blocks). `python -m gantutor.assignments release` makes the student versions. After changing code here, run
`GANTUTOR_PROFILE=cpu python -m gantutor.assignments time` to measure and record each notebook's run time.
"""

from pathlib import Path

import nbformat

OUT = Path(__file__).resolve().parents[2] / "assignments"


def _meta(grade_id, *, solution=False, grade=False, locked=True, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def md(grade_id, text):
    cell = nbformat.v4.new_markdown_cell(text.strip("\n"))
    cell.metadata.update(_meta(grade_id))
    return cell


def setup(grade_id, src):
    cell = nbformat.v4.new_code_cell(src.strip("\n"))
    cell.metadata.update(_meta(grade_id))
    return cell


def solution(grade_id, src):
    cell = nbformat.v4.new_code_cell(src.strip("\n"))
    cell.metadata.update(_meta(grade_id, solution=True, locked=False))
    return cell


def test(grade_id, points, src):
    cell = nbformat.v4.new_code_cell(src.strip("\n"))
    cell.metadata.update(_meta(grade_id, grade=True, points=points))
    return cell


def write(name, title, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["gantutor"] = {"assignment": title}
    target = OUT / name
    if target.exists():   # keep the measured time while the code is unchanged; else `... assignments time` again
        old = nbformat.read(target, as_version=4)
        if [c.source for c in old.cells if c.cell_type == "code"] == [c.source for c in cells if c.cell_type == "code"]:
            if "timing" in old.metadata.get("gantutor", {}):
                nb.metadata["gantutor"]["timing"] = old.metadata["gantutor"]["timing"]
    OUT.mkdir(exist_ok=True)
    nbformat.write(nb, OUT / name)
    print("wrote", OUT / name)


SETUP = """
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import gantutor as gt
from gantutor import exercises as ex

P = gt.get_profile()     # smoke / cpu / gpu: sets the length of the demonstration run at the end
print(gt.describe_environment(P))
"""

write("01_gan_losses_and_step.ipynb", "GAN losses and one training step", [
md("intro", r"""
# Assignment 1 — GAN losses and one training step

*Book chapters: The GAN objective; Your first GAN.* **Points: 10.** Expected time on a laptop CPU: the checks take
seconds; the line below gives the measured run time of the whole notebook.

You will implement the discriminator's loss, the non-saturating generator loss and one GAN training step, then
train a small GAN on the 8-Gaussian ring with *your* step. Work on **logits** (the discriminator's output before the
sigmoid) throughout. Each check cell runs your function on fixed cases against the book's reference and tells you
which case failed and why. Do not change the check cells.
"""),
setup("setup", SETUP),
md("q1", r"""
## 1. The discriminator's loss (3 points)

$L_D = -\frac1N\sum_i \log\sigma(r_i) - \frac1N\sum_i \log\bigl(1-\sigma(f_i)\bigr)$ for real logits $r$ and fake
logits $f$. It must stay finite for logits of ±200.
"""),
solution("discriminator_loss", r"""
def discriminator_loss(real_logits, fake_logits):
    ### BEGIN SOLUTION
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    ### END SOLUTION
"""),
test("test_discriminator_loss", 3, r"""
ex.check_discriminator_loss(discriminator_loss)
### BEGIN HIDDEN TESTS
assert abs(float(discriminator_loss(torch.zeros(7), torch.zeros(7))) - 2 * math.log(2)) < 1e-6
### END HIDDEN TESTS
"""),
md("q2", r"""
## 2. The non-saturating generator loss (2 points)

$L_G = -\frac1N\sum_i \log\sigma(f_i)$: the generator maximises $\log D(G(z))$ instead of minimising
$\log(1 - D(G(z)))$, whose gradient vanishes when the discriminator is confident.
"""),
solution("generator_loss", r"""
def generator_loss(fake_logits):
    ### BEGIN SOLUTION
    return F.softplus(-fake_logits).mean()
    ### END SOLUTION
"""),
test("test_generator_loss", 2, r"""
ex.check_generator_loss(generator_loss, "non-saturating")
### BEGIN HIDDEN TESTS
assert float(generator_loss(torch.full((3,), 50.0))) < 1e-6
### END HIDDEN TESTS
"""),
md("q3", r"""
## 3. One training step (5 points)

`gan_step(G, D, opt_g, opt_d, real, z)` performs one step and returns `(d_loss, g_loss)`:

1. make fakes `G(z)`; **discriminator step**: score `real` and the *detached* fakes, compute $L_D$ with your
   function, zero D's gradients, backpropagate, step `opt_d`;
2. **generator step**: score the fakes with the *updated* D, compute $L_G$, zero G's gradients, backpropagate,
   step `opt_g`.
"""),
solution("gan_step", r"""
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
"""),
test("test_gan_step", 5, r"""
ex.check_gan_step(gan_step)
"""),
md("demo", r"""
## 4. Your step, trained

The cell below trains a small GAN on the 8-Gaussian ring with your `gan_step` (not graded). With a correct step the
samples spread over the ring; chapter 6 explains why some modes may still be missed.
"""),
setup("demo_run", r"""
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
"""),
])

write("02_elbo_reparameterization.ipynb", "The ELBO with the reparameterisation trick", [
md("intro", r"""
# Assignment 2 — The ELBO with the reparameterisation trick

*Book chapters: The VAE objective; Training a VAE.* **Points: 10.** Expected time on a laptop CPU: the checks take
seconds; the line below gives the measured run time of the whole notebook.

A VAE's encoder outputs the mean `mu` and the log-variance `logvar` of a Gaussian $q(z\mid x)$; the decoder outputs
one logit per pixel of a Bernoulli $p(x\mid z)$. You will write the three pieces of the training objective and then
train a VAE on MNIST with them.
"""),
setup("setup", SETUP),
md("q1", r"""
## 1. The reparameterisation trick (3 points)

Return $z = \mu + \sigma \odot \varepsilon$ with $\sigma = \exp(\tfrac12 \log\sigma^2)$, using the given noise
`eps`, so that gradients flow into `mu` and `logvar`.
"""),
solution("reparameterize", r"""
def reparameterize(mu, logvar, eps):
    ### BEGIN SOLUTION
    return mu + torch.exp(0.5 * logvar) * eps
    ### END SOLUTION
"""),
test("test_reparameterize", 3, r"""
ex.check_reparameterize(reparameterize)
"""),
md("q2", r"""
## 2. The KL term (3 points)

$\mathrm{KL}\bigl(\mathcal N(\mu, \sigma^2)\,\|\,\mathcal N(0, I)\bigr) = \tfrac12\sum_j \bigl(\mu_j^2 + \sigma_j^2
- 1 - \log\sigma_j^2\bigr)$, one value per example (shape `(N,)`).
"""),
solution("kl", r"""
def kl_standard_normal(mu, logvar):
    ### BEGIN SOLUTION
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)
    ### END SOLUTION
"""),
test("test_kl", 3, r"""
ex.check_kl_standard_normal(kl_standard_normal)
### BEGIN HIDDEN TESTS
assert torch.all(kl_standard_normal(torch.randn(5, 3), torch.randn(5, 3)) >= 0)
### END HIDDEN TESTS
"""),
md("q3", r"""
## 3. The negative ELBO (4 points)

$-\mathrm{ELBO}(x) = -\log p(x\mid z) + \mathrm{KL}$, where $-\log p(x\mid z)$ is the binary cross-entropy between the
image `x` (0/1 pixels) and the decoder's `logits`, **summed over the pixels** of each image. Return one value per
example.
"""),
solution("negative_elbo", r"""
def negative_elbo(x, logits, mu, logvar):
    ### BEGIN SOLUTION
    recon = F.binary_cross_entropy_with_logits(logits.flatten(1), x.flatten(1), reduction="none").sum(1)
    return recon + kl_standard_normal(mu, logvar)
    ### END SOLUTION
"""),
test("test_negative_elbo", 4, r"""
ex.check_negative_elbo(negative_elbo)
### BEGIN HIDDEN TESTS
x = (torch.rand(3, 1, 28, 28) > 0.5).float()
assert torch.all(negative_elbo(x, torch.zeros(3, 1, 28, 28), torch.zeros(3, 2), torch.zeros(3, 2)) > 0)
### END HIDDEN TESTS
"""),
md("demo", r"""
## 4. Your objective, trained

The cell below trains the book's MLP VAE on (freshly binarised) MNIST with your three functions and shows
reconstructions (not graded). With correct functions the reconstructions resemble the inputs.
"""),
setup("demo_run", r"""
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
"""),
])

write("03_wgan_gp_penalty.ipynb", "WGAN-GP's gradient penalty", [
md("intro", r"""
# Assignment 3 — WGAN-GP's gradient penalty

*Book chapter: When GAN training fails, and the variants that help.* **Points: 10.** Expected time on a laptop
CPU: the checks take seconds; the line below gives the measured run time of the whole notebook.

WGAN-GP (Gulrajani et al., 2017) keeps the critic close to 1-Lipschitz by penalising its gradient norm at random
points between real and generated samples:

$$\lambda\,\mathbb E_{\hat x}\bigl[(\lVert\nabla_{\hat x} f(\hat x)\rVert_2 - 1)^2\bigr], \qquad
\hat x = \alpha x + (1-\alpha)\tilde x, \quad \alpha \sim U[0, 1].$$
"""),
setup("setup", SETUP),
md("q1", r"""
## 1. The penalty (10 points)

`gradient_penalty(critic, real, fake, generator)` returns the expectation above (without $\lambda$), estimated on
the batch:

- draw **one** $\alpha$ per sample, as `torch.rand(N, 1, ..., 1, generator=generator)` (one trailing 1 per
  remaining dimension of `real`), before drawing anything else;
- build $\hat x$ from the *detached* real and fake batches and make it require gradients;
- take the gradient of `critic(x_hat).sum()` with respect to $\hat x$ with `torch.autograd.grad(...,
  create_graph=True)`, so that the penalty can itself be differentiated with respect to the critic's weights;
- flatten the gradient per sample, take its norm, and average $(\lVert g\rVert - 1)^2$.
"""),
solution("gradient_penalty", r"""
def gradient_penalty(critic, real, fake, generator=None):
    ### BEGIN SOLUTION
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), generator=generator)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    grad, = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()
    ### END SOLUTION
"""),
test("test_gradient_penalty", 10, r"""
ex.check_gradient_penalty(gradient_penalty)
### BEGIN HIDDEN TESTS
unit = torch.nn.Linear(2, 1)
with torch.no_grad():
    unit.weight.copy_(torch.tensor([[0.6, 0.8]]))
assert gradient_penalty(unit, torch.randn(9, 2), torch.randn(9, 2)).item() < 1e-10
### END HIDDEN TESTS
"""),
md("demo", r"""
## 2. Your penalty, trained

The cell below trains a WGAN-GP on the 8-Gaussian ring — five critic steps per generator step, $\lambda = 10$, Adam
with learning rate $10^{-4}$ and betas $(0, 0.9)$ as in the paper's Algorithm 1 — using your penalty (not graded),
and reports the mean gradient norm at the interpolates, which the penalty pulls towards 1.
"""),
setup("demo_run", r"""
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
"""),
])
