import json
import sys

import nbformat
import pytest

from gantutor.book import notebooks


def test_execute_records_run_metadata(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint('profile=' + os.environ['GANTUTOR_PROFILE'])")]
    path = tmp_path / "t.ipynb"
    nbformat.write(nb, path)
    seconds = notebooks.execute(path, "cpu", timeout=120)
    stored = json.loads(path.read_text())
    meta = stored["metadata"]["gantutor"]
    assert meta["profile"] == "cpu" and meta["seconds"] == pytest.approx(seconds, abs=0.1)
    assert meta["versions"]["torch"] and meta["device"]
    assert "".join(stored["cells"][0]["outputs"][0]["text"]) == "profile=cpu\n"


def test_bad_profile_is_rejected_before_any_kernel_starts(tmp_path):
    path = tmp_path / "t.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    with pytest.raises(ValueError, match="Unknown gantutor profile 'laptop'"):
        notebooks.execute(path, "laptop")


def test_cli_rejects_missing_notebook(capsys):
    with pytest.raises(SystemExit):
        notebooks.main(["--profile", "cpu", "no/such.ipynb"])
    assert "no such notebook" in capsys.readouterr().err


def test_headline_metrics_are_glued_and_collected_into_the_run_record():
    import nbformat
    from gantutor import book

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from gantutor import book\n"
                                          "book.metric('dcgan.fid_over_floor', 12.5)\n"
                                          "book.metric('cdcgan_reference.cas', 0.981)")]
    from nbclient import NotebookClient

    NotebookClient(nb, kernel_name="python3").execute()
    assert notebooks.recorded_metrics(nb) == {"dcgan.fid_over_floor": 12.5, "cdcgan_reference.cas": 0.981}
    with pytest.raises(ValueError, match="not a headline metric"):
        book.metric("dcgan.fid", 1.0)
    with pytest.raises(ValueError, match="pass 0.93, not 93"):
        book.metric("cvae.cas", 93.0)


def test_a_page_that_only_reads_records_says_so_in_its_run_record(tmp_path):
    reading, training = (tmp_path / f"{name}.ipynb" for name in ("reading", "training"))
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from gantutor import book\nbook.reads_records()")]), reading)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), training)
    for path in (reading, training):
        notebooks.execute(path, "smoke", timeout=120)
    assert json.loads(reading.read_text())["metadata"]["gantutor"]["reads_records"] is True
    assert "reads_records" not in json.loads(training.read_text())["metadata"]["gantutor"]


def test_stored_metrics_reads_another_chapters_run_record(tmp_path):
    import nbformat

    from gantutor import book

    nb = nbformat.v4.new_notebook()
    nb.metadata["gantutor"] = {"profile": "cpu", "device": "cpu", "seconds": 12.0,
                               "metrics": {"ddpm.fid_over_floor": 9.5}}
    (tmp_path / "chapters").mkdir()
    nbformat.write(nb, tmp_path / "chapters" / "13_diffusion.ipynb")
    found = book.stored_metrics("13_diffusion", start=tmp_path / "chapters")
    assert found == {"ddpm.fid_over_floor": 9.5, "_run": {"profile": "cpu", "device": "cpu", "seconds": 12.0}}
    assert book.stored_metrics("13_diffusion", start=tmp_path)["ddpm.fid_over_floor"] == 9.5
    with pytest.raises(FileNotFoundError, match="chapters/99_none.ipynb"):
        book.stored_metrics("99_none", start=tmp_path)


def test_stored_glue_reads_a_value_another_chapter_glued(tmp_path):
    import nbformat

    from gantutor import book

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("glue('ch8_nll', 95.4)", outputs=[nbformat.v4.new_output(
        "display_data", data={"application/papermill.record/text/plain": "95.4"},
        metadata={"scrapbook": {"mime_prefix": "application/papermill.record/", "name": "ch8_nll"}})])]
    nbformat.write(nb, tmp_path / "09_vae.ipynb")
    assert book.stored_glue("09_vae", "ch8_nll", start=tmp_path) == 95.4
    with pytest.raises(KeyError, match="no glued value 'nope'"):
        book.stored_glue("09_vae", "nope", start=tmp_path)


def test_book_scores_have_one_source_and_print_as_the_book_prints_them(tmp_path):
    import nbformat

    from gantutor import book

    def stored(name, metrics):
        nb = nbformat.v4.new_notebook()
        nb.metadata["gantutor"] = {"profile": "cpu", "metrics": metrics}
        nbformat.write(nb, tmp_path / name)
        return tmp_path / name

    a = stored("07_dcgan.ipynb", {"dcgan.fid_over_floor": 73.94, "dcgan.confident_rate": 0.6654})
    b = stored("14_flow_matching.ipynb", {"flow.sample_ms": 23.61})
    scores = book.book_scores([a, b])
    assert scores == {"dcgan.fid_over_floor": (73.94, a), "dcgan.confident_rate": (0.6654, a),
                      "flow.sample_ms": (23.61, b)}
    assert book.format_score("dcgan.fid_over_floor", 73.94) == "73.9"
    assert book.format_score("dcgan.confident_rate", 0.6654) == "66.5%"
    assert book.format_score("dcgan.confident_rate", 0.6654, ".0%") == "67%"
    # sampling costs span four orders of magnitude (a VAE decoder to a 20-step flow): three significant digits
    assert book.format_score("vae.sample_ms", 0.003259) == "0.00326"
    assert book.format_score("flow.sample_ms", 23.61) == "23.6"
    c = stored("15_copy.ipynb", {"dcgan.fid_over_floor": 80.0})
    with pytest.raises(ValueError, match="recorded by both .*07_dcgan.ipynb and .*15_copy.ipynb"):
        book.book_scores([a, c])


def test_every_score_the_pages_quote_is_recorded_by_a_stored_run():
    """{score}`name` in a page and the model-scores rows read the stored run records; each name must exist."""
    import re
    from pathlib import Path

    from gantutor import book
    from gantutor.book.notebooks import toc_notebooks

    root = Path(__file__).resolve().parents[1]
    scores = book.book_scores(toc_notebooks(root))
    pages = sorted(root.glob("chapters/*.py")) + [p for p in sorted(root.glob("*.md")) if p.name != "README.md"]
    quoted = {m for path in pages for m in re.findall(r"\{score\}`([^`:]+)", path.read_text())}
    assert quoted, "no page quotes a score"
    assert quoted <= set(scores), f"quoted but recorded by no stored run: {sorted(quoted - set(scores))}"
