"""Checkers for the book's code exercises and the course assignments (``assignments/``).

Each ``check_*`` function runs the student's function on fixed, seeded cases against gantutor's reference
implementation and prints one line per case. A failing case says which case, what was expected and what came back,
and gives a hint — never just "wrong". By default a failure raises :class:`ExerciseFailed` (so an nbgrader test
cell fails); ``raise_on_fail=False`` only prints and returns the :class:`CheckReport`.

The references are the package's own functions (:mod:`gantutor.losses`, :mod:`gantutor.theory`), the ones the
chapters derive and test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .. import losses as L


class ExerciseFailed(AssertionError):
    """Raised by a checker when at least one case fails; the message lists every case with its hint."""


@dataclass
class CheckReport:
    """The outcome of one checker: ``cases`` is a list of ``(name, passed, message)``."""

    title: str
    cases: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.cases) and all(ok for _, ok, _ in self.cases)

    def __str__(self) -> str:
        n_ok = sum(ok for _, ok, _ in self.cases)
        lines = [f"{self.title}: {n_ok}/{len(self.cases)} checks passed"]
        for name, ok, msg in self.cases:
            lines.append(f"  {'✓' if ok else '✗'} {name}" + ("" if ok else f"\n      {msg}"))
        return "\n".join(lines)


def _fmt(t) -> str:
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.numel() == 1:
            return f"{t.item():.6g}"
        flat = t.flatten()[:4].tolist()
        return f"tensor of shape {tuple(t.shape)} starting [{', '.join(f'{v:.4g}' for v in flat)}, ...]"
    return repr(t)


def _compare(got, expected, *, atol: float, rtol: float = 1e-4, what: str = "value") -> str | None:
    """None when ``got`` matches ``expected``; else a sentence saying how it differs."""
    if not isinstance(got, torch.Tensor):
        return f"expected a tensor, got {type(got).__name__} ({got!r})."
    if got.shape != expected.shape:
        return (f"expected {what} of shape {tuple(expected.shape)}, got shape {tuple(got.shape)}.")
    if not torch.isfinite(got).all():
        return f"got a non-finite {what} ({_fmt(got)}); expected {_fmt(expected)}."
    if not torch.allclose(got.detach().double(), expected.detach().double(), atol=atol, rtol=rtol):
        err = (got.detach().double() - expected.detach().double()).abs().max().item()
        return f"expected {what} {_fmt(expected)}, got {_fmt(got)} (largest difference {err:.3g})."
    return None


NO_GRAD = ("the result does not depend on the inputs through autograd (was something detached, or computed "
           "with .item(), .numpy() or torch.no_grad()?): no gradient could reach the network.")


def _run(title: str, fn, cases, raise_on_fail: bool) -> CheckReport:
    """``cases``: (name, test, hint) where ``test(fn)`` returns None on success or a message."""
    report = CheckReport(title)
    for name, test, hint in cases:
        try:
            problem = test(fn)
        except NotImplementedError:
            problem = "not implemented yet: replace `raise NotImplementedError()` with your code."
            hint = None
        except Exception as err:  # the student's code raised: show what and where to look
            problem = f"your function raised {type(err).__name__}: {err}"
        if problem is not None and hint:
            problem += f"\n      hint: {hint}"
        report.cases.append((name, problem is None, problem))
    print(report)
    if raise_on_fail and not report.passed:
        raise ExerciseFailed(str(report))
    return report


def _logit_cases(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return {"random logits": (torch.randn(64, generator=g) * 2, torch.randn(64, generator=g) * 2),
            "confident discriminator": (torch.full((8,), 30.0), torch.full((8,), -30.0)),
            "extreme logits (±200)": (torch.tensor([200.0, -200.0, 5.0]), torch.tensor([-200.0, 200.0, -5.0]))}


# ---------------------------------------------------------------------------------------------------- GAN losses


def check_discriminator_loss(fn, *, raise_on_fail: bool = True) -> CheckReport:
    """``fn(real_logits, fake_logits)`` → the discriminator's loss, a scalar:
    :math:`-\\frac1N\\sum\\log\\sigma(r_i) - \\frac1N\\sum\\log(1-\\sigma(f_i))` (chapter *The GAN objective*)."""
    cases = []
    for name, (r, f) in _logit_cases().items():
        def test(fn, r=r, f=f):
            r1, f1 = r.clone().requires_grad_(True), f.clone().requires_grad_(True)
            got = fn(r1, f1)
            expected = L.discriminator_loss(r, f)
            problem = _compare(got, expected, atol=1e-4, what="loss")
            if problem:
                return problem
            if not got.requires_grad:
                return NO_GRAD
            got.backward()
            r2, f2 = r.clone().requires_grad_(True), f.clone().requires_grad_(True)
            L.discriminator_loss(r2, f2).backward()
            if r1.grad is None or f1.grad is None:
                return "the loss does not depend on the logits through autograd (was something detached?)."
            return _compare(r1.grad, r2.grad, atol=1e-5, what="gradient w.r.t. the real logits") or \
                _compare(f1.grad, f2.grad, atol=1e-5, what="gradient w.r.t. the fake logits")
        hint = ("work on logits: -log σ(l) = softplus(-l) and -log(1-σ(l)) = softplus(l) (or "
                "F.binary_cross_entropy_with_logits); log(torch.sigmoid(l)) gives -inf for very negative l."
                if "extreme" in name or "confident" in name else
                "average over the batch (mean, not sum), and add the real and the fake terms.")
        cases.append((name, test, hint))
    return _run("discriminator loss", fn, cases, raise_on_fail)


def check_generator_loss(fn, kind: str = "non-saturating", *, raise_on_fail: bool = True) -> CheckReport:
    """``fn(fake_logits)`` → the generator's loss: ``kind="non-saturating"``: :math:`-\\frac1N\\sum\\log\\sigma(f_i)`;
    ``"minimax"``: :math:`\\frac1N\\sum\\log(1-\\sigma(f_i))`."""
    refs = {"non-saturating": L.generator_loss_nonsaturating, "minimax": L.generator_loss_minimax}
    if kind not in refs:
        raise ValueError(f"kind must be 'non-saturating' or 'minimax', got {kind!r}.")
    ref = refs[kind]
    cases = []
    for name, (_, f) in _logit_cases(1).items():
        def test(fn, f=f):
            f1 = f.clone().requires_grad_(True)
            got = fn(f1)
            problem = _compare(got, ref(f), atol=1e-4, what="loss")
            if problem:
                return problem
            if not got.requires_grad:
                return NO_GRAD
            got.backward()
            f2 = f.clone().requires_grad_(True)
            ref(f2).backward()
            return _compare(f1.grad, f2.grad, atol=1e-5, what="gradient w.r.t. the fake logits")
        hint = ("the non-saturating loss is -mean(log σ(f)) = mean(softplus(-f)): the generator maximises log D(G(z))"
                if kind == "non-saturating" else
                "the minimax generator loss is +mean(log(1-σ(f))) = -mean(softplus(f)): it is minimised")
        cases.append((name, test, hint))
    return _run(f"generator loss ({kind})", fn, cases, raise_on_fail)


def reference_gan_step(G: nn.Module, D: nn.Module, opt_g, opt_d, real: torch.Tensor, z: torch.Tensor):
    """One non-saturating GAN step in the order of :func:`gantutor.train_gan`; returns ``(d_loss, g_loss)``."""
    fake = G(z)
    d_loss = L.discriminator_loss(D(real), D(fake.detach()))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    for p in D.parameters():
        p.requires_grad_(False)
    g_loss = L.generator_loss_nonsaturating(D(fake))
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    for p in D.parameters():
        p.requires_grad_(True)
    return d_loss.detach(), g_loss.detach()


def _step_setup(seed: int):
    from ..data import sample_ring
    from ..models.toy import ToyDiscriminator, ToyGenerator

    torch.manual_seed(seed)
    G, D = ToyGenerator(hidden=32, depth=2), ToyDiscriminator(hidden=32, depth=2)
    g = torch.Generator().manual_seed(seed)
    real, z = sample_ring(64, generator=g), torch.randn(64, 2, generator=g)

    def optimisers(G, D):
        return (torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999)),
                torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999)))
    return G, D, real, z, optimisers


def check_gan_step(fn, *, raise_on_fail: bool = True) -> CheckReport:
    """``fn(G, D, opt_g, opt_d, real, z)`` performs one training step — the discriminator step on ``real`` and the
    detached fakes ``G(z)``, then the generator step with the non-saturating loss through the *updated* D — and
    returns ``(d_loss, g_loss)`` (chapter *Your first GAN*)."""
    def outcome(step, seed, steps=1):
        G, D, real, z, optimisers = _step_setup(seed)
        opt_g, opt_d = optimisers(G, D)
        out = [step(G, D, opt_g, opt_d, real, z) for _ in range(steps)]
        return G, D, out

    def losses(fn):
        _, _, got = outcome(fn, 0)
        _, _, exp = outcome(reference_gan_step, 0)
        if not (isinstance(got[0], (tuple, list)) and len(got[0]) == 2):
            return f"return (d_loss, g_loss), a pair of scalar tensors; got {_fmt(got[0])}."
        return _compare(torch.as_tensor(got[0][0]).reshape(()), exp[0][0], atol=1e-5, what="d_loss") or \
            _compare(torch.as_tensor(got[0][1]).reshape(()), exp[0][1], atol=1e-5, what="g_loss")

    def weights(fn, which):
        Gs, Ds, _ = outcome(fn, 1, steps=3)
        Gr, Dr, _ = outcome(reference_gan_step, 1, steps=3)
        net_s, net_r = (Ds, Dr) if which == "D" else (Gs, Gr)
        got = torch.cat([p.detach().flatten() for p in net_s.parameters()])
        exp = torch.cat([p.detach().flatten() for p in net_r.parameters()])
        return _compare(got, exp, atol=1e-5, what=f"{which}'s weights after 3 steps")

    def leaves_no_frozen_weights(fn):
        G, D, _ = outcome(fn, 2)
        frozen = [n for n, p in list(G.named_parameters()) + list(D.named_parameters()) if not p.requires_grad]
        if frozen:
            return f"after the step these weights no longer require gradients: {', '.join(frozen[:3])}."
        return None

    cases = [
        ("losses of the first step", losses,
         "D step: L_D = BCE(D(x), 1) + BCE(D(G(z).detach()), 0); G step: L_G = BCE(D(G(z)), 1) with the updated D."),
        ("discriminator weights after 3 steps", lambda fn: weights(fn, "D"),
         "zero D's gradients before backward, detach the fakes in the D step, and step opt_d once per step."),
        ("generator weights after 3 steps", lambda fn: weights(fn, "G"),
         "compute D(G(z)) again after D's update; zero G's gradients before backward; only opt_g updates G."),
        ("D's weights are trainable again afterwards", leaves_no_frozen_weights,
         "if you freeze D for the G step, switch requires_grad back on at the end."),
    ]
    return _run("GAN training step", fn, cases, raise_on_fail)


# ------------------------------------------------------------------------------------------------------------ VAE


def _gauss_cases():
    g = torch.Generator().manual_seed(3)
    return {"standard normal posterior (KL = 0)": (torch.zeros(4, 3), torch.zeros(4, 3)),
            "random means and variances": (torch.randn(16, 8, generator=g), torch.randn(16, 8, generator=g)),
            "very small variances": (torch.randn(4, 5, generator=g), torch.full((4, 5), -12.0))}


def check_kl_standard_normal(fn, *, raise_on_fail: bool = True) -> CheckReport:
    """``fn(mu, logvar)`` → :math:`\\mathrm{KL}(\\mathcal N(\\mu, \\sigma^2) \\,\\|\\, \\mathcal N(0, I))` per example,
    shape ``(N,)``, summed over latent dimensions (chapter *The VAE objective*)."""
    from ..theory import gaussian_kl_standard_normal

    cases = []
    for name, (mu, logvar) in _gauss_cases().items():
        def test(fn, mu=mu, logvar=logvar):
            m1, v1 = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
            got = fn(m1, v1)
            exp = gaussian_kl_standard_normal(mu, logvar)
            problem = _compare(got, exp, atol=1e-4, what="KL")
            if problem:
                return problem
            if not got.requires_grad:
                return NO_GRAD
            got.sum().backward()
            m2, v2 = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
            gaussian_kl_standard_normal(m2, v2).sum().backward()
            return _compare(m1.grad, m2.grad, atol=1e-4, what="gradient w.r.t. mu") or \
                _compare(v1.grad, v2.grad, atol=1e-4, what="gradient w.r.t. logvar")
        cases.append((name, test, "KL = 0.5 * sum(mu² + exp(logvar) - 1 - logvar) over the latent dimension "
                                  "(dim=1), one value per example."))
    return _run("KL to the standard normal", fn, cases, raise_on_fail)


def check_reparameterize(fn, *, raise_on_fail: bool = True) -> CheckReport:
    """``fn(mu, logvar, eps)`` → ``z = mu + σ ⊙ eps`` with ``σ = exp(logvar / 2)``, differentiable in ``mu`` and
    ``logvar``."""
    cases = []
    for name, (mu, logvar) in _gauss_cases().items():
        def test(fn, mu=mu, logvar=logvar):
            eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(4))
            m1, v1 = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
            got = fn(m1, v1, eps)
            exp = mu + (0.5 * logvar).exp() * eps
            problem = _compare(got, exp, atol=1e-5, what="z")
            if problem:
                return problem
            if not got.requires_grad:
                return NO_GRAD
            got.sum().backward()
            if m1.grad is None or v1.grad is None:
                return "z does not depend on mu and logvar through autograd: the gradient cannot reach the encoder."
            return _compare(v1.grad, 0.5 * (0.5 * logvar).exp() * eps, atol=1e-5, what="gradient w.r.t. logvar")
        cases.append((name, test, "σ = exp(0.5 * logvar) (logvar is the log of the variance, not of σ); "
                                  "use the given eps, do not draw new noise."))
    return _run("reparameterisation", fn, cases, raise_on_fail)


def reference_negative_elbo(x, logits, mu, logvar):
    """Per-example negative ELBO for a Bernoulli decoder: BCE-with-logits summed over pixels plus the KL."""
    from ..theory import gaussian_kl_standard_normal

    recon = F.binary_cross_entropy_with_logits(logits.flatten(1), x.flatten(1), reduction="none").sum(1)
    return recon + gaussian_kl_standard_normal(mu, logvar)


def check_negative_elbo(fn, *, raise_on_fail: bool = True) -> CheckReport:
    """``fn(x, logits, mu, logvar)`` → the negative ELBO per example, shape ``(N,)``: the Bernoulli
    reconstruction term :math:`-\\log p(x\\mid z)` (from the decoder's logits, summed over pixels) plus the KL."""
    g = torch.Generator().manual_seed(5)
    x = (torch.rand(6, 1, 28, 28, generator=g) > 0.7).float()
    data = {"binary images, random decoder": (x, torch.randn(6, 1, 28, 28, generator=g) * 3,
                                              torch.randn(6, 4, generator=g), torch.randn(6, 4, generator=g)),
            "confident decoder (logits ±60)": (x, (x * 2 - 1) * 60 * torch.where(torch.rand(x.shape, generator=g) < 0.1,
                                                                                   -1.0, 1.0),
                                               torch.zeros(6, 4), torch.zeros(6, 4))}
    cases = []
    for name, (x, logits, mu, logvar) in data.items():
        def test(fn, x=x, logits=logits, mu=mu, logvar=logvar):
            lg, m1 = logits.clone().requires_grad_(True), mu.clone().requires_grad_(True)
            got = fn(x, lg, m1, logvar)
            problem = _compare(got, reference_negative_elbo(x, logits, mu, logvar), atol=1e-3, what="negative ELBO")
            if problem:
                return problem
            if not got.requires_grad:
                return NO_GRAD
            got.sum().backward()
            if lg.grad is None or m1.grad is None:
                return "the loss does not reach the decoder's logits and the encoder's mu through autograd."
            return None
        hint = ("sum the per-pixel Bernoulli log-likelihood over each image (flatten(1), then .sum(1)) and add the KL; "
                "return one value per example" if "random" in name else
                "compute the reconstruction term from logits (binary_cross_entropy_with_logits); "
                "sigmoid then log(p) overflows for confident pixels.")
        cases.append((name, test, hint))
    return _run("negative ELBO", fn, cases, raise_on_fail)


# --------------------------------------------------------------------------------------------------------- WGAN-GP


def check_gradient_penalty(fn, *, raise_on_fail: bool = True) -> CheckReport:
    """``fn(critic, real, fake, generator)`` → WGAN-GP's penalty :math:`\\mathbb E[(\\lVert\\nabla_{\\hat x}
    f(\\hat x)\\rVert_2 - 1)^2]` at interpolates :math:`\\hat x = \\alpha x + (1-\\alpha)\\tilde x`, drawing one
    :math:`\\alpha` per sample as ``torch.rand(N, 1, ..., 1, generator=generator)`` (chapter *When GAN training
    fails*)."""
    g = torch.Generator().manual_seed(6)
    real, fake = torch.randn(32, 1, 4, 4, generator=g), torch.randn(32, 1, 4, 4, generator=g) + 2

    def linear():
        torch.manual_seed(0)
        return nn.Sequential(nn.Flatten(), nn.Linear(16, 1))

    def small_net():
        torch.manual_seed(1)
        return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 1))

    def value_linear(fn):
        critic = linear()
        w = critic[1].weight.detach()
        exp = (w.norm() - 1).pow(2)        # the gradient of a linear critic is w everywhere
        return _compare(torch.as_tensor(fn(critic, real, fake, torch.Generator().manual_seed(0))), exp,
                        atol=1e-5, what="penalty for a linear critic")

    def same_alphas(fn):
        critic = small_net()
        got = fn(critic, real, fake, torch.Generator().manual_seed(7))
        exp = L.gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(7))
        return _compare(torch.as_tensor(got), exp, atol=1e-5, what="penalty")

    def per_sample(fn):
        # quadratic critic f(x) = ||x||²/2 has gradient x, so the penalty depends on where the interpolates lie
        def quad(x):
            return 0.5 * x.flatten(1).pow(2).sum(1)
        got = torch.as_tensor(fn(quad, real, fake, torch.Generator().manual_seed(8)))
        exp = L.gradient_penalty(quad, real, fake, generator=torch.Generator().manual_seed(8))
        return _compare(got, exp, atol=1e-4, what="penalty for f(x) = ||x||²/2")

    def differentiable(fn):
        c1, c2 = small_net(), small_net()
        fn(c1, real, fake, torch.Generator().manual_seed(9)).backward()
        L.gradient_penalty(c2, real, fake, generator=torch.Generator().manual_seed(9)).backward()
        if all(p.grad is None for p in c1.parameters()):
            return "the penalty has no gradient w.r.t. the critic's weights: the critic cannot learn from it."

        def grads(c):   # the last bias does not affect ∇x f, so its gradient is None: count it as zero
            return torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).flatten()
                              for p in c.parameters()])
        got, exp = grads(c1), grads(c2)
        return _compare(got, exp, atol=1e-5, what="gradient of the penalty w.r.t. the critic's weights")

    cases = [
        ("linear critic: penalty = (‖w‖ - 1)²", value_linear,
         "take the gradient of critic(x̂).sum() with respect to x̂ (torch.autograd.grad), flatten it per sample, "
         "and average (‖g‖₂ - 1)² over the batch."),
        ("same α draws as the reference", same_alphas,
         "draw alpha = torch.rand(N, 1, 1, 1, generator=generator) once, before anything else that uses it."),
        ("one α per sample, not per pixel", per_sample,
         "alpha must have shape (N, 1, 1, 1) so that each x̂ lies on the segment between a real and a fake sample."),
        ("penalty differentiable w.r.t. the critic", differentiable,
         "pass create_graph=True to torch.autograd.grad, and make x̂ a leaf that requires grad "
         "(detach real and fake first)."),
    ]
    return _run("gradient penalty", fn, cases, raise_on_fail)


