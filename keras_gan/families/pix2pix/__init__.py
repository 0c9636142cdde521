"""pix2pix (Isola et al. 2017): paired image-to-image translation.

Everything about the family is here: the model (`model.py`), its U-Net and
PatchGAN (`networks.py`), its evaluation (`evaluation.py`) and the
declaration below that the CLI, export, tools and shared tests read. Its
paired MNIST task, the ``mnist_edges`` dataset (edge maps -> digits), is a
dataset like any other and lives in the data layer (`keras_gan.data.edges`),
so it is known without importing this family; `edge_map` is re-exported here.
"""

import numpy as np

from keras_gan.core.family import Family
from keras_gan.data.edges import edge_map
from keras_gan.families.pix2pix.model import Pix2Pix

__all__ = ["Pix2Pix", "edge_map"]


def _tiny():
    return Pix2Pix(
        source_shape=(16, 16, 1), image_shape=(16, 16, 1), filters=4, d_filters=4, seed=0
    )


def _batch(n):
    rng = np.random.default_rng(0)
    target = rng.uniform(-1, 1, (n, 16, 16, 1)).astype("float32")
    return (target > 0).astype("float32") * 2 - 1, target


def _request(n):
    images = np.random.default_rng(1).integers(0, 256, (n, 16, 16, 1)).astype(np.uint8)
    return {"images_uint8": images}


def _probe(model, request):
    return model.translate(request["images_uint8"])


def _evaluate(model, data_config, num_samples, seed=0):
    from keras_gan.families.pix2pix.evaluation import pix2pix_scores

    return pix2pix_scores(model, num_samples, seed=seed)


FAMILIES = [
    Family(
        "pix2pix",
        Pix2Pix,
        make_model=_tiny,
        make_batch=_batch,
        request=_request,
        probe=_probe,
        evaluate=_evaluate,
        distributed=False,
        description="Isola et al. 2017: U-Net G, PatchGAN D on (source, image), cGAN + 100 L1",
    )
]
