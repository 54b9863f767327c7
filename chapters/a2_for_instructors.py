# %% [markdown]
# # For instructors: exercises, assignments and grading
#
# This page is for teaching with the book. It lists what students can be given, how their work is checked, and how
# long each piece takes on an ordinary laptop — measured by running the assignments below, not estimated.
#
# :::{admonition} What this page needs
# :class: tip
# The outputs on this page come from the **{run}`profile`** profile, run on **{run}`device`** in
# {run}`seconds` s: it puts every assignment through nbgrader, grading the solutions and the student versions.
# :::
#
# ## Three kinds of student work
#
# 1. **"Try it yourself" boxes** at the end of every chapter: open questions and small experiments on the chapter's
#    own code, for self-study or discussion sections.
# 2. **Checked code exercises** in the theory chapters ({doc}`03_gan_objective`, {doc}`04_vae_objective`): the
#    student writes a function and calls a checker from {mod}`gantutor.book.exercises`, which runs it on fixed cases
#    against the book's reference and reports, case by case, what was expected, what came back and a hint. The
#    worked solution sits behind a toggle.
# 3. **Graded assignments** in `assignments/`, written in [nbgrader](https://nbgrader.readthedocs.io)'s format, so a
#    course that uses nbgrader can take them as they are.

# %%
import inspect
import re
import tempfile
import time
from pathlib import Path

import nbformat
import torch
from IPython.display import Markdown, display

import gantutor as gt
from gantutor import assignments as A
from gantutor import exercises as ex

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))

# %% [markdown]
# The checkers available to your own exercises; each also takes `raise_on_fail` (below):

# %% tags=["nbval-check-output", "remove-input"]
def as_markdown(docstring: str) -> str:
    """A docstring's first paragraph, its reStructuredText roles (``code``, :math:`x`) turned into Markdown."""
    text = " ".join(docstring.split("\n\n")[0].split())
    text = re.sub(r":math:`([^`]*)`", lambda m: "$" + m.group(1).replace(r"\|", r"\Vert ") + "$", text)
    return text.replace("``", "`")


rows = []
for name, fn in inspect.getmembers(ex, inspect.isfunction):
    if name.startswith("check_"):
        extra = "".join(f", {p}" for p in inspect.signature(fn).parameters if p not in ("fn", "raise_on_fail"))
        rows.append(f"| `{name}(fn{extra})` | {as_markdown(inspect.getdoc(fn))} |")
display(Markdown("| checker | what the student's `fn` must do |\n|---|---|\n" + "\n".join(rows)))

# %% [markdown]
# A checker prints one line per case, and raises `gantutor.book.exercises.ExerciseFailed` (an `AssertionError`) when a case
# fails, so a failing check fails an nbgrader test cell; `raise_on_fail=False` only prints. Here is what a student sees
# for a common mistake — the reparameterisation with $\sigma = \exp(\log\sigma^2)$ instead of
# $\exp(\tfrac12\log\sigma^2)$:

# %% tags=["nbval-check-output"]
report = ex.check_reparameterize(lambda mu, logvar, eps: mu + logvar.exp() * eps, raise_on_fail=False)

# %% [markdown]
# ## The assignments
#
# Each assignment is one notebook: explanations, solution cells (code between `### BEGIN SOLUTION` and
# `### END SOLUTION`), graded test cells that call the checkers (with points in nbgrader's cell metadata), some
# hidden tests (between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`, removed from the student version), and a
# short, ungraded training run at the end that uses the student's functions, so students see their code learn. The
# cell below puts every assignment through nbgrader itself, as a course would: `nbgrader generate_assignment` makes
# the student version, then `nbgrader autograde` grades two submissions of each — the instructor's solution notebook
# and the untouched student version — restoring the hidden tests before it runs them. The scores are read from
# nbgrader's gradebook. The solution run's time is the one measured by `python -m gantutor.book.assignments time` and
# printed under each assignment's title.

