"""Fixed feature networks for evaluation: one small classifier per dataset, shipped with the package and verified
by sha256 on every load (chapter: *Evaluating generative models*).

Why not Inception-v3, the network behind the published FID numbers? Its weights would have to be downloaded, it
expects 299×299 colour photographs, and its features were never trained to tell a 4 from a 9. A classifier trained
on the dataset itself is small, offline and sensitive to what matters in 28×28 digits and clothes. The price: our
FID values are comparable with each other, **not** with numbers from papers that used Inception (or another
classifier) — every metric this book reports names its feature network.

Reproduce the shipped weights (about 2 minutes per dataset on a 2-core CPU)::

    python -m gantutor.features train mnist
    python -m gantutor.features train fashion-mnist

Each run prints the test accuracy and the sha256 of the file it wrote; a file that does not match the recorded
hash is refused with :class:`ChecksumError` — never silently retrained or replaced.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
from pathlib import Path

import torch
from torch import nn

from .models.classifier import ImageClassifier

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

#: The shipped classifiers: file name in ``gantutor/weights`` and its sha256.
CLASSIFIERS: dict[str, dict] = {
    "mnist": {"file": "mnist_classifier.pt",
              "sha256": "7c3cb9c7d21ca59daf47bf57aa23c280da6d33109e22a40c6ce4f9b45291032c"},
    "fashion-mnist": {"file": "fashion-mnist_classifier.pt",
                      "sha256": "050f27d0f2fd6d8528f2c3476f7562a7281739a7c6617f9212b52456ac43e61e"},
}

#: The training recipe :func:`train_classifier` uses (and that the shipped weights came from).
RECIPE = {"epochs": {"mnist": 4, "fashion-mnist": 8}, "batch_size": 128, "lr": 2e-3, "weight_decay": 1e-4,
          "seed": 0}


class ChecksumError(RuntimeError):
    """A weight file's sha256 differs from the recorded one (corrupt, truncated or replaced)."""


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _dataset_key(dataset: str) -> str:
    key = str(dataset).strip().lower()
    if key not in CLASSIFIERS:
        raise ValueError(f"No feature network for dataset {dataset!r}. gantutor ships one for: "
                         f"{', '.join(CLASSIFIERS)}.")
    return key


_CACHE: dict[tuple, ImageClassifier] = {}


def load_classifier(dataset: str = "mnist", *, device: torch.device | str = "cpu", path: str | Path | None = None,
                    sha256: str | None = None) -> ImageClassifier:
    """The shipped classifier for ``dataset`` in eval mode, its file verified against the recorded sha256.

    Args:
        dataset: ``"mnist"`` or ``"fashion-mnist"``.
        device: where to put the network.
        path: a weight file other than the shipped one (e.g. one you trained with ``python -m gantutor.features``).
        sha256: the hash that file must have; required with ``path`` unless it is the shipped file.

    Raises:
        ChecksumError: the file's sha256 differs from the expected one.
        FileNotFoundError: the weight file is missing.
    """
    key = _dataset_key(dataset)
    entry = CLASSIFIERS[key]
    file = Path(path) if path is not None else WEIGHTS_DIR / entry["file"]
    expected = sha256 if sha256 is not None else entry["sha256"]
    if not file.is_file():
        raise FileNotFoundError(f"The {key} classifier weights are missing: {file}. Reinstall gantutor (the file "
                                f"ships with the package) or recreate it with `python -m gantutor.features train "
                                f"{key}`.")
    if expected is None:
        raise ChecksumError(f"No sha256 is recorded for {file}; pass sha256=... to say which file you trust.")
    cache_key = (str(file), file.stat().st_mtime_ns, str(device), expected)
    if cache_key in _CACHE:
        return _CACHE[cache_key]
    actual = sha256_file(file)
    if actual != expected:
        raise ChecksumError(
            f"The {key} classifier weights at {file} do not match their recorded sha256 (expected {expected}, got "
            f"{actual}): the file is corrupt, truncated or was replaced. Restore it (`git checkout -- {file.name}` in "
            f"gantutor/weights, or reinstall gantutor). Metrics computed with other weights are not comparable with "
            f"the book's, so gantutor never retrains silently; to use your own weights pass path= and sha256=.")
    blob = torch.load(file, map_location="cpu", weights_only=True)
    model = ImageClassifier(num_classes=len(blob["classes"]))
    model.load_state_dict(blob["state_dict"])
    model.classes = list(blob["classes"])
    model.dataset = key
    model.eval().requires_grad_(False).to(device)
    _CACHE[cache_key] = model
    return model


