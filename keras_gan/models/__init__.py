"""GAN families. Importing this package registers every family."""

from keras_gan.models.base import BaseGAN, latent_from_seeds
from keras_gan.models.dcgan import DCGAN
from keras_gan.models.gan import GAN

__all__ = ["BaseGAN", "DCGAN", "GAN", "latent_from_seeds"]
