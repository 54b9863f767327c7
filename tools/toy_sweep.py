"""Train toy GANs on the ring and the grid, many runs in parallel, and record PacGAN's mode coverage.

Each job trains one (config, distribution, seed) with ``gt.train_gan`` and records the coverage (2,500 samples,
3 standard deviations) every ``--eval-every`` steps; ``--save-generators`` also keeps the trained weights. Its
records are committed under ``results/`` and read by the book: the GPU sweeps by the appendix *Measured on a GPU*,
the long CPU runs (and their generators) by the page *Toy GANs with a long budget*.

    python tools/toy_sweep.py --workers 12 --seconds 500 --out sweep.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import time

import torch

CONFIGS = {
    # name: generator width/depth, discriminator width/depth, batch, lr, betas, lr_decay, pack, BatchNorm in G
    "ns-128": dict(gw=128, gd=3, dw=128, dd=3, batch=256, lr=2e-4, betas=(0.5, 0.999), decay=False, pack=1),
    "pac4-128": dict(gw=128, gd=3, dw=128, dd=3, batch=256, lr=2e-4, betas=(0.5, 0.999), decay=False, pack=4),
    "ns-128-decay": dict(gw=128, gd=3, dw=128, dd=3, batch=256, lr=2e-4, betas=(0.5, 0.999), decay=True, pack=1),
    "pac4-128-decay": dict(gw=128, gd=3, dw=128, dd=3, batch=256, lr=2e-4, betas=(0.5, 0.999), decay=True, pack=4),
    "ns-400-decay": dict(gw=400, gd=4, dw=200, dd=3, batch=128, lr=1e-4, betas=(0.8, 0.999), decay=True, pack=1),
    "pac4-400-decay": dict(gw=400, gd=4, dw=200, dd=3, batch=128, lr=1e-4, betas=(0.8, 0.999), decay=True, pack=4),
    "ns-128-b1024-decay": dict(gw=128, gd=3, dw=128, dd=3, batch=1024, lr=2e-4, betas=(0.5, 0.999), decay=True,
                               pack=1),
    "pac4-128-b1024-decay": dict(gw=128, gd=3, dw=128, dd=3, batch=1024, lr=2e-4, betas=(0.5, 0.999), decay=True,
                                 pack=4),
    # PacGAN's generator blocks (Linear -> BatchNorm -> ReLU): chapter 6's "BatchNorm generator" rows
    "bn-128-decay": dict(gw=128, gd=3, dw=128, dd=3, batch=256, lr=2e-4, betas=(0.5, 0.999), decay=True, pack=1,
                         bn=True),
    "bn-128-b1024-decay": dict(gw=128, gd=3, dw=128, dd=3, batch=1024, lr=2e-4, betas=(0.5, 0.999), decay=True,
                               pack=1, bn=True),
    "bn-400-decay": dict(gw=400, gd=4, dw=200, dd=3, batch=128, lr=1e-4, betas=(0.8, 0.999), decay=True, pack=1,
                         bn=True),
    # PacGAN's full remedy on top: BatchNorm generator and a discriminator that sees packs of 2 samples
    "bn-pac2-128-decay": dict(gw=128, gd=3, dw=128, dd=3, batch=256, lr=2e-4, betas=(0.5, 0.999), decay=True,
                              pack=2, bn=True),
}


def job(args):
    config, dist, seed, steps, eval_every, progress_file, keep_generator = args
    import gantutor as gt
    torch.set_num_threads(1)
    c = CONFIGS[config]
    device = gt.get_device()
    sampler, centers = {"ring": (gt.sample_ring, gt.ring_centers()), "grid": (gt.sample_grid, gt.grid_centers())}[dist]
    std = {"ring": gt.data.RING_STD, "grid": gt.data.GRID_STD}[dist]
    gt.seed_everything(seed)
    G = gt.ToyGenerator(latent_dim=2, hidden=c["gw"], depth=c["gd"], batch_norm=c.get("bn", False)).to(device)
    D = gt.ToyDiscriminator(hidden=c["dw"], depth=c["dd"], dim=2 * c["pack"])
    if c["pack"] > 1:
        D = gt.models.PackedDiscriminator(D, c["pack"])
    D = D.to(device)
    data = sampler(100_000, generator=torch.Generator().manual_seed(seed)).to(device)
    curve = []

    def on_snapshot(step, g):
        cov = gt.mode_coverage(gt.sample(g, 2500, seed=0), centers, std)
        curve.append((step, cov["covered"], cov["high_quality"]))
        if progress_file:                        # partial curves survive a run cut short by a time limit
            with open(progress_file, "a") as f:
                f.write(json.dumps(dict(config=config, dist=dist, seed=seed, steps=steps, point=curve[-1])) + "\n")

    t0 = time.perf_counter()
    gt.train_gan(G, D, gt.TensorBatches(data, batch_size=c["batch"], seed=seed), steps=steps, loss="non-saturating",
                 lr=c["lr"], betas=c["betas"], lr_decay=c["decay"], seed=seed, progress="off", fast=False,
                 snapshots=steps // eval_every + 1, on_snapshot=on_snapshot)
    out = dict(config=config, dist=dist, seed=seed, steps=steps, seconds=time.perf_counter() - t0, curve=curve)
    if keep_generator:                           # the trained weights, for plotting samples from the record
        out["generator"] = {k: v.detach().cpu() for k, v in G.state_dict().items()}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--eval-every", type=int, default=2500)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=500)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--dists", default="ring,grid", help="which toy distributions: ring, grid or both")
    ap.add_argument("--out", default="sweep.json")
    ap.add_argument("--progress-file", default="", help="append every evaluation here as it happens (JSON lines)")
    ap.add_argument("--save-generators", default="", help="also save every trained generator's weights to this "
                    "file (torch.save of {'config/dist/seed': state_dict})")
    a = ap.parse_args()
    unknown = [c for c in a.configs.split(",") if c not in CONFIGS]
    if unknown:
        ap.error(f"unknown config(s) {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")
    bad = [d for d in a.dists.split(",") if d not in ("ring", "grid")]
    if bad:
        ap.error(f"unknown distribution(s) {', '.join(bad)}; use ring, grid or ring,grid")
    jobs = [(cfg, dist, seed, a.steps, a.eval_every, a.progress_file, bool(a.save_generators))
            for seed in range(a.seeds) for cfg in a.configs.split(",") for dist in a.dists.split(",")]
    t0, results, generators = time.perf_counter(), [], {}
    with mp.get_context("spawn").Pool(a.workers) as pool:
        pending = {i: pool.apply_async(job, (j,)) for i, j in enumerate(jobs)}
        while pending and time.perf_counter() - t0 < a.seconds:
            for i in [i for i, p in pending.items() if p.ready()]:
                p = pending.pop(i)
                try:
                    r = p.get()
                except Exception as e:  # noqa: BLE001 - report and go on
                    print(jobs[i], "failed:", repr(e), flush=True)
                    continue
                if "generator" in r:
                    generators[f"{r['config']}/{r['dist']}/{r['seed']}"] = r.pop("generator")
                    torch.save(generators, a.save_generators)
                results.append(r)
                last = r["curve"][-1]
                print(f"{r['config']:>22} {r['dist']} seed {r['seed']}: {last[1]} modes, {100 * last[2]:.1f}% HQ "
                      f"({r['seconds']:.0f} s) curve {[(s, m, round(100 * q, 1)) for s, m, q in r['curve']]}",
                      flush=True)
                with open(a.out, "w") as f:
                    json.dump(results, f)
            time.sleep(1)
        pool.terminate()
    print(f"{len(results)}/{len(jobs)} jobs in {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("GANTUTOR_PROGRESS", "off")
    main()
