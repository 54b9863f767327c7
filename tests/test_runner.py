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
