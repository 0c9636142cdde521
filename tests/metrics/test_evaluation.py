"""Extractors, evaluate() and its floor, the in-fit callback, Parzen and Stacked MNIST on real data."""

import json

import keras
import numpy as np
import pytest

from keras_gan import data
from keras_gan.callbacks import EvaluateMetrics
from keras_gan.metrics import (
    FeatureExtractor,
    evaluate,
    evaluate_floor,
    extractors,
    parzen_mnist,
    stacked_mnist_modes,
)
from keras_gan.models import DCGAN


@pytest.mark.parametrize(
    "name,minimum", [("mnist", 0.99), ("fashion_mnist", 0.88), ("digits", 0.97), ("digits28", 0.97)]
)
def test_shipped_classifiers_and_their_recorded_accuracy(name, minimum):
    ext = FeatureExtractor.for_dataset(name)
    assert ext.info["test_accuracy"] >= minimum
    assert {"command", "machine", "date"} <= set(ext.info)
    x, y = extractors.classifier_arrays(name, "test")
    feats, probs = ext(x[:300])
    assert feats.shape == (300, 128) and probs.shape == (300, 10)
    assert (probs.argmax(1) == y[:300]).mean() >= minimum - 0.03


@pytest.fixture(scope="module")
def real_images():
    x, _ = extractors.classifier_arrays("mnist", "train")
    return x


def test_a_generator_that_returns_real_images_scores_like_the_floor(real_images):
    rng = np.random.default_rng(5)

    def real_sampler(seeds):
        return real_images[rng.integers(0, len(real_images), len(seeds))]

    names = ["fid", "kid", "pr", "class_coverage"]
    floor = evaluate_floor("mnist", names, num_samples=2000)
    good = evaluate(real_sampler, "mnist", names, num_samples=2000)
    assert floor["fid"] < 2.0 and good["fid"] < 2.0
    assert abs(good["kid"]) < 0.01 and good["precision"] > 0.6 and good["recall"] > 0.6
    assert good["classes_covered"] == 10

    def collapsed(seeds):
        return np.repeat(real_images[:1], len(seeds), axis=0)

    bad = evaluate(collapsed, "mnist", names, num_samples=2000)
    assert bad["fid"] > 20 * max(good["fid"], 0.1)
    assert bad["classes_covered"] == 1 and bad["recall"] < 0.05


def test_evaluate_a_keras_file_and_a_savedmodel(tmp_path):
    from keras_gan import export, saving

    model = DCGAN(image_shape=(28, 28, 1), latent_dim=8, base_filters=4)
    model.compile()
    path = saving.save_model(model, tmp_path / "m.keras")
    version = export.export(model, name="m", base_dir=tmp_path / "sm")
    a = evaluate(path, "mnist", ["fid"], num_samples=500)
    b = evaluate(version, "mnist", ["fid"], num_samples=500)
    c = evaluate(model, "mnist", ["fid"], num_samples=500)
    assert a["fid"] == pytest.approx(c["fid"], rel=1e-4) and b["fid"] == pytest.approx(
        c["fid"], rel=1e-4
    )


def test_unknown_metric_name():
    with pytest.raises(ValueError, match="Unknown metric.*'fud'.*Image metrics: fid"):
        evaluate(lambda s: None, "mnist", ["fud"])


def test_callback_logs_metrics_for_checkpoint_and_early_stopping(tmp_path):
    model = DCGAN(image_shape=(28, 28, 1), latent_dim=8, base_filters=4)
    model.compile()
    ds = data.load("mnist", batch_size=32, limit=64)
    ckpt = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "best.keras"), monitor="fid", mode="min", save_best_only=True
    )
    cb = EvaluateMetrics(
        "mnist", ["fid", "class_coverage"], every=1, num_samples=300, log_dir=tmp_path / "logs"
    )
    history = model.fit(
        ds,
        epochs=2,
        callbacks=[cb, ckpt, keras.callbacks.EarlyStopping(monitor="fid", mode="min", patience=5)],
        verbose=0,
    )
    assert len(history.history["fid"]) == 2 and "classes_covered" in history.history
    assert (tmp_path / "best.keras").exists()
    assert list((tmp_path / "logs" / "metrics").glob("events.*"))


def test_parzen_protocol_on_real_images():
    # The full protocol uses 10,000 samples; 1,000 keep the test fast.
    real = parzen_mnist("real", num_samples=1000, sigmas=[0.1, 0.2, 0.3])
    assert real["sigma"] in (0.1, 0.2, 0.3) and np.isfinite(real["log_likelihood"])

    def noise(seeds):
        return np.random.default_rng(0).uniform(-1, 1, (len(seeds), 28, 28, 1)).astype("float32")

    rand = parzen_mnist(noise, num_samples=1000, sigmas=[0.1, 0.2, 0.3])
    assert real["log_likelihood"] > rand["log_likelihood"] + 100


def test_stacked_mnist_modes():
    x, y = data.load_arrays("stacked_mnist", "train")
    assert x.shape[1:] == (28, 28, 3) and y.max() < 1000
    real = stacked_mnist_modes(x[:5000].astype("float32") / 127.5 - 1.0)
    assert real["modes"] >= 980 and real["kl_to_uniform"] < 0.3
    collapsed = stacked_mnist_modes(np.repeat(x[:5].astype("float32") / 127.5 - 1.0, 1000, axis=0))
    assert collapsed["modes"] <= 5


def test_cli_evaluate(tmp_path):
    import os
    import subprocess
    import sys

    from keras_gan import saving

    model = DCGAN(image_shape=(28, 28, 1), latent_dim=8, base_filters=4)
    model.compile()
    path = saving.save_model(model, tmp_path / "m.keras")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_gan.cli",
            "evaluate",
            str(path),
            "--dataset",
            "mnist",
            "--metrics",
            "fid,kid",
            "--num-samples",
            "300",
            "--json",
            str(tmp_path / "e.json"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "| fid |" in r.stdout and "floor" in r.stdout
    out = json.loads((tmp_path / "e.json").read_text())
    assert out["model"]["fid"] > out["floor (real test vs train)"]["fid"]
    r = subprocess.run(
        [sys.executable, "-m", "keras_gan.cli", "evaluate", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 2 and "--dataset" in r.stderr
