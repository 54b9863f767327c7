"""Course assignments in nbgrader's format, released and graded by nbgrader itself.

The notebooks in ``assignments/`` are nbgrader source notebooks: solution code between ``### BEGIN SOLUTION`` and
``### END SOLUTION``, hidden tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, and nbgrader
cell metadata (solution cells, graded test cells with points, locked cells). An instructor copies them into an
nbgrader course (``source/<assignment>/``) and uses nbgrader's own commands::

    nbgrader generate_assignment <assignment>        # the student version: solutions stubbed, hidden tests removed
    nbgrader autograde <assignment>                  # runs submissions, restores the hidden tests, scores each cell

:func:`nbgrader_round_trip` does exactly that in temporary course folders (each notebook its own assignment) and
returns the scores; the tests and the page *For instructors* use it. This module adds only what nbgrader does not do::

    python -m gantutor.book.assignments time      # measure each solution notebook; write the time into its notebook
    python -m gantutor.book.assignments grade     # the nbgrader round trip: solutions must get full marks, stubs zero
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

TIMING_ID = "timing"


def default_source() -> Path:
    """``assignments/`` in the book's folder (found from the working directory upwards)."""
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "assignments").is_dir() and (folder / "_toc.yml").is_file():
            return folder / "assignments"
    raise FileNotFoundError("No assignments/ folder found here or above; run from the book's folder or pass "
                            "--source PATH.")


def source_notebooks(source: str | Path) -> list[Path]:
    source = Path(source)
    paths = sorted(source.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"No assignment notebooks (*.ipynb) in {source}.")
    return paths


def timing_note(timing: dict) -> str:
    """The sentence, shown to students under the title, stating the measured time of the solution run."""
    return (f"**Measured time:** the whole notebook, with the solutions, ran in {timing['seconds']:.0f} s "
            f"(profile `{timing['profile']}`, device `{timing['device']}`, {timing['threads']} CPU threads, "
            f"torch {timing['torch']}).")


def set_timing(nb: nbformat.NotebookNode, timing: dict) -> None:
    """Record ``timing`` in the metadata and in a locked markdown cell right after the title (replaced if there)."""
    nb.metadata.setdefault("gantutor", {})["timing"] = timing
    cell = nbformat.v4.new_markdown_cell(timing_note(timing))
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": TIMING_ID, "locked": True, "schema_version": 3,
                                 "solution": False, "task": False}
    old = [i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == TIMING_ID]
    if old:
        cell.id = nb.cells[old[0]].get("id", cell.get("id"))
        nb.cells[old[0]] = cell
    else:
        nb.cells.insert(1, cell)


def execute(path: Path) -> float:
    """Run ``path`` top to bottom in its folder (nbclient); return the seconds, or raise naming the failing cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=1800, resources={"metadata": {"path": str(path.parent)}}).execute()
    except CellExecutionError as err:
        raise ValueError(f"{path.name}: the solution notebook fails ({str(err).strip().splitlines()[-1]}); fix it "
                         f"before timing it.") from None
    return time.perf_counter() - start


def record_timing(source: str | Path | None = None) -> list[dict]:
    """Run each solution notebook in ``source`` in the current profile; write its time into the notebook (and its
    jupytext twin)."""
    import torch

    from ..profile import get_device, get_profile

    source = Path(source) if source is not None else default_source()
    records = []
    for path in source_notebooks(source):
        timing = {"seconds": round(execute(path), 1), "profile": get_profile().name, "device": str(get_device()),
                  "threads": torch.get_num_threads(), "torch": torch.__version__}
        nb = nbformat.read(path, as_version=4)
        set_timing(nb, timing)
        nbformat.write(nb, path)
        if path.with_suffix(".py").is_file():
            subprocess.run([sys.executable, "-m", "jupytext", "--sync", str(path)], check=True, capture_output=True)
        records.append({"notebook": path.name, **timing})
    return records


def nbgrader(course: Path, *args: str) -> None:
    """Run one nbgrader command in ``course``; raise with its log when it fails."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True,
                          env=env)        # nbgrader calls `alembic` from the environment's bin folder
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def scores(course: Path, assignment: str, notebook: str, student: str) -> dict:
    """``{"score", "max_score", "cells": {grade_id: score}}`` of one autograded submission, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        nb = gradebook.find_submission_notebook(notebook, assignment, student)
        return {"score": nb.score, "max_score": nb.max_score, "cells": {g.name: g.score for g in nb.grades}}


def round_trip_one(path: Path, course: Path) -> dict:
    """One assignment through nbgrader in its own course folder ``course``: ``generate_assignment``, then
    ``autograde`` the instructor's solution notebook and the released student notebook."""
    name = path.stem
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "gantutor"\n')
    for folder in (course / "source" / name, course / "submitted" / "instructor" / name):
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)
    nbgrader(course, "generate_assignment", name, "--force")
    released = course / "release" / name / path.name
    student = course / "submitted" / "student" / name
    student.mkdir(parents=True, exist_ok=True)
    shutil.copy(released, student / path.name)
    nbgrader(course, "autograde", name, "--create", "--force")
    return {"notebook": path.name, "released": released,
            **{who: scores(course, name, name, who) for who in ("instructor", "student")}}


def nbgrader_round_trip(source: str | Path | None = None, course: str | Path | None = None,
                        limit: int | None = None, workers: int = 2) -> list[dict]:
    """Put every notebook of ``source`` (the first ``limit`` in file order, if given) through nbgrader, each as
    the one assignment of its own course folder ``course/<assignment>/`` (:func:`round_trip_one`), ``workers``
    assignments at a time (nbgrader's commands are separate processes, mostly starting Python and a kernel, so two
    at a time keep two cores busy). Returns per notebook, in file order,
    ``{"notebook", "instructor": scores, "student": scores, "released": path}``."""
    from concurrent.futures import ThreadPoolExecutor

    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of assignments (or None for all), got {limit!r}.")
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}.")
    source = Path(source) if source is not None else default_source()
    course = Path(course) if course is not None else Path(tempfile.mkdtemp(prefix="gantutor-course-"))
    paths = source_notebooks(source)[:limit]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda path: round_trip_one(path, course / path.stem), paths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gantutor.book.assignments", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("time", help="measure each solution notebook (current profile) and write the time into it")
    g = sub.add_parser("grade", help="nbgrader round trip: release, then autograde the solutions and the stubs")
    for p in (t, g):
        p.add_argument("--source", default=None, help="folder of assignment notebooks (default: assignments/)")
    g.add_argument("--course", default=None, help="folder for the nbgrader courses, one per assignment (default: a "
                   "temporary one)")
    args = parser.parse_args(argv)
    try:
        if args.command == "time":
            for rec in record_timing(args.source):
                print(f"{rec['notebook']}: {rec['seconds']:.0f} s (profile {rec['profile']}, device {rec['device']})")
            return 0
        bad = 0
        for r in nbgrader_round_trip(args.source, args.course):
            ins, stu = r["instructor"], r["student"]
            print(f"{r['notebook']}: solutions {ins['score']:g}/{ins['max_score']:g}, "
                  f"student stubs {stu['score']:g}/{stu['max_score']:g}")
            bad += ins["score"] < ins["max_score"] or stu["score"] > 0
        return 1 if bad else 0
    except (FileNotFoundError, ValueError) as err:
        print(f"python -m gantutor.book.assignments: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
