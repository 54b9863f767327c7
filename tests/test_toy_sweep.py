"""tools/toy_sweep.py: the tool whose records chapter 6's long-run page reads."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ROOT / "tools" / "toy_sweep.py"


def run_sweep(*args, cwd):
    return subprocess.run([sys.executable, str(SWEEP), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args, message", [
    (["--configs", "bn-128-decay,nonsense"], "unknown config(s) nonsense; choose from"),
    (["--dists", "ring,moon"], "unknown distribution(s) moon; use ring, grid"),
])
def test_bad_arguments_are_named(tmp_path, args, message):
    r = run_sweep(*args, "--out", str(tmp_path / "x.json"), cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr
    assert not (tmp_path / "x.json").exists()


def test_record_has_the_fields_the_long_run_page_reads(tmp_path):
    out, progress, weights = tmp_path / "sweep.json", tmp_path / "progress.jsonl", tmp_path / "g.pt"
    r = run_sweep("--workers", "1", "--steps", "20", "--eval-every", "10", "--seeds", "1", "--dists", "ring",
                  "--configs", "bn-pac2-128-decay", "--seconds", "240", "--out", str(out),
                  "--progress-file", str(progress), "--save-generators", str(weights), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (rec,) = json.loads(out.read_text())
    assert (rec["config"], rec["dist"], rec["seed"], rec["steps"]) == ("bn-pac2-128-decay", "ring", 0, 20)
    assert [p[0] for p in rec["curve"]] == [0, 10, 20]                     # an evaluation every 10 steps
    assert all(0 <= modes <= 8 and 0.0 <= hq <= 1.0 for _, modes, hq in rec["curve"])
    assert len(progress.read_text().splitlines()) == 3
    # the saved weights load into the configuration's generator, which then reproduces the record's last point
    import torch

    import gantutor as gt
    (key, state), = torch.load(weights).items()
    assert key == "bn-pac2-128-decay/ring/0" and "generator" not in rec
    G = gt.ToyGenerator(latent_dim=2, hidden=128, depth=3, batch_norm=True)
    G.load_state_dict(state)
    cov = gt.mode_coverage(gt.sample(G, 2500, seed=0), gt.ring_centers(), gt.data.RING_STD)
    assert (cov["covered"], cov["high_quality"]) == (rec["curve"][-1][1], pytest.approx(rec["curve"][-1][2]))
