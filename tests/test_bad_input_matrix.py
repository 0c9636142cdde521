"""The bad-input matrix, in one place.

Each row: what a user does wrong, the exception, and words the message must
contain (what was expected, and how to fix it). A final group checks that a
failed command leaves nothing half-written behind.
"""

import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import data, export, losses, metrics, registry, saving, training, zoo
from keras_gan.models import CGAN, DCGAN, GAN, CycleGAN, Text2ImageGAN


def dcgan():
    model = DCGAN(image_shape=(28, 28, 1), latent_dim=4, base_filters=4)
    model.compile()
    return model


def cgan():
    model = CGAN(data_shape=(16, 16, 1), num_classes=3, latent_dim=4, base_filters=4)
    model.compile()
    return model


def cyclegan():
    model = CycleGAN(image_shape=(28, 28, 1), filters=4, num_res_blocks=1, d_filters=4)
    model.compile()
    return model


def text2image():
    model = Text2ImageGAN(latent_dim=4, base_filters=4, embed_dim=8, max_tokens=50)
    model.compile()
    return model


def fit(model, x, y=None, batch=4):
    ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y)).batch(batch)
    model.fit(ds, epochs=1, verbose=0)


def corrupt_keras(tmp):
    path = saving.save_model(GAN(data_shape=(2,), hidden_units=(4,)), tmp / "m.keras")
    path.write_bytes(path.read_bytes()[:200])
    return path


def keras_without_config(tmp):
    path = tmp / "x.keras"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("model.weights.h5", b"")
    return path


def a_file(tmp):
    f = tmp / "f"
    f.write_text("x")
    return f


