"""Small helpers for the book's notebooks."""

from __future__ import annotations


class Text(str):
    """A string that myst-nb ``glue`` inserts without quotes (its plain-text form is the string itself).

    ``glue("device", Text("cpu"))`` renders as ``cpu`` in ``{glue:text}`device``, where a plain ``str`` would
    render as ``'cpu'``.
    """

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def __repr__(self):
        return str(self)
