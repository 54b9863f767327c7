"""Run profiles, device choice and seeding (chapter: *Your first GAN*, section "Budgets and profiles").

Every notebook takes its budgets (training steps, batch sizes, subset sizes, evaluation sample counts) from the
active :class:`Profile`, so one notebook source serves three audiences:

``smoke``
    CI. Seconds per notebook; proves that the code runs, results are meaningless.
``cpu``
    Default without CUDA. Minutes on a 2-core laptop; results are recognisable.
``gpu``
    Default with CUDA. The best results the book shows.

The profile is chosen by the environment variable ``GANTUTOR_PROFILE``; when it is unset, ``gpu`` is used if
CUDA is available and ``cpu`` otherwise.
"""

from __future__ import annotations

import dataclasses
import os
import random
from dataclasses import dataclass

import numpy as np
import torch

PROFILE_ENV = "GANTUTOR_PROFILE"
DEVICE_ENV = "GANTUTOR_DEVICE"


@dataclass(frozen=True)
class Profile:
    """Every budget a notebook needs. Notebooks read these fields; they never hard-code a budget."""

    name: str
    #: MNIST training images used (``None``: all 60,000).
    train_subset: int | None
    #: GAN optimisation steps in *Your first GAN* (one step = one D update and one G update).
    gan_steps: int
    #: Mini-batch size for GAN training.
    gan_batch_size: int
    #: Number of fixed-noise snapshots kept during training (evenly spaced, first and last step included).
    gan_snapshots: int
    #: Steps for the article's-loop demonstration and other short illustrative runs.
    demo_steps: int
    #: Samples drawn for figures and summary statistics.
    eval_samples: int
    #: Steps for fitting small 2-D toy models.
    toy_steps: int
    #: Images per set for image metrics (FID, precision–recall ...) in *Evaluating generative models*.
    metric_samples: int = 10000
    #: GAN steps per seed in the evaluation chapter's stability experiment.
    eval_gan_steps: int = 2000
    #: Seeds (independent training runs) wherever a result is reported as mean ± spread.
    seeds: int = 3
    #: Generator steps per run in the comparison of GAN variants on the toy distributions.
    variant_steps: int = 2000
    #: Steps per DCGAN / conditional GAN run on images, and the networks' width (channels of the 14×14 layer).
    dcgan_steps: int = 3000
    dcgan_width: int = 32
    #: VAE chapters: steps (mini-batches of ``vae_batch_size``) of the main VAE runs and of the shorter runs of the
    #: comparisons (IWAE, β sweep, 2-D latents, conditional VAE).
    vae_steps: int = 24000
    vae_short_steps: int = 6000
    vae_batch_size: int = 100
    #: Test log-likelihood: importance samples per image, and test images used (``None``: all 10,000).
    nll_k: int = 5000
    nll_images: int | None = 500
    #: Appendix *Running fast*: timed steps per block, blocks, and steps of the loss-agreement runs of the
    #: benchmark; the time-to-quality run's training budget (seconds), evaluation interval and FID sample size.
    bench_steps: int = 40
    #: Images per step in the benchmark (the PyTorch DCGAN tutorial's batch size).
    bench_batch_size: int = 128
    bench_repeats: int = 3
    bench_agree_steps: int = 200
    #: Untimed steps before each loop's timed blocks (``None``: the benchmark's default, 5 on the CPU, 50 on CUDA),
    #: and the tutorial loop's ``DataLoader`` workers (0: load in the main process).
    bench_warmup: int | None = None
    bench_workers: int = 2
    ttq_seconds: float = 120.0
    ttq_eval_every: int = 250
    ttq_samples: int = 10000
    #: Applications chapter: generated training images for the Classification Accuracy Score, and the classifier's
    #: epochs on them.
    cas_samples: int = 60000
    cas_epochs: int = 2
    #: Applications chapter, its one cell of the augmentation grid: real test images scored (``None``: all 10,000)
    #: and the classifier's steps (the record's value).
    augment_test_images: int | None = None
    augment_clf_steps: int = 600
    #: CycleGAN chapter: steps per run, batch size, and the generators' width and residual blocks.
    cyclegan_steps: int = 1500
    cyclegan_batch: int = 32
    cyclegan_width: int = 16
    cyclegan_blocks: int = 2
    #: Diffusion and flow-matching chapters: U-Net widths (28, 14 and 7 pixels), batch size and training steps on
    #: MNIST; steps of the 2-D toy denoisers; samples per point of the sampling-cost and guidance sweeps.
    diffusion_channels: tuple = (16, 32, 32)
    diffusion_batch: int = 64
    diffusion_steps: int = 2500
    #: Steps T of the diffusion chain (the ancestral sampler walks all of them).
    diffusion_T: int = 1000
    toy_diffusion_steps: int = 4000
    sweep_samples: int = 500
    #: Appendix *For instructors*: assignments put through the nbgrader round trip (``None``: all of them; the
    #: test suite grades all of them in every profile).
    graded_assignments: int | None = None

    def describe(self) -> str:
        """One line naming the profile and its main budgets, printed by each notebook's first cell."""
        subset = "all" if self.train_subset is None else str(self.train_subset)
        return (f"profile={self.name} (gan_steps={self.gan_steps}, batch={self.gan_batch_size}, "
                f"train_subset={subset})")


