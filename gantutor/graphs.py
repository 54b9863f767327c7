"""Whole-step CUDA graphs: the engine's option ``graph=True`` (appendix *Running fast*).

A training step of the book's small models is a few hundred small kernels. On a GPU, launching them one by one
from Python takes longer than running them, so the GPU waits. A CUDA graph records every kernel of one training
step (the forward passes, the backward passes and the optimiser updates) once, and then replays the recording with
a single launch per step. The engine provides what a recording needs:

* **fixed addresses for the data.** During the run each batch iterator is replaced by a :class:`StaticBatches`:
  before each replay it draws the step's batches from the real iterator (outside the graph) and copies them into
  fixed buffers (``copy_``), which the recorded step reads. The batches come in the same order as without a graph.
* **optimisers whose state lives on the GPU.** Adam (or RMSprop) with ``capturable=True``, so its step counter is
  a GPU tensor; with a learning-rate schedule, each learning rate becomes a GPU tensor that the engine fills
  between replays.
* **graph-safe random numbers.** The run's own generator is registered with the graph (PyTorch registers the
  default CUDA generator itself), so every replay draws fresh noise, as an eager step would.
* **warm-up steps on a side stream** (:data:`WARMUP_STEPS`, eager): they create the optimiser state and let cuBLAS
  and cuDNN pick their kernels before the recording. They are the run's first training steps.
* **no host synchronisation inside a step.** The steps already return their numbers as a device tensor.

Python code inside the step runs only while the step is recorded, so a step whose Python values change from step
to step (the VAE's KL warm-up: β is a Python number) cannot be replayed; :meth:`gantutor.engine.Step.graph_unsafe`
says why, and the engine refuses it with that reason.

:func:`backend_for` returns what records and replays (:class:`CudaGraphs`); the tests put a CPU stand-in in its
place, which re-runs the step's Python on every replay, to check the engine's side of the bargain (batch order,
learning rates, EMA, checkpoints) without a GPU.
"""

from __future__ import annotations

import torch

#: Eager steps before the step is recorded (PyTorch's CUDA-graph examples use three).
WARMUP_STEPS = 3


def recording() -> bool:
    """Whether a CUDA graph is being recorded on the current stream. Checks that read a tensor's values on the host
    (``int(t.max())``) must be skipped then: the host cannot wait for the GPU inside a recording. They ran during
    the warm-up steps, on the same kind of inputs."""
    return torch.cuda.is_available() and torch.cuda.is_current_stream_capturing()


def backend_for(device: torch.device):
    """What records and replays the step on ``device``: :class:`CudaGraphs` on CUDA; anything else is refused."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        raise ValueError("graph=True is not supported with DistributedDataParallel (its gradient all-reduce needs its "
                         "own warm-up and streams before a recording); train with graph off under torchrun.")
    if device.type != "cuda":
        raise ValueError(f"graph=True records the training step as a CUDA graph, which needs a CUDA device; the "
                         f"models are on {device}. On the CPU leave graph off (compile=True, torch.compile, is the "
                         f"CPU's way to cut per-step overhead).")
    return CudaGraphs(device)


class CudaGraphs:
    """Warm-up on a side stream, recording with :class:`torch.cuda.graph`, and replay."""

    capturable = True          # the optimisers' state must live on the GPU

    def __init__(self, device: torch.device):
        self.device, self.graph = device, None
        self.stream = torch.cuda.Stream(device)

    def warm_up(self, fn):
        with torch.cuda.device(self.device):
            self.stream.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(self.stream):
                out = fn()
            torch.cuda.current_stream(self.device).wait_stream(self.stream)
        return out

    def capture(self, fn, generators):
        with torch.cuda.device(self.device):        # the recording stream and the default generator are the device's
            torch.cuda.synchronize(self.device)
            self.graph = torch.cuda.CUDAGraph()
            for generator in generators:
                if generator.device.type == "cuda":
                    self.graph.register_generator_state(generator)
            failure = []

            def step():
                try:
                    return fn()
                except Exception as err:            # torch.cuda.graph's exit would replace it with a generic error
                    failure.append(err)
                    raise

            try:
                with torch.cuda.graph(self.graph):
                    return step()
            except Exception as err:
                if failure and failure[0] is not err:
                    raise RuntimeError(f"Recording the training step as a CUDA graph failed: {failure[0]!r}. The step "
                                       f"must not read tensor values on the host (.item(), int(t), if t.any()) or copy "
                                       f"CPU tensors to the GPU; train with graph off to see where.") from failure[0]
                raise

    def replay(self):
        with torch.cuda.device(self.device):
            self.graph.replay()


def _empty_like(batch):
    if isinstance(batch, (tuple, list)):
        return type(batch)(torch.empty_like(b) for b in batch)
    return torch.empty_like(batch)


def _copy_into(buffer, batch) -> None:
    if isinstance(buffer, (tuple, list)):
        for b, x in zip(buffer, batch):
            b.copy_(x)
    else:
        buffer.copy_(batch)


class StaticBatches:
    """Stands in for a batch iterator while the step is recorded and replayed.

    Eager (warm-up) steps take their batches straight from ``source`` and the iterator counts them; once
    :meth:`allocate` has made one buffer per batch a step takes, ``next`` hands out those buffers in order, and
    :meth:`fill` copies the next batches of ``source`` into them before each replay. Everything else
    (``state_dict``, ``load_state_dict``, ...) is the source's.
    """

    def __init__(self, source):
        self.source = source
        self.templates: list = []      # one batch per draw of the last eager step, for the buffers' shapes
        self.buffers: list | None = None
        self.drawn = 0

    def __iter__(self):
        return self

    def __getattr__(self, name):
        if name == "source":
            raise AttributeError(name)
        return getattr(self.source, name)

    def __next__(self):
        if self.buffers is None:
            batch = next(self.source)
            self.templates[self.drawn:] = [batch]
        else:
            if self.drawn >= len(self.buffers):
                raise RuntimeError("The recorded step takes more batches than its warm-up steps took; a step must "
                                   "take the same number of batches every time to be replayed (graph=True).")
            batch = self.buffers[self.drawn]
        self.drawn += 1
        return batch

    def begin_step(self) -> int:
        """Start counting a step's batches; returns the last step's count."""
        drawn, self.drawn = self.drawn, 0
        return drawn

    def allocate(self) -> None:
        """One buffer per batch of the last eager step, shaped like it."""
        self.buffers = [_empty_like(t) for t in self.templates]
        self.templates = []

    def fill(self) -> None:
        """Copy the source's next batches into the buffers (outside the graph, before a replay)."""
        for buffer in self.buffers:
            _copy_into(buffer, next(self.source))


