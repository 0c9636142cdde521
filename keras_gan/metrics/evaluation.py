"""Evaluate a generator: sample it, extract features, compare with real data.

    results = keras_gan.metrics.evaluate(model, "mnist", metrics=["fid", "kid", "pr"])
    floor = keras_gan.metrics.evaluate_floor("mnist", metrics=["fid", "kid", "pr"])

The reference is a fixed, seeded subset of the real training split; the
floor compares the real test split with the same reference, which is the best
a generator can hope for at that sample size. Reference features are cached
per extractor, dataset, split, size and seed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from keras_gan.data import sources
from keras_gan.metrics import scores
from keras_gan.metrics.extractors import FeatureExtractor, classifier_arrays
from keras_gan.metrics.registry import list_metrics

log = logging.getLogger("keras_gan")

IMAGE_METRICS = ("fid", "kid", "pr", "dc", "classifier_score", "class_coverage")
DEFAULT_METRICS = ("fid", "kid", "pr", "class_coverage")


def check_metric_names(metrics):
    if isinstance(metrics, str):
        metrics = [m.strip() for m in metrics.split(",") if m.strip()]
    unknown = [m for m in metrics if m not in IMAGE_METRICS]
    if unknown or not metrics:
        raise ValueError(
            f"Unknown metric(s) {', '.join(map(repr, unknown)) or '(none given)'}. Image metrics: "
            f"{', '.join(IMAGE_METRICS)} (all registered metrics: {', '.join(list_metrics())})."
        )
    return list(metrics)


def load_sampler(source):
    """A function seeds -> images in [-1, 1] from a model, a .keras path or a SavedModel path.

    Conditional models get label ``seed % num_classes`` for each seed, which
    spreads samples evenly over the classes.
    """
    from keras_gan.core import BaseGAN

    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            import tensorflow as tf

            loaded = tf.saved_model.load(str(path))
            fn = loaded.signatures["generate"]
            _, spec = fn.structured_input_signature
            num_classes = None
            meta = path / "assets.extra" / "keras_gan.json"
            if meta.exists():
                import json

                num_classes = json.loads(meta.read_text()).get("num_classes")

            def sample(seeds):
                inputs = {"seed": tf.constant(seeds, tf.int64)}
                if "label" in spec:
                    inputs["label"] = tf.constant(np.asarray(seeds) % num_classes, tf.int32)
                return fn(**inputs)["images"].numpy()

            return sample
        from keras_gan.saving import load_model

        source = load_model(path, compile=False)
    if isinstance(source, BaseGAN):
        model = source
        num_classes = getattr(model, "num_classes", None)

        def sample(seeds):
            conds = None if not num_classes else np.asarray(seeds) % num_classes
            return model.generate(seeds=seeds, conditions=conds)

        return sample
    if callable(source):
        return source
    raise TypeError(
        f"Cannot sample from {type(source).__name__}; pass a model, a path or a function of seeds."
    )


def generate_images(source, num_samples, seed=0, batch_size=500):
    sample = load_sampler(source)
    seeds = np.arange(num_samples, dtype=np.int64) + 1_000_003 * (seed + 1)
    return np.concatenate(
        [sample(seeds[i : i + batch_size]) for i in range(0, num_samples, batch_size)]
    )


def reference(extractor, dataset, split, num_samples, seed=0):
    """(features, probabilities, labels) of a seeded subset of real data, cached."""
    cache = (
        sources.cache_dir()
        / "features"
        / extractor.cache_id
        / f"{dataset}_{split}_{num_samples}_{seed}.npz"
    )
    if cache.exists():
        with np.load(cache) as f:
            return f["features"], (f["probs"] if f["probs"].size else None), f["labels"]
    x, y = classifier_arrays(dataset, split)
    if num_samples > len(x):
        raise ValueError(f"{dataset}:{split} has {len(x)} examples; asked for {num_samples}.")
    idx = np.random.default_rng(seed).permutation(len(x))[:num_samples]
    feats, probs = extractor(x[idx])
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(cache.name + ".tmp.npz")
    np.savez(tmp, features=feats, probs=probs if probs is not None else np.zeros(0), labels=y[idx])
    tmp.replace(cache)
    return feats, probs, y[idx]


def score(real_feats, real_labels, num_classes, feats, probs, metrics):
    out = {}
    for m in metrics:
        if m == "fid":
            out["fid"] = scores.fid(real_feats, feats)
        elif m == "kid":
            out["kid"], out["kid_std"] = scores.kid(real_feats, feats)
        elif m == "pr":
            out.update(scores.precision_recall(real_feats, feats))
        elif m == "dc":
            out.update(scores.density_coverage(real_feats, feats))
        elif m in ("classifier_score", "class_coverage"):
            if probs is None:
                raise ValueError(f"{m} needs an extractor with class logits.")
            if m == "classifier_score":
                out["classifier_score"], out["classifier_score_std"] = scores.classifier_score(
                    probs
                )
            else:
                real_dist = np.bincount(real_labels, minlength=num_classes)
                cov = scores.class_coverage(probs, real_dist)
                out.update(
                    classes_covered=cov["classes_covered"],
                    class_kl=cov["kl_to_real"],
                    class_histogram=cov["histogram"],
                )
    return out


def evaluate(
    source,
    dataset,
    metrics=DEFAULT_METRICS,
    num_samples=10000,
    reference_split="train",
    extractor=None,
    seed=0,
):
    """Score generated samples against real data.

    Args:
        source: a keras-gan model, a ``.keras`` path, an exported SavedModel
            version folder, or a function seeds -> images.
        dataset: the real data: "mnist", "fashion_mnist", "digits" or "digits28".
        metrics: names from ``IMAGE_METRICS``.
        num_samples: generated samples, and the size of the real reference.
        reference_split: the real split compared against.
        extractor: a `FeatureExtractor` (default: the dataset's classifier).
        seed: seeds both the reference subset and the generated samples.

    Returns:
        dict of metric values (floats; ``class_histogram`` is a list).
    """
    metrics = check_metric_names(metrics)
    extractor = extractor or FeatureExtractor.for_dataset(dataset)
    real_feats, real_probs, real_labels = reference(
        extractor, dataset, reference_split, num_samples, seed
    )
    images = generate_images(source, num_samples, seed)
    feats, probs = extractor(images)
    k = real_probs.shape[1] if real_probs is not None else 0
    return score(real_feats, real_labels, k, feats, probs, metrics)


def evaluate_floor(
    dataset,
    metrics=DEFAULT_METRICS,
    num_samples=10000,
    reference_split="train",
    extractor=None,
    seed=0,
):
    """The same metrics for real held-out images (the test split): the floor."""
    metrics = check_metric_names(metrics)
    extractor = extractor or FeatureExtractor.for_dataset(dataset)
    real_feats, real_probs, real_labels = reference(
        extractor, dataset, reference_split, num_samples, seed
    )
    test_feats, test_probs, _ = reference(extractor, dataset, "test", num_samples, seed)
    k = real_probs.shape[1] if real_probs is not None else 0
    return score(real_feats, real_labels, k, test_feats, test_probs, metrics)


def parzen_mnist(source, num_samples=10000, seed=0, sigmas=None):
    """Parzen-window log-likelihood on MNIST with the protocol of Goodfellow et al. 2014.

    ``num_samples`` generated samples (pixels in [0, 1]); sigma chosen on 1,000
    validation images drawn from training images 50,000-60,000; the estimate
    is the mean log-likelihood of the 10,000 test images. ``source="real"``
    scores 10,000 real training images (from the first 50,000) instead, the
    comparison Theis et al. 2016 made; a numpy array is taken as the samples
    themselves, images in [-1, 1] as generators give them.
    """
    from keras_gan import data

    if isinstance(source, str) and source == "real":
        x, _ = data.load_arrays("mnist", "train[:50000]")
        idx = np.random.default_rng(seed).permutation(len(x))[:num_samples]
        samples = x[idx].astype(np.float64) / 255.0
    else:
        if not isinstance(source, np.ndarray):
            source = generate_images(source, num_samples, seed)
        samples = (np.asarray(source, np.float64) + 1.0) / 2.0
    xv, _ = data.load_arrays("mnist", "train[50000:]")
    val = xv[np.random.default_rng(seed + 1).permutation(len(xv))[:1000]].astype(np.float64) / 255.0
    xt, _ = data.load_arrays("mnist", "test")
    return scores.parzen(samples, val, xt.astype(np.float64) / 255.0, sigmas=sigmas)


# VEEGAN's and PacGAN's sample count for Stacked MNIST.
STACKED_MNIST_SAMPLES = 26000


def stacked_mnist_modes(source, num_samples=STACKED_MNIST_SAMPLES, seed=0, classifier=None):
    """Modes of Stacked MNIST covered by a generator (Srivastava et al. 2017; 1,000 modes).

    Each colour channel of a generated 28x28x3 image is classified with the
    MNIST classifier; the three digits name one of 1,000 modes.

    Returns:
        {"modes": covered modes, "kl_to_uniform": KL(mode histogram || uniform)}
    """
    from scipy import special

    images = (
        source if isinstance(source, np.ndarray) else generate_images(source, num_samples, seed)
    )
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"Stacked MNIST samples are [N, 28, 28, 3]; got {images.shape}.")
    clf = classifier or FeatureExtractor.for_dataset("mnist")
    digits = [clf(images[..., c : c + 1])[1].argmax(axis=1) for c in range(3)]
    modes = 100 * digits[0] + 10 * digits[1] + digits[2]
    hist = np.bincount(modes, minlength=1000) / len(modes)
    return {
        "modes": int((hist > 0).sum()),
        "kl_to_uniform": float(special.rel_entr(hist, np.full(1000, 1e-3)).sum()),
    }


def conditional_accuracy(model, dataset, num_per_class=1000, seed=0, extractor=None):
    """Generate ``num_per_class`` samples per class and classify them.

    Returns:
        A dict: ``accuracy``, the fraction assigned to the requested class;
        ``per_class``, the accuracy for each class; ``classes_covered``, the
        number of classes predicted for at least 10% of their own samples.
    """
    extractor = extractor or FeatureExtractor.for_dataset(dataset)
    k = model.num_classes
    labels = np.repeat(np.arange(k), num_per_class)
    seeds = np.arange(len(labels), dtype=np.int64) + 7_000_003 * (seed + 1)
    images = np.concatenate(
        [
            model.generate(seeds=seeds[i : i + 1000], labels=labels[i : i + 1000])
            for i in range(0, len(labels), 1000)
        ]
    )
    _, probs = extractor(images)
    correct = probs.argmax(axis=1) == labels
    per_class = [float(correct[labels == c].mean()) for c in range(k)]
    return {
        "accuracy": float(correct.mean()),
        "per_class": [round(a, 4) for a in per_class],
        "classes_covered": int(sum(a >= 0.1 for a in per_class)),
    }