PROFILES: dict[str, Profile] = {
    "smoke": Profile(name="smoke", train_subset=2048, gan_steps=40, gan_batch_size=64, gan_snapshots=3,
                     demo_steps=5, eval_samples=256, toy_steps=50, metric_samples=500,
                     eval_gan_steps=30, seeds=2, variant_steps=20,
                     dcgan_steps=10, dcgan_width=8, vae_steps=30, vae_short_steps=20, nll_k=20,
                     nll_images=50, bench_steps=2, bench_batch_size=16, bench_repeats=1, bench_agree_steps=4,
                     bench_warmup=2, bench_workers=0,
                     augment_test_images=1000, augment_clf_steps=10,
                     ttq_seconds=1.0, ttq_eval_every=5, ttq_samples=200, cas_samples=512, cas_epochs=1,
                     cyclegan_steps=6, cyclegan_batch=8, cyclegan_width=4, cyclegan_blocks=1,
                     diffusion_channels=(4, 8, 8), diffusion_batch=16, diffusion_steps=4, diffusion_T=20, toy_diffusion_steps=20,
                     sweep_samples=64, graded_assignments=1),
    "cpu": Profile(name="cpu", train_subset=None, gan_steps=6000, gan_batch_size=128, gan_snapshots=7,
                   demo_steps=200, eval_samples=2000, toy_steps=5000, metric_samples=10000,
                   eval_gan_steps=2000, seeds=3, variant_steps=2000,
                   dcgan_steps=3000, dcgan_width=32, vae_steps=24000, vae_short_steps=6000, nll_k=5000,
                   nll_images=500),
    "gpu": Profile(name="gpu", train_subset=None, gan_steps=30000, gan_batch_size=128, gan_snapshots=9,
                   demo_steps=500, eval_samples=10000, toy_steps=20000, metric_samples=10000,
                   eval_gan_steps=20000, seeds=5, variant_steps=20000,
                   dcgan_steps=20000, dcgan_width=64, vae_steps=300000, vae_short_steps=60000, nll_k=5000,
                   nll_images=None, bench_steps=200, bench_repeats=5, bench_agree_steps=1000, ttq_seconds=60.0,
                   ttq_eval_every=100, ttq_samples=10000, cas_samples=60000, cas_epochs=4,
                   cyclegan_steps=10000, cyclegan_batch=64, cyclegan_width=32, cyclegan_blocks=3,
                   diffusion_channels=(32, 64, 64), diffusion_batch=128, diffusion_steps=20000,
                   toy_diffusion_steps=20000, sweep_samples=10000),
}


def default_profile_name() -> str:
    """``gpu`` when CUDA is available, else ``cpu``."""
    return "gpu" if torch.cuda.is_available() else "cpu"


