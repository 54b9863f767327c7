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
