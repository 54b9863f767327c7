"""Source of chapters/a2_for_instructors.ipynb. Run: python tools/nbsrc/a2_for_instructors.py, then
`make notebooks PROFILE=cpu NOTEBOOKS=chapters/a2_for_instructors.ipynb`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from nbbuild import code, md, write  # noqa: E402

cells = [
md(r"""
# For instructors: exercises, assignments and grading

This page is for teaching with the book. It lists what students can be given, how their work is checked, and how
long each piece takes on an ordinary laptop — measured by running the assignments below, not estimated.

:::{admonition} What this page needs
:class: tip
The stored run used profile **{glue:text}`a2_profile`** on **{glue:text}`a2_device`** and took
{glue:text}`a2_seconds:.0f` s: it releases the assignments and runs every instructor and student version.
:::

## Three kinds of student work

1. **"Try it yourself" boxes** at the end of every chapter: open questions and small experiments on the chapter's
   own code, for self-study or discussion sections.
2. **Checked code exercises** in the theory chapters ({doc}`03_gan_objective`, {doc}`04_vae_objective`): the
   student writes a function and calls a checker from {mod}`gantutor.exercises`, which runs it on fixed cases
   against the book's reference and reports, case by case, what was expected, what came back and a hint. The
   worked solution sits behind a toggle.
