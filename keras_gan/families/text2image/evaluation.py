"""How well a text-to-image model follows its captions (captioned MNIST).

- Caption accuracy: generate one image per caption written with the held-out
  templates (`keras_gan.data.captions.HELD_OUT_TEMPLATES`) and classify it with
  the project's MNIST classifier; the fraction showing the named digit.
- Attribute agreement: for captions naming a thickness (thin / thick) or a
  slant (left / right / upright), the fraction of generated images whose
  measured attribute falls in the named bucket, next to chance (how often real
  training digits of the same class fall in that bucket).
- Style spread: the same caption with different seeds; mean pairwise pixel
  distance of the images, relative to the same figure for real test images of
  the same digit (1.0: as varied as real handwriting; near 0: one image per caption).
- R-precision (Xu et al. 2018): with the model's own joint image-text
  encoders, rank each generated image's caption among 99 random other
  captions; the fraction ranked first (chance: 1%). The same on real test
  images gives the encoder's ceiling.
"""

from __future__ import annotations

import numpy as np

from keras_gan.data import captions as captions_lib
from keras_gan.metrics.extractors import FeatureExtractor
from keras_gan.metrics.scores import mean_pairwise_distance


def r_precision(model, images, texts, seed=0, candidates=100):
    """Fraction of images whose own caption ranks first among ``candidates`` captions."""
    rng = np.random.default_rng(seed)
    im = model.image_encoder.predict(np.asarray(images, np.float32), verbose=0, batch_size=500)
    tx = model.encode_texts(list(texts))
    hits = 0
    for i in range(len(images)):
        others = rng.choice(np.delete(np.arange(len(texts)), i), candidates - 1, replace=False)
        # captions identical to the true one would tie; count only strictly better ones
        sims = tx[others] @ im[i]
        hits += int(np.all(sims < tx[i] @ im[i]))
    return hits / len(images)


def text_to_image_scores(model, num_per_class=100, seed=0):
    """Caption accuracy, attribute agreement, style spread and R-precision."""
    from keras_gan import data

    ev = captions_lib.evaluation_captions(num_per_class, seed)
    texts = list(ev["caption"])
    seeds = np.arange(len(texts), dtype=np.int64) + 9_000_011 * (seed + 1)
    images = model.generate(seeds=seeds, texts=texts)
    classifier = FeatureExtractor.for_dataset("mnist")
    _, probs = classifier(images)
    digit = np.asarray(ev["digit"])
    out = {"caption_accuracy": float((probs.argmax(1) == digit).mean()), "num_captions": len(texts)}

    thick, lean, _ = captions_lib.bucket(images, digit)
    x_train, y_train = data.load_arrays("mnist", "train")
    real_thick, real_lean, _ = captions_lib.bucket(x_train, y_train)
    for attr, named, measured, real in (
        ("thickness", ev["thick"], thick, real_thick),
        ("slant", ev["lean"], lean, real_lean),
    ):
        mask = np.array([v is not None for v in named])
        agree = float(np.mean(measured[mask] == named[mask].astype(str)))
        chance = float(
            np.mean([np.mean(real[y_train == d] == w) for d, w in zip(digit[mask], named[mask])])
        )
        out[f"{attr}_agreement"] = agree
        out[f"{attr}_chance"] = chance

    # style from noise: 10 seeds for one caption per digit
    spread, real_spread = [], []
    x_test, y_test = data.load_arrays("mnist", "test")
    for d in range(10):
        imgs = model.generate(seeds=np.arange(10) + 100 * d, texts=f"a {d}")
        spread.append(mean_pairwise_distance(imgs))
        real = data.to_float(x_test[y_test == d][:10])
        real_spread.append(mean_pairwise_distance(real))
    out["style_spread"] = float(np.mean(spread))
    out["style_spread_real"] = float(np.mean(real_spread))
    out["style_spread_ratio"] = float(np.mean(spread) / np.mean(real_spread))

    n = min(1000, len(texts))
    pick = np.random.default_rng(seed).choice(len(texts), n, replace=False)
    out["r_precision"] = r_precision(model, images[pick], [texts[i] for i in pick], seed)
    real_x, real_caps = data.load_arrays("mnist_captions", "test")
    pick = np.random.default_rng(seed + 1).choice(len(real_x), n, replace=False)
    out["r_precision_real"] = r_precision(
        model, data.to_float(real_x[pick]), list(real_caps[pick]), seed
    )
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}
