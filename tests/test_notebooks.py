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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_pins_some_deterministic_output(path):
    marked = [c for c in code_cells(load(path)) if "# NBVAL_CHECK_OUTPUT" in "".join(c["source"])]
    assert marked, f"{path.name}: mark at least one deterministic cell with # NBVAL_CHECK_OUTPUT"
    assert all(c["outputs"] for c in marked)
    assert not any("NBVAL_SKIP" in "".join(c["source"]) for c in code_cells(load(path)))