3. **Graded assignments** in `assignments/`, written in [nbgrader](https://nbgrader.readthedocs.io)'s format, so a
   course that uses nbgrader can take them as they are.

The checkers available to your own exercises:
"""),
code(r"""
import inspect
import tempfile
import time
from pathlib import Path

import nbformat
import torch
from IPython.display import Markdown, display
from myst_nb import glue

import gantutor as gt
from gantutor import assignments as A
from gantutor import exercises as ex

T0 = time.perf_counter()
P = gt.get_profile()
device = gt.get_device()
print(gt.describe_environment(P, device))
"""),
code(r"""
# NBVAL_CHECK_OUTPUT
for name, fn in inspect.getmembers(ex, inspect.isfunction):
    if name.startswith("check_"):
        print(f"{name}{inspect.signature(fn)}")
        print("    " + inspect.getdoc(fn).splitlines()[0])
"""),
md(r"""
A checker prints one line per case, and raises `gantutor.exercises.ExerciseFailed` (an `AssertionError`) when a case
fails, so a failing check fails an nbgrader test cell; `raise_on_fail=False` only prints. Here is what a student sees
for a common mistake — the reparameterisation with $\sigma = \exp(\log\sigma^2)$ instead of
$\exp(\tfrac12\log\sigma^2)$:
"""),
code(r"""
# NBVAL_CHECK_OUTPUT
report = ex.check_reparameterize(lambda mu, logvar, eps: mu + logvar.exp() * eps, raise_on_fail=False)
"""),
md(r"""
## The assignments

Each assignment is one notebook: explanations, solution cells (code between `### BEGIN SOLUTION` and
`### END SOLUTION`), graded test cells that call the checkers (with points in nbgrader's cell metadata), some
hidden tests (between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`, removed from the student version), and a
short, ungraded training run at the end that uses the student's functions, so students see their code learn. The
cell below makes both versions with gantutor's release command, then runs each one as a student's kernel would and
counts the graded cells that pass; the time is that of running the whole solution notebook in this page's profile.
"""),
code(r"""
root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "_toc.yml").is_file())
out = Path(tempfile.mkdtemp())
written = A.release(root / "assignments", out)
results = {version: {s["notebook"]: s for s in A.check(out / version)} for version in ("instructor", "student")}
rows = []
for path in written["instructor"]:
    title = nbformat.read(path, as_version=4).metadata["gantutor"]["assignment"]
    inst, stud = results["instructor"][path.name], results["student"][path.name]
    rows.append(f"| `{path.name}` | {title} | {inst['points']} | {inst['passed']}/{inst['graded']} | "
                f"{stud['passed']}/{stud['graded']} | {inst['seconds']:.0f} |")
display(Markdown("| notebook | assignment | points | graded cells passed, solution | graded cells passed, student "
                 "version | solution run (s) |\n|---|---|---|---|---|---|\n" + "\n".join(rows)))
inst_all = list(results["instructor"].values())
stud_all = list(results["student"].values())
glue("a2_n_assignments", len(rows), display=False)
glue("a2_all_solutions_pass", gt.Text("all" if all(s["passed"] == s["graded"] for s in inst_all) else "NOT all"),
     display=False)
glue("a2_student_passes", sum(s["passed"] for s in stud_all), display=False)
glue("a2_max_seconds", max(s["seconds"] for s in inst_all), display=False)
glue("a2_total_seconds", sum(s["seconds"] for s in inst_all), display=False)
"""),
md(r"""
In the stored run, {glue:text}`a2_all_solutions_pass` of the {glue:text}`a2_n_assignments` solution notebooks pass
every graded cell, and the student versions pass {glue:text}`a2_student_passes` of theirs: the stubs fail every
check, so no check can be passed by doing nothing. The longest solution notebook ran in
{glue:text}`a2_max_seconds:.0f` s, all three in {glue:text}`a2_total_seconds:.0f` s (profile and device at the top of
this page). A student needs a CPU, Python and the book's `requirements.txt`; a GPU is never required, and in the
`gpu` profile the closing training runs are longer, not different. The test suite repeats this check on every
change: every solution passes every check, every stub fails every check.

## Running an assignment in a course

**With nbgrader.** Copy each notebook into your course's `source/<assignment name>/` folder and run
`nbgrader generate_assignment <name>`; nbgrader strips the solutions and hidden tests exactly as below, and
`nbgrader autograde <name>` runs the hidden tests too. The checkers import `gantutor`, so install the book's
requirements (`pip install -r requirements.txt`) in the grading environment.

**Without nbgrader.** From the book's folder:

```bash
.venv/bin/python -m gantutor.assignments release --out release   # release/student/ and release/instructor/
.venv/bin/python -m gantutor.assignments check path/to/submissions  # every graded cell: passed or the error
GANTUTOR_PROFILE=cpu .venv/bin/python -m gantutor.assignments time  # after editing an assignment: re-measure it
```

Each released notebook states, under its title, the measured run time of its solution notebook (recorded in the
source's metadata by `time`, on the machine and profile it names).

Hand out `release/student/`. `check` runs every notebook in a folder in a fresh namespace and prints, per notebook,
the graded cells passed and the points (`1` as exit status when any graded cell failed), so a folder of
submissions can be graded in one command. It runs the students' code: do that in a container or a throw-away
account, as nbgrader also advises.

**Grading.** Points sit in each test cell's metadata (`nbgrader.points`); a test cell earns its points when it runs
without an exception. The checkers compare with absolute tolerances between 1e-5 and 1e-3 (the looser one for sums over 784 pixels), so reasonable
numerical variants — `softplus` instead of `binary_cross_entropy_with_logits`, a different summation order — pass,
and the hints point at the usual mistakes: probabilities instead of logits, `exp(logvar)` for σ, one α per pixel
instead of per sample, a missing `create_graph=True`, a missing `detach()`.

**Suggested use.** Assignment 1 after chapters 2–3, assignment 2 after chapter 4 and {doc}`08_vae`, assignment 3
after chapter 6. Each is sized for one lab session; the ungraded training run at the end is a good starting point for
discussion (why does the GAN miss modes? what limits the VAE's reconstructions?).
"""),
code(r"""
glue("a2_profile", gt.Text(P.name), display=False)
glue("a2_device", gt.Text(str(device)), display=False)
glue("a2_seconds", time.perf_counter() - T0, display=False)
"""),
]

write(cells, Path(__file__).resolve().parents[2] / "chapters" / "a2_for_instructors.ipynb")
