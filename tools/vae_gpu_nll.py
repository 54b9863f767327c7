"""Chapter 8's VAE (Burda et al.'s architecture) trained for a wall-clock budget, then its test NLL (k = 5000).

For a lent GPU: the chapter's target is Burda et al.'s 86.76 nats within 15 minutes of training on an H100. Times
a short run first to choose the number of steps that fills ``--seconds``, so the learning-rate decay completes.

    python tools/vae_gpu_nll.py --seconds 300 --out vae_gpu.json
"""

from __future__ import annotations

import argparse
import json
import time

import torch

import gantutor as gt
from gantutor import vae as V


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--k", type=int, default=5000)
    ap.add_argument("--out", default="vae_gpu.json")
    ap.add_argument("--probe-steps", type=int, default=3000, help="steps of the timing run (default 3000)")
    ap.add_argument("--graph", action="store_true", help="the whole step as a CUDA graph (gantutor.graphs)")
    a = ap.parse_args()
    device = gt.get_device()
    train = gt.load_mnist(device=device)
    test = gt.load_mnist(train=False, device=device)
    x_test = V.binarize(test.images, torch.Generator(device=device).manual_seed(123))
    probe = V.MLPVAE(latent_dim=50).to(device)
    h = V.train_vae(probe, gt.TensorBatches(train.images, batch_size=a.batch_size, seed=1), steps=a.probe_steps,
                    progress="off", graph=a.graph)
    per_step = h.seconds / a.probe_steps
    steps = int(a.seconds / per_step)
    print(f"{per_step * 1e3:.3f} ms/step -> {steps} steps ({steps * a.batch_size / 60000:.0f} epochs)", flush=True)
    gt.seed_everything(0)
    model = V.MLPVAE(latent_dim=50).to(device)
    hist = V.train_vae(model, gt.TensorBatches(train.images, batch_size=a.batch_size, seed=0), steps=steps, lr=1e-3,
                       lr_decay=0.1, seed=0, progress="off", graph=a.graph)
    t0 = time.perf_counter()
    ll = V.log_likelihood(model, x_test, k=a.k, seed=0, progress="off")
    nll_s = time.perf_counter() - t0
    elbo = V.evaluate_bound(model, x_test, k=1)
    out = dict(device=torch.cuda.get_device_name() if device.type == "cuda" else "cpu", torch=torch.__version__,
               steps=steps, batch_size=a.batch_size, epochs=steps * a.batch_size / 60000,
               train_seconds=hist.seconds, nll=float(-ll.mean()), nll_sem=float(ll.std() / len(ll) ** 0.5),
               test_images=len(ll), k=a.k, nll_seconds=nll_s, elbo=elbo, fast="default (on for CUDA)",
               graph=a.graph)
    print(json.dumps(out), flush=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
