import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gantutor as gt


def sig(v):
    return 1 / (1 + math.exp(-v))


def test_discriminator_loss_by_hand():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-1.0, 3.0])
    expected = (-(math.log(sig(2.0)) + math.log(sig(0.5))) / 2
                - (math.log(1 - sig(-1.0)) + math.log(1 - sig(3.0))) / 2)
    assert gt.discriminator_loss(real, fake).item() == pytest.approx(expected, rel=1e-6)


def test_discriminator_loss_at_equilibrium_is_2log2():
    z = torch.zeros(7)
    assert gt.discriminator_loss(z, z).item() == pytest.approx(2 * math.log(2), rel=1e-6)


def test_generator_losses_by_hand():
    fake = torch.tensor([-2.0, 0.0, 1.5])
    mm = sum(math.log(1 - sig(v)) for v in fake.tolist()) / 3
    ns = -sum(math.log(sig(v)) for v in fake.tolist()) / 3
    assert gt.generator_loss_minimax(fake).item() == pytest.approx(mm, rel=1e-6)
    assert gt.generator_loss_nonsaturating(fake).item() == pytest.approx(ns, rel=1e-6)


@settings(max_examples=50, deadline=None)
@given(st.floats(-30, 30))
def test_logit_gradients_match_closed_forms(v):
    l = torch.tensor([v], dtype=torch.float64, requires_grad=True)
    gt.generator_loss_minimax(l).backward()
    assert l.grad.item() == pytest.approx(-torch.sigmoid(l).item(), abs=1e-9)
    l.grad = None
    gt.generator_loss_nonsaturating(l).backward()
    assert l.grad.item() == pytest.approx(-(1 - torch.sigmoid(l)).item(), abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.floats(-30, -0.01))
def test_nonsaturating_gradient_is_larger_when_d_rejects_fakes(v):
    """Where D(G(z)) < 1/2 the minimax gradient is the smaller one — it saturates as D wins."""
    l = torch.tensor([v], requires_grad=True)
    g_mm, = torch.autograd.grad(gt.generator_loss_minimax(l), l)
    g_ns, = torch.autograd.grad(gt.generator_loss_nonsaturating(l), l)
    assert abs(g_ns.item()) > abs(g_mm.item())


def test_extreme_logits_stay_finite():
    big = torch.tensor([-200.0, 200.0])
    for value in (gt.discriminator_loss(big, big), gt.generator_loss_minimax(big), gt.generator_loss_nonsaturating(big)):
        assert torch.isfinite(value)
    naive = -torch.log(torch.sigmoid(torch.tensor([-200.0])))
    assert torch.isinf(naive)  # what logits avoid: log of a probability that rounded to 0


def test_registry_and_errors():
    assert set(gt.GAN_LOSSES) >= {"minimax", "non-saturating"}
    assert gt.get_gan_loss("minimax").generator is gt.generator_loss_minimax
    with pytest.raises(ValueError, match="Known losses: minimax, non-saturating, wgan, wgan-gp, lsgan, hinge"):
        gt.get_gan_loss("wgan-div")
    with pytest.raises(ValueError, match=r"Squeeze the discriminator's \(N, 1\) output"):
        gt.discriminator_loss(torch.zeros(4, 1), torch.zeros(4, 1))


# ------------------------------------------------------------------------------------------- the variants
from gantutor import losses as L  # noqa: E402


def test_variant_losses_match_their_formulas():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-0.5, 1.5, 0.0])
    assert L.wasserstein_critic_loss(real, fake).item() == pytest.approx(fake.mean() - real.mean())
    assert L.wasserstein_generator_loss(fake).item() == pytest.approx(-fake.mean())
    ls_d = 0.5 * ((2 - 1) ** 2 + (0.5 - 1) ** 2 + (-1 - 1) ** 2) / 3 + 0.5 * (0.25 + 2.25 + 0) / 3
    assert L.least_squares_discriminator_loss(real, fake).item() == pytest.approx(ls_d)
    assert L.least_squares_generator_loss(fake).item() == pytest.approx(0.5 * (2.25 + 0.25 + 1) / 3)
    hinge = (max(0, 1 - 2) + max(0, 1 - 0.5) + max(0, 1 + 1)) / 3 + (max(0, 1 - 0.5) + max(0, 1 + 1.5) + 1) / 3
    assert L.hinge_discriminator_loss(real, fake).item() == pytest.approx(hinge)
    for name in ("wgan", "wgan-gp", "lsgan", "hinge"):
        with pytest.raises(ValueError, match="shape \\(N,\\)"):
            gt.get_gan_loss(name).discriminator(torch.zeros(4, 1), torch.zeros(4, 1))


def test_published_settings_are_recorded_in_the_registry():
    wgan, gp = gt.get_gan_loss("wgan"), gt.get_gan_loss("wgan-gp")
    assert (wgan.clip, wgan.n_critic, wgan.lr, wgan.optimizer) == (0.01, 5, 5e-5, "rmsprop")
    assert (gp.gradient_penalty, gp.n_critic, gp.lr, gp.betas, gp.clip) == (10.0, 5, 1e-4, (0.0, 0.9), None)
    assert gt.get_gan_loss("non-saturating").n_critic == 1 and gt.get_gan_loss("lsgan").probabilistic is False


def test_gradient_penalty_of_a_linear_critic_is_exact():
    # f(x) = w . x has gradient w everywhere, so the penalty is (|w| - 1)^2 whatever the interpolates.
    w = torch.tensor([3.0, 4.0])
    critic = lambda x: x @ w
    gp = L.gradient_penalty(critic, torch.randn(16, 2), torch.randn(16, 2))
    assert gp.item() == pytest.approx((5.0 - 1.0) ** 2)


def test_gradient_penalty_uses_one_alpha_per_sample_at_the_interpolates():
    # f(x) = |x|^2 / 2 has gradient x, so the penalty reveals where the gradient was taken.
    real = torch.ones(8, 1, 4, 4)
    fake = torch.zeros(8, 1, 4, 4)
    g = torch.Generator().manual_seed(0)
    gp = L.gradient_penalty(lambda x: 0.5 * x.flatten(1).pow(2).sum(1), real, fake, generator=g)
    alpha = torch.rand(8, 1, 1, 1, generator=torch.Generator().manual_seed(0))   # the same draws
    # interpolate alpha * 1 + (1 - alpha) * 0 = alpha in all 16 pixels: gradient norm 4 * alpha
    assert gp.item() == pytest.approx(((4 * alpha.flatten() - 1) ** 2).mean().item(), rel=1e-6)
    # a per-pixel alpha would have drawn 8 * 16 numbers and given a different value
    pixel_alpha = torch.rand(8, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    assert gp.item() != pytest.approx(((pixel_alpha.flatten(1).norm(dim=1) - 1) ** 2).mean().item(), rel=1e-3)


def test_gradient_penalty_is_differentiable_with_respect_to_the_critic():
    lin = torch.nn.Linear(3, 1)
    gp = L.gradient_penalty(lambda x: lin(x).squeeze(1), torch.randn(8, 3), torch.randn(8, 3))
    gp.backward()
    # d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w|
    w = lin.weight.detach()
    assert torch.allclose(lin.weight.grad, 2 * (w.norm() - 1) * w / w.norm(), atol=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        L.gradient_penalty(lambda x: x.sum(1), torch.zeros(4, 2), torch.zeros(3, 2))
