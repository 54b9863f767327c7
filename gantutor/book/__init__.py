"""The book's machinery, apart from the library a reader studies: what runs, checks and publishes the chapters.

* :mod:`~gantutor.book.notebooks` — re-executes notebooks in a profile and records the run (``make notebooks``);
* :mod:`~gantutor.book.exercises` — the checkers behind the chapters' exercises;
* :mod:`~gantutor.book.assignments` — releases the graded assignments (nbgrader format);
* :mod:`~gantutor.book.widgets` — the interactive explorers;
* :mod:`~gantutor.book.bench` — the speed benchmark (``python -m gantutor.bench``);
* :mod:`~gantutor.book.cli` — the command line (``python -m gantutor train|sample|evaluate``);
* here: :class:`Text` and :func:`find_results`, small helpers for glue and for the committed run records.

The Sphinx extensions that draw the status page and the launch buttons are in ``tools/``.
"""

from __future__ import annotations

from pathlib import Path


class Text(str):
    """A string that myst-nb ``glue`` inserts without quotes (its plain-text form is the string itself).

    ``glue("device", Text("cpu"))`` renders as ``cpu`` in ``{glue:text}`device``, where a plain ``str`` would
    render as ``'cpu'``.
    """

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def __repr__(self):
        return str(self)


def find_results(name: str, start: Path | None = None) -> Path:
    """The committed record ``results/<name>`` (a file or folder) in ``start`` (default: the working directory)
    or the nearest folder above it — notebooks run from ``chapters/``, the records live at the repository root."""
    start = Path.cwd() if start is None else Path(start)
    for folder in (start, *start.parents):
        if (folder / "results" / name).exists():
            return folder / "results" / name
    raise FileNotFoundError(f"results/{name} is not in {start} or any folder above it: run this notebook from the "
                            f"gantutor repository, where the records are committed.")
