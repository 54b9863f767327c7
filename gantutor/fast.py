"""The fast path of the training loops (appendix: *Running fast*).

``train_gan(..., fast=True)`` and ``train_vae(..., fast=True)`` switch on, for the duration of training (or pass a
list of the names in :data:`TECHNIQUES` to choose some):

* **bf16 autocast** of the networks' forward passes (matrix products and convolutions in bfloat16, which has
  float32's exponent range, so no loss scaling is needed); each network's *output* is cast back to float32, so the
  losses, the KL term and the gradient penalty's norm are computed in float32;
* **fused Adam** (one kernel updates every parameter) instead of the per-tensor loop;
* **channels_last** memory format for convolutional networks, and cuDNN's autotuner
  (``torch.backends.cudnn.benchmark``, CUDA only);
* optionally ``torch.compile`` of the forward passes (``compile=True``, or a mode of :data:`COMPILE_MODES` such as
  ``"reduce-overhead"``, which also CUDA-graphs each compiled network).

The loops themselves already keep the data on the device (:class:`gantutor.data.TensorBatches`), never call
``.item()`` inside a step (losses are recorded into a device tensor and read every ``check_every`` steps), and use
one step for every variant. ``fast=None`` (the default) means fused Adam on CUDA (:data:`CUDA_DEFAULT`, the
technique that measured faster on a GPU) and nothing on the CPU, so CPU runs stay bit-for-bit reproducible float32
runs; ``python -m gantutor.bench`` measures what each setting buys.
"""

from __future__ import annotations

import contextlib
import functools

import torch
from torch import nn


#: The techniques of the fast path.
TECHNIQUES = ("bf16", "fused_adam", "channels_last", "cudnn_benchmark")

#: What ``fast=True`` means on each kind of device. On CUDA: every technique. On the CPU: bf16 autocast and fused
#: Adam, the bundle the appendix *Running fast* measured; channels_last applies on the CPU too, but only when named
#: in a list (``fast=["channels_last"]``; it made the DCGAN's float32 step about 1.2× faster on a 2-core AVX2 CPU,
#: ``results/cpu/bench_cpu_channels_last_run*.json``), and cuDNN autotuning is CUDA's alone.
FAST_TRUE = {"cuda": frozenset(TECHNIQUES), "cpu": frozenset({"bf16", "fused_adam"})}


#: What ``fast=None`` turns on with CUDA: the techniques that made the book's models faster on a GPU. On an H100
#: (appendix *Measured on a GPU*, ``results/gpu/bench_h100.json``) fused Adam sped up all three benchmark models,
#: while bf16 autocast slowed them (each step is launch-bound; autocast adds cast kernels).
CUDA_DEFAULT = frozenset({"fused_adam"})


def resolve_fast(fast, device: torch.device) -> frozenset:
    """The set of techniques to use: ``fast`` may be ``None`` (:data:`CUDA_DEFAULT` on CUDA, none on the CPU), a
    bool (``True``: :data:`FAST_TRUE` for the device), or a collection of names from :data:`TECHNIQUES`."""
    if fast is None:
        return CUDA_DEFAULT if device.type == "cuda" else frozenset()
    if isinstance(fast, bool):
        return FAST_TRUE.get(device.type, FAST_TRUE["cpu"]) if fast else frozenset()
    if isinstance(fast, str):
        fast = [fast]
    try:
        chosen = frozenset(fast)
    except TypeError:
        chosen = None
    if chosen is None or not chosen <= set(TECHNIQUES):
        raise ValueError(f"fast must be True, False, None (fused Adam on CUDA, off for the CPU) or a list of techniques "
                         f"from {', '.join(TECHNIQUES)}; got {fast!r}.")
    return chosen


#: The modes ``compile`` may name (``torch.compile``'s ``mode``); ``True`` is the default mode.
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def check_fast(fast: frozenset, compile, device: torch.device) -> None:
    """Raise a clear error for settings the fast path cannot honour."""
    if not isinstance(compile, bool) and compile not in COMPILE_MODES:
        raise ValueError(f"compile must be True, False or a torch.compile mode from {', '.join(COMPILE_MODES)}; "
                         f"got {compile!r}.")
    if compile and not fast:
        raise ValueError("compile=True needs the fast path: pass fast=True (or a list of techniques, or leave "
                         "fast=None on CUDA).")
    if "bf16" in fast and not bf16_supported(device):
        raise RuntimeError(f"fast=True needs bfloat16 support, which {device} lacks (a GPU older than Ampere); "
                           f"pass fast=False, or a list of techniques without 'bf16'.")


def bf16_supported(device: torch.device) -> bool:
    """Whether autocast to bfloat16 is available on ``device``."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu"


def _to_float(out):
    if isinstance(out, torch.Tensor):
        return out.float() if out.is_floating_point() else out
    if isinstance(out, (tuple, list)):
        return type(out)(_to_float(o) for o in out)
    return out


def _has_conv(module: nn.Module) -> bool:
    return any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in module.modules())


def adam(params, *, lr: float, betas=(0.9, 0.999), fast: frozenset = frozenset()) -> torch.optim.Adam:
    """Adam; with ``"fused_adam"`` in ``fast`` the fused implementation (one kernel for all parameters)."""
    return torch.optim.Adam(params, lr=lr, betas=betas, **({"fused": True} if "fused_adam" in fast else {}))


@contextlib.contextmanager
def speedups(device: torch.device, targets, *, enabled: frozenset, compile: bool | str = False):
    """While active, each ``(obj, method_name)`` in ``targets`` runs under bf16 autocast on ``device`` (with its
    floating-point outputs cast back to float32), optionally compiled; convolutional modules get channels_last and
    (on CUDA) cuDNN autotuning is on — each as chosen in ``enabled`` (see :func:`resolve_fast`). Everything is
    restored on exit (the modules' weights keep their values; their memory format may stay channels_last).
    Callers validate the settings first with :func:`check_fast`, before any state they would have to undo.
    """
    bf16 = "bf16" in enabled
    channels_last = "channels_last" in enabled
    patched = []
    for obj, name in targets if (bf16 or channels_last or compile) else ():
        original = getattr(obj, name)
        if channels_last and isinstance(obj, nn.Module) and _has_conv(obj):
            obj.to(memory_format=torch.channels_last)
        inner = torch.compile(original, mode=None if compile is True else compile) if compile else original

        @functools.wraps(original)
        def run(*args, _inner=inner, **kwargs):
            if channels_last:
                args = tuple(a.contiguous(memory_format=torch.channels_last)
                             if isinstance(a, torch.Tensor) and a.dim() == 4 else a for a in args)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                out = _inner(*args, **kwargs)
            return _to_float(out)

        had_own = name in vars(obj)
        patched.append((obj, name, had_own, vars(obj).get(name)))
        setattr(obj, name, run)
    previous = torch.backends.cudnn.benchmark
    if device.type == "cuda" and "cudnn_benchmark" in enabled:
        torch.backends.cudnn.benchmark = True
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = previous
        for obj, name, had_own, own in reversed(patched):
            if had_own:
                setattr(obj, name, own)
            else:
                delattr(obj, name)
