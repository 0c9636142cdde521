"""How well an unpaired translation model (CycleGAN) translates.

- Label preservation: translate held-out images of each domain and classify the
  translations with the target domain's classifier; the fraction that keeps its
  label. The same classifier on the *untranslated* images gives the baseline a
  translation has to beat.
- Cycle error: mean absolute error of a -> b -> a and b -> a -> b (pixels in [-1, 1]).
- Realism: a small CNN trained to tell real A from real B (on the training
  splits) classifies the translations; the share it assigns to the target
  domain ("fooled") is near 1 when translations look like the target domain.
"""

from __future__ import annotations

import keras
import numpy as np

from keras_gan import data
from keras_gan.metrics.extractors import FeatureExtractor

# Dataset name -> the project's classifier for it at 28x28.
CLASSIFIER_28 = {"mnist": "mnist", "fashion_mnist": "fashion_mnist", "digits": "digits28"}


def _domain(name, split, size, limit):
    x, y = data.load_arrays(name, split)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return data.to_float(data.resize_images(x, size)), y


def _classify(classifier, images):
    _, probs = classifier(images)
    return probs.argmax(axis=1)


def domain_classifier(domain_a, domain_b, size, seed=0, limit=5000, epochs=2):
    """A small CNN that tells real images of domain A (0) from domain B (1)."""
    xa, _ = _domain(domain_a, "train", size, limit)
    xb, _ = _domain(domain_b, "train", size, limit)
    n = min(len(xa), len(xb))
    x = np.concatenate([xa[:n], xb[:n]])
    y = np.concatenate([np.zeros(n), np.ones(n)]).astype("float32")
    keras.utils.set_random_seed(seed)
    net = keras.Sequential(
        [
            keras.Input(x.shape[1:]),
            keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
            keras.layers.Conv2D(32, 3, strides=2, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1),
        ],
        name="domain_classifier",
    )
    net.compile(keras.optimizers.Adam(1e-3), keras.losses.BinaryCrossentropy(from_logits=True))
    net.fit(x, y, batch_size=64, epochs=epochs, shuffle=True, verbose=0)
    return net


def translation_scores(
    model, domain_a="mnist", domain_b="digits", split="test", limit=2000, seed=0
):
    """Label preservation, cycle error and realism of a CycleGAN on held-out images.

    Args:
        model: a trained `keras_gan.models.CycleGAN` (A = ``domain_a``).
        domain_a, domain_b: dataset names with a project classifier.
        split: the held-out split to translate.
        limit: images per domain at most.

    Returns:
        dict of rounded figures (see the module docstring).
    """
    for name in (domain_a, domain_b):
        if name not in CLASSIFIER_28:
            raise ValueError(
                f"No classifier for {name!r}; label preservation needs one of "
                f"{sorted(CLASSIFIER_28)}."
            )
    size = model.image_shape[:2]
    xa, ya = _domain(domain_a, split, size, limit)
    xb, yb = _domain(domain_b, split, size, limit)
    clf_a = FeatureExtractor.for_dataset(CLASSIFIER_28[domain_a])
    clf_b = FeatureExtractor.for_dataset(CLASSIFIER_28[domain_b])
    ab = model.translate(xa, "a_to_b")
    ba = model.translate(xb, "b_to_a")
    aba = model.translate(ab, "b_to_a")
    bab = model.translate(ba, "a_to_b")
    realism = domain_classifier(domain_a, domain_b, size, seed=seed)

    def p_b(images):
        return 1.0 / (1.0 + np.exp(-realism.predict(images, verbose=0, batch_size=500)[:, 0]))

    out = {
        "label_preservation_a_to_b": float((_classify(clf_b, ab) == ya).mean()),
        "label_preservation_b_to_a": float((_classify(clf_a, ba) == yb).mean()),
        "untranslated_baseline_a_to_b": float((_classify(clf_b, xa) == ya).mean()),
        "untranslated_baseline_b_to_a": float((_classify(clf_a, xb) == yb).mean()),
        "cycle_mae_a": float(np.abs(aba - xa).mean()),
        "cycle_mae_b": float(np.abs(bab - xb).mean()),
        # share of translations the domain classifier assigns to the target domain
        "realism_a_to_b": float((p_b(ab) > 0.5).mean()),
        "realism_b_to_a": float((p_b(ba) < 0.5).mean()),
        # the same classifier on real held-out images (how well it separates them)
        "domain_classifier_accuracy": float(
            0.5 * ((p_b(xa) < 0.5).mean() + (p_b(xb) > 0.5).mean())
        ),
        "num_images_a": len(xa),
        "num_images_b": len(xb),
    }
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}
