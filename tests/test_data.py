import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gantutor as gt
from gantutor.data import DATA_ENV


def test_missing_data_offline_names_files_folder_and_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    with pytest.raises(gt.DatasetNotFoundError) as err:
        gt.load_mnist(download=False)
    msg = str(err.value)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"):
        assert name in msg
    assert str(tmp_path / "MNIST" / "raw") in msg
    assert DATA_ENV in msg
    assert err.value.__cause__ is None


def test_missing_data_without_network_is_the_same_clear_error(tmp_path, monkeypatch, no_network):
    """Download allowed but the network is down: no urllib traceback, one error naming what to do."""
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    with pytest.raises(gt.DatasetNotFoundError) as err:
        gt.load_fashion_mnist(download=True)
    msg = str(err.value)
    assert "download failed" in msg
    assert str(tmp_path / "FashionMNIST" / "raw") in msg and DATA_ENV in msg
    assert "train-images-idx3-ubyte" in msg
    assert err.value.__cause__ is None  # the network error is summarised, not chained


def test_offline_env_switches_download_off(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    monkeypatch.setenv("GANTUTOR_OFFLINE", "1")
    with pytest.raises(gt.DatasetNotFoundError, match="GANTUTOR_OFFLINE=1"):
        gt.load_mnist()


def test_data_root_default_is_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert gt.data_root() == tmp_path / "gantutor" / "data"


def test_unknown_dataset_and_bad_subset():
    with pytest.raises(ValueError, match="gantutor knows: mnist, fashion-mnist"):
        gt.load_images("cifar10")
    with pytest.raises(ValueError, match="positive integer"):
        gt.load_mnist(subset=0)


def test_real_mnist_as_normalised_tensor(mnist_root):
    data = gt.load_mnist(subset=500, seed=1)
    assert data.images.shape == (500, 1, 28, 28) and data.images.dtype == torch.float32
    assert data.images.min() == -1.0 and data.images.max() == 1.0
    assert data.labels.shape == (500,) and set(data.labels.tolist()) <= set(range(10))
    again = gt.load_mnist(subset=500, seed=1)
    assert torch.equal(data.images, again.images)
    full_test = gt.load_mnist(train=False)
    assert len(full_test) == 10000
    fashion = gt.load_fashion_mnist(train=False, subset=10)
    assert fashion.classes[9] == "Ankle boot"


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 200), batch=st.integers(1, 50), seed=st.integers(0, 1000))
def test_batches_cover_each_item_once_per_epoch(n, batch, seed):
    if batch > n:
        with pytest.raises(ValueError, match="larger than the data"):
            gt.TensorBatches(torch.arange(n), batch_size=batch)
        return
    it = gt.TensorBatches(torch.arange(n), torch.arange(n) * 10, batch_size=batch, seed=seed)
    seen = []
    for _ in range(it.batches_per_epoch):
        x, y = next(it)
        assert x.shape == (batch,) and torch.equal(y, x * 10)
        seen += x.tolist()
    assert len(seen) == len(set(seen)) == (n // batch) * batch


def test_batches_validate_inputs():
    with pytest.raises(ValueError, match="same first dimension"):
        gt.TensorBatches(torch.zeros(4), torch.zeros(5), batch_size=2)
    with pytest.raises(ValueError, match="positive integer"):
        gt.TensorBatches(torch.zeros(4), batch_size=0)


def test_toy_distributions_have_documented_modes():
    ring = gt.ring_centers()
    assert ring.shape == (8, 2)
    assert torch.allclose(ring.norm(dim=1), torch.full((8,), 2.0))
    grid = gt.grid_centers()
    assert grid.shape == (25, 2) and set(grid[:, 0].tolist()) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    g = torch.Generator().manual_seed(0)
    pts, modes = gt.sample_ring(4000, generator=g, return_modes=True)
    offsets = pts - ring[modes]
    assert offsets.std().item() == pytest.approx(0.02, rel=0.1)
    assert torch.bincount(modes, minlength=8).min() > 400
    pts, modes = gt.sample_grid(5000, generator=g, return_modes=True)
    assert (pts - grid[modes]).std().item() == pytest.approx(0.05, rel=0.1)
    assert math.isclose(float(pts.mean()), 0.0, abs_tol=0.2)
    with pytest.raises(ValueError):
        gt.sample_ring(0)


def test_corrupt_dataset_files_say_what_to_do(tmp_path, monkeypatch):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (raw / name).write_bytes(b"\x00\x00\x08\x03 not really an idx file")
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    with pytest.raises(gt.DatasetNotFoundError) as err:
        gt.load_mnist(download=False)
    msg = str(err.value)
    assert "could not be read" in msg and str(raw) in msg and "delete the folder's files" in msg
