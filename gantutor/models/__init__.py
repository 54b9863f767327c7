"""Network architectures. ``mlp``: the fully connected GAN of source article 000; ``toy``: small 2-D nets;
``classifier``: the fixed feature network of the evaluation metrics; ``unet``: the denoisers of the diffusion
chapters."""

from .mlp import MLPDiscriminator, MLPGenerator, count_parameters
from .toy import ToyDiscriminator, ToyGenerator
from .classifier import ImageClassifier
from .dcgan import (DCGANDiscriminator, DCGANGenerator, PackedDiscriminator, dcgan_init,
                    spectral_normalize)
from .unet import ToyDenoiser, UNet

__all__ = ["MLPGenerator", "MLPDiscriminator", "ToyGenerator", "ToyDiscriminator", "count_parameters",
           "ImageClassifier", "DCGANGenerator", "DCGANDiscriminator", "PackedDiscriminator", "dcgan_init",
           "spectral_normalize", "UNet", "ToyDenoiser"]