@torch.no_grad()
def classifier_outputs(images: torch.Tensor, dataset: str = "mnist", *, batch_size: int = 1000,
                       device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Features ``(N, 128)`` and logits ``(N, 10)`` of ``images`` under the shipped classifier (on the CPU).

    Raises:
        ValueError: images that are not ``(N, 1, 28, 28)`` in ``[-1, 1]`` (a common slip: images in ``[0, 1]`` or
            ``[0, 255]``).
    """
    if not torch.is_tensor(images) or images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
        shape = tuple(images.shape) if torch.is_tensor(images) else type(images).__name__
        raise ValueError(f"Expected images shaped (N, 1, 28, 28), got {shape}. Generators in gantutor already "
                         f"return this shape; reshape flat vectors with x.view(-1, 1, 28, 28).")
    if images.shape[0] == 0:
        raise ValueError("Expected at least one image, got an empty tensor.")
    lo, hi = float(images.min()), float(images.max())
    if lo < -1.01 or hi > 1.01 or not math.isfinite(lo + hi):
        raise ValueError(f"Images must lie in [-1, 1] (gantutor's range); these span [{lo:.3g}, {hi:.3g}]. "
                         f"Rescale with x * 2 - 1 for [0, 1] images or x / 127.5 - 1 for [0, 255].")
    device = torch.device(device) if device is not None else images.device
    net = load_classifier(dataset, device=device)
    feats, logits = [], []
    for chunk in images.split(batch_size):
        f = net.features(chunk.to(device, torch.float32))
        feats.append(f.cpu())
        logits.append(net.head(f).cpu())
    return torch.cat(feats), torch.cat(logits)


# ------------------------------------------------------------------------------------------------ training
def state_sha256(model: nn.Module) -> str:
    """sha256 of the parameters and buffers themselves (independent of how the file was serialised)."""
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def train_classifier(dataset: str = "mnist", *, epochs: int | None = None, device=None, progress: bool = True,
                     root=None) -> tuple[ImageClassifier, float]:
    """Train the feature classifier with :data:`RECIPE` on the full training split; return it and its test accuracy."""
    from .data import load_images
    from .profile import get_device

    key = _dataset_key(dataset)
    device = get_device(device)
    train = load_images(key, train=True, device=device, root=root)
    test = load_images(key, train=False, device=device, root=root)
    model = fit_classifier(train.images, train.labels, epochs=RECIPE["epochs"][key] if epochs is None else epochs,
                           test=(test.images, test.labels), progress=progress)
    model.classes = train.classes
    return model, evaluate_accuracy(model, test.images, test.labels)


def fit_classifier(images: torch.Tensor, labels: torch.Tensor, *, epochs: int, num_classes: int = 10,
                   test=None, progress: bool = False, seed: int | None = None,
                   batch_size: int | None = None) -> ImageClassifier:
    """Train a fresh :class:`ImageClassifier` on ``images`` (``(N, 1, 28, 28)`` in [-1, 1]) and ``labels`` with
    :data:`RECIPE` (AdamW, one-cycle schedule, random shifts of up to 2 pixels); ``test = (images, labels)`` is
    evaluated after each epoch when ``progress`` is on. Used for the shipped feature networks and for the
    Classification Accuracy Score (chapter *Applications*). Returns the model in eval mode."""
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"images and labels must have the same length, got {images.shape[0]} and {labels.shape[0]}.")
    bs = batch_size or RECIPE["batch_size"]
    if images.shape[0] < bs:
        raise ValueError(f"fit_classifier needs at least one batch of {bs} images, got {images.shape[0]}.")
    device = images.device
    torch.manual_seed(RECIPE["seed"] if seed is None else seed)
    model = ImageClassifier(num_classes=num_classes).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=RECIPE["lr"], weight_decay=RECIPE["weight_decay"])
    steps_per_epoch = len(images) // bs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=RECIPE["lr"], total_steps=epochs * steps_per_epoch)
    gen = torch.Generator(device=device).manual_seed(RECIPE["seed"] if seed is None else seed)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(images), generator=gen, device=device)
        total = 0.0
        for i in range(steps_per_epoch):
            idx = perm[i * bs:(i + 1) * bs]
            x = images[idx]
            # augmentation: a random shift of up to 2 pixels (one per batch keeps it cheap)
            dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=gen, device=device))
            x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
            loss = nn.functional.cross_entropy(model(x), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
        if progress and test is not None:
            acc = evaluate_accuracy(model, *test)
            print(f"epoch {epoch + 1}/{epochs}: train loss {total / steps_per_epoch:.4f}, test accuracy {acc:.4f}",
                  flush=True)
    model.eval()
    return model


@torch.no_grad()
def evaluate_accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> float:
    was = model.training
    model.eval()
    correct = sum(int((model(x).argmax(1) == y).sum()) for x, y in zip(images.split(batch_size),
                                                                         labels.split(batch_size)))
    model.train(was)
    return correct / len(labels)


def save_classifier(model: ImageClassifier, path: str | Path, dataset: str) -> str:
    """Write ``model`` (CPU, fp32) for :func:`load_classifier`; return the file's sha256."""
    from .checkpoint import save_checkpoint

    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    save_checkpoint(path, {"state_dict": state, "classes": list(model.classes), "dataset": _dataset_key(dataset)})
    Path(path).chmod(0o644)  # a package file, readable by everyone
    return sha256_file(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gantutor.features",
                                     description="Train or verify the fixed feature classifiers.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a classifier with the recorded recipe and write its weights")
    t.add_argument("dataset", choices=sorted(CLASSIFIERS))
    t.add_argument("--out", default=None, help="output file (default: the shipped file in gantutor/weights)")
    t.add_argument("--device", default=None)
    v = sub.add_parser("verify", help="check the shipped files' sha256 and their test accuracy")
    v.add_argument("dataset", nargs="*", default=sorted(CLASSIFIERS))
    args = parser.parse_args(argv)
    if args.cmd == "train":
        model, acc = train_classifier(args.dataset, device=args.device)
        out = Path(args.out) if args.out else WEIGHTS_DIR / CLASSIFIERS[args.dataset]["file"]
        digest = save_classifier(model, out, args.dataset)
        print(f"{args.dataset}: test accuracy {acc:.4f}\n  wrote {out}\n  sha256 {digest}\n"
              f"  parameters' sha256 {state_sha256(model)}")
        return 0
    from .data import load_images
    for name in args.dataset:
        test = load_images(name, train=False)
        model = load_classifier(name)
        print(f"{name}: sha256 ok, test accuracy {evaluate_accuracy(model, test.images, test.labels):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
