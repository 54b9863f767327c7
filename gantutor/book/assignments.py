"""Course assignments: student and instructor versions, and running their checks.

The assignments in ``assignments/`` are written in nbgrader's format: solution code between ``### BEGIN SOLUTION`` and
``### END SOLUTION``, hidden tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, and nbgrader cell
metadata (solution cells, graded test cells with points, locked cells), so an instructor can put them into an
nbgrader course unchanged. Without nbgrader, one command makes both versions::

    python -m gantutor.book.assignments release --out release     # release/student/*.ipynb, release/instructor/*.ipynb
    python -m gantutor.book.assignments check release/student     # run every notebook, report each graded cell
    python -m gantutor.book.assignments time                      # measure each solution notebook, record it in the source

The student version replaces each solution block by ``raise NotImplementedError()`` (as nbgrader does), removes the
hidden tests and clears outputs; the instructor version is the source as it is. Both get a line after the title with
the measured run time of the solution notebook, which ``time`` records in the source's metadata
(``metadata.gantutor.timing``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import sys
import time
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


def default_source() -> Path:
    """``assignments/`` in the book's folder (found from the working directory upwards)."""
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "assignments").is_dir() and (folder / "_toc.yml").is_file():
            return folder / "assignments"
    raise FileNotFoundError("No assignments/ folder found here or above; run from the book's folder or pass "
                            "--source PATH.")


def _replace_blocks(source: str, begin: str, end: str, stub: str | None, where: str) -> str:
    lines, out, inside, indent = source.splitlines(), [], False, ""
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped == begin:
            if inside:
                raise ValueError(f"{where}: line {number} opens '{begin}' inside another block.")
            inside, indent = True, line[:len(line) - len(line.lstrip())]
            if stub is not None:
                out.extend(indent + s for s in stub.splitlines())
        elif stripped == end:
            if not inside:
                raise ValueError(f"{where}: line {number} has '{end}' without '{begin}'.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{begin}' is never closed by '{end}'.")
    return "\n".join(out)


