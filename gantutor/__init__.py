"""gantutor — the helper package behind the book *gantutor: generative models you can run*.

The reader's one import::

    import gantutor as gt
    P = gt.get_profile()        # budgets for this machine: smoke / cpu / gpu
    device = gt.get_device()    # CUDA when available

Each public function's docstring names the chapter that explains it.

The library: ``data``, ``models/``, ``losses``, ``engine`` (the one training loop), the families' steps (``gan``,
``vae``, ``cyclegan``), ``metrics`` and ``features``, ``theory``, ``plot``, ``checkpoint``, ``fast``, ``profile``.
The book's own machinery (notebook runner, exercise checkers, assignments, widgets, benchmark, command line) is
the subpackage :mod:`gantutor.book`; ``gt.exercises``, ``gt.widgets``, ... reach it.
"""

__version__ = "0.1.0"

from . import allocator

allocator.configure()   # GANTUTOR_MALLOC: "keep" (default on Linux) or "system"; see gantutor.allocator
from .data import (DatasetNotFoundError, ImageData, TensorBatches, data_root, grid_centers, load_fashion_mnist,
                   load_images, load_mnist, ring_centers, sample_grid, sample_ring)
from .classic import PCA, GaussianClassModel, accuracy, fit_logistic_regression
from .losses import (GAN_LOSSES, GANLoss, discriminator_loss, generator_loss_minimax, generator_loss_nonsaturating,
                     get_gan_loss)
from .metrics import (class_coverage, classifier_score, evaluate_images, fid_from_features,
                      importance_sampled_log_likelihood, kid_from_features, mode_coverage, precision_recall)
from . import features
from .models import MLPDiscriminator, MLPGenerator, ToyDiscriminator, ToyGenerator, count_parameters
from .plot import image_grid, plot_gan_history, plot_gradient_norms, plot_snapshots, scatter_2d, show_image_rows, show_images
from .profile import (PROFILES, Profile, describe_environment, get_device, get_profile, seed_everything, start,
                      with_overrides)
from . import theory
from . import vae
from . import fast
from . import cyclegan
from . import diffusion
from . import engine
from .book import Text, find_results
from .checkpoint import TrainingDiverged, UnsafeCheckpoint, load_checkpoint, save_checkpoint
from .engine import StopTraining, parallel_map
from .gan import GANHistory, sample, train_discriminator, train_gan, training_step_source

__all__ = [
    "__version__", "DatasetNotFoundError", "ImageData", "TensorBatches", "data_root", "grid_centers",
    "load_fashion_mnist", "load_images", "load_mnist", "ring_centers", "sample_grid", "sample_ring", "GAN_LOSSES",
    "GANLoss", "discriminator_loss", "generator_loss_minimax", "generator_loss_nonsaturating", "get_gan_loss",
    "MLPDiscriminator", "MLPGenerator", "ToyDiscriminator", "ToyGenerator", "count_parameters", "image_grid", "plot_gan_history", "plot_gradient_norms", "plot_snapshots",
    "scatter_2d", "show_image_rows", "show_images", "PROFILES", "Profile", "describe_environment", "get_device", "get_profile",
    "seed_everything", "start", "with_overrides", "GANHistory", "StopTraining", "parallel_map", "sample", "train_gan", "training_step_source", "train_discriminator", "theory", "cyclegan", "Text", "find_results", "TrainingDiverged",
    "load_checkpoint", "save_checkpoint", "PCA", "GaussianClassModel",
    "accuracy", "fit_logistic_regression", "mode_coverage", "features", "class_coverage", "classifier_score",
    "evaluate_images", "fid_from_features", "importance_sampled_log_likelihood", "kid_from_features",
    "precision_recall", "vae", "fast", "engine", "UnsafeCheckpoint",
]

#: The book's machinery, imported on first use (``from gantutor import exercises``): see :mod:`gantutor.book`.
BOOK_MODULES = ("assignments", "bench", "cli", "exercises", "notebooks", "widgets")


def __getattr__(name: str):
    if name in BOOK_MODULES:
        import importlib

        return importlib.import_module(f".book.{name}", __name__)
    raise AttributeError(f"module 'gantutor' has no attribute {name!r}")
