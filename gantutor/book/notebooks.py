"""Re-execute the book's notebooks in place with a chosen profile.

    python -m gantutor.book.notebooks --profile cpu                 # every notebook in _toc.yml
    python -m gantutor.book.notebooks --profile gpu chapters/02_first_gan.ipynb

Each notebook runs top to bottom in a fresh kernel with ``GANTUTOR_PROFILE`` set; its outputs are stored in the
file, and its metadata gets ``gantutor: {profile, device, seconds, executed, versions, metrics}`` — the record of
the run that the rendered book shows; ``metrics`` holds the headline numbers the run glued with
:func:`gantutor.book.metric` (e.g. ``dcgan.fid_over_floor``). A failing cell stops that notebook and leaves the file unchanged.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks named in ``_toc.yml``, in book order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found: list[Path] = []

    def walk(node):
        if isinstance(node, dict):
            f = node.get("file")
            if f and (root / f"{f}.ipynb").is_file():
                found.append(root / f"{f}.ipynb")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return found


def versions() -> dict[str, str]:
    import matplotlib
    import torch
    import torchvision

    from .. import __version__

    return {"python": platform.python_version(), "gantutor": __version__, "torch": torch.__version__,
            "torchvision": torchvision.__version__, "matplotlib": matplotlib.__version__}


def device_name() -> str:
    import torch

    if torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return f"cpu ({os.cpu_count()} cores, {platform.processor() or platform.machine()})"


def code_sha256(nb) -> str:
    """sha256 of the notebook's code, comment lines and blank lines left out: a run record holds it, so a test can
    tell when the stored outputs are no longer a run of the current code."""
    import hashlib

    lines = [line.rstrip() for cell in nb.cells if cell.cell_type == "code" for line in cell.source.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def recorded_metrics(nb) -> dict[str, float]:
    """The headline metrics a run glued with :func:`gantutor.book.metric` (glue keys ``metric__<model>__<name>``),
    as ``{"<model>.<name>": value}`` — what ``metadata.gantutor.metrics`` records."""
    from .. import book

    found = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            key = out.get("metadata", {}).get("scrapbook", {}).get("name", "")
            if key.startswith(book.METRIC_PREFIX):
                prefix = out["metadata"]["scrapbook"].get("mime_prefix", "")
                found[book.metric_name(key)] = float(out["data"][f"{prefix}text/plain"])
    return found


def reads_records(nb) -> bool:
    """Whether a run called :func:`gantutor.book.reads_records` (the page trains nothing, it reads records)."""
    from .. import book

    return any(out.get("metadata", {}).get("scrapbook", {}).get("name") == book.RECORDS_ONLY_KEY
               for cell in nb.cells for out in cell.get("outputs", []))


def execute(path: Path, profile: str, timeout: int = 1800, out: Path | None = None) -> float:
    """Execute ``path`` under ``profile`` and write it with its outputs to ``out`` (default: in place); return the
    wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    from ..profile import get_profile

    get_profile(profile)  # validate the name before starting a kernel
    nb = nbformat.read(path, as_version=4)
    env_before = {k: os.environ.get(k) for k in ("GANTUTOR_PROFILE", "GANTUTOR_PROGRESS")}
    os.environ["GANTUTOR_PROFILE"] = profile
    os.environ["GANTUTOR_PROGRESS"] = "log"  # printed lines, not widgets, in stored outputs
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    seconds = time.perf_counter() - start
    nb.metadata["gantutor"] = {
        "profile": profile, "device": device_name(), "seconds": round(seconds, 1),
        "executed": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "versions": versions(),
        "code_sha256": code_sha256(nb)}
    metrics = recorded_metrics(nb)
    if metrics:
        nb.metadata["gantutor"]["metrics"] = metrics
    if reads_records(nb):
        nb.metadata["gantutor"]["reads_records"] = True
    nbformat.write(nb, out or path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gantutor.book.notebooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all in _toc.yml)")
    parser.add_argument("--profile", default=None, help="smoke, cpu or gpu (default: gpu with CUDA, else cpu)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="write the executed notebooks into this folder instead of in place")
    args = parser.parse_args(argv)
    from ..profile import default_profile_name, get_profile

    profile = get_profile(args.profile or default_profile_name()).name
    paths = args.notebooks or toc_notebooks()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    for p in paths:
        print(f"running {p} with profile={profile} ...", flush=True)
        seconds = execute(p, profile, args.timeout, args.out_dir / p.name if args.out_dir is not None else None)
        print(f"  done in {seconds:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