def check_q_sample(fn, *, raise_on_fail: bool = True) -> CheckReport:
    """``fn(alpha_bar, x0, t, noise)`` → :math:`x_t = \\sqrt{\\bar\\alpha_t}x_0 + \\sqrt{1-\\bar\\alpha_t}\\epsilon`
    (chapter *Denoising diffusion*), one step per example, broadcast over the other dimensions."""
    from ..diffusion import NoiseSchedule, q_sample

    g = torch.Generator().manual_seed(5)
    cases = []
    for name, schedule, shape, t in (
            ("linear schedule, images", NoiseSchedule.linear(1000), (4, 1, 28, 28), torch.tensor([0, 10, 500, 999])),
            ("cosine schedule, 2-D points", NoiseSchedule.cosine(100), (6, 2), torch.tensor([0, 1, 2, 50, 98, 99])),
            ("one step for the whole batch", NoiseSchedule.linear(50), (3, 5), torch.tensor([7, 7, 7]))):
        x0, noise = torch.randn(shape, generator=g), torch.randn(shape, generator=g)

        def test(fn, schedule=schedule, x0=x0, t=t, noise=noise):
            got = fn(schedule.alpha_bar.float(), x0, t, noise)
            return _compare(got, q_sample(schedule, x0, t, noise), atol=1e-5, what="x_t")
        cases.append((name, test, "index alpha_bar with t, reshape to (N, 1, ...) so it broadcasts over each "
                                  "example, and use square roots of alpha_bar and of 1 - alpha_bar."))
    return _run("forward jump q(x_t | x_0)", fn, cases, raise_on_fail)


