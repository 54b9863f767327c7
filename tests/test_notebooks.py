"""Hygiene of the committed notebooks: the book shows their stored outputs, so those must be a clean cpu/gpu run
of the current source."""

import json
from pathlib import Path

import pytest

from gantutor.book.notebooks import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]


def load(path):
    return json.loads(path.read_text())


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_every_notebook_is_in_the_toc_and_back():
    assert NOTEBOOKS, "no notebooks under chapters/"
    assert sorted(toc_notebooks(ROOT)) == NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_a_clean_cpu_or_gpu_run(path):
    nb = load(path)
    meta = nb["metadata"].get("gantutor")
    assert meta, f"{path.name} has no run record; re-run it: make notebooks PROFILE=cpu NOTEBOOKS={path}"
    assert meta["profile"] in {"cpu", "gpu"}, f"{path.name} stores a {meta['profile']!r} run; re-run with cpu/gpu"
    assert {"device", "seconds", "versions", "executed"} <= set(meta)
    cells = code_cells(nb)
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, f"{path.name}: some code cells were never executed"
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: cells were not run top to bottom in one go"
    for c in cells:
        for o in c["outputs"]:
            assert o["output_type"] != "error", f"{path.name}: stored error output {o.get('ename')}"
            if o["output_type"] == "stream":
                assert o["name"] != "stderr" or "Traceback" not in "".join(o["text"])
    first = "".join("".join(o.get("text", "")) for o in cells[0]["outputs"])
    assert f"profile={meta['profile']}" in first, "the first cell must print the profile"
    assert "profile=smoke" not in json.dumps([c["outputs"] for c in cells])


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_a_run_of_the_current_code(path):
    """The run record's hash of the code (comments aside) matches the code: change code, re-run the notebook."""
    import nbformat

    from gantutor.book.notebooks import code_sha256

    nb = nbformat.read(path, as_version=4)
    recorded = nb.metadata.get("gantutor", {}).get("code_sha256")
    if recorded is None:
        pytest.skip(f"{path.name}: stored before run records held the code's hash")
    assert recorded == code_sha256(nb), (f"{path.name}: its code changed since the stored run; re-run it: "
                                         f"make notebooks PROFILE=cpu NOTEBOOKS={path.relative_to(ROOT)}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_pins_some_deterministic_output(path):
    marked = [c for c in code_cells(load(path)) if "nbval-check-output" in tags(c)]
    assert marked, f"{path.name}: tag at least one deterministic cell nbval-check-output"
    assert all(c["outputs"] for c in marked)
    assert not any("nbval-skip" in tags(c) for c in code_cells(load(path)))


def _hidden(cell):
    return bool({"remove-cell", "remove-input", "hide-cell", "hide-input"} & set(tags(cell)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_bookkeeping_shows_on_the_page(path):
    """NBVAL markers live in tags, never in the source a reader sees; a cell of glue(...) calls only is hidden."""
    for c in code_cells(load(path)):
        src = "".join(c["source"])
        assert "NBVAL_" not in src or _hidden(c), f"{path.name}: move the NBVAL marker into the cell's tags"
        statements = [line for line in src.splitlines() if line.strip() and not line.startswith((" ", "\t", ")", "#"))]
        if statements and all(line.startswith("glue(") for line in statements):
            assert _hidden(c), f"{path.name}: tag this glue-only cell remove-cell:\n{src[:200]}"


# ------------------------------------------------------------------------------------ text twins and reading order
PAIRED = NOTEBOOKS + sorted((ROOT / "assignments").glob("*.ipynb"))


def _cells(nb):
    return [(c.cell_type, c.source, c.metadata.get("tags"), c.metadata.get("mystnb")) for c in nb.cells]


@pytest.mark.parametrize("path", PAIRED, ids=lambda p: p.name)
def test_every_notebook_has_a_jupytext_twin_in_sync(path):
    import jupytext
    import nbformat

    twin = path.with_suffix(".py")
    assert twin.is_file(), f"{path.name} has no text twin: run `jupytext --sync {path.relative_to(ROOT)}`"
    assert _cells(jupytext.read(twin)) == _cells(nbformat.read(path, as_version=4)), (
        f"{twin.name} and {path.name} differ: after editing the .py run `jupytext --sync "
        f"{twin.relative_to(ROOT)}` (then re-run the notebook if its code changed)")


def _toc_parts():
    import yaml

    return yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]


def test_file_numbers_are_the_rendered_chapter_numbers():
    """chapters/08_... is chapter 8; the appendices a1, a2, ... are named in the order they are listed."""
    number, appendix = 0, 0
    for part in _toc_parts():
        for entry in part["chapters"]:
            name = Path(entry["file"]).name
            if part.get("numbered"):
                number += 1
                assert name.startswith(f"{number:02d}_"), f"{name} renders as chapter {number}"
            elif entry["file"].startswith("chapters/"):
                appendix += 1
                assert name.startswith(f"a{appendix}_"), f"{name} is appendix {appendix} in _toc.yml"


def _prose_pages():
    for part in _toc_parts():
        for entry in part["chapters"]:
            path = ROOT / entry["file"]
            if path.with_suffix(".ipynb").is_file():
                nb = load(path.with_suffix(".ipynb"))
                yield path.name, "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
            else:
                yield path.name, path.with_suffix(".md").read_text()


def test_prose_names_chapters_by_label_not_by_typed_number():
    """A typed "chapter 8" goes stale when chapters move; {numref}`chapter %s <ch-vae>` is numbered by the build."""
    import re

    typed = [(name, m.group(0)) for name, text in _prose_pages()
             for m in re.finditer(r".{0,30}\b[Cc]hapters? \d+.{0,20}", text)]
    assert not typed, "use {numref}`chapter %s <ch-label>` instead of:\n" + "\n".join(map(str, typed))
