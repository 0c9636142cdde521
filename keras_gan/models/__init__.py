"""GAN families. Importing this package registers every family."""

from keras_gan.models.base import BaseGAN, latent_from_seeds
from keras_gan.models.cgan import CGAN
from keras_gan.models.cyclegan import CycleGAN, ImagePool
from keras_gan.models.dcgan import DCGAN
from keras_gan.models.gan import GAN
from keras_gan.models.mmd import MMDGAN
from keras_gan.models.text2image import Text2ImageGAN
from keras_gan.models.wgan import WGAN, WGANGP

__all__ = [
    "BaseGAN",
    "CGAN",
    "CycleGAN",
    "DCGAN",
    "GAN",
    "ImagePool",
    "MMDGAN",
    "Text2ImageGAN",
    "WGAN",
    "WGANGP",
    "latent_from_seeds",
]
