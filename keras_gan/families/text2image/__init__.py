"""Text-to-image GAN-INT-CLS (Reed et al. 2016), served from raw strings."""

import numpy as np

from keras_gan.core.family import Family
from keras_gan.families.text2image.model import Text2ImageGAN, check_texts
from keras_gan.families.text2image.tokenizer import Tokenizer, add_unknown_tokens

__all__ = ["Text2ImageGAN", "Tokenizer", "add_unknown_tokens", "check_texts"]

CAPTIONS = np.array(["a thick 1", "a 2", "the digit three", "4, bold, tilted left"])


def _tiny():
    return Text2ImageGAN(
        image_shape=(16, 16, 1),
        latent_dim=8,
        base_filters=4,
        embed_dim=8,
        projection_dim=4,
        max_tokens=50,
        encoder_steps=2,
        seed=1,
    )


def _batch(n):
    x = np.random.default_rng(0).uniform(-1, 1, (n, 16, 16, 1)).astype("float32")
    return x, np.resize(CAPTIONS, n)


def _request(n):
    return {"seed": np.arange(n, dtype=np.int64), "text": np.resize(CAPTIONS, n).astype(object)}


def _probe(model, request):
    return model.generate(seeds=request["seed"], texts=[str(t) for t in request["text"]])


def _evaluate(model, data_config, num_samples, seed=0):
    from keras_gan.families.text2image.evaluation import text_to_image_scores

    return text_to_image_scores(model, max(1, num_samples // 10), seed=seed)


FAMILIES = [
    Family(
        "text2image",
        Text2ImageGAN,
        make_model=_tiny,
        make_batch=_batch,
        request=_request,
        probe=_probe,
        evaluate=_evaluate,
        distributed=False,
        description="Reed et al. 2016: GAN-INT-CLS from raw captions",
    )
]