# %%
root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "_toc.yml").is_file())
graded = A.nbgrader_round_trip(root / "assignments", Path(tempfile.mkdtemp()), limit=P.graded_assignments)
rows = []
for r in graded:
    meta = nbformat.read(root / "assignments" / r["notebook"], as_version=4).metadata["gantutor"]
    ins, stu = r["instructor"], r["student"]
    rows.append(f"| `{r['notebook']}` | {meta['assignment']} | {ins['max_score']:g} | {ins['score']:g} | "
                f"{stu['score']:g} ({sum(v == 0 for v in stu['cells'].values())} of {len(stu['cells'])} graded "
                f"cells at zero) | {meta['timing']['seconds']:.0f} |")
display(Markdown("| notebook | assignment | points | nbgrader score, solution | nbgrader score, student version | "
                 "solution run (s) |\n|---|---|---|---|---|---|\n" + "\n".join(rows)))
timings = [nbformat.read(p, as_version=4).metadata["gantutor"]["timing"]["seconds"]
           for p in A.source_notebooks(root / "assignments")]

# %% tags=["remove-cell"]
from myst_nb import glue

glue("a2_n_assignments", len(rows), display=False)
glue("a2_solution_points", sum(r["instructor"]["score"] for r in graded), display=False)
glue("a2_max_points", sum(r["instructor"]["max_score"] for r in graded), display=False)
glue("a2_student_points", sum(r["student"]["score"] for r in graded), display=False)
glue("a2_max_seconds", max(timings), display=False)
glue("a2_total_seconds", sum(timings), display=False)

# %% [markdown]
# In the stored run nbgrader gives the {glue:text}`a2_n_assignments` solution notebooks
# {glue:text}`a2_solution_points:g` of {glue:text}`a2_max_points:g` points, and the student versions
# {glue:text}`a2_student_points:g`: the stubs fail every check, so no check can be passed by doing nothing. The
# longest solution notebook ran in {glue:text}`a2_max_seconds:.0f` s, all three in {glue:text}`a2_total_seconds:.0f` s
# (profile, device and threads under each assignment's title). A student needs a CPU, Python and the book's
# `requirements.txt`; a GPU is never required, and in the `gpu` profile the closing training runs are longer, not
# different. The test suite repeats this round trip through nbgrader on every change.
#
# ## Running an assignment in a course
#
# Copy each notebook into your nbgrader course's `source/<assignment name>/` folder, then use nbgrader's own
# commands: `nbgrader generate_assignment <name>` strips the solutions and hidden tests, and
# `nbgrader autograde <name>` runs the submissions with the hidden tests restored. The checkers import `gantutor`,
# so install the book's requirements (`pip install -r requirements.txt`) in the grading environment. Autograding runs
# the students' code: do that in a container or a throw-away account, as nbgrader advises. From the book's folder:
#
# ```bash
# .venv/bin/python -m gantutor.book.assignments grade   # the round trip above: solutions full marks, stubs zero
# GANTUTOR_PROFILE=cpu .venv/bin/python -m gantutor.book.assignments time  # after editing an assignment: re-measure it
# ```
#
# `time` is the one step nbgrader does not do: it runs each solution notebook and writes the measured run time into
# the notebook, under its title, so the released version tells students how long the whole notebook takes.
#
# **Grading.** Points sit in each test cell's metadata (`nbgrader.points`); a test cell earns its points when it runs
# without an exception. The checkers compare with absolute tolerances between 1e-5 and 1e-3 (the looser one for sums over 784 pixels), so reasonable
# numerical variants — `softplus` instead of `binary_cross_entropy_with_logits`, a different summation order — pass,
# and the hints point at the usual mistakes: probabilities instead of logits, `exp(logvar)` for σ, one α per pixel
# instead of per sample, a missing `create_graph=True`, a missing `detach()`.
#
# **Suggested use.** Assignment 1 after chapters {numref}`%s <ch-first-gan>`–{numref}`%s <ch-gan-objective>`, assignment 2 after {numref}`chapter %s <ch-vae-objective>` and {doc}`09_vae`, assignment 3
# after {numref}`chapter %s <ch-gan-variants>`. Each is sized for one lab session; the ungraded training run at the end is a good starting point for
# discussion (why does the GAN miss modes? what limits the VAE's reconstructions?).

# %% tags=["remove-cell"]
glue("a2_profile", gt.Text(P.name), display=False)
glue("a2_device", gt.Text(str(device)), display=False)
glue("a2_seconds", time.perf_counter() - T0, display=False)
