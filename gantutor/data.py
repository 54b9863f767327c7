"""Datasets as device tensors, a shuffled batch iterator, and toy 2-D distributions.

Chapter: *Your first GAN* (section "The data"). MNIST and Fashion-MNIST are read with torchvision's own dataset
classes, then converted **once** into a normalised float tensor on the training device, so a training step does no
per-sample Python work: a batch is one indexing operation on a tensor that already lives on the GPU (or CPU).

Data root: ``GANTUTOR_DATA`` if set, else ``$XDG_CACHE_HOME/gantutor/data`` (``~/.cache/gantutor/data``).
Online, torchvision downloads missing files as usual. Offline (or with ``GANTUTOR_OFFLINE=1``) a missing file is a
:class:`DatasetNotFoundError` that names the files, the folder and the variable to set — never a silent fallback.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torchvision import datasets

DATA_ENV = "GANTUTOR_DATA"
OFFLINE_ENV = "GANTUTOR_OFFLINE"

#: torchvision dataset class for each dataset name gantutor knows.
DATASETS = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}

#: Human-readable class names, index = label.
CLASS_NAMES = {
    "mnist": [str(i) for i in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                      "Ankle boot"],
}


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's files are missing and could not be downloaded."""


def data_root() -> Path:
    """The folder that holds the datasets: ``GANTUTOR_DATA``, else a per-user cache folder."""
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(cache) / "gantutor" / "data"


def _offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes"}


def _missing_files(cls, root: Path) -> tuple[Path, list[str]]:
    raw = root / cls.__name__ / "raw"
    names = [os.path.splitext(os.path.basename(url))[0] for url, _ in cls.resources]
    return raw, [n for n in names if not (raw / n).is_file()]


def torchvision_dataset(name: str, train: bool, root: Path | None, download: bool | None):
    key = name.strip().lower()
    if key not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. gantutor knows: {', '.join(DATASETS)}.")
    cls = DATASETS[key]
    root = Path(root) if root is not None else data_root()
    if download is None:
        download = not _offline()
    raw, missing = _missing_files(cls, root)
    if missing and download:
        try:
            root.mkdir(parents=True, exist_ok=True)
            # torchvision prints one line per mirror it tries; keep them for the error message instead.
            log = io.StringIO()
            with contextlib.redirect_stdout(log):
                cls(str(root), train=train, download=True)
        except Exception as err:  # any network or file-system failure ends in the same clear error below
            detail = " ".join(str(err).split())[:240] or type(err).__name__
            reason = f"the download failed ({detail})"
        else:
            reason = ""
        raw, missing = _missing_files(cls, root)
    else:
        reason = "downloading is switched off" + (f" ({OFFLINE_ENV}=1)" if _offline() else " (download=False)")
    if missing:
        raise DatasetNotFoundError(
            f"{cls.__name__} files are missing and {reason or 'could not be downloaded'}.\n"
            f"  missing: {', '.join(missing)}\n"
            f"  folder:  {raw}\n"
            f"Put the raw files (torchvision layout: <root>/{cls.__name__}/raw/) there, or point {DATA_ENV} at a "
            f"folder that has them (e.g. `export {DATA_ENV}=/path/to/data`), or connect to the internet and run "
            f"again so torchvision can download them.")
    try:
        ds = cls(str(root), train=train, download=False)
        _ = ds.data.shape, ds.targets.shape
    except Exception as err:
        raise DatasetNotFoundError(
            f"{cls.__name__} files in {raw} could not be read ({type(err).__name__}: {' '.join(str(err).split())[:200]}). "
            f"They may be truncated or corrupt: delete the folder's files so torchvision downloads them again, or "
            f"replace them with intact copies (torchvision's MNIST files are md5-checked on download).") from None
    return ds


@dataclass
class ImageData:
    """Images as one tensor ``(N, 1, 28, 28)`` scaled to ``[-1, 1]``, labels ``(N,)``, both on ``device``."""

    images: torch.Tensor
    labels: torch.Tensor
    name: str
    classes: list[str]

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def device(self) -> torch.device:
        return self.images.device


def load_images(name: str = "mnist", *, train: bool = True, subset: int | None = None,
                device: torch.device | str = "cpu", root: str | Path | None = None,
                download: bool | None = None, seed: int = 0) -> ImageData:
    """Load MNIST or Fashion-MNIST as normalised device tensors.

    Args:
        name: ``"mnist"`` or ``"fashion-mnist"``.
        train: the 60,000-image training split (else the 10,000-image test split).
        subset: keep this many images, a seeded random choice (``None``: all).
        device: where the tensors live (the training device).
        root: data folder (default: :func:`data_root`).
        download: allow torchvision to download missing files (default: yes unless ``GANTUTOR_OFFLINE=1``).
        seed: seed for the subset choice.

    Raises:
        DatasetNotFoundError: files missing and not downloadable — names the files, the folder and ``GANTUTOR_DATA``.
        ValueError: an unknown name or a subset that is not a positive integer.
    """
    if subset is not None and (not isinstance(subset, int) or subset <= 0):
        raise ValueError(f"subset must be a positive integer or None, got {subset!r}.")
    ds = torchvision_dataset(name, train, None if root is None else Path(root), download)
    images, labels = ds.data, ds.targets  # uint8 (N, 28, 28), int64 (N,): no per-sample transform
    if subset is not None and subset < len(images):
        idx = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:subset]
        images, labels = images[idx], labels[idx]
    images = images.to(device=device, dtype=torch.float32).unsqueeze(1).div_(127.5).sub_(1.0)
    return ImageData(images=images, labels=labels.to(device), name=name.lower(),
                     classes=CLASS_NAMES[name.strip().lower()])


