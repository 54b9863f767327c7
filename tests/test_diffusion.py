"""Diffusion and flow matching: closed forms, exact references, sampler equivalences, diffusers cross-checks,
the engine step, and error messages."""

import math

import pytest
import torch

import gantutor as gt
from gantutor import diffusion as D
from gantutor.models.unet import ToyDenoiser, UNet


@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_closed_form_matches_iterating_the_chain(name):
    s = getattr(D.NoiseSchedule, name)(50)
    g = torch.Generator().manual_seed(0)
    x0 = torch.tensor([[0.7, -0.3]], dtype=torch.float64).expand(200_000, 2)
    x = x0.clone()
    for t in range(30):                        # x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) noise
        x = (1 - s.betas[t]).sqrt() * x + s.betas[t].sqrt() * torch.randn(x.shape, generator=g, dtype=x.dtype)
    ab = s.alpha_bar[29]
    assert x.mean(0) == pytest.approx((ab.sqrt() * x0[0]).tolist(), abs=5e-3)
    assert x.var(0) == pytest.approx([float(1 - ab)] * 2, rel=1e-2)
    closed = D.q_sample(s, x0, torch.full((len(x0),), 29), torch.randn(x0.shape, generator=g, dtype=x0.dtype))
    assert closed.var(0) == pytest.approx(x.var(0).tolist(), rel=1e-2)


def test_schedules_match_diffusers():
    diffusers = pytest.importorskip("diffusers")
    lin = diffusers.DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear")
    cos = diffusers.DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2")
    for ours, theirs in ((D.NoiseSchedule.linear(), lin), (D.NoiseSchedule.cosine(), cos)):
        assert torch.allclose(ours.betas, theirs.betas.double(), atol=1e-7)
        assert torch.allclose(ours.alpha_bar, theirs.alphas_cumprod.double(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("clip", [False, True])
def test_ddpm_step_matches_diffusers(clip):
    diffusers = pytest.importorskip("diffusers")
    sched = diffusers.DDPMScheduler(num_train_timesteps=1000, clip_sample=clip)
    ours = D.NoiseSchedule.linear()
    x, eps = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(1)), torch.randn(4, 1, 8, 8)
    for t in (999, 500, 3, 0):
        theirs = sched.step(eps, t, x, generator=torch.Generator().manual_seed(7)).prev_sample
        noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(7))
        assert torch.allclose(D.ddpm_step(ours, eps, t, x, noise, clip), theirs, atol=1e-4)


@pytest.mark.parametrize("eta", [0.0, 0.5])
def test_ddim_step_matches_diffusers(eta):
    diffusers = pytest.importorskip("diffusers")
    sched = diffusers.DDIMScheduler(num_train_timesteps=1000, clip_sample=False)
    sched.set_timesteps(20)
    ours = D.NoiseSchedule.linear()
    assert sched.timesteps.tolist() == D.ddim_timesteps(1000, 20)
    x, eps = torch.randn(3, 1, 8, 8, generator=torch.Generator().manual_seed(2)), torch.randn(3, 1, 8, 8)
    for t in (950, 500, 0):
        theirs = sched.step(eps, t, x, eta=eta, generator=torch.Generator().manual_seed(3)).prev_sample
        noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(3))
        assert torch.allclose(D.ddim_step(ours, eps, t, t - 50, x, eta, noise), theirs, atol=1e-4)


def test_ddim_with_eta_one_has_the_ddpm_posterior_variance():
    s = D.NoiseSchedule.linear(100)
    x, eps, noise = torch.randn(3, 5), torch.randn(3, 5), torch.randn(3, 5)
    for t in (99, 40, 1):
        assert torch.allclose(D.ddim_step(s, eps, t, t - 1, x, 1.0, noise), D.ddpm_step(s, eps, t, x, noise),
                              atol=1e-6)


def test_simple_loss_is_the_elbo_term_reweighted():
    """KL(q(x_{t-1}|x_t,x_0) || p(x_{t-1}|x_t)) with the posterior variance equals w_t * ||eps - eps_hat||^2."""
    s = D.NoiseSchedule.linear(100)
    g = torch.Generator().manual_seed(0)
    x0, eps, eps_hat = (torch.randn(6, 4, generator=g, dtype=torch.float64) for _ in range(3))
    t = 37
    tt = torch.full((6,), t)
    xt = D.q_sample(s, x0, tt, eps)
    ab, ab_prev, beta = s.alpha_bar[t], s.alpha_bar[t - 1], s.betas[t]
    var = (1 - ab_prev) / (1 - ab) * beta

    def mean(x0_):
        return (ab_prev.sqrt() * beta * x0_ + (1 - beta).sqrt() * (1 - ab_prev) * xt) / (1 - ab)

    kl = (mean(x0) - mean(D.predicted_x0(s, xt, tt, eps_hat))).pow(2).sum(1) / (2 * var)
    weight = beta ** 2 / (2 * var * (1 - beta) * (1 - ab))
    assert torch.allclose(kl, weight * (eps - eps_hat).pow(2).sum(1))


def test_optimal_denoiser_is_the_posterior_mean():
    s = D.NoiseSchedule.linear(100)
    data = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    x = torch.tensor([[0.3, 0.1]])
    t = 60
    ab = float(s.alpha_bar[t])
    w = torch.softmax(-((x - ab ** 0.5 * data) ** 2).sum(1) / (2 * (1 - ab)), 0)
    assert torch.allclose(D.optimal_denoiser(s, x, t, data), (w[:, None] * data).sum(0, keepdim=True))
    near = D.optimal_denoiser(s, torch.tensor([[0.999, 0.0]]), 1, data)     # little noise: the nearest point
    assert torch.allclose(near, data[:1], atol=1e-4)


