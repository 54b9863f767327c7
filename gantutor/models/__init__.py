"""Network architectures. ``mlp``: the fully connected GAN of source article 000; ``toy``: small 2-D nets."""

from .mlp import MLPDiscriminator, MLPGenerator, count_parameters
from .toy import ToyDiscriminator, ToyGenerator

__all__ = ["MLPGenerator", "MLPDiscriminator", "ToyGenerator", "ToyDiscriminator", "count_parameters"]
