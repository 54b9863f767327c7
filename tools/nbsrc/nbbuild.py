"""Tiny helpers to write a chapter notebook from a Python script (the .ipynb is what the book and tests use;
these scripts are the editable source of the chapters written this way).

When the target notebook exists and its code cells are unchanged (same sources, same order), their outputs and
the run record are kept, so prose can be edited without re-running; any change to code drops all outputs and the
notebook must be re-run (`make notebooks PROFILE=cpu NOTEBOOKS=...`).
"""

import hashlib
from pathlib import Path

import nbformat


def md(text):
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(src, caption=None, name=None, tags=None):
    cell = nbformat.v4.new_code_cell(src.strip("\n"))
    if caption:
        cell.metadata["mystnb"] = {"figure": {"caption": " ".join(caption.split()), "name": name}}
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def write(cells, path):
    path = Path(path)
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    for i, cell in enumerate(cells):        # stable ids (by position): rewriting a chapter does not churn its diff
        cell.id = hashlib.sha1(f"{path.stem}/{i}".encode()).hexdigest()[:8]
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    kept = False
    if path.exists():
        old = nbformat.read(path, as_version=4)
        old_code = [c for c in old.cells if c.cell_type == "code"]
        new_code = [c for c in cells if c.cell_type == "code"]
        if [c.source for c in old_code] == [c.source for c in new_code]:
            for o, n in zip(old_code, new_code):
                n.outputs, n.execution_count = o.outputs, o.execution_count
                if "execution" in o.metadata:
                    n.metadata["execution"] = o.metadata["execution"]
            nb.metadata = old.metadata
            kept = True
    nbformat.write(nb, path)
    print(f"wrote {path} ({'outputs kept: code unchanged' if kept else 'no outputs: re-run it'})")
