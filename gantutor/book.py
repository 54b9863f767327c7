"""Small helpers for the book's notebooks."""

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
