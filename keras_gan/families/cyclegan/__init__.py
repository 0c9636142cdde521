"""CycleGAN (Zhu et al. 2017): unpaired image-to-image translation.

The model (`model.py`), its networks (`networks.py`), its linearly decaying
learning rate as a Keras `LearningRateSchedule` (`schedules.py`: importing
the family registers it, so `.keras` files and preset configs that name it
deserialise), its evaluation (`evaluation.py`) and the declaration below.
"""

import numpy as np

from keras_gan.core.family import Family
from keras_gan.families.cyclegan.model import CycleGAN, ImagePool
from keras_gan.families.cyclegan.schedules import LinearDecaySchedule, linear_decay_adam

__all__ = ["CycleGAN", "ImagePool", "LinearDecaySchedule", "linear_decay_adam"]


def _tiny():
    return CycleGAN(image_shape=(16, 16, 1), filters=4, num_res_blocks=1, d_filters=4, seed=0)


def _batch(n):
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (n, 16, 16, 1)).astype("float32")
    return a, rng.uniform(-1, 1, (n, 16, 16, 1)).astype("float32")


def _request(n):
    images = np.random.default_rng(1).integers(0, 256, (n, 16, 16, 1)).astype(np.uint8)
    return {"images_uint8": images}


def _probe(model, request):
    return model.translate(request["images_uint8"], direction="a_to_b")


def _evaluate(model, data_config, num_samples, seed=0):
    from keras_gan.families.cyclegan.evaluation import translation_scores

    return translation_scores(
        model,
        data_config.get("name", "mnist"),
        data_config.get("domain_b", "digits"),
        limit=min(num_samples, 2000),
        seed=seed,
    )


FAMILIES = [
    Family(
        "cyclegan",
        CycleGAN,
        make_model=_tiny,
        make_batch=_batch,
        request=_request,
        probe=_probe,
        evaluate=_evaluate,
        distributed=False,
        description="Zhu et al. 2017: unpaired A<->B translation with cycle consistency",
    )
]
