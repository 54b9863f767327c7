"""The book builds from the stored outputs with Sphinx warnings treated as errors."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_book_builds_without_warnings(tmp_path):
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else shutil.which("jupyter-book"), "build", str(ROOT), "--path-output",
           str(tmp_path), "--warningiserror", "--keep-going"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    html = tmp_path / "_build" / "html"
    page = (html / "chapters" / "02_first_gan.html").read_text()
    text = re.sub(r"<[^>]+>", " ", page)
    # glued numbers were inserted (a missing glue key leaves the role text behind)
    assert "glue:text" not in page and "{glue" not in text
    assert re.search(r"The stored run used profile\s+(cpu|gpu)", text)
    assert page.count("<img") >= 5  # sample grids and curves
    # maths and diagrams are served with the book, not from a CDN
    assert "_static/mathjax/es5/tex-mml-chtml.js" in page and "cdn.jsdelivr.net/npm/mathjax" not in page
    ch1 = (html / "chapters" / "01_what_is_generative_ai.html").read_text()
    assert "_static/mermaid/dist/mermaid.esm.min.mjs" in ch1 and "cdn.jsdelivr.net/npm/mermaid" not in ch1
    assert (html / "_static" / "mathjax" / "es5" / "tex-mml-chtml.js").is_file()
    # the status page has one row per notebook, from the run records
    from gantutor.notebooks import toc_notebooks
    status = (html / "status.html").read_text()
    assert status.count("<tr") == 1 + len(toc_notebooks(ROOT))
    assert "not recorded" not in status and re.search(r">\s*(cpu|gpu)\s*<", status)
