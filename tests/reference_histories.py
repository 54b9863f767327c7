"""Reference histories: 30 CPU steps of every training family the book uses, recorded as test fixtures.

The fixtures in ``tests/fixtures/reference_histories.pt`` were written by the training loops *before* they were
rebuilt on one engine; ``tests/test_reference_histories.py`` asserts that today's loops reproduce every recorded
number bit for bit, so the stored chapter outputs stay valid. Re-record (only after a deliberate change of the
numerics) with::

    python tests/reference_histories.py
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

import gantutor as gt
from gantutor.cyclegan import PatchDiscriminator, TranslationGenerator, train_cyclegan
from gantutor.models.dcgan import DCGANDiscriminator, DCGANGenerator, PackedDiscriminator
from gantutor.vae import ConvVAE, MLPVAE, train_vae

FIXTURE = Path(__file__).with_name("fixtures") / "reference_histories.pt"
STEPS = 30


def _images(n: int = 256, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Stand-in 'images' in [-1, 1] and labels (no dataset needed)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=gen) * 2 - 1, torch.randint(0, 10, (n,), generator=gen)


def digest(tensors) -> str:
    """sha256 of the tensors' bytes: large outputs (snapshot images) are pinned without storing them."""
    return hashlib.sha256(b"".join(t.contiguous().numpy().tobytes() for t in tensors)).hexdigest()


def _gan_fields(hist) -> dict:
    return {"d_loss": hist.d_loss, "g_loss": hist.g_loss, "d_real": hist.d_real, "d_fake": hist.d_fake,
            "d_grad_norm": hist.d_grad_norm, "g_grad_norm": hist.g_grad_norm,
            "snapshots": digest(hist.snapshots)}


def toy_gan(loss: str, **kw) -> dict:
    torch.manual_seed(0)
    g, d = gt.ToyGenerator(hidden=32, depth=2), gt.ToyDiscriminator(hidden=32, depth=2)
    data = gt.sample_ring(2048, generator=torch.Generator().manual_seed(1))
    batches = gt.TensorBatches(data, batch_size=64, seed=2)
    return _gan_fields(gt.train_gan(g, d, batches, steps=STEPS, loss=loss, seed=3, snapshots=3, progress="off",
                                    **kw))


def packed_gan() -> dict:
    torch.manual_seed(0)
    g = gt.ToyGenerator(hidden=32, depth=2, batch_norm=True)
    d = PackedDiscriminator(gt.ToyDiscriminator(hidden=32, depth=2, dim=4), pack=2)
    data = gt.sample_grid(2048, generator=torch.Generator().manual_seed(1))
    batches = gt.TensorBatches(data, batch_size=64, seed=2)
    return _gan_fields(gt.train_gan(g, d, batches, steps=STEPS, seed=3, snapshots=3, progress="off",
                                    lr_decay=True))


def mlp_gan() -> dict:
    torch.manual_seed(0)
    g, d = gt.MLPGenerator(latent_dim=16, hidden=(32, 64)), gt.MLPDiscriminator(hidden=(64, 32))
    x, _ = _images()
    return _gan_fields(gt.train_gan(g, d, gt.TensorBatches(x, batch_size=32, seed=2), steps=STEPS, seed=3,
                                    snapshots=2, progress="off"))


def conditional_dcgan() -> dict:
    torch.manual_seed(0)
    g = DCGANGenerator(latent_dim=16, width=8, num_classes=10)
    d = DCGANDiscriminator(width=8, num_classes=10)
    x, y = _images()
    return _gan_fields(gt.train_gan(g, d, gt.TensorBatches(x, y, batch_size=32, seed=2), steps=STEPS, seed=3,
                                    snapshots=2, progress="off"))


def vae(model: str = "mlp", **kw) -> dict:
    torch.manual_seed(0)
    conditional = kw.pop("conditional", False)
    classes = 10 if conditional else None
    net = MLPVAE(latent_dim=8, hidden=(64, 32), num_classes=classes) if model == "mlp" \
        else ConvVAE(latent_dim=8, width=8, num_classes=classes)
    x, y = _images()
    batches = gt.TensorBatches(x, y, batch_size=32, seed=2) if conditional else gt.TensorBatches(x, batch_size=32, seed=2)
    hist = train_vae(net, batches, steps=STEPS, seed=3, snapshots=2, progress="off", **kw)
    return {"loss": hist.loss, "recon": hist.recon, "kl": hist.kl, "beta": hist.beta,
            "snapshots": digest(hist.snapshots)}


def cyclegan() -> dict:
    torch.manual_seed(0)
    g_ab, g_ba = TranslationGenerator(width=4, blocks=1), TranslationGenerator(width=4, blocks=1)
    d_a, d_b = PatchDiscriminator(width=4), PatchDiscriminator(width=4)
    x, _ = _images(128)
    a, b = gt.TensorBatches(x[:64], batch_size=16, seed=2), gt.TensorBatches(x[64:], batch_size=16, seed=3)
    hist = train_cyclegan(g_ab, g_ba, d_a, d_b, a, b, steps=STEPS, snapshots=2, fixed_a=x[:4], fixed_b=x[64:68],
                          progress="off")
    return {"record": hist.record, "snapshots": digest([t for pair in hist.snapshots for t in pair])}


CASES = {
    **{f"gan-{loss}": (lambda loss=loss: toy_gan(loss)) for loss in gt.GAN_LOSSES},
    "gan-lr-decay": lambda: toy_gan("non-saturating", lr_decay=True),
    "gan-packed-batchnorm": packed_gan,
    "gan-mlp-images": mlp_gan,
    "gan-conditional-dcgan": conditional_dcgan,
    "vae-k1": lambda: vae(),
    "vae-k5": lambda: vae(k=5),
    "vae-beta": lambda: vae(beta=4.0, warmup_steps=10),
    "vae-free-bits": lambda: vae(free_bits=0.5),
    "vae-lr-decay": lambda: vae(lr=1e-3, lr_decay=0.1),
    "vae-conv-conditional": lambda: vae("conv", conditional=True, lr_decay=0.1),
    "cyclegan": cyclegan,
}


if __name__ == "__main__":
    torch.set_num_threads(1)
    FIXTURE.parent.mkdir(exist_ok=True)
    torch.save({name: make() for name, make in CASES.items()}, FIXTURE)
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size / 1024:.0f} KiB, {len(CASES)} cases)")