MATRIX = [
    # (case, action(tmp_path), exception, message)
    (
        "images of the wrong shape",
        lambda t: fit(dcgan(), np.zeros((8, 32, 32, 3), "float32")),
        ValueError,
        r"generates samples of shape \(28, 28, 1\) but the dataset yields",
    ),
    (
        "flat vectors for a conv model (wrong rank)",
        lambda t: fit(dcgan(), np.zeros((8, 784), "float32")),
        ValueError,
        r"generates samples of shape \(28, 28, 1\)",
    ),
    (
        "uint8 images instead of floats in [-1, 1]",
        lambda t: fit(dcgan(), np.zeros((8, 28, 28, 1), "uint8")),
        TypeError,
        r"expects float images scaled to \[-1, 1\].*to_float",
    ),
    ("an empty split", lambda t: data.load("mnist", split="test[10:10]"), ValueError, r"is empty"),
    (
        "an empty tf.data dataset",
        lambda t: dcgan().fit(
            tf.data.Dataset.from_tensor_slices(np.zeros((0, 28, 28, 1), "float32")).batch(2)
        ),
        ValueError,
        r"empty",
    ),
    (
        "NaN pixels in arrays",
        lambda t: data.make_dataset(np.full((4, 2, 2, 1), np.nan, "float32")),
        ValueError,
        r"NaN or infinite",
    ),
    (
        "fewer examples than one batch",
        lambda t: data.load("digits", split="test[:10]", batch_size=64, epochs=1),
        ValueError,
        r"fewer than one batch of 64",
    ),
    (
        "a label out of range in fit",
        lambda t: fit(cgan(), np.zeros((4, 16, 16, 1), "float32"), np.array([0, 1, 5, 2])),
        tf.errors.InvalidArgumentError,
        r"labels must be in \[0, 3\)",
    ),
    (
        "a label out of range in generate",
        lambda t: cgan().generate(labels=[1, 9]),
        ValueError,
        r"Labels must be in \[0, 3\); got \[9\]",
    ),
    (
        "text where label numbers are expected (fit)",
        lambda t: fit(cgan(), np.zeros((2, 16, 16, 1), "float32"), np.array(["one", "two"])),
        TypeError,
        r"Labels must be integer class ids; the dataset yields strings",
    ),
    (
        "text where label numbers are expected (generate)",
        lambda t: cgan().generate(labels=["seven"]),
        TypeError,
        r"integers",
    ),
    (
        "a conditional model without labels",
        lambda t: fit(cgan(), np.zeros((2, 16, 16, 1), "float32")),
        ValueError,
        r"with_labels=True",
    ),
    (
        "an unknown preset",
        lambda t: zoo.load("stylegan9"),
        ValueError,
        r"Known presets: .*dcgan_mnist",
    ),
    ("an unknown loss", lambda t: losses.get("wgan"), ValueError, r"Known losses: hinge"),
    ("an unknown dataset", lambda t: data.load("cifar99"), ValueError, r"Known datasets: .*mnist"),
    (
        "an unknown split",
        lambda t: data.load("mnist", split="valid"),
        ValueError,
        r"Known splits: train, test",
    ),
    ("an unknown metric", lambda t: metrics.get_metric("fud"), ValueError, r"Known metrics: .*fid"),
    (
        "an unknown model family",
        lambda t: registry.get("biggan"),
        ValueError,
        r"Known families: .*dcgan",
    ),
    (
        "a text-to-image model used before it is trained",
        lambda t: zoo.build_model(zoo.resolve("text2image_mnist")).generate(texts=["a thick 7"]),
        RuntimeError,
        r"no vocabulary yet.*Train the model first",
    ),
    (
        "single images for a paired (pix2pix) model",
        lambda t: fit(
            zoo.build_model(zoo.resolve("pix2pix_mnist_edges")), np.zeros((2, 28, 28, 1), "float32")
        ),
        ValueError,
        r"\(source, target\) pairs",
    ),
    (
        "a setting in the wrong preset section",
        lambda t: zoo.resolve("dcgan_mnist", **{"data.batch_size": 32}),
        ValueError,
        r"'batch_size' is a 'train' setting",
    ),
    (
        "an unknown preset setting",
        lambda t: zoo.resolve("dcgan_mnist", lr=1),
        ValueError,
        r"matches no setting",
    ),
    (
        "d_steps < 1",
        lambda t: GAN(data_shape=(2,), d_steps=0),
        ValueError,
        r"d_steps must be an integer >= 1",
    ),
    (
        "batch_size < 1",
        lambda t: data.load("digits", batch_size=0),
        ValueError,
        r"batch_size must be a positive",
    ),
    (
        "an output folder that is a file",
        lambda t: training.train("dcgan_mnist", a_file(t) / "run", epochs=1),
        NotADirectoryError,
        r"is a file",
    ),
    (
        "an export folder that is a file",
        lambda t: export.export(
            GAN(data_shape=(2,), hidden_units=(4,)), name="m", base_dir=a_file(t)
        ),
        NotADirectoryError,
        r"is a file",
    ),
    (
        "a missing .keras file",
        lambda t: saving.load_model(t / "nope.keras"),
        FileNotFoundError,
        r"No model file at",
    ),
    (
        "a truncated .keras file",
        lambda t: saving.load_model(corrupt_keras(t)),
        saving.ModelFileError,
        r"truncated or corrupt",
    ),
    (
        "a zip that is not a model",
        lambda t: saving.load_model(keras_without_config(t)),
        saving.ModelFileError,
        r"no config.json",
    ),
    (
        "an export version that exists",
        lambda t: [
            export.export(GAN(data_shape=(2,), hidden_units=(4,)), name="m", base_dir=t, version=1)
            for _ in range(2)
        ],
        FileExistsError,
        r"already exists. Pass overwrite=True",
    ),
    (
        "single images for CycleGAN (needs unpaired A, B batches)",
        lambda t: fit(cyclegan(), np.zeros((8, 28, 28, 1), "float32")),
        ValueError,
        r"\(images_a, images_b\) batches.*load_unpaired",
    ),
    (
        "an image of the wrong size to translate",
        lambda t: cyclegan().translate(np.zeros((2, 8, 8, 1), "uint8")),
        ValueError,
        r"translates images of shape \(28, 28, 1\).*resize_images",
    ),
    (
        "two unpaired domains with different channels",
        lambda t: data.load_unpaired("mnist", np.zeros((64, 28, 28, 3), "uint8")),
        ValueError,
        r"1 channel\(s\) and domain B .* 3",
    ),
    (
        "an empty caption",
        lambda t: text2image().generate(texts=["a 3", " "], seeds=[1, 2]),
        ValueError,
        r"texts\[1\] is empty; describe the image",
    ),
    (
        "a caption that is not a string",
        lambda t: text2image().generate(texts=[3], seeds=[1]),
        TypeError,
        r"texts\[0\] is a int, not a string",
    ),
    (
        "class labels for the text-to-image model",
        lambda t: fit(text2image(), np.zeros((8, 28, 28, 1), "float32"), np.zeros(8, "int64")),
        TypeError,
        r"captions as strings.*cgan",
    ),
]


@pytest.mark.parametrize("case,action,exc,message", MATRIX, ids=[row[0] for row in MATRIX])
def test_bad_input(case, action, exc, message, tmp_path):
    with pytest.raises(exc, match=message):
        action(tmp_path)


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root writes anywhere; the 'is a file' rows cover root"
)
def test_unwritable_output_folder(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="not writable"):
            training.train("dcgan_mnist", tmp_path / "run", epochs=1)
    finally:
        tmp_path.chmod(0o700)


# --- nothing half-done -------------------------------------------------------------------


def test_a_failed_train_writes_no_run_folder(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_gan.cli",
            "train",
            "dcgan_mnist",
            "--out",
            str(tmp_path / "run"),
            "--set",
            "loss=wgan",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert r.returncode == 2 and "Unknown loss 'wgan'" in r.stderr
    assert not (tmp_path / "run").exists()


def test_a_refused_export_changes_nothing(tmp_path):
    model = GAN(data_shape=(2,), hidden_units=(4,))
    first = export.export(model, name="m", base_dir=tmp_path)
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    with pytest.raises(FileExistsError):
        export.export(model, name="m", base_dir=tmp_path, version=1)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before
    assert first.exists()


def test_text_for_a_number_on_the_command_line():
    r = subprocess.run(
        [sys.executable, "-m", "keras_gan.cli", "train", "dcgan_mnist", "--epochs", "ten"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2 and "invalid int value: 'ten'" in r.stderr
