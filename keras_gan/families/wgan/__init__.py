"""WGAN (Arjovsky et al. 2017) and WGAN-GP (Gulrajani et al. 2017)."""

import numpy as np

from keras_gan.core.family import Family
from keras_gan.families.wgan.model import WGAN, WGANGP

__all__ = ["WGAN", "WGANGP"]


def _batch(n):
    return np.random.default_rng(0).uniform(-1, 1, (n, 16, 16, 1)).astype("float32")


FAMILIES = [
    Family(
        "wgan",
        WGAN,
        make_model=lambda: WGAN(
            data_shape=(16, 16, 1), latent_dim=8, base_filters=4, d_steps=2, seed=0
        ),
        make_batch=_batch,
        description="Arjovsky et al. 2017: clipped linear critic, RMSProp, w_distance",
    ),
    Family(
        "wgan_gp",
        WGANGP,
        make_model=lambda: WGANGP(
            data_shape=(16, 16, 1), latent_dim=8, base_filters=4, d_steps=2, seed=0
        ),
        make_batch=_batch,
        description="Gulrajani et al. 2017: gradient penalty 10, no batch norm in the critic",
    ),
]