def test_mixture_velocity_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    means, std, t = torch.tensor([[2.0, 0.0], [-1.0, 1.5], [0.0, -2.0]]), 0.3, 0.6
    x1 = means[torch.randint(0, 3, (400_000,), generator=g)] + std * torch.randn(400_000, 2, generator=g)
    x = torch.tensor([[0.8, 0.2], [-0.5, 0.4]])
    # E[x1 - x0 | x_t = x] with x0 = (x - t x1) / (1 - t): weight each x1 by N(x; t x1, (1 - t)^2 I)
    logw = -((x[:, None] - t * x1[None]) ** 2).sum(-1) / (2 * (1 - t) ** 2)
    w = torch.softmax(logw.double(), 1)
    mc = (w[..., None] * ((x1[None] - x[:, None]) / (1 - t)).double()).sum(1)
    assert torch.allclose(D.mixture_velocity(x, t, means, std), mc, atol=0.03)


def test_optimal_noise_prediction_gives_the_score():
    """For data N(0, s^2) the score of q_t is -x / (alpha_bar s^2 + 1 - alpha_bar); the optimal denoiser of a large
    sample of that data, turned into a noise prediction, must give it back through -eps* / sqrt(1 - alpha_bar)."""
    s = D.NoiseSchedule.linear(100)
    t, sd = 50, 0.5
    ab = float(s.alpha_bar[t])
    data = sd * torch.randn(200_000, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x = torch.linspace(-1.5, 1.5, 7, dtype=torch.float64)[:, None]
    eps_star = (x - ab ** 0.5 * D.optimal_denoiser(s, x, t, data)) / (1 - ab) ** 0.5
    exact = -x / (ab * sd ** 2 + 1 - ab)
    assert torch.allclose(-eps_star / (1 - ab) ** 0.5, exact, atol=0.02)


def test_training_through_the_engine_resumes_exactly(tmp_path):
    def run(steps, **kw):
        torch.manual_seed(0)
        model = ToyDenoiser(hidden=16, depth=2)
        data = gt.TensorBatches(gt.sample_ring(256, generator=torch.Generator().manual_seed(1)), batch_size=32, seed=2)
        return D.train_diffusion(model, data, steps=steps, objective="flow", seed=3, progress="off", ema=0.9, **kw)

    full = run(8)
    cut = tmp_path / "flow.pt"
    run(4, checkpoint=cut)
    resumed = run(8, checkpoint=cut, resume=True)
    assert torch.equal(full.loss, resumed.loss)
    for a, b in zip(full.ema.parameters(), resumed.ema.parameters()):
        assert torch.equal(a, b)


def test_a_few_steps_of_each_objective_lower_the_loss_and_sample():
    torch.manual_seed(0)
    for objective in ("ddpm", "flow"):
        model = UNet((8, 8, 8), num_classes=10)
        images = torch.rand(64, 1, 28, 28) * 2 - 1
        h = D.train_diffusion(model, gt.TensorBatches(images, torch.arange(64) % 10, batch_size=16, seed=0),
                              steps=6, objective=objective, p_uncond=0.2, seed=0, progress="off", snapshots=2,
                              render_steps=2)
        assert h.steps == 6 and torch.isfinite(h.loss).all() and h.snapshots[-1].shape == (64, 1, 28, 28)
    x = D.sample_flow(model, 4, labels=torch.tensor([1, 2, 3, 4]), guidance=3.0, steps=2, method="heun", seed=0)
    assert x.shape == (4, 1, 28, 28) and x.abs().max() <= 1


def test_bad_input_says_what_to_do():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        D.NoiseSchedule(torch.tensor([0.1, 1.0]))
    with pytest.raises(ValueError, match="positive integer"):
        D.NoiseSchedule.linear(0)
    s = D.NoiseSchedule.linear(10)
    with pytest.raises(ValueError, match="lie in 0..9"):
        D.q_sample(s, torch.zeros(2, 3), torch.tensor([0, 10]), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="integer tensor"):
        D.q_sample(s, torch.zeros(2, 3), torch.tensor([0.5, 1.0]), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="from 1 to T"):
        D.ddim_timesteps(10, 20)
    with pytest.raises(ValueError, match="images of shape"):
        UNet((8, 8, 8))(torch.zeros(2, 1, 32, 32), torch.zeros(2))
    with pytest.raises(ValueError, match="class-conditional"):
        D.sample_flow(UNet((8, 8, 8), num_classes=10), 2, steps=1)
    with pytest.raises(ValueError, match="unconditional"):
        D.sample_diffusion(UNet((8, 8, 8)), s, 2, labels=torch.tensor([0, 1]), steps=1)
    with pytest.raises(ValueError, match="'ddpm' .* or 'flow'"):
        D.train_diffusion(ToyDenoiser(), iter([]), steps=1, objective="score")
    with pytest.raises(ValueError, match="needs num_classes"):
        D.train_diffusion(ToyDenoiser(), iter([]), steps=1, p_uncond=0.1)
    with pytest.raises(ValueError, match="three positive widths"):
        UNet((8, 8))
