"""Checkpoints: atomic writes, exact resume, clean interrupts, the divergence guard, clear errors."""

import pytest
import torch

import gantutor as gt


def _setup(seed=0):
    torch.manual_seed(seed)
    G, D = gt.MLPGenerator(latent_dim=8), gt.MLPDiscriminator()  # D has dropout: the global RNG matters
    data = torch.linspace(-1, 1, 96 * 784).view(96, 1, 28, 28)
    return G, D, gt.TensorBatches(data, batch_size=16, seed=1)


def test_periodic_checkpoints_do_not_change_the_run(tmp_path):
    G, D, batches = _setup()
    plain = gt.train_gan(G, D, batches, steps=14, seed=3, progress="off", snapshots=3)
    G1, D1, b1 = _setup()
    ckpt = tmp_path / "run.pt"
    saved = gt.train_gan(G1, D1, b1, steps=14, seed=3, progress="off", snapshots=3, checkpoint=ckpt,
                         checkpoint_every=5)
    assert torch.equal(saved.d_loss, plain.d_loss) and torch.equal(saved.g_loss, plain.g_loss)
    state = gt.load_checkpoint(ckpt)
    assert state["step"] == 14 and state["snapshot_steps"] == saved.snapshot_steps


def test_resume_continues_exactly(tmp_path):
    G, D, batches = _setup()
    full = gt.train_gan(G, D, batches, steps=12, seed=5, progress="off")
    ckpt = tmp_path / "half.pt"
    G1, D1, b1 = _setup()
    gt.train_gan(G1, D1, b1, steps=6, seed=5, progress="off", checkpoint=ckpt)
    G2, D2, b2 = _setup(seed=42)  # fresh, different weights and iterator
    resumed = gt.train_gan(G2, D2, b2, steps=12, seed=5, progress="off", checkpoint=ckpt, resume=True)
    assert torch.equal(resumed.d_loss, full.d_loss) and torch.equal(resumed.g_loss, full.g_loss)
    assert torch.equal(resumed.d_fake, full.d_fake)
    for a, b in zip(G2.parameters(), G.parameters()):
        assert torch.equal(a, b)


def test_write_is_atomic_when_killed_mid_save(tmp_path, monkeypatch):
    path = tmp_path / "c.pt"
    gt.save_checkpoint(path, {"format": "gantutor-checkpoint", "kind": "gan", "step": 1})

    def dying_save(obj, f, *a, **k):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt  # the process is stopped while writing

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        gt.save_checkpoint(path, {"format": "gantutor-checkpoint", "kind": "gan", "step": 2})
    monkeypatch.undo()
    assert gt.load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left behind


def test_next_save_removes_what_a_sigkill_mid_save_left(tmp_path):
    # SIGKILL runs no cleanup: the half-written temporary file stays until the next successful save
    import os
    import time
    path = tmp_path / "c.pt"
    stale = tmp_path / ".c.pt.abc123.tmp"
    stale.write_bytes(b"half a checkpoint")
    os.utime(stale, (time.time() - 5, time.time() - 5))
    other = tmp_path / ".d.pt.abc123.tmp"                  # another checkpoint's temporary file is not ours
    other.write_bytes(b"x")
    os.utime(other, (time.time() - 5, time.time() - 5))
    gt.save_checkpoint(path, {"format": "gantutor-checkpoint", "kind": "gan", "step": 3})
    assert sorted(p.name for p in tmp_path.iterdir()) == [".d.pt.abc123.tmp", "c.pt"]
    assert gt.load_checkpoint(path)["step"] == 3


def test_truncated_or_foreign_checkpoints_are_refused_with_a_reason(tmp_path):
    path = tmp_path / "c.pt"
    gt.save_checkpoint(path, {"format": "gantutor-checkpoint", "kind": "gan", "step": 1, "x": torch.zeros(1000)})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable checkpoint.*cut short"):
        gt.load_checkpoint(path)
    torch.save({"weights": 1}, path)
    with pytest.raises(ValueError, match="not a gantutor checkpoint"):
        gt.load_checkpoint(path)
    gt.save_checkpoint(path, {"format": "gantutor-checkpoint", "kind": "vae", "step": 1})
    with pytest.raises(ValueError, match="holds a 'vae' run"):
        gt.load_checkpoint(path, kind="gan")
    with pytest.raises(FileNotFoundError, match="No checkpoint at"):
        gt.load_checkpoint(tmp_path / "missing.pt")


def test_checkpoint_from_another_model_is_refused(tmp_path):
    G, D, batches = _setup()
    ckpt = tmp_path / "c.pt"
    gt.train_gan(G, D, batches, steps=2, progress="off", checkpoint=ckpt)
    other_D = gt.ToyDiscriminator(dim=784)
    with pytest.raises(ValueError, match="was saved for .*MLPDiscriminator.*not .*ToyDiscriminator"):
        gt.train_gan(G, other_D, batches, steps=4, progress="off", checkpoint=ckpt, resume=True)


