import math

import pytest
import torch
from torch import nn

import gantutor as gt


class FrozenGenerator(nn.Module):
    """A generator that cannot reach the data: its points stay within about 0.8 of the origin."""

    latent_dim = 2

    def __init__(self):
        super().__init__()
        self.shift = nn.Parameter(torch.zeros(2))

    def forward(self, z):
        return 0.5 * torch.tanh(self.shift) + 0.1 * z


def small_discriminator():
    return nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Flatten(0))


def test_discriminator_loss_falls_on_separable_data():
    torch.manual_seed(0)
    real = torch.full((256, 2), 3.0) + 0.1 * torch.randn(256, 2)
    batches = gt.TensorBatches(real, batch_size=32)
    hist = gt.train_gan(FrozenGenerator(), small_discriminator(), batches, steps=200, lr=1e-2, seed=0,
                        progress="off")
    assert hist.d_loss[:5].mean() > 1.0  # starts near 2 log 2
    assert hist.d_loss[-20:].mean() < 0.05
    assert hist.d_real[-20:].mean() > 0.97 and hist.d_fake[-20:].mean() < 0.03


def test_history_and_snapshots():
    torch.manual_seed(0)
    G, D = gt.MLPGenerator(latent_dim=8), gt.MLPDiscriminator()
    data = torch.rand(64, 1, 28, 28) * 2 - 1
    noise = torch.randn(4, 8)
    with torch.no_grad():
        before = G(noise)
    hist = gt.train_gan(G, D, gt.TensorBatches(data, batch_size=16), steps=10, snapshots=3, fixed_noise=noise,
                        progress="log", seed=1)
    assert hist.steps == 10 and hist.d_loss.shape == (10,)
    assert hist.snapshot_steps == [0, 5, 10]
    assert torch.equal(hist.snapshots[0], before)
    assert not torch.equal(hist.snapshots[-1], before)  # G was trained
    assert all(0 <= v <= 1 for v in (*hist.d_real.tolist(), *hist.d_fake.tolist()))
    means = hist.tail_means(0.5)
    assert means["d_loss"] == pytest.approx(hist.d_loss[-5:].mean().item())


def test_on_snapshot_is_called_at_snapshot_steps_and_does_not_change_training():
    data = torch.rand(64, 1, 28, 28) * 2 - 1

    def run(callback):
        torch.manual_seed(0)
        G, D = gt.MLPGenerator(latent_dim=8), gt.MLPDiscriminator()
        return gt.train_gan(G, D, gt.TensorBatches(data, batch_size=16), steps=6, snapshots=3, seed=1,
                            progress="off", on_snapshot=callback)

    seen = []
    with_cb = run(lambda step, G: seen.append(G.training) or gt.sample(G, 4, seed=0).mean().item() + step)
    without = run(None)
    assert [s for s, _ in with_cb.evaluations] == [0, 3, 6] and seen == [False, False, False]
    assert torch.equal(with_cb.d_loss, without.d_loss) and without.evaluations == []


def test_seeded_runs_repeat():
    def run():
        torch.manual_seed(0)
        G, D = gt.MLPGenerator(latent_dim=4), gt.MLPDiscriminator(dropout=0.0)
        data = torch.linspace(-1, 1, 32 * 784).view(32, 1, 28, 28)
        return gt.train_gan(G, D, gt.TensorBatches(data, batch_size=8, seed=0), steps=5, seed=3, progress="off")
    a, b = run(), run()
    assert torch.equal(a.d_loss, b.d_loss) and torch.equal(a.g_loss, b.g_loss)


def test_minimax_and_nonsaturating_start_at_their_closed_forms():
    """With D ≈ 1/2 at initialisation, L_G starts near log(1/2) (minimax) and log 2 (non-saturating)."""
    for loss, value in (("minimax", -math.log(2)), ("non-saturating", math.log(2))):
        torch.manual_seed(0)
        D = small_discriminator()
        with torch.no_grad():
            for p in D.parameters():
                p.zero_()
        hist = gt.train_gan(FrozenGenerator(), D, gt.TensorBatches(torch.randn(64, 2), batch_size=16), steps=1,
                            loss=loss, progress="off")
        assert hist.g_loss[0].item() == pytest.approx(value, abs=1e-3)


