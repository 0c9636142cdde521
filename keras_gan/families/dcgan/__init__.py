"""DCGAN (Radford et al. 2016): transposed-conv generator, strided-conv discriminator."""

import numpy as np

from keras_gan.core.family import Family
from keras_gan.families.dcgan.model import DCGAN

__all__ = ["DCGAN"]


def _tiny():
    return DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4, ema_decay=0.9, seed=0)


def _batch(n):
    return np.random.default_rng(0).uniform(-1, 1, (n, 16, 16, 1)).astype("float32")


FAMILIES = [
    Family(
        "dcgan",
        DCGAN,
        make_model=_tiny,
        make_batch=_batch,
        description="Radford et al. 2016: conv G (batch norm, ReLU), strided-conv D",
    )
]
