"""Exercise checkers and course assignments: the reference solutions pass every check, the student stubs fail every
check, and common mistakes are caught with a hint that names them."""

import nbformat
import pytest
import torch
import torch.nn.functional as F

from gantutor.book import assignments as A
from gantutor.book import exercises as ex
from gantutor import losses as L
from gantutor.theory import gaussian_kl_standard_normal

ROOT = A.default_source().parent


def _stub(*args, **kwargs):
    raise NotImplementedError()


REFERENCES = {
    ex.check_discriminator_loss: L.discriminator_loss,
    ex.check_generator_loss: L.generator_loss_nonsaturating,
    ex.check_gan_step: ex.reference_gan_step,
    ex.check_kl_standard_normal: gaussian_kl_standard_normal,
    ex.check_reparameterize: lambda mu, logvar, eps: mu + (0.5 * logvar).exp() * eps,
    ex.check_negative_elbo: ex.reference_negative_elbo,
    ex.check_gradient_penalty: lambda c, r, f, g: L.gradient_penalty(c, r, f, generator=g),
}


@pytest.mark.parametrize("checker", list(REFERENCES), ids=lambda c: c.__name__)
def test_reference_passes_and_stub_fails_every_case(checker, capsys):
    assert checker(REFERENCES[checker]).passed
    report = checker(_stub, raise_on_fail=False)
    assert report.cases and not any(ok for _, ok, _ in report.cases)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(ex.ExerciseFailed, match="0/"):
        checker(_stub)


MISTAKES = [
    (ex.check_discriminator_loss,
     lambda r, f: -(torch.log(torch.sigmoid(r)).mean() + torch.log(1 - torch.sigmoid(f)).mean()),
     "non-finite", "softplus"),
    (ex.check_discriminator_loss, lambda r, f: F.softplus(-r).sum() + F.softplus(f).sum(), "expected loss", "mean"),
    (ex.check_generator_loss, L.generator_loss_minimax, "expected loss", "maximises log D"),
    (ex.check_reparameterize, lambda mu, logvar, eps: mu + logvar.exp() * eps, "expected", "exp(0.5 * logvar)"),
    (ex.check_reparameterize, lambda mu, logvar, eps: (mu + (0.5 * logvar).exp() * eps).detach(), "through autograd", None),
    (ex.check_kl_standard_normal, lambda mu, logvar: 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar), "shape",
     "dim=1"),
    (ex.check_negative_elbo,
     lambda x, lg, mu, lv: -(x.flatten(1) * torch.log(torch.sigmoid(lg.flatten(1)))
                             + (1 - x.flatten(1)) * torch.log(1 - torch.sigmoid(lg.flatten(1)))).sum(1)
     + gaussian_kl_standard_normal(mu, lv), "non-finite", "logits"),
]


@pytest.mark.parametrize("checker, wrong, problem, hint", MISTAKES)
def test_common_mistakes_are_caught_with_a_hint(checker, wrong, problem, hint, capsys):
    report = checker(wrong, raise_on_fail=False)
    assert not report.passed
    out = capsys.readouterr().out
    assert problem in out
    if hint:
        assert hint in out


def _per_pixel_penalty(critic, real, fake, generator):
    alpha = torch.rand(real.shape, generator=generator)
    x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def _no_create_graph(critic, real, fake, generator):
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), generator=generator)
    x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(critic(x).sum(), x)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def test_gradient_penalty_mistakes(capsys):
    report = ex.check_gradient_penalty(_per_pixel_penalty, raise_on_fail=False)
    failed = {name for name, ok, _ in report.cases if not ok}
    assert "one α per sample, not per pixel" in failed
    assert "linear critic: penalty = (‖w‖ - 1)²" not in failed        # a linear critic cannot tell
    report = ex.check_gradient_penalty(_no_create_graph, raise_on_fail=False)
    assert [name for name, ok, _ in report.cases if not ok] == ["penalty differentiable w.r.t. the critic"]
    assert "create_graph=True" in capsys.readouterr().out


def test_gan_step_mistake_forgetting_zero_grad():
    def forgets(G, D, opt_g, opt_d, real, z):
        fake = G(z)
        d_loss = L.discriminator_loss(D(real), D(fake))        # not detached: gradients reach G ...
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = L.generator_loss_nonsaturating(D(G(z)))
        g_loss.backward()                                      # ... and are never zeroed
        opt_g.step()
        return d_loss, g_loss

    report = ex.check_gan_step(forgets, raise_on_fail=False)
    assert not dict((n, ok) for n, ok, _ in report.cases)["generator weights after 3 steps"]


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """The assignments through real nbgrader: generate_assignment, then autograde solutions and stubs."""
    return A.nbgrader_round_trip(ROOT / "assignments", tmp_path_factory.mktemp("course"))


def test_nbgrader_gives_the_solutions_full_marks_and_the_stubs_zero_in_every_graded_cell(round_trip, mnist_root):
    assert [r["notebook"] for r in round_trip] == [p.name for p in A.source_notebooks(ROOT / "assignments")]
    for r in round_trip:
        ins, stu = r["instructor"], r["student"]
        assert ins["max_score"] == 10 and ins["score"] == 10, (r["notebook"], ins)
        assert stu["cells"].keys() == ins["cells"].keys() and stu["cells"]
        assert all(score == 0 for score in stu["cells"].values()), (r["notebook"], stu)


def test_round_trip_limit_and_workers_must_be_positive_counts(tmp_path):
    with pytest.raises(ValueError, match="positive number of assignments"):
        A.nbgrader_round_trip(ROOT / "assignments", tmp_path, limit=0)
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        A.nbgrader_round_trip(ROOT / "assignments", tmp_path, workers=0)


def test_nbgrader_release_hides_solutions_and_hidden_tests_and_keeps_the_timing(round_trip):
    for r in round_trip:
        text = r["released"].read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        assert "raise NotImplementedError()" in text
        assert "**Measured time:** the whole notebook, with the solutions, ran in" in text


def test_every_assignment_states_its_measured_cpu_time():
    for path in A.source_notebooks(ROOT / "assignments"):
        nb = nbformat.read(path, as_version=4)
        timing = nb.metadata["gantutor"]["timing"]
        assert timing["profile"] == "cpu" and timing["seconds"] > 0, path.name
        assert nb.cells[1].source == A.timing_note(timing), f"{path.name}: run `python -m gantutor.book.assignments time`"


def test_set_timing_replaces_the_old_line():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A"), nbformat.v4.new_code_cell("x = 1")]
    timing = {"seconds": 3.0, "profile": "cpu", "device": "cpu", "threads": 2, "torch": "2"}
    A.set_timing(nb, timing)
    A.set_timing(nb, {**timing, "seconds": 5.0})
    assert len(nb.cells) == 3 and "ran in 5 s" in nb.cells[1].source


def test_cli_says_what_is_missing(tmp_path, capsys):
    assert A.main(["grade", "--source", str(tmp_path / "nowhere")]) == 2
    assert "No assignment notebooks" in capsys.readouterr().err
