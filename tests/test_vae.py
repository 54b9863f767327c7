"""The VAE module: the likelihood estimator against an exact answer, the objectives, the loop, the errors."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gantutor as gt
from gantutor import theory
from gantutor import vae as V


class LinearGaussianVAE(V.VAE):
    """p(z) = N(0, I), p(x|z) = N(Wz + b, s^2 I) on 784 pixels; W has orthogonal columns, so the exact posterior is
    a diagonal Gaussian. ``shift`` moves the encoder's mean away from the exact posterior mean."""

    def __init__(self, latent=3, sigma=0.5, shift=0.0, widen=1.0, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        q, _ = torch.linalg.qr(torch.randn(784, latent, generator=g, dtype=torch.float64))
        self.W = q * torch.tensor([2.0, 1.0, 0.5][:latent], dtype=torch.float64)
        self.b = 0.1 * torch.randn(784, generator=g, dtype=torch.float64)
        self.sigma, self.shift, self.widen, self.latent_dim, self.num_classes = sigma, shift, widen, latent, None
        self.dummy = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))   # gives the model a device
        self.model = theory.LinearGaussianModel(self.W, self.b, sigma)

    def _encode(self, x, onehot):
        mean, cov = self.model.posterior(x.flatten(1).double())
        logvar = (cov.diagonal() * self.widen).log().expand_as(mean)
        return mean + self.shift, logvar

    def _decode(self, z, onehot):
        return z.double() @ self.W.T + self.b

    def decode(self, z, y=None):
        return self._decode(z.reshape(-1, self.latent_dim), None).reshape(*z.shape[:-1], 784)

    def log_px(self, x, mean):
        logvar = torch.full_like(mean, 2 * math.log(self.sigma))
        return theory.diag_gaussian_log_prob(x.flatten(1).double(), mean, logvar)


def _data(model, n=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, model.latent_dim, generator=g, dtype=torch.float64)
    x = z @ model.W.T + model.b + model.sigma * torch.randn(n, 784, generator=g, dtype=torch.float64)
    return x.view(n, 1, 28, 28)


def test_log_likelihood_is_exact_with_the_exact_posterior():
    model = LinearGaussianVAE()
    x = _data(model)
    exact = model.model.log_marginal(x.flatten(1))
    est = V.log_likelihood(model, x, k=50, progress="off")
    # with the exact posterior as proposal every importance weight equals p(x): zero variance
    assert torch.allclose(est, exact, atol=1e-8, rtol=0)


def test_log_likelihood_converges_with_a_wrong_proposal():
    model = LinearGaussianVAE(shift=0.1, widen=1.5)     # a proposal off-centre and too wide
    x = _data(model, n=6)
    exact = model.model.log_marginal(x.flatten(1))
    elbo = V.log_likelihood(model, x, k=1, progress="off", seed=3)
    est = V.log_likelihood(model, x, k=5000, progress="off", seed=3)
    assert (exact - est).abs().max() < 0.05          # within 0.05 nats with k = 5000 ...
    assert (exact - elbo).mean() > 0.1                # ... while one sample (the ELBO) is clearly below
    assert (exact - est).abs().mean() < 0.2 * (exact - elbo).mean()


def test_elbo_terms_match_closed_forms():
    torch.manual_seed(0)
    model = V.MLPVAE(latent_dim=4, hidden=(16,))
    x = torch.rand(5, 1, 28, 28).round()
    t = V.vae_terms(model, x, generator=torch.Generator().manual_seed(0))
    mu, logvar = model.encode(x)
    assert torch.allclose(t["kl"], theory.gaussian_kl_standard_normal(mu, logvar))
    assert torch.allclose(t["bound"], -(t["recon"] + t["kl"]))
    assert torch.allclose(V.vae_loss(t), (t["recon"] + t["kl"]).mean())
    assert torch.allclose(V.vae_loss(t, beta=3.0), (t["recon"] + 3 * t["kl"]).mean())
    # Bernoulli log-likelihood = minus binary cross-entropy on the probabilities
    logits = torch.randn(1, 1, 28, 28)
    p = torch.sigmoid(logits)
    manual = (x[:1] * p.log() + (1 - x[:1]) * (1 - p).log()).sum()
    assert torch.allclose(model.log_px(x[:1], logits), manual.view(1), atol=1e-4)