def check_flow_pair(fn, *, raise_on_fail: bool = True) -> CheckReport:
    """``fn(x0, x1, t)`` → ``(x_t, velocity)`` of the straight path :math:`x_t = (1-t)x_0 + t x_1`, velocity
    :math:`x_1 - x_0` (chapter *Flow matching*)."""
    g = torch.Generator().manual_seed(6)
    cases = []
    for name, shape, t in (("images, one time each", (4, 1, 28, 28), torch.rand(4, generator=g)),
                           ("2-D points at t = 0 and t = 1", (2, 2), torch.tensor([0.0, 1.0]))):
        x0, x1 = torch.randn(shape, generator=g), torch.randn(shape, generator=g)

        def test(fn, x0=x0, x1=x1, t=t):
            got = fn(x0, x1, t)
            if not isinstance(got, tuple) or len(got) != 2:
                return f"expected a pair (x_t, velocity), got {type(got).__name__}."
            tb = t.view(-1, *([1] * (x1.dim() - 1)))
            return _compare(got[0], (1 - tb) * x0 + tb * x1, atol=1e-6, what="x_t") or \
                _compare(got[1], x1 - x0, atol=1e-6, what="velocity")
        cases.append((name, test, "reshape t to (N, 1, ...) to broadcast; at t = 0 the point is the noise, at t = 1 "
                                  "the data; the velocity does not depend on t."))
    return _run("flow-matching pair", fn, cases, raise_on_fail)