def load_mnist(**kwargs) -> ImageData:
    """:func:`load_images` for MNIST."""
    return load_images("mnist", **kwargs)


def load_fashion_mnist(**kwargs) -> ImageData:
    """:func:`load_images` for Fashion-MNIST."""
    return load_images("fashion-mnist", **kwargs)


class TensorBatches:
    """An endless iterator of shuffled mini-batches drawn from tensors that already live on the device.

    Each pass ("epoch") uses a fresh random permutation, generated on the tensors' device, and yields
    ``len(tensors[0]) // batch_size`` full batches (the ragged tail is dropped so every batch has the same size).
    """

    def __init__(self, *tensors: torch.Tensor, batch_size: int, seed: int = 0):
        if not tensors:
            raise ValueError("TensorBatches needs at least one tensor.")
        n = tensors[0].shape[0]
        if any(t.shape[0] != n for t in tensors):
            raise ValueError(f"All tensors must have the same first dimension, got {[t.shape[0] for t in tensors]}.")
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if batch_size > n:
            raise ValueError(f"batch_size={batch_size} is larger than the data ({n} items); use a smaller batch.")
        self.tensors = tensors
        self.batch_size = batch_size
        self.device = tensors[0].device
        self._gen = torch.Generator(device=self.device).manual_seed(seed)
        self.batches_per_epoch = n // batch_size
        self._perm = None
        self._pos = self.batches_per_epoch
        self.epoch = 0

    def __iter__(self):
        return self

    def state_dict(self) -> dict:
        """Position in the current pass and the generator state, for exact resumption from a checkpoint."""
        return {"gen": self._gen.get_state(), "perm": None if self._perm is None else self._perm.cpu(),
                "pos": self._pos, "epoch": self.epoch, "n": self.tensors[0].shape[0], "batch_size": self.batch_size}

    def load_state_dict(self, state: dict) -> None:
        if state["n"] != self.tensors[0].shape[0] or state["batch_size"] != self.batch_size:
            raise ValueError(f"This batch iterator has {self.tensors[0].shape[0]} items in batches of "
                             f"{self.batch_size}; the saved one had {state['n']} in batches of {state['batch_size']}. "
                             f"Resume with the same data and batch size.")
        self._gen.set_state(state["gen"])
        self._perm = None if state["perm"] is None else state["perm"].to(self.device)
        self._pos, self.epoch = state["pos"], state["epoch"]

    def __next__(self):
        if self._pos >= self.batches_per_epoch:
            self._perm = torch.randperm(self.tensors[0].shape[0], generator=self._gen, device=self.device)
            self._pos = 0
            self.epoch += 1
        idx = self._perm[self._pos * self.batch_size:(self._pos + 1) * self.batch_size]
        self._pos += 1
        out = tuple(t[idx] for t in self.tensors)
        return out if len(out) > 1 else out[0]


# ----------------------------------------------------------------------------------------------- toy 2-D data
#: The 8-Gaussian ring: 8 equal-weight modes at radius 2 on angles 0, 45, ..., 315 degrees, each std 0.02.
RING_RADIUS, RING_MODES, RING_STD = 2.0, 8, 0.02
#: The 25-Gaussian grid: modes at {-4, -2, 0, 2, 4}^2, each std 0.05.
GRID_SPACING, GRID_SIDE, GRID_STD = 2.0, 5, 0.05


def ring_centers() -> torch.Tensor:
    """The 8 mode centres of the ring, shape ``(8, 2)``."""
    angles = torch.arange(RING_MODES, dtype=torch.float32) * (2 * math.pi / RING_MODES)
    return RING_RADIUS * torch.stack([angles.cos(), angles.sin()], dim=1)


def grid_centers() -> torch.Tensor:
    """The 25 mode centres of the grid, shape ``(25, 2)``."""
    axis = (torch.arange(GRID_SIDE, dtype=torch.float32) - (GRID_SIDE - 1) / 2) * GRID_SPACING
    xx, yy = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([xx.flatten(), yy.flatten()], dim=1)


def _mixture(centers: torch.Tensor, std: float, n: int, generator: torch.Generator | None,
             device) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    modes = torch.randint(len(centers), (n,), generator=generator)
    points = centers[modes] + std * torch.randn(n, 2, generator=generator)
    return points.to(device), modes.to(device)


def sample_ring(n: int, generator: torch.Generator | None = None, device="cpu", return_modes: bool = False):
    """``n`` points from the 8-Gaussian ring (optionally with the index of the mode each came from)."""
    pts, modes = _mixture(ring_centers(), RING_STD, n, generator, device)
    return (pts, modes) if return_modes else pts


def sample_grid(n: int, generator: torch.Generator | None = None, device="cpu", return_modes: bool = False):
    """``n`` points from the 25-Gaussian grid (optionally with the index of the mode each came from)."""
    pts, modes = _mixture(grid_centers(), GRID_STD, n, generator, device)
    return (pts, modes) if return_modes else pts