def test_training_errors():
    G, D = gt.MLPGenerator(), gt.MLPDiscriminator()
    batches = gt.TensorBatches(torch.zeros(8, 1, 28, 28), batch_size=4)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        gt.train_gan(G, D, batches, steps=0)
    with pytest.raises(ValueError, match="Unknown GAN loss"):
        gt.train_gan(G, D, batches, steps=1, loss="hinge-ish")
    with pytest.raises(ValueError, match="progress must be"):
        gt.train_gan(G, D, batches, steps=1, progress="loud")
    with pytest.raises(TypeError, match="latent_dim"):
        gt.train_gan(nn.Linear(2, 2), D, batches, steps=1)


def test_real_mnist_discriminator_learns_quickly(mnist_root):
    gt.seed_everything(0)
    data = gt.load_mnist(subset=1024)
    hist = gt.train_gan(gt.MLPGenerator(), gt.MLPDiscriminator(), gt.TensorBatches(data.images, batch_size=64),
                        steps=30, progress="off", seed=0)
    assert hist.d_real[-10:].mean() > hist.d_fake[-10:].mean()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_runs_on_cuda():
    dev = torch.device("cuda")
    G, D = gt.MLPGenerator().to(dev), gt.MLPDiscriminator().to(dev)
    data = torch.rand(64, 1, 28, 28, device=dev) * 2 - 1
    hist = gt.train_gan(G, D, gt.TensorBatches(data, batch_size=16), steps=5, snapshots=2, progress="off")
    assert hist.d_loss.device.type == "cpu" and hist.snapshots[0].device.type == "cpu"


