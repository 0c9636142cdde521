"""Generative moment matching (Li et al. 2015; Dziugaite et al. 2015): no discriminator."""

import numpy as np

from keras_gan.core.family import Family
from keras_gan.families.mmd.model import MMDGAN, mmd2

__all__ = ["MMDGAN", "mmd2"]


def _tiny():
    return MMDGAN(
        data_shape=(6, 6, 1), latent_dim=4, hidden_units=(16,), bandwidths=(1.0, 4.0), seed=0
    )


def _batch(n):
    return np.random.default_rng(0).uniform(-1, 1, (n, 6, 6, 1)).astype("float32")


FAMILIES = [
    Family(
        "mmd",
        MMDGAN,
        make_model=_tiny,
        make_batch=_batch,
        description="Li et al. 2015: the generator minimises MMD under Gaussian kernels",
    )
]
