"""The training loops reproduce, bit for bit, the histories recorded before they were rebuilt on one engine
(see ``tests/reference_histories.py``): every GAN loss, the packed and conditional GANs, the VAE variants and
CycleGAN, 30 CPU steps each."""

import pytest
import torch

from reference_histories import CASES, FIXTURE


@pytest.fixture(scope="module")
def recorded():
    return torch.load(FIXTURE, weights_only=True)


def test_every_case_has_a_recording(recorded):
    assert sorted(recorded) == sorted(CASES)


@pytest.fixture
def one_thread():
    """The recordings were made with one CPU thread (a matrix product's sums may split differently with more)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("name", sorted(CASES))
def test_history_is_bit_identical(name, recorded, one_thread):
    now = CASES[name]()
    assert sorted(now) == sorted(recorded[name])
    for field, value in recorded[name].items():
        if isinstance(value, str):
            assert now[field] == value, f"{name}: {field} changed"
        else:
            assert torch.equal(now[field], value), f"{name}: {field} differs from the recording"
