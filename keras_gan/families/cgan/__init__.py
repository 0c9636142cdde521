"""Class-conditional GANs: concatenation, projection discriminator, AC-GAN."""

import numpy as np

from keras_gan.core.family import Family
from keras_gan.families.cgan.model import CGAN, assert_labels

__all__ = ["CGAN", "assert_labels"]


def _tiny(method="projection"):
    return CGAN(
        data_shape=(16, 16, 1), num_classes=3, latent_dim=8, base_filters=4, method=method, seed=0
    )


def _batch(n):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (n, 16, 16, 1)).astype("float32"), rng.integers(0, 3, n)


def _request(n):
    return {"seed": np.arange(n, dtype=np.int64), "label": np.arange(n, dtype=np.int32) % 3}


def _probe(model, request):
    return model.generate(seeds=request["seed"], labels=request["label"])


FAMILIES = [
    Family(
        "cgan",
        CGAN,
        make_model=_tiny,
        make_batch=_batch,
        request=_request,
        probe=_probe,
        description="Mirza & Osindero 2014; Miyato & Koyama 2018; Odena et al. 2017",
        extra={"variants": {m: (lambda m=m: _tiny(m)) for m in ("concat", "acgan")}},
    )
]
