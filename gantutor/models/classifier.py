"""The small convolutional classifier whose features the evaluation metrics use (chapter: *Evaluating generative
models*).

FID, KID, precision–recall and the classifier Inception Score all compare sets of images through a fixed feature
network. Inception-v3 features are the convention for natural images, but its weights cannot be fetched offline and
it was never trained on 28×28 greyscale digits; a classifier trained on the dataset itself gives features that
separate exactly the things that matter there (stroke shape, class). See :mod:`gantutor.features`.
"""

from __future__ import annotations

import torch
from torch import nn

IMAGE_SHAPE = (1, 28, 28)


class ImageClassifier(nn.Module):
    """Conv(32) → pool → Conv(64) → pool → Conv(128) → pool → fully connected 128 features → 10 logits.

    ``features(x)`` returns the 128-dimensional penultimate activations (after ReLU); ``forward(x)``
    returns class logits. Inputs are ``(N, 1, 28, 28)`` images in ``[-1, 1]``, the range every gantutor dataset
    and generator uses.
    """

    num_features = 128

    def __init__(self, num_classes: int = 10, dropout: float = 0.3):
        super().__init__()

        def block(c_in, c_out):
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]

        self.body = nn.Sequential(
            *block(1, 32), nn.MaxPool2d(2),          # 28 -> 14
            *block(32, 64), nn.MaxPool2d(2),         # 14 -> 7
            *block(64, 128), nn.MaxPool2d(2),        # 7 -> 3
            nn.Flatten(), nn.Linear(128 * 3 * 3, self.num_features), nn.ReLU(inplace=True),  # (N, 128)
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.num_features, num_classes))

    def _check(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or tuple(x.shape[1:]) != IMAGE_SHAPE:
            raise ValueError(f"The classifier takes images shaped (N, 1, 28, 28); got {tuple(x.shape)}. "
                             f"Reshape flat vectors with x.view(-1, 1, 28, 28).")

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 128-dimensional feature vector of each image."""
        self._check(x)
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
