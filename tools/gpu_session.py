"""Every GPU check of the book in one prepared run, in order, writing each record as soon as it exists.

Prepare here (no GPU needed): ``bash tools/gpu_wheels.sh`` (the notebook runner's wheels in .whl/) and
``bash tools/gpu_data.sh`` (MNIST, compressed, in .gpudata/). Then, on the lent machine, from the repository root,
as one command that carries ``.whl`` and ``.gpudata``::

    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl \\
      && export PYTHONPATH=/tmp/site:$PWD && python3 tools/gpu_session.py --out /tmp/s --budget 520; \\
      tar czf $OUT/gpu_session.tgz -C /tmp s

(one archive: at most 8 files come back from ``$OUT``; the records, logs and notebooks are many more). The stages'
shares add up to more than one 10-minute call: with 15 minutes of device time, run two calls,
``--stages notebooks-smoke,graph-tests,bench,time-to-quality --budget 520`` and then
``--stages vae,notebooks-gpu`` with what is left.

Stages, in this order (``--stages`` chooses some); each gets at most its share of what is left of ``--budget``
and is recorded as skipped when too little is left:

1. ``notebooks-smoke``: every notebook of ``_toc.yml`` in the smoke profile on CUDA, ``--parallel`` at a time
   (each in its own kernel); record ``notebooks_smoke_<gpu>.json``: per notebook, passed or failed, seconds, and the
   error's last lines. Notebooks whose data or packages were not carried are listed as skipped, with the reason.
2. ``graph-tests``: ``tests/test_graphs.py``, whose CUDA tests compare graphed and eager training over 1,000
   steps (pytest is on the GPU image; the log holds the result).
3. ``bench``: ``python -m gantutor.bench`` for the MLP GAN and the DCGAN: the tutorial loop, gantutor with fused
   Adam, the same with the whole step as a CUDA graph, and with ``torch.compile(mode="reduce-overhead")``.
4. ``time-to-quality``: the DCGAN's time to FID ≤ 3× the floor with the whole step as a CUDA graph.
5. ``vae``: the Burda VAE trained for ``--vae-seconds``, then its test NLL (``tools/vae_gpu_nll.py``).
6. ``notebooks-gpu``: the gpu profile of the chapters in ``--chapters`` order while time is left; the executed
   notebooks are written to ``<out>/notebooks/`` (copy them into ``chapters/`` to store their outputs) and
   recorded in ``notebooks_gpu_<gpu>.json``.

``<out>/session.json`` lists the stages, their commands, seconds and outcomes. ``--rehearse`` runs on the CPU, to
check the script before a GPU is at hand.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("notebooks-smoke", "graph-tests", "bench", "time-to-quality", "vae", "notebooks-gpu")
#: Each stage's most seconds (the last stage takes what is left).
SHARE = {"notebooks-smoke": 200, "graph-tests": 150, "bench": 150, "time-to-quality": 110, "vae": 150, "notebooks-gpu": None}
#: Notebooks that need what a GPU machine is not given: the reason is recorded instead of a failure.
NEEDS = {"chapters/a2_for_instructors.ipynb": "nbgrader (the course tool; no GPU work in it)"}
BENCH_LOOPS = "tutorial,gantutor[fused_adam],gantutor[fused_adam+graph],gantutor[fused_adam+reduce-overhead]"
#: The gpu-profile chapters, most informative first (the headline models, then the rest).
CHAPTERS = ("chapters/07_dcgan.ipynb", "chapters/09_vae.ipynb", "chapters/13_diffusion.ipynb",
            "chapters/14_flow_matching.ipynb", "chapters/02_first_gan.ipynb", "chapters/06_gan_variants.ipynb",
            "chapters/08_variants_mnist.ipynb")


def unpack_data(carried: Path, root: Path) -> None:
    """Unzip the carried ``*.gz`` files into a torchvision data root (``<name>/raw/<file>``)."""
    for gz in carried.glob("*/raw/*.gz"):
        target = root / gz.parent.relative_to(carried) / gz.stem
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            with gzip.open(gz) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)


def missing_need(notebook: str, data_root: Path) -> str | None:
    if notebook in NEEDS:
        return NEEDS[notebook]
    if "fashion" in (ROOT / notebook).read_text().lower() and not (data_root / "FashionMNIST" / "raw").is_dir():
        return "Fashion-MNIST (not carried: bash tools/gpu_data.sh FashionMNIST for a call of its own)"
    return None


def run_command(cmd: list[str], log: Path, timeout: float, env=None) -> dict:
    """Run ``cmd`` with its output in ``log``; its outcome and seconds."""
    start = time.perf_counter()
    with open(log, "w") as out:
        try:
            rc = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, timeout=max(1, timeout),
                                env=env).returncode
            outcome = "passed" if rc == 0 else f"failed (exit {rc})"
        except subprocess.TimeoutExpired:
            outcome = f"stopped after {timeout:.0f} s"
    tail = log.read_text(errors="replace").strip().splitlines()[-8:]
    return {"command": " ".join(cmd), "outcome": outcome, "seconds": round(time.perf_counter() - start, 1),
            "log_tail": tail if outcome != "passed" else tail[-2:]}


class Session:
    def __init__(self, args):
        self.args, self.out = args, Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.deadline = time.monotonic() + args.budget
        self.record = {"budget_s": args.budget, "stages": {}}
        self.tag = "cpu"

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def save(self, name: str, entry) -> None:
        self.record["stages"][name] = entry
        (self.out / "session.json").write_text(json.dumps(self.record, indent=2))

    def setup(self) -> None:
        import torch

        if not torch.cuda.is_available() and not self.args.rehearse:
            sys.exit("gpu_session: no CUDA device here; pass --rehearse to try the script on the CPU.")
        self.tag = torch.cuda.get_device_name(0).split()[-1].lower() if torch.cuda.is_available() else "cpu"
        self.record["device"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
        self.record["torch"] = torch.__version__
        carried, data_root = ROOT / ".gpudata", Path(self.args.data_root)
        if carried.is_dir():
            unpack_data(carried, data_root)
        os.environ["GANTUTOR_DATA"] = str(data_root)
        os.environ.setdefault("MPLBACKEND", "Agg")
        self.data_root = data_root

    # ------------------------------------------------------------------------------------------------ stages
    def notebooks(self, paths, profile: str, out_dir: Path | None, parallel: int, budget: float) -> dict:
        results, todo = {}, []
        for nb in paths:
            need = missing_need(nb, self.data_root)
            if need:
                results[nb] = {"outcome": f"skipped: needs {need}"}
            else:
                todo.append(nb)
        logs = self.out / f"logs_{profile}"
        logs.mkdir(exist_ok=True)
        stop_at = time.monotonic() + budget

        def one(nb):
            cmd = [sys.executable, "-m", "gantutor.book.notebooks", "--profile", profile,
                   "--out-dir", str(out_dir or self.out / "scratch"), nb]
            left = stop_at - time.monotonic()
            if left < 20:
                return nb, {"outcome": "skipped: the time budget was spent"}
            return nb, run_command(cmd, logs / (Path(nb).stem + ".log"), left)

        with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
            for nb, entry in pool.map(one, todo):
                results[nb] = entry
        shutil.rmtree(self.out / "scratch", ignore_errors=True)
        return results

    def stage_notebooks_smoke(self, budget):
        from gantutor.book.notebooks import toc_notebooks

        paths = self.args.smoke.split(",") if self.args.smoke else [str(p.relative_to(ROOT)) for p in toc_notebooks()]
        results = self.notebooks(paths, "smoke", None, self.args.parallel, budget)
        (self.out / f"notebooks_smoke_{self.tag}.json").write_text(json.dumps(
            {"device": self.record["device"], "profile": "smoke",
             "command": "python -m gantutor.book.notebooks --profile smoke NOTEBOOK (each in its own kernel)",
             "notebooks": results}, indent=2))
        return {"passed": sum(r["outcome"] == "passed" for r in results.values()), "of": len(results)}

    def stage_graph_tests(self, budget):
        cmd = [sys.executable, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider", "tests/test_graphs.py"]
        return run_command(cmd, self.out / "graph_tests.log", budget)

    def stage_bench(self, budget):
        cmd = [sys.executable, "-m", "gantutor.bench", "--models", "mlp-gan,dcgan", "--loops", BENCH_LOOPS,
               "--repeats", "3", "--agree-steps", "0", "--out", str(self.out / f"bench_{self.tag}.json")]
        if self.args.rehearse:
            cmd[cmd.index("--loops") + 1] = "tutorial,gantutor[fused_adam]"
            cmd += ["--steps", "2", "--warmup", "1", "--repeats", "1", "--batch-size", "16"]
        return run_command(cmd, self.out / "bench.log", budget)

    def stage_time_to_quality(self, budget):
        cmd = [sys.executable, "-m", "gantutor.bench", "--time-to-quality", "--graph", "--max-seconds", "60",
               "--out", str(self.out / f"ttq_graph_{self.tag}.json")]
        if self.args.rehearse:
            cmd = [c for c in cmd if c != "--graph"] + ["--max-seconds", "1", "--eval-every", "2"]
        return run_command(cmd, self.out / "ttq.log", budget)

    def stage_vae(self, budget):
        seconds = 2 if self.args.rehearse else max(10, min(self.args.vae_seconds, budget - 60))
        cmd = [sys.executable, "tools/vae_gpu_nll.py", "--seconds", str(seconds), "--probe-steps", "500",
               "--out", str(self.out / f"vae_nll_{self.tag}.json")]
        cmd += ["--k", "10", "--probe-steps", "20"] if self.args.rehearse else ["--graph"]
        return run_command(cmd, self.out / "vae.log", budget)

    def stage_notebooks_gpu(self, budget):
        chapters = self.args.chapters.split(",") if self.args.chapters else list(CHAPTERS)
        results = self.notebooks(chapters, "smoke" if self.args.rehearse else "gpu", self.out / "notebooks", 1,
                                 budget)
        (self.out / f"notebooks_gpu_{self.tag}.json").write_text(json.dumps(
            {"device": self.record["device"], "profile": "gpu",
             "command": "python -m gantutor.book.notebooks --profile gpu --out-dir OUT/notebooks CHAPTER",
             "notebooks": results}, indent=2))
        return {"passed": sum(r["outcome"] == "passed" for r in results.values()), "of": len(results)}

    def run(self) -> int:
        self.setup()
        for name in self.args.stages.split(","):
            share = SHARE[name]
            budget = self.left() if share is None else min(share, self.left())
            if budget < 30:
                self.save(name, {"outcome": "skipped: the time budget was spent"})
                continue
            start = time.perf_counter()
            entry = getattr(self, "stage_" + name.replace("-", "_"))(budget)
            self.save(name, {**entry, "stage_seconds": round(time.perf_counter() - start, 1)})
            print(f"{name}: {json.dumps(self.record['stages'][name])[:300]}", flush=True)
        return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder for the records and logs")
    ap.add_argument("--budget", type=float, default=520, help="seconds for all stages together (default 520)")
    ap.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated, from {', '.join(STAGES)}")
    ap.add_argument("--parallel", type=int, default=4, help="smoke notebooks at a time (default 4)")
    ap.add_argument("--vae-seconds", type=float, default=90, help="the VAE's training time (default 90)")
    ap.add_argument("--chapters", default=None, help="gpu-profile chapters, comma-separated (default: the headline "
                                                     "chapters first)")
    ap.add_argument("--smoke", default=None, help="smoke-profile notebooks, comma-separated (default: all)")
    ap.add_argument("--data-root", default="/tmp/gantutor-data", help="where the carried datasets are unpacked")
    ap.add_argument("--rehearse", action="store_true", help="run on the CPU with tiny settings")
    args = ap.parse_args(argv)
    unknown = [s for s in args.stages.split(",") if s not in STAGES]
    if unknown:
        ap.error(f"unknown stage {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    return Session(args).run()


if __name__ == "__main__":
    sys.exit(main())
