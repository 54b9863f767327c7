"""CycleGAN: the domains, the networks, the losses the loop optimises, and its error messages."""

import pytest
import torch

import gantutor as gt
from gantutor import cyclegan as C
from gantutor import losses as L


def images(n, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_thicken_is_a_dilation():
    x = torch.full((1, 1, 28, 28), -1.0)
    x[0, 0, 10, 12] = 1.0                                   # one bright pixel
    y = C.thicken(x)
    assert (y >= x).all()                                   # a dilation never darkens
    assert y[0, 0, 9:12, 11:14].eq(1).all() and y.eq(1).sum() == 9   # it becomes a 3×3 block
    assert C.thicken(x, size=5).eq(1).sum() == 25
    z = images(4)
    assert torch.equal(C.thicken(z, size=1), z)


@pytest.mark.parametrize("bad", [torch.zeros(4, 784), torch.zeros(4, 3, 28, 28)])
def test_thicken_rejects_wrong_shapes(bad):
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        C.thicken(bad)


def test_thicken_rejects_even_size():
    with pytest.raises(ValueError, match="odd"):
        C.thicken(images(1), size=2)


def test_domains_are_disjoint_halves():
    x = torch.arange(10.0).view(10, 1, 1, 1).expand(10, 1, 2, 2).contiguous()
    labels = torch.arange(10)
    a, ya, b, yb = C.make_domains(x, labels, lambda t: -t, seed=3)
    assert len(a) == len(b) == 5
    assert set(ya.tolist()).isdisjoint(yb.tolist()) and set(ya.tolist()) | set(yb.tolist()) == set(range(10))
    assert torch.equal(a[:, 0, 0, 0], ya.float())           # A is untouched
    assert torch.equal(b[:, 0, 0, 0], -yb.float())          # B is transformed
    with pytest.raises(ValueError, match="labels"):
        C.make_domains(x, labels[:3], C.thicken)


def test_network_shapes():
    g, d = C.TranslationGenerator(width=4, blocks=1), C.PatchDiscriminator(width=4)
    x = images(3)
    y = g(x)
    assert y.shape == x.shape and y.abs().max() <= 1
    assert d(x).shape == (3, 49)
    with pytest.raises(ValueError, match="reshape"):
        g(torch.zeros(3, 784))


def build(seed=0, width=4):
    torch.manual_seed(seed)
    return (C.TranslationGenerator(width, 1), C.TranslationGenerator(width, 1), C.PatchDiscriminator(width),
            C.PatchDiscriminator(width))


def test_first_step_records_the_losses_it_optimises():
    """The recorded terms at step 1 equal the formulas, computed independently from copies of the initial nets."""
    import copy
    nets = build()
    g_ab, g_ba, d_a, d_b = (copy.deepcopy(n) for n in nets)
    a, b = images(8, 1), C.thicken(images(8, 2))
    h = C.train_cyclegan(*nets, iter([a]), iter([b]), steps=1, progress="off")
    fake_b, fake_a = g_ab(a), g_ba(b)
    cycle = (g_ba(fake_b) - a).abs().mean() + (g_ab(fake_a) - b).abs().mean()
    identity = (g_ab(b) - b).abs().mean() + (g_ba(a) - a).abs().mean()
    g_adv = L.least_squares_generator_loss(d_b(fake_b).flatten()) + L.least_squares_generator_loss(
        d_a(fake_a).flatten())
    torch.testing.assert_close(h.column("cycle")[0], cycle.detach(), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(h.column("identity")[0], identity.detach(), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(h.column("g_adv")[0], g_adv.detach(), rtol=1e-5, atol=1e-6)
    # the discriminators are scored after the generators' update, on the translations made before it
    d_a_loss = L.least_squares_discriminator_loss(d_a(a).flatten(), d_a(fake_a.detach()).flatten())
    torch.testing.assert_close(h.column("d_a")[0], d_a_loss.detach(), rtol=1e-5, atol=1e-6)


def test_cycle_loss_drives_the_round_trip():
    """With only the cycle term (no adversary, no identity), training makes G_BA(G_AB(a)) ≈ a."""
    g_ab, g_ba, d_a, d_b = build(1)
    zero_adv = L.GANLoss(lambda r, f: (r * 0).sum() + (f * 0).sum(), lambda f: (f * 0).sum())
    a = gt.TensorBatches(images(64, 3), batch_size=16)
    b = gt.TensorBatches(C.thicken(images(64, 4)), batch_size=16)
    h = C.train_cyclegan(g_ab, g_ba, d_a, d_b, a, b, steps=60, loss=zero_adv, identity_weight=0, lr=2e-3,
                         progress="off")
    cyc = h.column("cycle")
    assert cyc[-10:].mean() < 0.6 * cyc[0]


def test_cycle_weight_reaches_the_generators():
    """The cycle term reaches the generators' gradients: one step with cycle_weight 0 and one with 1, from the same
    weights and batches, leave different generators."""
    nets1, nets2 = build(5), build(5)
    a, b = images(8, 6), images(8, 7)
    C.train_cyclegan(*nets1, iter([a]), iter([b]), steps=1, cycle_weight=0.0, progress="off")
    C.train_cyclegan(*nets2, iter([a]), iter([b]), steps=1, cycle_weight=1.0, progress="off")
    differ = any(not torch.equal(p, q) for p, q in zip(nets1[0].parameters(), nets2[0].parameters()))
    assert differ


def test_snapshots_and_translate():
    nets = build()
    a = gt.TensorBatches(images(32), batch_size=8)
    b = gt.TensorBatches(images(32, 1), batch_size=8)
    h = C.train_cyclegan(*nets, a, b, steps=4, snapshots=3, fixed_a=images(2), fixed_b=images(2, 1), progress="off")
    assert h.snapshot_steps == [0, 2, 4]
    assert h.snapshots[0][0].shape == (2, 1, 28, 28)
    out = C.translate(nets[0], images(5), batch_size=2)
    assert out.shape == (5, 1, 28, 28) and not out.requires_grad
    with pytest.raises(KeyError, match="columns"):
        h.column("nope")


def test_errors():
    nets = build()
    a, b = images(8), images(4)
    with pytest.raises(ValueError, match="same batch size"):
        C.train_cyclegan(*nets, iter([a]), iter([b]), steps=1, progress="off")
    with pytest.raises(ValueError, match="penalty"):
        C.train_cyclegan(*nets, iter([a]), iter([a]), steps=1, loss="wgan-gp", progress="off")
    with pytest.raises(ValueError, match="positive integer"):
        C.train_cyclegan(*nets, iter([a]), iter([a]), steps=0, progress="off")
    with pytest.raises(ValueError, match=">= 0"):
        C.train_cyclegan(*nets, iter([a]), iter([a]), steps=1, cycle_weight=-1, progress="off")


def test_non_finite_losses_stop_training_with_the_step():
    nets = build()
    bad = torch.full((4, 1, 28, 28), float("nan"))
    with pytest.raises(gt.TrainingDiverged, match="step 1: d_a = nan"):
        C.train_cyclegan(*nets, iter([bad] * 60), iter([bad] * 60), steps=60, progress="off")