def get_profile(name: str | None = None) -> Profile:
    """Return the profile called ``name``, else the one named by ``GANTUTOR_PROFILE``, else the default.

    Raises:
        ValueError: the name is not one of ``smoke``, ``cpu``, ``gpu``.
    """
    source = "argument"
    if name is None:
        name = os.environ.get(PROFILE_ENV, "").strip()
        source = f"environment variable {PROFILE_ENV}"
        if not name:
            return PROFILES[default_profile_name()]
    key = name.strip().lower()
    if key not in PROFILES:
        raise ValueError(
            f"Unknown gantutor profile {name!r} (from the {source}). "
            f"Choose one of: {', '.join(PROFILES)} — e.g. `export {PROFILE_ENV}=cpu`.")
    return PROFILES[key]


def with_overrides(profile: Profile, **changes) -> Profile:
    """A copy of ``profile`` with some budgets changed (for experiments in a notebook).

    Raises:
        ValueError: a name that is not a budget of :class:`Profile`.
    """
    fields = {f.name for f in dataclasses.fields(Profile)}
    unknown = sorted(set(changes) - fields)
    if unknown:
        raise ValueError(f"Profile has no budget named {', '.join(unknown)}; "
                         f"the budgets are: {', '.join(sorted(fields - {'name'}))}.")
    return dataclasses.replace(profile, **changes)


THREADS_ENV = "GANTUTOR_THREADS"


def apply_thread_setting() -> int:
    """Set PyTorch's CPU thread count from ``GANTUTOR_THREADS`` when it is set (e.g. ``1`` on a machine shared
    with others); otherwise leave PyTorch's default (one thread per physical core). Returns the thread count."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer (CPU threads for PyTorch), got {value!r}.")
        if torch.get_num_threads() != int(value):
            torch.set_num_threads(int(value))
    return torch.get_num_threads()


def get_device(name: str | None = None) -> torch.device:
    """The training device: ``name``, else ``GANTUTOR_DEVICE``, else CUDA when available, else the CPU. Also applies
    ``GANTUTOR_THREADS`` (see :func:`apply_thread_setting`), since every notebook calls this first.

    Raises:
        ValueError: the device string is not understood by PyTorch.
        RuntimeError: CUDA was asked for but is not available.
    """
    apply_thread_setting()
    name = name or os.environ.get(DEVICE_ENV, "").strip() or None
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as err:
        raise ValueError(f"Cannot use device {name!r}: {err}. Use 'cpu', 'cuda' or 'cuda:N'.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"Device {name!r} was requested but CUDA is not available on this machine. "
                           f"Unset {DEVICE_ENV} or set it to 'cpu'.")
    return device


def cpu_capability() -> str:
    """The widest vector instructions PyTorch's CPU kernels use on this machine ("AVX2", "AVX512", ...), recorded
    beside CPU times: two 2-core machines have differed by two to three times in a chapter's run time."""
    return torch.backends.cpu.get_cpu_capability()


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (all devices) and return a CPU ``torch.Generator`` seeded the same way."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def describe_environment(profile: Profile | None = None, device: torch.device | None = None) -> str:
    """The line each notebook prints first: profile, device, gantutor and torch versions."""
    from . import __version__

    profile = profile or get_profile()
    device = device or get_device()
    dev = str(device)
    if device.type == "cuda":
        dev += f" ({torch.cuda.get_device_name(device)})"
    return (f"profile={profile.name} | device={dev} | gantutor {__version__} | torch {torch.__version__}"
            f" | threads={torch.get_num_threads()}")


def start(profile: str | None = None, device: str | None = None) -> tuple[Profile, torch.device]:
    """What a chapter's first cell needs: the profile's budgets and the device, with the environment printed.

    ``P, device = gt.start()`` picks the profile (``GANTUTOR_PROFILE``, else ``gpu`` with CUDA and ``cpu``
    without) and the device (CUDA when available), applies the thread setting, and prints the line that opens every
    stored run (profile, device, versions, threads)."""
    chosen, dev = get_profile(profile), get_device(device)
    print(describe_environment(chosen, dev))
    return chosen, dev
