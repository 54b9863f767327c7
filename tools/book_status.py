"""Sphinx extension: the run records of the notebooks, rendered from their metadata (written by
``python -m gantutor.book.notebooks``), so every page that shows a run time shows the same number.

* the ``execution-status`` directive: a table of every notebook in the book with the profile, device, run time, date
  and library versions of its stored run (``:columns: short`` keeps chapter, profile, device and run time, plus a
  total);
* the ``run`` role: ``{run}`profile```, ``{run}`device``` or ``{run}`seconds``` of the current page's notebook;
* the ``score`` role: ``{score}`dcgan.fid_over_floor``` (optionally ``:.0f``) — a headline number from whichever
  notebook's stored run recorded it (``metadata.gantutor.metrics``), so a page can quote another chapter's result
  without re-running it and without a typed copy going stale;
* the ``model-scores`` directive: every headline number of every model, one row per model and run, from the same
  records (``:models: dcgan, flow_reference`` keeps some rows).

Nothing in them is typed by hand."""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive


def _row(cells):
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        if isinstance(cell, nodes.Node):
            paragraph = nodes.paragraph()
            paragraph += cell
            entry += paragraph
        else:
            entry += nodes.paragraph(text=str(cell))
        row += entry
    return row


def _table(header, classes=()):
    """An empty table with a header row: ``(table, tbody)`` to add rows to."""
    table, group = nodes.table(classes=list(classes)), nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    thead, tbody = nodes.thead(), nodes.tbody()
    thead += _row(header)
    group += thead
    group += tbody
    return table, tbody


def _doc_link(env, path: Path, text: str | None = None) -> nodes.Node:
    """A link to the page of ``path``, titled with the page's title (like ``{doc}``) or with ``text``."""
    from sphinx import addnodes

    target = "/" + path.relative_to(Path(env.srcdir)).with_suffix("").as_posix()
    ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget=target, refexplicit=text is not None,
                                refwarn=True, refdoc=env.docname)
    ref += nodes.inline("", text or target, classes=["xref", "std", "std-doc"])
    return ref


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
        table, tbody = _table(header[:4] if short else header)
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
                device = meta.get("device", "") + (" (reads stored records)" if meta.get("reads_records") else "")
                cells = [title, meta.get("profile", ""), device, f"{meta.get('seconds', 0):.0f} s",
                         meta.get("executed", ""), v.get("torch", ""), v.get("gantutor", "")]
            tbody += _row(cells[:4] if short else cells)
        if short:
            tbody += _row(["all pages", "", "", f"{total / 60:.0f} min"])
        return [table]


def _scores(env):
    from gantutor.book import book_scores
    from gantutor.book.notebooks import toc_notebooks

    notebooks = toc_notebooks(Path(env.srcdir))
    for path in notebooks:
        env.note_dependency(str(path))
    return book_scores(notebooks)


def score_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{score}`model.measure``` or ``{score}`model.measure:spec``` from the stored runs' records."""
    from gantutor.book import format_score

    key, _, spec = text.partition(":")
    scores = _scores(inliner.document.settings.env)
    if key not in scores:
        msg = inliner.reporter.error(f"{{score}}`{key}`: no stored run records it; known: "
                                     f"{', '.join(sorted(scores)) or 'none'}. Run the chapter that glues it with "
                                     f"gt.book.metric.", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    return [nodes.Text(format_score(key, scores[key][0], spec or None))], []


#: The columns of ``model-scores``: measure -> header.
SCORE_COLUMNS = {"fid_over_floor": "FID / floor", "confident_rate": "confident", "max_class_share": "largest class",
                 "precision": "precision", "recall": "recall", "guided_fid_over_floor": "guided FID / floor",
                 "cas": "CAS", "nll_nats": "NLL (nats)", "train_minutes": "train min", "sample_ms": "ms / image"}


class ModelScores(Directive):
    has_content = False
    option_spec = {"models": lambda arg: [m.strip() for m in arg.split(",") if m.strip()]}

    def run(self):
        from gantutor.book import MODEL_LABELS, METRIC_MODELS, format_score

        scores = _scores(self.state.document.settings.env)
        models = self.options.get("models") or [m + r for m in METRIC_MODELS for r in ("", "_reference")]
        models = [m for m in models if any(name.partition(".")[0] == m for name in scores)]
        if not models:
            raise self.error("model-scores: no stored run records any of these models.")
        columns = [c for c in SCORE_COLUMNS if any(f"{m}.{c}" in scores for m in models)]
        table, tbody = _table(["model"] + [SCORE_COLUMNS[c] for c in columns], classes=["model-scores"])
        for m in models:
            base = m.removesuffix("_reference")
            page = next(path for name, (_, path) in scores.items() if name.partition(".")[0] == m)
            env = self.state.document.settings.env
            label = MODEL_LABELS[base] + (", reference run" if m != base else "")
            tbody += _row([_doc_link(env, page, label)]
                          + [format_score(f"{m}.{c}", scores[f"{m}.{c}"][0]) if f"{m}.{c}" in scores else "—"
                             for c in columns])
        return [table]


def setup(app):
    app.add_directive("execution-status", ExecutionStatus)
    app.add_role("run", run_role)
    app.add_role("score", score_role)
    app.add_directive("model-scores", ModelScores)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
