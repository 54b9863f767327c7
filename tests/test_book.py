"""The book builds from the stored outputs with Sphinx warnings treated as errors, and serves its own JavaScript."""

import json
import re
from pathlib import Path

from gantutor.book.notebooks import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]


def test_book_builds_without_warnings(built_book):
    html = built_book
    page = (html / "chapters" / "02_first_gan.html").read_text()
    text = re.sub(r"<[^>]+>", " ", page)
    # glued numbers were inserted (a missing glue key leaves the role text behind)
    assert "glue:text" not in page and "{glue" not in text
    assert re.search(r"come from the\s+(cpu|gpu)\s+profile", text)
    assert page.count("<img") >= 5  # sample grids and curves
    # maths, diagrams and widgets are served with the book, not from a CDN
    # no launch buttons without a published repository address (tools/book_launch.py): no dead Colab links
    assert "colab.research.google.com" not in page and "_sources/chapters/02_first_gan.ipynb" in page
    assert "_static/mathjax/es5/tex-mml-chtml.js" in page and "cdn.jsdelivr.net/npm/mathjax" not in page
    ch1 = (html / "chapters" / "01_what_is_generative_ai.html").read_text()
    assert "_static/mermaid/dist/mermaid.esm.min.mjs" in ch1 and "cdn.jsdelivr.net/npm/mermaid" not in ch1
    ch3 = (html / "chapters" / "03_gan_objective.html").read_text()
    assert "_static/@jupyter-widgets/html-manager/dist/embed-amd.js" in ch3 and "cdnjs.cloudflare.com" not in ch3
    assert (html / "_static" / "mathjax" / "es5" / "tex-mml-chtml.js").is_file()
    # key terms link to the glossary; numbered figures carry captions
    assert ch1.count("glossary.html#term-") >= 10
    assert re.search(r"Fig\. 2\.\d", page) and "<figcaption>" in page
    # the status page has one row per notebook, from the run records
    status = (html / "status.html").read_text()
    assert status.count("<tr") == 1 + len(toc_notebooks(ROOT))
    assert "not recorded" not in status and re.search(r">\s*(cpu|gpu)\s*<", status)
    # computed tables are rendered as tables (from the notebooks' Markdown outputs), with their numbers
    ch5 = (html / "chapters" / "05_evaluation.html").read_text()
    assert ch5.count("<table") >= 2 and "FID / floor" in ch5 and re.search(r"Fig\. 5\.\d", ch5)
    ch6 = (html / "chapters" / "06_gan_variants.html").read_text()
    assert "ring: modes (of 8)" in ch6 and re.search(r"\d\.\d ± \d\.\d", ch6)
    ch6b = (html / "chapters" / "a6_long_toy_runs.html").read_text()     # the long runs, read from results/cpu
    assert "bar cleared" in ch6b and "PacGAN, best row" in ch6b and ch6b.count("<img") >= 1
    ch7 = (html / "chapters" / "07_dcgan.html").read_text()
    assert ch7.count("<img") >= 4 and "conditional DCGAN" in ch7
    # the VAE chapters: the likelihood table beside the published one, and the latent-space figures
    ch8 = (html / "chapters" / "09_vae.html").read_text()
    assert "Burda et al. 2016, VAE (k = 1)" in ch8 and "86.76" in ch8 and re.search(r"\d+\.\d\d ± \d\.\d\d", ch8)
    assert ch8.count("<img") >= 5
    ch9 = (html / "chapters" / "10_vae_latent.html").read_text()
    assert ch9.count("<img") >= 7 and "active units" in ch9 and "precision" in ch9
    ch10 = (html / "chapters" / "15_challenges.html").read_text()
    assert "samples closer than 99% of test images" in ch10 and "all pages" in ch10 and ch10.count("<img") >= 1
    # one source for each run time: the chapter's opening box, the status page and the closing chapter agree
    seconds = json.loads((ROOT / "chapters" / "07_dcgan.ipynb").read_text())["metadata"]["gantutor"]["seconds"]
    for page in (ch7, status, ch10):
        assert f"{seconds:.0f} s" in page
    reading = (html / "reading_list.html").read_text()
    assert reading.count("not found") >= 8 and "Zhu, Park, Isola, Efros" in reading
    amap = (html / "article_map.html").read_text()
    assert amap.count("chapters/") >= 40 and "Article 004" in amap


def test_launch_buttons_follow_the_repository_address():
    """Colab and repository buttons appear only for a GitHub address; anything else is refused with what to set."""
    import sys

    import pytest
    from sphinx.errors import ConfigError

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from book_launch import COLAB, launch_options
    finally:
        sys.path.remove(str(ROOT / "tools"))
    assert launch_options(None) == {} and launch_options("  ") == {}
    opts = launch_options("https://github.com/someone/gantutor.git/", "book")
    assert opts["repository_url"] == "https://github.com/someone/gantutor"
    assert opts["repository_branch"] == "book" and opts["launch_buttons"]["colab_url"] == COLAB
    assert launch_options("https://github.com/someone/gantutor")["repository_branch"] == "main"
    for bad in ("https://gitlab.com/someone/gantutor", "github.com/someone/gantutor", "https://github.com/someone"):
        with pytest.raises(ConfigError, match="GANTUTOR_REPO_URL.*https://github.com/<owner>/<repo>"):
            launch_options(bad)


def test_find_results_walks_up_to_the_records_and_says_where_it_looked(tmp_path):
    import pytest

    import gantutor as gt

    (tmp_path / "results" / "cpu").mkdir(parents=True)
    (tmp_path / "results" / "cpu" / "run.json").write_text("[]")
    (tmp_path / "chapters").mkdir()
    assert gt.find_results("cpu/run.json", start=tmp_path / "chapters") == tmp_path / "results" / "cpu" / "run.json"
    assert gt.find_results("cpu", start=tmp_path) == tmp_path / "results" / "cpu"
    with pytest.raises(FileNotFoundError, match=r"results/cpu/other.json is not in .*chapters or any folder above"):
        gt.find_results("cpu/other.json", start=tmp_path / "chapters")