class GraphedStep:
    """The task's step, recorded once and replayed (used by :class:`gantutor.engine.Engine` when ``graph=True``).

    Call it in place of ``task.step()``. The first :data:`WARMUP_STEPS` calls run eagerly (on the backend's side
    stream), the next one records the step and replays it, and every later call fills the batch buffers and
    replays. Use it as a context manager: it installs the :class:`StaticBatches` and prepares the optimisers on
    entry, and puts both back on exit.
    """

    def __init__(self, task, backend, *, tensor_lr: bool):
        self.task, self.backend, self.tensor_lr = task, backend, tensor_lr
        self.sources = dict(task.batches)
        self.batches = {name: StaticBatches(b) for name, b in self.sources.items()}
        self.saved_groups: list = []
        self.host_lr: dict[int, float] = {}
        self.warm, self.draws, self.output = 0, None, None

    # ----------------------------------------------------------------------------------------------- set-up
    def __enter__(self):
        self.task.batches.update(self.batches)
        self.prepare_optimizers()
        return self

    def __exit__(self, *exc):
        self.task.batches.update(self.sources)
        for group, capturable, lr in self.saved_groups:
            if "capturable" in group:
                group["capturable"] = capturable
            group["lr"] = self.host_lr.get(id(group), lr)
        return False

    def prepare_optimizers(self) -> None:
        """``capturable`` on (the backend's choice), and each learning rate a device tensor when scheduled."""
        self.saved_groups, self.host_lr = [], {}
        for name, opt in self.task.optimizers.items():
            for group in opt.param_groups:
                lr = float(group["lr"])
                self.saved_groups.append((group, group.get("capturable"), lr))
                if "capturable" in group:
                    group["capturable"] = self.backend.capturable
                elif self.tensor_lr:
                    raise ValueError(f"graph=True with a learning-rate schedule needs optimisers that read their "
                                     f"learning rate from a tensor (Adam, RMSprop); {name} is "
                                     f"{type(opt).__name__}. Use Adam, or leave the schedule or the graph off.")
                if self.tensor_lr:
                    device = group["params"][0].device
                    group["lr"], self.host_lr[id(group)] = torch.tensor(lr, device=device), lr
            if self.backend.capturable:
                for state in opt.state.values():
                    step = state.get("step")
                    if isinstance(step, torch.Tensor) and step.device.type == "cpu":
                        state["step"] = step.to(next(iter(opt.param_groups))["params"][0].device, torch.float32)

    def set_lr(self, schedule, step: int) -> None:
        """The engine's learning-rate schedule, applied to the learning-rate tensors the recorded step reads."""
        for opt in self.task.optimizers.values():
            for group in opt.param_groups:
                lr = schedule(step, self.host_lr[id(group)])
                self.host_lr[id(group)] = lr
                group["lr"].fill_(lr)

    def plain_optimizer_state(self, opt) -> dict:
        """``opt.state_dict()`` as the optimiser was before the run (host learning rates, ``capturable`` as it
        was), so a checkpoint resumes with or without a graph."""
        state = opt.state_dict()
        flags = {id(group): (capturable, self.host_lr.get(id(group), lr))
                 for group, capturable, lr in self.saved_groups}
        for packed, group in zip(state["param_groups"], opt.param_groups):
            capturable, lr = flags[id(group)]
            packed["lr"] = lr
            if "capturable" in packed:
                packed["capturable"] = capturable
        return state

    # ----------------------------------------------------------------------------------------------- a step
    def __call__(self) -> torch.Tensor:
        if self.warm < WARMUP_STEPS:
            return self.eager_step()
        if self.output is None:
            self.record()
        for b in self.batches.values():
            b.begin_step()
            b.fill()
        self.backend.replay()
        return self.output

    def eager_step(self) -> torch.Tensor:
        for b in self.batches.values():
            b.begin_step()
        out = self.backend.warm_up(self.task.step)
        draws = {name: b.drawn for name, b in self.batches.items()}
        if self.draws is not None and draws != self.draws:
            raise RuntimeError(f"The step took {draws} batches after {self.draws} in the step before; a step must "
                               f"take the same number every time to be replayed (graph=True).")
        self.draws, self.warm = draws, self.warm + 1
        return out

    def record(self) -> None:
        for b in self.batches.values():
            b.begin_step()
            b.allocate()
        generators = [self.task.rng] if self.task.rng is not None else []
        self.output = self.backend.capture(self.task.step, generators)
        drawn = {name: b.drawn for name, b in self.batches.items()}
        if any(drawn.values()) and drawn != self.draws:     # (a stand-in that records nothing counts none)
            raise RuntimeError(f"The recorded step took {drawn} batches, its warm-up steps {self.draws}; a step must "
                               f"take the same number every time to be replayed (graph=True).")
