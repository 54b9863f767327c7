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


def test_student_version_replaces_solutions_and_hidden_tests():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
                nbformat.v4.new_code_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n"
                                          "### END HIDDEN TESTS"),
                nbformat.v4.new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION")]
    student = A.student_version(nb)
    assert student.cells[0].source == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert student.cells[1].source == "assert f(1) == 2"
    assert student.cells[2].source == "Why?\nYOUR ANSWER HERE"
    assert nb.cells[0].source.count("return 2 * x") == 1            # the source is not modified


def test_unbalanced_markers_are_reported():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1")]
    with pytest.raises(ValueError, match="never closed"):
        A.student_version(nb, "a.ipynb")


def test_every_assignment_solution_passes_and_every_stub_fails(tmp_path, mnist_root):
    written = A.release(ROOT / "assignments", tmp_path)
    assert len(written["student"]) >= 3
    for path in written["instructor"]:
        results = A.run_notebook(path)
        graded = [r for r in results if r["grade_id"]]
        assert graded, f"{path.name} has no graded cells"
        assert all(r["passed"] for r in results), (path.name, [r for r in results if not r["passed"]])
        meta = [c.metadata["nbgrader"] for c in nbformat.read(path, as_version=4).cells]
        assert all(m["schema_version"] == 3 and m["grade_id"] for m in meta)
        assert sum(m.get("points", 0) for m in meta if m["grade"]) == 10
    for path in written["student"]:
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        graded = [r for r in A.run_notebook(path) if r["grade_id"]]
        assert graded and not any(r["passed"] for r in graded), path.name


def test_every_assignment_states_its_measured_cpu_time(tmp_path):
    for path in A.source_notebooks(ROOT / "assignments"):
        timing = nbformat.read(path, as_version=4).metadata["gantutor"]["timing"]
        assert timing["profile"] == "cpu" and timing["seconds"] > 0, path.name
    written = A.release(ROOT / "assignments", tmp_path)
    for path in written["student"] + written["instructor"]:
        assert "**Measured time:** the whole notebook, with the solutions, ran in" in path.read_text()


def test_release_refuses_an_untimed_assignment(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A")]
    (tmp_path / "src").mkdir()
    nbformat.write(nb, tmp_path / "src" / "a.ipynb")
    with pytest.raises(ValueError, match="python -m gantutor.book.assignments time"):
        A.release(tmp_path / "src", tmp_path / "out")


def test_cli_release_and_check(tmp_path, capsys, mnist_root):
    assert A.main(["release", "--source", str(ROOT / "assignments"), "--out", str(tmp_path)]) == 0
    assert A.main(["check", str(tmp_path / "student")]) == 1
    out = capsys.readouterr().out
    assert "0/3 graded cells passed, 0/10 points" in out and "✗ test_gan_step" in out
    assert A.main(["check", str(tmp_path / "nowhere")]) == 2
    assert "No assignment notebooks" in capsys.readouterr().err
