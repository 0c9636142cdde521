"""The original GAN (Goodfellow et al. 2014): MLP generator and discriminator."""

import numpy as np

from keras_gan.core.family import Family
from keras_gan.families.gan.model import GAN

__all__ = ["GAN"]


def _tiny():
    return GAN(data_shape=(6, 6, 1), latent_dim=4, hidden_units=(16,), seed=0)


def _batch(n):
    return np.random.default_rng(0).uniform(-1, 1, (n, 6, 6, 1)).astype("float32")


FAMILIES = [
    Family(
        "gan",
        GAN,
        make_model=_tiny,
        make_batch=_batch,
        description="Goodfellow et al. 2014: MLP G and D, minimax or non-saturating loss",
    )
]
