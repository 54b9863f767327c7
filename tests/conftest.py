"""Shared fixtures. Tests never download: GANTUTOR_OFFLINE=1 is set for the whole session."""

import os
import socket
from pathlib import Path

import pytest

import gantutor as gt

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("GANTUTOR_OFFLINE", "1")
os.environ.setdefault("GANTUTOR_PROGRESS", "off")


def _has_raw(root: Path, folder: str) -> bool:
    raw = root / folder / "raw"
    return all((raw / f).is_file() for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))


@pytest.fixture(scope="session")
def mnist_root() -> Path:
    """The data root holding MNIST; the test is skipped (with the reason) when there is none."""
    root = gt.data_root()
    if not _has_raw(root, "MNIST"):
        pytest.skip(f"MNIST raw files not found under {root}/MNIST/raw (set GANTUTOR_DATA to a folder that has them)")
    return root


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a network connection fails, as on a machine without internet."""

    def refuse(*args, **kwargs):
        raise OSError("network is unreachable (blocked by the test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build the book once per test session (stored outputs, warnings as errors); return its html folder.

    The build's output and log are in the assertion message when it fails.
    """
    import shutil
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else shutil.which("jupyter-book"), "build", str(ROOT), "--path-output", str(out),
           "--warningiserror", "--keep-going"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return out / "_build" / "html"


def pytest_terminal_summary(terminalreporter):
    """Each notebook's smoke run time (setup + every cell), so CI shows which chapter costs what."""
    totals = {}
    for key in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(key, []):
            path = getattr(report, "nodeid", "").split("::")[0]
            if path.endswith(".ipynb"):
                totals[path] = totals.get(path, 0.0) + getattr(report, "duration", 0.0)
    if totals:
        terminalreporter.section("notebook run times (smoke profile)")
        for path, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
            terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
        terminalreporter.write_line(f"{sum(totals.values()):7.1f} s  all {len(totals)} notebooks")