def test_free_bits_floor_each_dimension():
    torch.manual_seed(0)
    model = V.MLPVAE(latent_dim=6, hidden=(16,))
    x = torch.rand(8, 1, 28, 28).round()
    t = V.vae_terms(model, x)
    floor = float(t["kl_dims"].detach().mean(0).max()) + 1.0      # above every dimension's KL
    loss = V.vae_loss(t, free_bits=floor)
    assert torch.allclose(loss, t["recon"].mean() + 6 * floor)
    # ... so the KL term gives the encoder no gradient any more
    model.zero_grad()
    V.vae_loss(V.vae_terms(model, x, generator=torch.Generator().manual_seed(0)), free_bits=floor).backward()
    g_free = [p.grad.clone() for p in model.encoder.parameters()]
    model.zero_grad()
    t = V.vae_terms(model, x, generator=torch.Generator().manual_seed(0))
    t["recon"].mean().backward()
    assert all(torch.allclose(a, p.grad, atol=1e-6) for a, p in zip(g_free, model.encoder.parameters()))


def test_iwae_bound_is_above_the_elbo_on_average():
    torch.manual_seed(0)
    model = V.MLPVAE(latent_dim=4, hidden=(32,))
    x = torch.rand(64, 1, 28, 28).round()
    g = torch.Generator().manual_seed(0)
    elbo = torch.stack([V.vae_terms(model, x, k=1, generator=g)["bound"] for _ in range(20)]).mean()
    iwae = torch.stack([V.vae_terms(model, x, k=10, generator=g)["bound"] for _ in range(20)]).mean()
    assert iwae > elbo


def test_reparameterised_gradient_matches_the_analytic_one():
    # d/dmu E_{z ~ N(mu, s^2)}[z^2] = 2 mu, estimated through the reparameterisation z = mu + s eps
    mu = torch.tensor(0.7, requires_grad=True)
    s = torch.tensor(0.3)
    eps = torch.randn(200000, generator=torch.Generator().manual_seed(0))
    (mu + s * eps).pow(2).mean().backward()
    assert abs(mu.grad.item() - 1.4) < 0.01


@given(st.floats(0.0, 1.0))
@settings(max_examples=25, deadline=None)
def test_binarize_keeps_the_intensity_on_average(p):
    img = torch.full((20000,), 2 * p - 1)
    b = V.binarize(img, torch.Generator().manual_seed(0))
    assert set(b.unique().tolist()) <= {0.0, 1.0}
    assert abs(float(b.mean()) - p) < 0.02


@pytest.mark.parametrize("make", [lambda c: V.MLPVAE(latent_dim=3, hidden=(16,), num_classes=c),
                                  lambda c: V.ConvVAE(latent_dim=3, width=4, num_classes=c)])
@pytest.mark.parametrize("classes", [None, 10])
def test_shapes_and_sampling(make, classes):
    model = make(classes)
    x = torch.rand(5, 1, 28, 28)
    y = None if classes is None else torch.arange(5)
    logits, mu, logvar = model(x, y)
    assert logits.shape == x.shape and mu.shape == logvar.shape == (5, 3)
    z = torch.randn(7, 5, 3)                                   # (k, N, latent)
    assert model.decode(z, y).shape == (7, 5, 1, 28, 28)
    s = V.sample_vae(model, 12, seed=0)
    assert s.shape == (12, 1, 28, 28) and 0 <= float(s.min()) and float(s.max()) <= 1
    assert torch.equal(s, V.sample_vae(model, 12, seed=0))


