"""Shared fixtures. Real data comes through keras_gan.data's source chain (cache, TFDS, npm)."""

import os
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


def pytest_configure(config):
    """The session's JAX compilation cache (tests/backends/helpers.py), made once by
    the controlling process so that pytest-xdist's workers inherit the same folder."""
    if hasattr(config, "workerinput") or os.environ.get("KERAS_GAN_TEST_JAX_CACHE"):
        return
    config._jax_cache = tempfile.mkdtemp(prefix="keras-gan-jax-cache-")
    os.environ["KERAS_GAN_TEST_JAX_CACHE"] = config._jax_cache


# The longest test scopes, longest first: pytest-xdist (`--dist loadscope
# --no-loadscope-reorder`, setup.cfg) hands whole modules and classes to its
# workers in collection order, so starting the long ones first keeps one worker
# from running a long module alone at the end. Seconds on one core, 2026-11-30
# (`python -m pytest -n 0 --durations=0`, 2,959 s in all): 382, 304, 241, 238,
# 207, 157, 143, 133, 128, 109. A scope missing here only runs later.
LONGEST_FIRST = (
    "tests/backends/test_backends.py",
    "tests/families/test_pix2pix.py",
    "tests/test_readme.py",
    "tests/export/test_conformance.py",
    "tests/export/test_hostile.py",
    "tests/test_pretrained.py",
    "tests/families/test_text2image.py",
    "tests/scale/test_scale.py",
    "tests/families/test_contract.py::TestContract_cyclegan",
    "tests/test_cli.py",
    "tests/metrics/test_evaluation.py",
    "tests/metrics/test_inception.py",
)


# The learning tier: tests that train (on real data, or every family through the
# Keras contract), export and serve SavedModels, build the package, or run the
# README's, the docs' and the other backends' examples in child processes: the
# minutes of the suite. The quick tier for contributors is
# `python -m pytest -m "not slow and not learning"`.
LEARNING_FILES = (
    "tests/backends/",
    "tests/scale/",
    "tests/export/",
    "tests/test_readme.py",
    "tests/families/test_contract.py",
    "tests/families/test_text2image.py",
    "tests/metrics/test_inception.py",
)
LEARNING_NAMES = (
    "learn",
    "real_mnist",
    "killed",
    "resume",
    "semantic_run",
    "longer_run",
    "covers",
    "train_sample_export",
    "wheel",
    "whole_zoo",  # test_pretrained: export --all, one server for the zoo
    "one_server",
    "export_records",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(LEARNING_FILES) or any(n in item.name for n in LEARNING_NAMES):
            item.add_marker(pytest.mark.learning)
    _longest_first(items)


def _longest_first(items):
    def rank(item):
        for i, scope in enumerate(LONGEST_FIRST):
            if item.nodeid.startswith(scope + "::"):
                return i
        return len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


def pytest_unconfigure(config):
    if getattr(config, "_jax_cache", None):
        shutil.rmtree(config._jax_cache, ignore_errors=True)
        os.environ.pop("KERAS_GAN_TEST_JAX_CACHE", None)


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)
    yield


@pytest.fixture(scope="session")
def mnist_train():
    """Real MNIST training images (uint8) and labels."""
    from keras_gan import data

    return data.load_arrays("mnist", "train")


@pytest.fixture(scope="session")
def mnist_test():
    from keras_gan import data

    return data.load_arrays("mnist", "test")


@pytest.fixture(scope="session")
def mnist_classifier(mnist_train, mnist_test):
    """A small CNN trained on real MNIST for one epoch (about 98% test accuracy).

    Used to check that generators produce recognisable digits.
    """
    from keras import layers

    x, y = mnist_train
    x = x.astype("float32") / 127.5 - 1.0
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, strides=2, activation="relu"),
            layers.Conv2D(64, 3, strides=2, activation="relu"),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10),
        ]
    )
    model.compile(
        "adam",
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x, y, batch_size=256, epochs=1, verbose=0)
    xt, yt = mnist_test
    acc = model.evaluate(xt.astype("float32") / 127.5 - 1.0, yt, verbose=0)[1]
    assert acc > 0.95, f"fixture classifier too weak: {acc}"
    return model


def classify(classifier, images):
    logits = classifier.predict(images, verbose=0, batch_size=512)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    return probs
