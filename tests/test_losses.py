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
    with pytest.raises(ValueError, match="Known losses: minimax, non-saturating"):
        gt.get_gan_loss("wgan")
    with pytest.raises(ValueError, match=r"Squeeze the discriminator's \(N, 1\) output"):
        gt.discriminator_loss(torch.zeros(4, 1), torch.zeros(4, 1))
