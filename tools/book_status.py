"""Sphinx extension: the run records of the notebooks, rendered from their metadata (written by
``python -m gantutor.book.notebooks``), so every page that shows a run time shows the same number.

* the ``execution-status`` directive: a table of every notebook in the book with the profile, device, run time, date
  and library versions of its stored run (``:columns: short`` keeps chapter, profile, device and run time, plus a
  total);
* the ``run`` role: ``{run}`profile```, ``{run}`device``` or ``{run}`seconds``` of the current page's notebook.

Nothing in them is typed by hand."""

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


def run_record(path: Path) -> dict:
    """``metadata.gantutor`` of a notebook (empty when it has none)."""
    return json.loads(path.read_text()).get("metadata", {}).get("gantutor", {})


def run_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{run}`profile|device|seconds``` of the page's own notebook."""
    env = inliner.document.settings.env
    path = Path(env.srcdir) / f"{env.docname}.ipynb"
    fields = {"profile": lambda m: m["profile"], "device": lambda m: m["device"],
              "seconds": lambda m: f"{m['seconds']:.0f}"}
    if text not in fields:
        msg = inliner.reporter.error(f"{{run}} takes one of {', '.join(fields)}, not {text!r}.", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    if not path.is_file() or not run_record(path):
        msg = inliner.reporter.error(f"{{run}}`{text}` on {env.docname}: no notebook with a run record; run "
                                     f"`make notebooks NOTEBOOKS={env.docname}.ipynb`.", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    env.note_dependency(str(path))
    return [nodes.Text(fields[text](run_record(path)))], []


class ExecutionStatus(Directive):
    has_content = False
    option_spec = {"columns": lambda arg: arg.strip()}

    def run(self):
        env = self.state.document.settings.env
        root = Path(env.srcdir)
        short = self.options.get("columns") == "short"
        header = ["chapter", "profile", "device", "run time", "executed (UTC)", "torch", "gantutor"]
        table, group = nodes.table(), nodes.tgroup(cols=len(header))
        table += group
        header = header[:4] if short else header
        group["cols"] = len(header)
        for _ in header:
            group += nodes.colspec(colwidth=1)
        thead, tbody = nodes.thead(), nodes.tbody()
        thead += _row(header)
        group += thead
        group += tbody
        from gantutor.book.notebooks import toc_notebooks

        total = 0.0
        for path in toc_notebooks(root):
            env.note_dependency(str(path))
            nb = json.loads(path.read_text())
            meta = nb.get("metadata", {}).get("gantutor")
            title = next((line[2:].strip() for c in nb["cells"] if c["cell_type"] == "markdown"
                          for line in "".join(c["source"]).splitlines() if line.startswith("# ")), path.stem)
            if not meta:
                cells = [title, "not recorded", "", "", "", "", ""]
            else:
                v = meta.get("versions", {})
                total += meta.get("seconds", 0.0)
                cells = [title, meta.get("profile", ""), meta.get("device", ""), f"{meta.get('seconds', 0):.0f} s",
                         meta.get("executed", ""), v.get("torch", ""), v.get("gantutor", "")]
            tbody += _row(cells[:4] if short else cells)
        if short:
            tbody += _row(["all pages", "", "", f"{total / 60:.0f} min"])
        return [table]


def setup(app):
    app.add_directive("execution-status", ExecutionStatus)
    app.add_role("run", run_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