def test_ctrl_c_finishes_the_step_then_stops_with_a_consistent_checkpoint(tmp_path):
    import os
    import signal

    class CtrlCAt:
        """Sends SIGINT to this process while step `n` is running (as the notebook's stop button does)."""

        def __init__(self, inner, n):
            self.inner, self.n, self.i = inner, n, 0

        def __next__(self):
            self.i += 1
            if self.i == self.n:
                os.kill(os.getpid(), signal.SIGINT)
            return next(self.inner)

        def state_dict(self):
            return self.inner.state_dict()

    G, D, batches = _setup()
    ckpt = tmp_path / "c.pt"
    before = signal.getsignal(signal.SIGINT)        # Python's default, or SIG_IGN in a background job
    hist = gt.train_gan(G, D, CtrlCAt(batches, 4), steps=10, seed=2, progress="off", checkpoint=ckpt)
    assert hist.interrupted and hist.steps == 4 and torch.isfinite(hist.d_loss).all()
    assert gt.load_checkpoint(ckpt)["step"] == 4
    assert signal.getsignal(signal.SIGINT) is before  # handler restored
    # the interrupted run resumes to exactly the uninterrupted one
    G2, D2, b2 = _setup(seed=7)
    resumed = gt.train_gan(G2, D2, b2, steps=10, seed=2, progress="off", checkpoint=ckpt, resume=True)
    G3, D3, b3 = _setup()
    full = gt.train_gan(G3, D3, b3, steps=10, seed=2, progress="off")
    assert torch.equal(resumed.d_loss, full.d_loss)


def test_interrupt_from_inside_a_step_keeps_the_model_but_not_a_partial_checkpoint(tmp_path):
    G, D, batches = _setup()

    class RaiseAt:
        def __init__(self, inner, n):
            self.inner, self.n = inner, n

        def __next__(self):
            self.n -= 1
            if self.n < 0:
                raise KeyboardInterrupt
            return next(self.inner)

    ckpt = tmp_path / "c.pt"
    hist = gt.train_gan(G, D, RaiseAt(batches, 6), steps=10, progress="off", checkpoint=ckpt, checkpoint_every=5)
    assert hist.interrupted and hist.steps == 6
    assert gt.load_checkpoint(ckpt)["step"] == 5  # the last consistent checkpoint


def test_divergence_stops_with_step_and_loss_or_rolls_back(tmp_path):
    torch.manual_seed(0)
    data = torch.rand(64, 1, 28, 28) * 2 - 1

    class PoisonAt:
        """Real batches that turn to NaN from the given step on."""

        def __init__(self, step):
            self.inner, self.step, self.i = gt.TensorBatches(data, batch_size=16), step, 0

        def __next__(self):
            self.i += 1
            x = next(self.inner)
            return x * float("nan") if self.i >= self.step else x

    G, D = gt.MLPGenerator(latent_dim=8), gt.MLPDiscriminator()
    with pytest.raises(gt.TrainingDiverged, match=r"step 7: L_D = nan.*Lower the learning rate"):
        gt.train_gan(G, D, PoisonAt(7), steps=20, progress="off", check_every=5)
    G, D = gt.MLPGenerator(latent_dim=8), gt.MLPDiscriminator()
    ckpt = tmp_path / "c.pt"
    hist = gt.train_gan(G, D, PoisonAt(7), steps=20, progress="off", checkpoint=ckpt, checkpoint_every=5,
                        on_nonfinite="rollback", check_every=1)
    assert hist.rolled_back_to == 5 and hist.steps == 5 and torch.isfinite(hist.d_loss).all()
    assert all(torch.isfinite(p).all() for p in G.parameters())


def test_checkpoint_options_are_validated():
    G, D, batches = _setup()
    with pytest.raises(ValueError, match="need checkpoint=<file>"):
        gt.train_gan(G, D, batches, steps=2, resume=True)
    with pytest.raises(ValueError, match="on_nonfinite must be"):
        gt.train_gan(G, D, batches, steps=2, on_nonfinite="ignore")
    with pytest.raises(ValueError, match="checkpoint_every must be"):
        gt.train_gan(G, D, batches, steps=2, checkpoint_every=-1)


def test_batch_iterator_state_must_match():
    a = gt.TensorBatches(torch.arange(10), batch_size=2)
    next(a)
    b = gt.TensorBatches(torch.arange(10), batch_size=5)
    with pytest.raises(ValueError, match="Resume with the same data and batch size"):
        b.load_state_dict(a.state_dict())
    c = gt.TensorBatches(torch.arange(10), batch_size=2, seed=9)
    c.load_state_dict(a.state_dict())
    assert torch.equal(next(c), next(a))


class _RunsCode:
    """Pickles to a call of ``record_call``: what a malicious checkpoint would smuggle in."""

    def __reduce__(self):
        return (_record_call, ("the checkpoint ran code",))


CALLS = []


def _record_call(message):
    CALLS.append(message)
    return message


def test_a_checkpoint_that_carries_a_pickled_callable_is_refused_without_running_it(tmp_path):
    path = tmp_path / "shared_by_a_classmate.pt"
    torch.save({"format": "gantutor-checkpoint", "kind": "gan", "step": 1, "payload": _RunsCode()}, path)
    with pytest.raises(gt.checkpoint.UnsafeCheckpoint, match="could run code, so it was not loaded"):
        gt.load_checkpoint(path)
    assert CALLS == []


def test_a_real_training_checkpoint_loads_with_weights_only(tmp_path):
    G, D, batches = _setup()
    ckpt = tmp_path / "c.pt"
    gt.train_gan(G, D, batches, steps=3, progress="off", checkpoint=ckpt, seed=0, snapshots=2, ema=0.9)
    state = torch.load(ckpt, weights_only=True)      # no allow-listing needed: tensors and plain values only
    assert state["step"] == 3 and state["ema"] is not None
