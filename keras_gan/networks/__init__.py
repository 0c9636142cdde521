"""Generator, discriminator and encoder builders (functional Keras models)."""

from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator, num_upsamplings
from keras_gan.networks.mlp import mlp_discriminator, mlp_generator

__all__ = [
    "dcgan_discriminator",
    "dcgan_generator",
    "mlp_discriminator",
    "mlp_generator",
    "num_upsamplings",
]
