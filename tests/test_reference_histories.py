"""The training loops reproduce the histories recorded before they were rebuilt on one engine
(see ``tests/reference_histories.py``): every GAN loss, the packed and conditional GANs, the VAE variants and
CycleGAN, 30 CPU steps each.

On a CPU whose math kernels round as the recording machine's did, the match is bit for bit, snapshots included. A
CPU with another instruction set (MKL and oneDNN pick their kernels by it) rounds sums differently in the last bit;
there the histories must agree step by step to float rounding over the first steps, and stay close after that, where
a GAN's dynamics amplify rounding. A change to what a step computes (an update order, a random draw, a schedule)
moves the very first steps by far more than rounding, so it fails either way."""

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


#: Steps that must agree to float rounding on any CPU, and the looser bound for the rest of the 30. The absolute
#: term covers fields computed as small differences of large terms (an IWAE step's KL: log-densities near -70).
EARLY_STEPS, EARLY_RTOL, EARLY_ATOL, LATE_RTOL = 10, 1e-5, 1e-4, 2e-2


@pytest.mark.parametrize("name", sorted(CASES))
def test_history_matches_the_recording(name, recorded, one_thread):
    now = CASES[name]()
    assert sorted(now) == sorted(recorded[name])
    tensors = {field: value for field, value in recorded[name].items() if not isinstance(value, str)}
    if all(torch.equal(now[field], value) for field, value in tensors.items()):      # the recording's kernels
        for field, value in recorded[name].items():
            if isinstance(value, str):
                assert now[field] == value, f"{name}: {field} changed"
        return
    for field, value in tensors.items():
        torch.testing.assert_close(now[field][:EARLY_STEPS], value[:EARLY_STEPS], rtol=EARLY_RTOL, atol=EARLY_ATOL,
                                   msg=lambda m: f"{name}: {field} differs from the recording in its first steps\n{m}")
        torch.testing.assert_close(now[field], value, rtol=LATE_RTOL, atol=1e-3,
                                   msg=lambda m: f"{name}: {field} drifts from the recording\n{m}")