def test_errors_say_what_to_do():
    cond = V.MLPVAE(latent_dim=2, hidden=(8,), num_classes=10)
    with pytest.raises(ValueError, match="conditional VAE: pass the labels"):
        cond.encode(torch.rand(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"labels must be 2 class indices in 0\.\.9"):
        cond.encode(torch.rand(2, 1, 28, 28), torch.tensor([0, 10]))
    plain = V.MLPVAE(latent_dim=2, hidden=(8,))
    with pytest.raises(ValueError, match="not conditional"):
        plain.encode(torch.rand(2, 1, 28, 28), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"shape \(N, 1, 28, 28\)"):
        plain.encode(torch.rand(2, 784))
    with pytest.raises(ValueError, match="latent_dim=2"):
        plain.decode(torch.rand(2, 3))
    batches = gt.TensorBatches(torch.rand(16, 1, 28, 28) * 2 - 1, batch_size=4)
    with pytest.raises(ValueError, match="beta=1"):
        V.train_vae(plain, batches, steps=2, k=5, beta=2.0, progress="off")
    with pytest.raises(ValueError, match="labelled batches"):
        V.train_vae(cond, batches, steps=2, progress="off")
    with pytest.raises(ValueError, match="checkpoint=<file>"):
        V.train_vae(plain, batches, steps=2, resume=True, progress="off")
    with pytest.raises(ValueError, match="activation"):
        V.MLPVAE(activation="sigmoid")


def _blobs(n=256, seed=0):
    """Images of a bright square at one of four positions (in [-1, 1])."""
    g = torch.Generator().manual_seed(seed)
    x = -torch.ones(n, 1, 28, 28)
    pos = torch.randint(4, (n,), generator=g)
    for i, p in enumerate(pos.tolist()):
        r, c = divmod(p, 2)
        x[i, 0, 4 + 12 * r:12 + 12 * r, 4 + 12 * c:12 + 12 * c] = 1
    return x, pos


def test_training_lowers_the_negative_elbo_and_uses_the_latents():
    torch.manual_seed(0)
    x, labels = _blobs()
    model = V.MLPVAE(latent_dim=4, hidden=(64,))
    hist = V.train_vae(model, gt.TensorBatches(x, batch_size=32, seed=0), steps=300, lr=3e-3, seed=0,
                       snapshots=3, progress="off")
    assert hist.steps == 300 and hist.snapshot_steps == [0, 150, 300]
    assert float(-hist.elbo[-20:].mean()) < 0.3 * float(-hist.elbo[:5].mean())
    n_active, var = V.active_units(model, V.to_unit(x))
    assert n_active >= 1 and var.shape == (4,)
    recon = V.reconstruct(model, V.to_unit(x[:8]))
    assert (recon.round() == V.to_unit(x[:8])).float().mean() > 0.98


def test_warmup_schedule_and_resume_is_exact(tmp_path):
    x, labels = _blobs(64)
    ck = tmp_path / "vae.pt"

    def fresh():
        torch.manual_seed(0)
        return (V.MLPVAE(latent_dim=2, hidden=(16,), num_classes=4),
                gt.TensorBatches(x, labels, batch_size=16, seed=0))

    full = V.train_vae(*fresh(), steps=20, warmup_steps=10, seed=0, progress="off")
    assert torch.allclose(full.beta[:10], torch.arange(1, 11) / 10) and (full.beta[10:] == 1).all()
    part = V.train_vae(*fresh(), steps=10, warmup_steps=10, seed=0, progress="off", checkpoint=ck)
    resumed = V.train_vae(*fresh(), steps=20, warmup_steps=10, seed=0, progress="off", checkpoint=ck, resume=True)
    assert torch.equal(part.loss, full.loss[:10])
    assert torch.equal(resumed.loss, full.loss)          # steps 11-20 after a restart equal the uninterrupted run