def student_version(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of ``nb`` with solutions replaced by stubs, hidden tests removed and outputs cleared."""
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
        cell.source = _replace_blocks(cell.source, BEGIN, END, stub, where)
        cell.source = _replace_blocks(cell.source, BEGIN_HIDDEN, END_HIDDEN, None, where)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def source_notebooks(source: str | Path) -> list[Path]:
    source = Path(source)
    paths = sorted(source.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"No assignment notebooks (*.ipynb) in {source}.")
    return paths


def timing_note(nb: nbformat.NotebookNode) -> str:
    """The sentence stating the measured time of ``nb``'s solution run, from its metadata."""
    t = nb.metadata.get("gantutor", {}).get("timing")
    if not t:
        raise ValueError("This assignment has no recorded run time: run `python -m gantutor.book.assignments time` "
                         "(it measures each solution notebook and records the time in its metadata).")
    return (f"**Measured time:** the whole notebook, with the solutions, ran in {t['seconds']:.0f} s "
            f"(profile `{t['profile']}`, device `{t['device']}`, {t['threads']} CPU threads, torch {t['torch']}).")


def _with_timing(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    cell = nbformat.v4.new_markdown_cell(timing_note(nb))
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": "timing", "locked": True, "schema_version": 3,
                                 "solution": False, "task": False}
    nb.cells.insert(1, cell)
    return nb


def record_timing(source: str | Path | None = None) -> list[dict]:
    """Run each solution notebook in ``source`` in the current profile; store its time in the notebook's metadata."""
    import torch

    from ..profile import get_device, get_profile

    source = Path(source) if source is not None else default_source()
    records = []
    for path in source_notebooks(source):
        start = time.perf_counter()
        results = run_notebook(path)
        seconds = time.perf_counter() - start
        failed = [r for r in results if not r["passed"]]
        if failed:
            raise ValueError(f"{path.name}: the solution notebook has failing cells ({failed[0]['error']}); fix it "
                             f"before timing it.")
        nb = nbformat.read(path, as_version=4)
        nb.metadata.setdefault("gantutor", {})["timing"] = {
            "seconds": round(seconds, 1), "profile": get_profile().name, "device": str(get_device()),
            "threads": torch.get_num_threads(), "torch": torch.__version__}
        nbformat.write(nb, path)
        records.append({"notebook": path.name, **nb.metadata["gantutor"]["timing"]})
    return records


def release(source: str | Path | None = None, out: str | Path = "release") -> dict[str, list[Path]]:
    """Write ``out/student/`` and ``out/instructor/``; returns the written paths by version."""
    source = Path(source) if source is not None else default_source()
    out = Path(out)
    written = {"student": [], "instructor": []}
    for path in source_notebooks(source):
        nb = _with_timing(nbformat.read(path, as_version=4))
        for version, content in (("instructor", nb), ("student", student_version(nb, path.name))):
            target = out / version / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(content, target)
            written[version].append(target)
    return written


def grading(cell) -> dict | None:
    """The nbgrader metadata of a graded cell (``grade: true``), else None."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if meta.get("grade") else None


def run_notebook(path: str | Path) -> list[dict]:
    """Execute the code cells of ``path`` in order in one namespace (working directory: the notebook's folder) and
    return, for every graded cell, ``{"grade_id", "points", "passed", "error"}``; plus one entry with
    ``grade_id=None`` for each ungraded cell that failed. Output is captured, not printed."""
    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    namespace = {"__name__": "__main__"}
    results = []
    cwd = os.getcwd()
    os.chdir(path.parent)
    import matplotlib
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    plt.switch_backend("Agg")           # figures of the checked notebook are drawn, not shown
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            meta = grading(cell)
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            error = None
            buffer = io.StringIO()
            try:
                with contextlib.redirect_stdout(buffer):
                    exec(compile(source, f"{path.name} cell {index}", "exec"), namespace)
            except Exception as err:  # a failing cell is a result, not a crash of the runner
                error = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            if meta is not None:
                results.append({"grade_id": meta.get("grade_id"), "points": meta.get("points", 0),
                                "passed": error is None, "error": error})
            elif error is not None:
                results.append({"grade_id": None, "cell": index, "points": 0, "passed": False, "error": error})
    finally:
        os.chdir(cwd)
        plt.close("all")
        plt.switch_backend(backend)
    return results


def check(folder: str | Path) -> list[dict]:
    """Run every notebook in ``folder``; one summary per notebook (graded cells passed, points, seconds)."""
    summaries = []
    for path in source_notebooks(folder):
        start = time.perf_counter()
        results = run_notebook(path)
        graded = [r for r in results if r["grade_id"] is not None]
        summaries.append({"notebook": path.name, "seconds": time.perf_counter() - start,
                          "graded": len(graded), "passed": sum(r["passed"] for r in graded),
                          "points": sum(r["points"] for r in graded),
                          "points_earned": sum(r["points"] for r in graded if r["passed"]),
                          "results": results})
    return summaries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gantutor.book.assignments", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help="write the student and instructor versions")
    r.add_argument("--source", default=None, help="folder of assignment notebooks (default: assignments/)")
    r.add_argument("--out", default="release", help="output folder (default: release/)")
    c = sub.add_parser("check", help="run the notebooks of a folder and report every graded cell")
    c.add_argument("folder")
    t = sub.add_parser("time", help="measure each solution notebook (current profile) and record it in the source")
    t.add_argument("--source", default=None, help="folder of assignment notebooks (default: assignments/)")
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            written = release(args.source, args.out)
            for version, paths in written.items():
                print(f"{version:>10}: {len(paths)} notebooks in {Path(args.out) / version}")
            return 0
        if args.command == "time":
            for rec in record_timing(args.source):
                print(f"{rec['notebook']}: {rec['seconds']:.0f} s (profile {rec['profile']}, device {rec['device']})")
            return 0
        failed = 0
        for s in check(args.folder):
            print(f"{s['notebook']}: {s['passed']}/{s['graded']} graded cells passed, "
                  f"{s['points_earned']}/{s['points']} points, {s['seconds']:.0f} s")
            for res in s["results"]:
                if not res["passed"]:
                    label = res["grade_id"] or f"cell {res['cell']} (not graded)"
                    print(f"    ✗ {label}: {res['error']}")
            failed += s["passed"] < s["graded"]
        return 1 if failed else 0
    except (FileNotFoundError, ValueError) as err:
        print(f"python -m gantutor.book.assignments: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
