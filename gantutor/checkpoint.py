"""Checkpoints that survive a killed process, and the errors a training run can stop with.

A checkpoint is written to a temporary file in the same folder and then renamed over the old one (``os.replace``
is atomic on POSIX and Windows), so a process killed while saving leaves the previous checkpoint intact: a
truncated file is never the one that gets loaded. The temporary file such a kill leaves behind is removed by the
next successful save.

A checkpoint holds tensors and plain values only (numbers, strings, lists, dicts; random states are tensors), so it
is read with ``torch.load(..., weights_only=True)``: a file that carries anything else — for example a pickled
function, which plain ``torch.load`` would run — is refused, never executed. A run folder shared by a classmate or
downloaded from a course page is therefore safe to ``--resume``, ``sample`` or ``evaluate``.
"""

from __future__ import annotations

import glob
import os
import pickle
import tempfile
import time
from pathlib import Path

import torch


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the message names the step and the loss."""


class UnsafeCheckpoint(ValueError):
    """A checkpoint file holds pickled objects other than tensors and plain values (it could run code)."""


def save_checkpoint(path: str | Path, state: dict) -> Path:
    """Write ``state`` with ``torch.save`` atomically (temporary file, then rename). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:                 # left by a process killed while saving (SIGKILL runs no cleanup); never a newer save's
            if stale.stat().st_mtime < started:
                stale.unlink()
        except FileNotFoundError:
            pass
    return path


def load_checkpoint(path: str | Path, kind: str = "gan") -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`, checking that it is one of ``kind``.

    Raises:
        FileNotFoundError: no such file.
        UnsafeCheckpoint: the file holds pickled objects other than tensors and plain values (never loaded).
        ValueError: the file is truncated or not a gantutor checkpoint, or holds another kind of run.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}. Train with checkpoint={str(path)!r} first, or pass "
                                f"resume=False to start from scratch.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if "weights only" not in str(err).lower():
            raise ValueError(f"{path} is not a readable checkpoint ({err}). It may have been cut short; delete it "
                             f"and resume from an earlier one, or start again.") from None
        raise UnsafeCheckpoint(
            f"{path} holds objects other than tensors and plain values, which a gantutor checkpoint never does; "
            f"loading it could run code, so it was not loaded. Use a checkpoint written by gantutor (train again, or "
            f"ask for the original run folder).") from None
    except Exception as err:
        raise ValueError(f"{path} is not a readable checkpoint ({type(err).__name__}: {err}). It may have been cut "
                         f"short; delete it and resume from an earlier one, or start again.") from None
    if not isinstance(state, dict) or state.get("format") != "gantutor-checkpoint":
        raise ValueError(f"{path} is not a gantutor checkpoint.")
    if state.get("kind") != kind:
        raise ValueError(f"{path} holds a {state.get('kind')!r} run, not a {kind!r} run.")
    return state
