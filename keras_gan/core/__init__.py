"""The small core every model is built on (see `keras_gan.core.model`).

- `GANModel`: per-network optimizers in `compile`, compile config, trackers,
  the seed generator, save/reload, the gradient helper and the export hooks;
- `BaseGAN`: the noise-to-sample adversarial layer on it;
- `Family`, `families`, `get_family`: what each family declares.
"""

from keras_gan.core.family import Family, families, family_of, get_family
from keras_gan.core.model import GANModel
from keras_gan.core.noise_gan import BaseGAN
from keras_gan.core.seeds import latent_from_seeds

__all__ = [
    "BaseGAN",
    "Family",
    "GANModel",
    "families",
    "family_of",
    "get_family",
    "latent_from_seeds",
]