def test_plots_run(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    G, D = gt.MLPGenerator(), gt.MLPDiscriminator()
    hist = gt.train_gan(G, D, gt.TensorBatches(torch.zeros(32, 1, 28, 28), batch_size=8), steps=4, snapshots=2,
                        progress="off")
    gt.plot_gan_history(hist)
    fig = gt.plot_snapshots(hist)
    assert len([ax for ax in fig.axes if ax.get_title()]) == 2            # initial and final snapshot, one row
    fig = gt.plot_snapshots(gt.train_gan(G, D, gt.TensorBatches(torch.zeros(32, 1, 28, 28), batch_size=8), steps=6,
                                         snapshots=7, progress="off"), per_row=4)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == 7 and len(fig.axes) == 8 and titled[-1].get_title() == "step 6"   # 2 rows of 4, one blank
    rows = gt.show_image_rows({"first": hist.snapshots[0][:4], "last": hist.snapshots[-1][:4]})
    assert [t.get_text() for t in rows.get_yticklabels()] == ["first", "last"]
    assert [round(y) for y in rows.get_yticks()] == [16, 46]              # row centres: 2 + 30 i + 14
    with pytest.raises(ValueError, match="same number of images"):
        gt.show_image_rows({"a": hist.snapshots[0][:4], "b": hist.snapshots[0][:3]})
    ax = gt.show_images(hist.snapshots[-1][:8], nrow=4, title="x")
    assert gt.image_grid(hist.snapshots[-1][:8], nrow=4).shape[-1] == 3
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        gt.image_grid(torch.zeros(2, 2, 2, 2, 2))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        gt.scatter_2d(torch.zeros(3, 3))
    plt.savefig(tmp_path / "x.png")
    plt.close("all")
    assert ax is not None


def test_training_step_source_shows_the_real_ordering():
    src = gt.training_step_source()
    assert src.startswith("for _ in range(objective.n_critic):")
    d_pos = src.index("discriminator(fake.detach(), *cond)")
    g_pos = src.index("objective.generator(discriminator(fake, *cond))")
    assert d_pos < src.index("opt_d.step()") < g_pos < src.index("opt_g.step()")
    assert src.index("opt_d.zero_grad") < src.index("d_loss.backward()")
    assert "[/step]" not in src


def test_train_discriminator_approaches_the_optimal_discriminator():
    from gantutor import theory as th
    torch.manual_seed(0)
    net = gt.ToyDiscriminator(hidden=32, dim=1)
    losses = gt.train_discriminator(net, lambda n: torch.randn(n, 1) - 1.0, lambda n: torch.randn(n, 1) + 1.0,
                                    steps=400, batch_size=256, lr=3e-3)
    x = torch.linspace(-2.5, 2.5, 51)
    with torch.no_grad():
        d = torch.sigmoid(net(x.unsqueeze(1)))
    d_star = th.optimal_discriminator(th.gaussian_pdf(x, -1.0, 1.0), th.gaussian_pdf(x, 1.0, 1.0))
    assert (d - d_star).abs().max() < 0.1
    assert losses[-50:].mean() < losses[:10].mean()
    with pytest.raises(ValueError, match="positive integer"):
        gt.train_discriminator(net, None, None, steps=0)


@pytest.mark.parametrize("loss", ["minimax", "non-saturating", "wgan", "wgan-gp", "lsgan", "hinge"])
def test_every_registered_loss_trains_through_the_same_loop(loss):
    torch.manual_seed(0)
    G, D = gt.ToyGenerator(hidden=16), gt.ToyDiscriminator(hidden=16)
    data = gt.sample_ring(512, generator=torch.Generator().manual_seed(0))
    batches = gt.TensorBatches(data, batch_size=64)
    hist = gt.train_gan(G, D, batches, steps=6, loss=loss, progress="off", seed=0)
    objective = gt.get_gan_loss(loss)
    assert hist.steps == 6 and torch.isfinite(hist.d_loss).all() and torch.isfinite(hist.g_loss).all()
    # n_critic discriminator updates, each on a fresh real batch, per step
    assert batches._pos + (batches.epoch - 1) * batches.batches_per_epoch == 6 * objective.n_critic
    assert hist.probabilities == objective.probabilistic
    expected_lr = objective.lr or 2e-4
    assert hist.optimizer["lr"] == expected_lr and hist.optimizer["optimizer"] == (objective.optimizer or "adam")
    if objective.clip is not None:
        assert all(p.abs().max() <= objective.clip for p in D.parameters())


def test_conditional_training_needs_labelled_batches():
    torch.manual_seed(0)
    G = gt.models.DCGANGenerator(latent_dim=8, width=4, num_classes=10)
    D = gt.models.DCGANDiscriminator(width=4, num_classes=10)
    images, labels = torch.rand(64, 1, 28, 28) * 2 - 1, torch.arange(64) % 10
    hist = gt.train_gan(G, D, gt.TensorBatches(images, labels, batch_size=16), steps=2, snapshots=2,
                        progress="off")
    assert hist.snapshots[-1].shape == (64, 1, 28, 28)
    with pytest.raises(ValueError, match=r"TensorBatches\(images, labels"):
        gt.train_gan(G, D, gt.TensorBatches(images, batch_size=16), steps=1, progress="off")


def test_two_time_scale_rates():
    """lr_d gives the discriminator its own rate (TTUR); lr_d = lr trains exactly as leaving it unset; with lr_decay
    each rate decays from its own first value; a bad rate is refused with what to do."""
    from gantutor.gan import make_optimizers

    G, D = nn.Linear(2, 2), nn.Linear(2, 1)
    opt_g, opt_d = make_optimizers(G, D, "adam", 1e-4, (0.0, 0.9), [], lr_d=4e-4)
    assert opt_g.param_groups[0]["lr"] == 1e-4 and opt_d.param_groups[0]["lr"] == 4e-4
    runs = []
    for lr_d in (None, 2e-4):
        torch.manual_seed(0)
        g, d = gt.ToyGenerator(hidden=16, depth=2), gt.ToyDiscriminator(hidden=16, depth=2)
        runs.append(gt.train_gan(g, d, gt.TensorBatches(torch.randn(64, 2), batch_size=16, seed=0), steps=5,
                                 lr=2e-4, lr_d=lr_d, seed=0, progress="off"))
    assert torch.equal(runs[0].d_loss, runs[1].d_loss) and torch.equal(runs[0].g_loss, runs[1].g_loss)
    assert runs[1].optimizer["lr_d"] == 2e-4
    with pytest.raises(ValueError, match="leave it unset"):
        gt.train_gan(g, d, gt.TensorBatches(torch.randn(64, 2), batch_size=16), steps=1, lr_d=0, progress="off")


def test_lr_decay_is_linear_in_the_step():
    """lr_decay: step s of n uses lr·(n − s + 1)/n. With plain SGD and a generator whose gradient does not depend on
    its parameter, the total move of that parameter is lr·g·Σ_s (n − s + 1)/n = lr·g·(n + 1)/2, versus lr·g·n."""

    class Shift(nn.Module):
        latent_dim = 1

        def __init__(self):
            super().__init__()
            self.b = nn.Parameter(torch.zeros(1))

        def forward(self, z):
            return z * 0 + self.b

    class Fixed(nn.Module):                           # D(x) = x: the generator's gradient is constant
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return x.squeeze(1) * 1.0 + self.w * 0

    n, lr = 4, 0.1
    moves = {}
    for decay in (False, True):
        G = Shift()
        hist = gt.train_gan(G, Fixed(), gt.TensorBatches(torch.zeros(8, 1), batch_size=4), steps=n, loss="hinge",
                            optimizer="sgd", lr=lr, lr_decay=decay, progress="off", seed=0)
        moves[decay] = G.b.item()
        assert hist.optimizer["lr_decay"] is decay
    # hinge generator loss -mean(D(G(z))) = -b: gradient -1 per step
    assert moves[False] == pytest.approx(lr * n)
    assert moves[True] == pytest.approx(lr * (n + 1) / 2)
    G = Shift()   # with a discriminator rate of its own, the generator's rate still decays from lr
    gt.train_gan(G, Fixed(), gt.TensorBatches(torch.zeros(8, 1), batch_size=4), steps=n, loss="hinge",
                 optimizer="sgd", lr=lr, lr_d=5 * lr, lr_decay=True, progress="off", seed=0)
    assert G.b.item() == pytest.approx(lr * (n + 1) / 2)


def _info_pair():
    from gantutor.models.dcgan import DCGANDiscriminator, DCGANGenerator
    torch.manual_seed(0)
    return DCGANGenerator(num_classes=10, width=8), DCGANDiscriminator(codes=10, width=8)


def test_infogan_trains_on_unlabelled_batches_and_samples_without_labels():
    G, D = _info_pair()
    images = torch.rand(512, 1, 28, 28) * 2 - 1
    hist = gt.train_gan(G, D, gt.TensorBatches(images, batch_size=32, seed=0), steps=150, seed=0, info=1.0,
                        progress="off")
    assert math.isfinite(hist.d_loss[-1]) and math.isfinite(hist.g_loss[-1])
    assert gt.sample(G, 10, seed=0).shape == (10, 1, 28, 28)     # codes drawn by sample(), no labels needed


def test_infogan_code_loss_falls():
    """The Q head and the generator share the code's cross-entropy: it starts near log 10 (a uniform guess) and
    must fall well below it (the generator makes its code visible in the image)."""
    G, D = _info_pair()
    images = torch.rand(512, 1, 28, 28) * 2 - 1
    hist = gt.train_gan(G, D, gt.TensorBatches(images, batch_size=32, seed=0), steps=300, seed=0, info=1.0, lr=1e-3,
                        progress="off")
    assert abs(hist.info_loss[0].item() - math.log(10)) < 0.5
    assert hist.info_loss[-25:].mean().item() < 0.5 * math.log(10)


def test_infogan_errors_say_what_to_build():
    from gantutor.models.dcgan import DCGANDiscriminator, DCGANGenerator
    G, D = _info_pair()
    batches = gt.TensorBatches(torch.zeros(64, 1, 28, 28), batch_size=32, seed=0)
    with pytest.raises(ValueError, match="must be positive"):
        gt.train_gan(G, D, batches, steps=1, info=0)
    with pytest.raises(ValueError, match=r"DCGANDiscriminator\(codes=10\)"):
        gt.train_gan(G, DCGANDiscriminator(width=8), batches, steps=1, info=1.0)
    with pytest.raises(ValueError, match="num_classes=K"):
        gt.train_gan(DCGANGenerator(width=8), D, batches, steps=1, info=1.0)
    with pytest.raises(ValueError, match="gradient penalty"):
        gt.train_gan(G, D, batches, steps=1, info=1.0, loss="wgan-gp")
    with pytest.raises(ValueError, match="at least 2"):
        DCGANDiscriminator(codes=1)
