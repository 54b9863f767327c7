"""The one training loop behind every model in the book (chapter: *Your first GAN*, section "The training loop").

A model family — the GAN, the VAE, CycleGAN, the diffusion models — supplies only its **step**: a :class:`Step`
whose :meth:`Step.step` does one update and returns that update's numbers as one device tensor. Everything every
run needs lives here, once:

* the step count, and the learning-rate schedule (a function of the step, so resuming needs no scheduler state);
* the progress bar (tqdm) or log lines, and snapshots with ``on_snapshot`` evaluations;
* an exponential moving average (EMA, 指数移动平均) of the sampling network's weights, through PyTorch's own
  :class:`torch.optim.swa_utils.AveragedModel`;
* atomic checkpoints holding tensors and plain values only (every random state and the data's position
  included), so that a resumed run on the CPU equals an uninterrupted one bit for bit;
* Ctrl-C between steps, and the guard that stops (or rolls back) when a loss becomes NaN or infinite;
* the fast path of :mod:`gantutor.fast`, whole-step CUDA graphs (:mod:`gantutor.graphs`), and
  DistributedDataParallel unwrapping.

The numbers a step returns stay on the device; the engine reads them every ``check_every`` steps, so recording
costs no synchronisation inside a step.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils._foreach_utils import _group_tensors_by_device_and_dtype

from .checkpoint import TrainingDiverged, load_checkpoint, save_checkpoint
from .fast import speedups
from .graphs import GraphedStep, backend_for

PROGRESS_ENV = "GANTUTOR_PROGRESS"


class StopTraining(Exception):
    """Raise ``StopTraining(result)`` from an ``on_snapshot`` function to end training after this step (for example
    once a quality target is reached); ``result`` is kept in ``history.evaluations`` and ``history.stopped_at``
    records the step."""

    def __init__(self, result=None):
        super().__init__(result)
        self.result = result


class Step:
    """One model family's training step, as the engine sees it. Subclasses set the attributes and define
    :meth:`step` and :meth:`render`.

    Attributes:
        kind: the checkpoint's kind (``"gan"``, ``"vae"``, ...); a checkpoint of another kind is refused.
        columns: names of the numbers :meth:`step` returns, in order.
        watched: display names of the leading columns that must stay finite (the losses).
        modules, optimizers: what a checkpoint saves, by name.
        batches: the data iterators, by name (their position is saved when they have ``state_dict``).
        rng: the run's own random generator (``seed=...``), else ``None``.
        sampler: the network that snapshots and ``on_snapshot`` use, and the one EMA averages.
        step_number: the number (from 1) of the step being run, set by the engine before each step, resumed runs
            included; a family that needs it (the VAE's KL warm-up) reads it instead of counting calls of
            :meth:`step`, which a replayed CUDA graph does not make.
    """

    kind = "model"
    columns: tuple[str, ...] = ()
    watched: tuple[str, ...] = ()
    modules: dict
    optimizers: dict
    batches: dict
    rng: torch.Generator | None = None
    sampler: nn.Module | None = None
    step_number: int = 0

    def step(self) -> torch.Tensor:
        """Do one update; return its numbers (one per column) as a device tensor."""
        raise NotImplementedError

    def render(self, model: nn.Module):
        """What a snapshot keeps, computed with ``model`` (the sampler or its EMA) in eval mode, on the CPU."""
        raise NotImplementedError

    def describe(self, row: list[float]) -> str:
        """One log line's numbers."""
        return " | ".join(f"{name} {value:.3f}" for name, value in zip(self.columns, row))

    def postfix(self, row: list[float]) -> dict:
        """The progress bar's numbers."""
        return {name: f"{value:.3f}" for name, value in zip(self.watched, row)}

    def fast_targets(self) -> list:
        """``(module, method name)`` pairs the fast path autocasts."""
        return []

    def extra_state(self) -> dict:
        """Plain values and tensors the family needs on resume (e.g. the fixed snapshot noise)."""
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    def graph_unsafe(self) -> str | None:
        """Why this step cannot be recorded once and replayed as a CUDA graph (``graph=True``), else ``None``:
        a step whose Python values change from step to step would replay the first recording's values."""
        return None


@dataclass
class Run:
    """What :func:`fit` returns: the recorded numbers ``(steps done, columns)`` on the CPU, the snapshots and
    evaluations, the time, and how training ended."""

    record: torch.Tensor
    snapshot_steps: list[int] = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    seconds: float = 0.0
    #: True when training was stopped by KeyboardInterrupt (the record covers the completed steps).
    interrupted: bool = False
    #: The checkpoint step training rolled back to after a non-finite loss, else None.
    rolled_back_to: int | None = None
    #: The step after which ``on_snapshot`` ended training by raising :class:`StopTraining`, else None.
    stopped_at: int | None = None
    #: The EMA of the sampler (an :class:`~torch.optim.swa_utils.AveragedModel`) when ``ema`` was set.
    ema: nn.Module | None = None


def unwrap(model: nn.Module) -> nn.Module:
    """The module inside a DistributedDataParallel (or similar) wrapper."""
    return getattr(model, "module", model)


def snapshot_schedule(steps: int, count: int) -> list[int]:
    """``count`` snapshot steps spread evenly from 0 to ``steps`` (one: at the end)."""
    if count <= 0:
        return []
    if count == 1:
        return [steps]
    return sorted({round(i * steps / (count - 1)) for i in range(count)})


def update_ema(ema: AveragedModel, model: nn.Module) -> None:
    """``ema.update_parameters(model)`` without its host-to-device copy of the update count, which makes the host
    wait for the GPU at every step (the EMA's update does not use the count; the same lerp kernels run, in the same
    groups, so the result is the same bit for bit)."""
    if int(ema.n_averaged) == 0:                   # the first update copies the weights
        ema.update_parameters(model)
        return
    ours = [t.detach() for t in itertools.chain(ema.module.parameters(), ema.module.buffers())]
    theirs = [t.detach() for t in itertools.chain(model.parameters(), model.buffers())]
    for [averaged, current], _ in _group_tensors_by_device_and_dtype([ours, theirs]).values():
        ema.multi_avg_fn(averaged, current, ema.n_averaged)
    ema.n_averaged += 1


def progress_mode(progress) -> str:
    """``'bar'``, ``'log'`` or ``'off'`` from a setting (``None``: ``GANTUTOR_PROGRESS``, else ``'bar'``)."""
    if progress is None:
        progress = os.environ.get(PROGRESS_ENV, "bar").strip().lower() or "bar"
    if progress is True:
        progress = "bar"
    if progress is False:
        progress = "off"
    if progress not in {"bar", "log", "off"}:
        raise ValueError(f"progress must be 'bar', 'log' or 'off' (or True/False), got {progress!r}.")
    return progress


def progress_bar(mode: str, steps: int, start_step: int, desc: str):
    """A tqdm bar over ``steps`` starting at ``start_step`` when ``mode == 'bar'``, else ``None``."""
    if mode != "bar":
        return None
    from tqdm.auto import tqdm
    return tqdm(total=steps, initial=start_step, desc=desc, leave=True)


def linear_decay(lr: float, steps: int):
    """The schedule that lowers ``lr`` linearly to ``lr / steps`` at the last step (step ``s`` uses
    ``lr·(steps − s + 1)/steps``)."""
    return lambda step, current: lr * (steps - step + 1) / steps


def relative_linear_decay(steps: int):
    """:func:`linear_decay` for optimisers that start at different rates: each parameter group's rate goes from its
    value at step 1 to ``1 / steps`` of it at the last step, by the ratio of consecutive steps of the linear schedule
    (equal to :func:`linear_decay` up to rounding)."""
    return lambda step, current: current * (steps - step + 1) / (steps - step + 2) if step > 1 else current


def exponential_decay(factor: float, steps: int):
    """The schedule that multiplies the learning rate by ``factor`` over ``steps`` steps, one equal factor per step
    (as :class:`torch.optim.lr_scheduler.ExponentialLR` stepped once per step)."""
    gamma = factor ** (1.0 / steps)
    return lambda step, current: current * gamma if step > 1 else current


def check_options(steps, checkpoint, checkpoint_every, resume, on_nonfinite) -> None:
    """Clear errors for options :func:`fit` cannot honour."""
    if not isinstance(steps, int) or steps <= 0:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    if on_nonfinite not in {"stop", "rollback"}:
        raise ValueError(f"on_nonfinite must be 'stop' or 'rollback', got {on_nonfinite!r}.")
    if not isinstance(checkpoint_every, int) or checkpoint_every < 0:
        raise ValueError(f"checkpoint_every must be a non-negative integer, got {checkpoint_every!r}.")
    if (resume or checkpoint_every or on_nonfinite == "rollback") and checkpoint is None:
        raise ValueError("resume, checkpoint_every and on_nonfinite='rollback' need checkpoint=<file>.")


@contextlib.contextmanager
def deferred_interrupt():
    """Ctrl-C (or the notebook's stop button) sets ``flags['requested']``; the loop stops after the current step,
    so the checkpoint written then is consistent. A second Ctrl-C interrupts at once."""
    flags = {"requested": False, "in_step": False}
    if threading.current_thread() is not threading.main_thread():
        yield flags
        return

    def on_sigint(signum, frame):
        if flags["requested"]:
            raise KeyboardInterrupt
        flags["requested"] = True

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield flags
    finally:
        signal.signal(signal.SIGINT, previous)


class Engine:
    """The loop's state for one call of :func:`fit` (see there for the options)."""

    def __init__(self, task: Step, *, steps, snapshots=0, progress=None, desc="train", checkpoint=None,
                 checkpoint_every=0, resume=False, on_nonfinite="stop", check_every=50, on_snapshot=None,
                 lr_schedule=None, ema=None):
        check_options(steps, checkpoint, checkpoint_every, resume, on_nonfinite)
        self.task, self.steps, self.desc, self.mode = task, steps, desc, progress_mode(progress)
        self.checkpoint, self.checkpoint_every, self.resume = checkpoint, checkpoint_every, resume
        self.on_nonfinite, self.check_every, self.on_snapshot = on_nonfinite, check_every, on_snapshot
        self.lr_schedule, self.schedule = lr_schedule, snapshot_schedule(steps, snapshots)
        self.snapshot_steps = set(self.schedule)
        self.device = next(next(iter(task.modules.values())).parameters()).device
        self.record = torch.zeros(steps, len(task.columns), device=self.device)
        self.run = Run(self.record)
        self.ema = None
        if ema is not None:
            if not 0 < ema < 1:
                raise ValueError(f"ema is the EMA's decay, a number in (0, 1) such as 0.999; got {ema!r}.")
            self.ema = AveragedModel(unwrap(task.sampler), multi_avg_fn=get_ema_multi_avg_fn(ema), use_buffers=True)
        # Under torchrun (DistributedDataParallel-wrapped models) only rank 0 writes checkpoints.
        self.writes = not (torch.distributed.is_available() and torch.distributed.is_initialized()
                           and torch.distributed.get_rank() != 0)
        self.done = self.checked = 0
        self.graphed: GraphedStep | None = None

    # ------------------------------------------------------------------------------------------------ checkpoints
    def state(self) -> dict:
        task = self.task
        return {"format": "gantutor-checkpoint", "kind": task.kind, "step": self.done, "steps": self.steps,
                "models": {name: type(unwrap(m)).__name__ for name, m in task.modules.items()},
                "modules": {name: unwrap(m).state_dict() for name, m in task.modules.items()},
                "optimizers": {name: self.optimizer_state(opt) for name, opt in task.optimizers.items()},
                "ema": self.ema.state_dict() if self.ema is not None else None,
                "record": self.record[:self.done].cpu(), "snapshot_steps": list(self.run.snapshot_steps),
                "snapshots": list(self.run.snapshots), "rng_cpu": torch.get_rng_state(),
                "rng_cuda": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else None,
                "rng": task.rng.get_state() if task.rng is not None else None,
                "batches": {name: b.state_dict() for name, b in task.batches.items() if hasattr(b, "state_dict")},
                "extra": task.extra_state()}

    def optimizer_state(self, opt) -> dict:
        return self.graphed.plain_optimizer_state(opt) if self.graphed is not None else opt.state_dict()

    def save(self) -> None:
        if self.writes and self.checkpoint is not None:
            save_checkpoint(self.checkpoint, self.state())

    def restore(self) -> None:
        task, ckpt = self.task, load_checkpoint(self.checkpoint, kind=self.task.kind)
        models = {name: type(unwrap(m)).__name__ for name, m in task.modules.items()}
        if ckpt["models"] != models:
            raise ValueError(f"{self.checkpoint} was saved for {ckpt['models']}, not {models}; build the same "
                             f"networks, or use another checkpoint file.")
        if ckpt["step"] > self.steps:
            raise ValueError(f"{self.checkpoint} is at step {ckpt['step']}, beyond steps={self.steps}; ask for "
                             f"more steps.")
        for name, m in task.modules.items():
            unwrap(m).load_state_dict(ckpt["modules"][name])
        for name, opt in task.optimizers.items():
            opt.load_state_dict(ckpt["optimizers"][name])
        if self.ema is not None and ckpt["ema"] is not None:
            self.ema.load_state_dict(ckpt["ema"])
        self.done = self.checked = ckpt["step"]
        self.record[:self.done] = ckpt["record"].to(self.device)
        self.run.snapshot_steps[:], self.run.snapshots[:] = ckpt["snapshot_steps"], ckpt["snapshots"]
        torch.set_rng_state(ckpt["rng_cpu"])
        if ckpt["rng_cuda"] is not None and self.device.type == "cuda":
            torch.cuda.set_rng_state_all(ckpt["rng_cuda"])
        if task.rng is not None and ckpt["rng"] is not None:
            task.rng.set_state(ckpt["rng"])
        for name, state in ckpt["batches"].items():
            task.batches[name].load_state_dict(state)
        task.load_extra_state(ckpt["extra"])

    # ---------------------------------------------------------------------------------------------- what it logs
    def snapshot(self, step: int) -> None:
        """Keep ``render()`` and ``on_snapshot(step, model)`` with the sampler (or its EMA) in eval mode; a
        :class:`StopTraining` raised by ``on_snapshot`` is re-raised after its result is recorded."""
        model = self.ema.module if self.ema is not None else self.task.sampler
        stop = result = None
        with torch.no_grad():
            model.eval()
            try:
                image = self.task.render(model)
                if self.on_snapshot is not None:
                    try:
                        result = self.on_snapshot(step, model)
                    except StopTraining as request:
                        result, stop = request.result, request
            finally:
                model.train()
        self.run.snapshots.append(image)
        self.run.snapshot_steps.append(step)
        if self.on_snapshot is not None:
            self.run.evaluations.append((step, result))
        if stop is not None:
            self.run.stopped_at = step
            raise stop

    def check_finite(self, upto: int) -> None:
        """Raise TrainingDiverged if a watched number recorded since the last check is not finite (one read)."""
        block = self.record[self.checked:upto, :len(self.task.watched)]
        if not torch.isfinite(block).all():
            row = int((~torch.isfinite(block)).any(1).nonzero()[0])
            values = ", ".join(f"{name} = {v}" for name, v in zip(self.task.watched, block[row].tolist()))
            raise TrainingDiverged(
                f"Training diverged at step {self.checked + row + 1}: {values}. Lower the learning rate, check the "
                f"data for NaN or infinite values, or resume from an earlier checkpoint.")
        self.checked = upto

    def report(self, step: int, bar, start: float) -> None:
        if step in self.snapshot_steps and self.mode == "log":
            print(f"{self.desc} step {step:>6}/{self.steps} | {self.task.describe(self.record[step - 1].tolist())} "
                  f"| {time.perf_counter() - start:6.1f} s", flush=True)
        if bar is not None:
            bar.update(1)
            if step % max(1, self.steps // 50) == 0 or step == self.steps:
                bar.set_postfix(self.task.postfix(self.record[step - 1].tolist()), refresh=False)

    # ------------------------------------------------------------------------------------------------- the loop
    def set_lr(self, step: int) -> None:
        if self.lr_schedule is not None and self.graphed is not None:
            self.graphed.set_lr(self.lr_schedule, step)
        elif self.lr_schedule is not None:
            for opt in self.task.optimizers.values():
                for group in opt.param_groups:
                    group["lr"] = self.lr_schedule(step, group["lr"])

    def one_step(self, step: int) -> None:
        self.set_lr(step)
        self.task.step_number = step
        row = self.graphed() if self.graphed is not None else self.task.step()
        with torch.no_grad():
            self.record[step - 1] = row
        if self.ema is not None:
            update_ema(self.ema, unwrap(self.task.sampler))
        self.done = step

    def after_step(self, step: int, bar, start: float) -> None:
        every = self.checkpoint_every
        if step % self.check_every == 0 or step in self.snapshot_steps or step == self.steps or (
                every and step % every == 0):
            self.check_finite(step)
        if step in self.snapshot_steps:
            self.snapshot(step)
        self.report(step, bar, start)
        if every and step % every == 0:
            self.save()

    def loop(self, flags, start: float, bar) -> None:
        for step in range(self.done + 1, self.steps + 1):
            flags["in_step"] = True
            self.one_step(step)
            flags["in_step"] = False
            self.after_step(step, bar, start)
            if flags["requested"] and step < self.steps:
                raise KeyboardInterrupt
        self.save()

    def interrupted(self, flags) -> None:
        self.run.interrupted = True
        consistent = not flags["in_step"]          # False after a second Ctrl-C in the middle of a step
        if consistent:
            self.save()
        saved = self.checkpoint is not None and consistent
        print(f"{self.desc}: interrupted after step {self.done}; the models and the history so far are kept"
              + (f", checkpoint saved to {self.checkpoint}" if saved else "")
              + ("" if consistent else " (stopped inside a step: the last periodic checkpoint is the one to resume "
                 "from)") + ".", flush=True)

    def rolled_back(self) -> None:
        if self.on_nonfinite != "rollback":
            raise
        self.restore()
        self.run.rolled_back_to = self.done
        print(f"{self.desc}: a loss became non-finite; rolled back to the checkpoint at step {self.done}.", flush=True)

    def graph_backend(self, graph: bool, compile=False):
        """What records and replays the step for ``graph=True`` (:func:`gantutor.graphs.backend_for`), else None;
        refuses a step that cannot be replayed, with its reason."""
        if not graph:
            return None
        reason = self.task.graph_unsafe()
        if reason:
            raise ValueError(f"graph=True cannot replay this step: {reason}")
        if compile in ("reduce-overhead", "max-autotune"):
            raise ValueError(f"compile={compile!r} records CUDA graphs of its own, which cannot be recorded inside "
                             f"the whole step's graph: use graph=True or compile={compile!r}, not both.")
        return backend_for(self.device)

    def fit(self, fast=frozenset(), compile: bool | str = False, graph: bool = False) -> Run:
        backend = self.graph_backend(graph, compile)
        if self.resume:
            self.restore()
        elif self.schedule and self.schedule[0] == 0:
            self.snapshot(0)
        bar = progress_bar(self.mode, self.steps, self.done, self.desc)
        for module in self.task.modules.values():
            module.train()
        start = time.perf_counter()
        with contextlib.ExitStack() as stack:
            flags = stack.enter_context(deferred_interrupt())
            stack.enter_context(speedups(self.device, self.task.fast_targets(), enabled=fast, compile=compile))
            if backend is not None:
                self.graphed = stack.enter_context(
                    GraphedStep(self.task, backend, tensor_lr=self.lr_schedule is not None))
            if bar is not None:
                stack.callback(bar.close)
            try:
                self.loop(flags, start, bar)
            except StopTraining:                   # requested by on_snapshot after a completed step
                self.save()
            except KeyboardInterrupt:
                self.interrupted(flags)
            except TrainingDiverged:
                self.rolled_back()
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.run.seconds = time.perf_counter() - start
        self.run.record, self.run.ema = self.record[:self.done].cpu(), self.ema
        return self.run


def fit(task: Step, *, steps: int, fast=frozenset(), compile: bool | str = False, graph: bool = False,
        **options) -> Run:
    """Train ``task`` for ``steps`` steps with the one loop; return the :class:`Run`.

    Options (each model family's ``train_*`` passes them through):
        snapshots: how many snapshots of ``task.render`` to keep, evenly spaced from step 0 to ``steps``.
        progress: ``'bar'`` (tqdm), ``'log'`` (a printed line at each snapshot) or ``'off'``; default from
            ``GANTUTOR_PROGRESS``, else ``'bar'``. ``desc`` names the run in both.
        checkpoint: file for checkpoints, written atomically every ``checkpoint_every`` steps, at the end, and on
            interrupt. ``resume=True`` continues from it.
        on_nonfinite: when a watched number becomes NaN or infinite, ``'stop'`` raises :class:`TrainingDiverged`
            naming the step; ``'rollback'`` restores the last checkpoint and returns its record.
        check_every: steps between finiteness checks (each reads the record from the device once).
        on_snapshot: ``on_snapshot(step, model)`` at each snapshot step (model in eval mode); its results are kept
            in ``run.evaluations``; raising :class:`StopTraining` ends training there.
        lr_schedule: ``lr_schedule(step, lr_of_the_last_step)`` → the learning rate of every parameter group for
            ``step`` (see :func:`linear_decay`, :func:`exponential_decay`).
        ema: decay of an EMA of ``task.sampler``'s weights and buffers; snapshots and ``on_snapshot`` then use the
            average, returned as ``run.ema``.
        fast, compile: the fast path of :mod:`gantutor.fast` for the task's :meth:`Step.fast_targets`.
        graph: record the whole step once as a CUDA graph and replay it (:mod:`gantutor.graphs`; CUDA only).
    """
    return Engine(task, steps=steps, **options).fit(fast, compile, graph)


def _one_thread() -> None:
    torch.set_num_threads(1)


def parallel_map(fn, items, *, workers: int | None = None) -> list:
    """``[fn(item) for item in items]``, computed ``workers`` at a time in forked CPU processes (chapter *GAN
    variants*, which trains 78 small GANs this way).

    A network of a few hundred units per layer keeps only one core busy, so on a 2-core CPU two runs side by side
    take about the time of one. Each worker uses one thread, which also makes the results independent of the
    machine's core count. ``workers`` defaults to the number of threads PyTorch uses here; ``workers=1`` runs in
    this process. ``fn`` must train on the CPU (a CUDA context cannot be forked; on a GPU call it in a plain loop)
    and must return picklable values (tensors, modules of :mod:`gantutor`, histories). An exception in a worker is
    raised here.
    """
    import multiprocessing

    items = list(items)
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer, got {workers!r}.")
    workers = min(len(items), workers or torch.get_num_threads())
    if workers <= 1:
        return [fn(item) for item in items]
    if "fork" not in multiprocessing.get_all_start_methods():
        raise RuntimeError("parallel_map needs the 'fork' start method (Linux); on this system pass workers=1.")
    if torch.cuda.is_initialized():
        raise RuntimeError("parallel_map forks CPU workers, which cannot share this process's CUDA context; "
                           "train on the GPU in a plain loop instead (workers=1).")
    with multiprocessing.get_context("fork").Pool(workers, initializer=_one_thread) as pool:
        return pool.map(fn, items, chunksize=1)
