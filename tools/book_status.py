"""Sphinx extension: the ``execution-status`` directive renders a table of every notebook in the book with the
profile, device, run time, date and library versions recorded in its metadata by ``python -m gantutor.book.notebooks``.
Nothing in the table is typed by hand."""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive


def _row(cells):
    row = nodes.row()
    for text in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=str(text))
        row += entry
    return row


class ExecutionStatus(Directive):
    has_content = False

    def run(self):
        env = self.state.document.settings.env
        root = Path(env.srcdir)
        header = ["chapter", "profile", "device", "run time", "executed (UTC)", "torch", "gantutor"]
        table, group = nodes.table(), nodes.tgroup(cols=len(header))
        table += group
        for _ in header:
            group += nodes.colspec(colwidth=1)
        thead, tbody = nodes.thead(), nodes.tbody()
        thead += _row(header)
        group += thead
        group += tbody
        from gantutor.book.notebooks import toc_notebooks

        for path in toc_notebooks(root):
            env.note_dependency(str(path))
            nb = json.loads(path.read_text())
            meta = nb.get("metadata", {}).get("gantutor")
            title = next((line[2:].strip() for c in nb["cells"] if c["cell_type"] == "markdown"
                          for line in "".join(c["source"]).splitlines() if line.startswith("# ")), path.stem)
            if not meta:
                tbody += _row([title, "not recorded", "", "", "", "", ""])
                continue
            v = meta.get("versions", {})
            tbody += _row([title, meta.get("profile", ""), meta.get("device", ""), f"{meta.get('seconds', 0):.0f} s",
                           meta.get("executed", ""), v.get("torch", ""), v.get("gantutor", "")])
        return [table]


def setup(app):
    app.add_directive("execution-status", ExecutionStatus)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
