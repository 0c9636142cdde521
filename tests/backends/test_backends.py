"""The backend matrix: every family on JAX and PyTorch, and `.keras` files between backends.

Keras picks its backend once per process, so each check runs a child process
with ``KERAS_BACKEND`` set (`worker.py`, or pytest on the family contract) while
this process stays on TensorFlow, where the SavedModel for TF Serving is
written. Together they show: train anywhere, load anywhere, serve with TF
Serving.
"""

import numpy as np
import pytest

from keras_gan import export, saving
from keras_gan.core import families, get_family

pytest.importorskip("jax", reason='needs pip install -e ".[jax]"')
pytest.importorskip("torch", reason='needs pip install -e ".[torch]"')

from .helpers import BACKENDS, worker


@pytest.mark.parametrize("backend", BACKENDS)
def test_training_never_imports_tensorflow_on(backend, tmp_path):
    """Train and score with TensorFlow unimportable, as on a JAX-only GPU machine
    (tools/train_gpu.py); `keras-gan train`'s callbacks once needed it (the
    metrics package imported TensorFlow at its top)."""
    out = worker(backend, "no-tensorflow", tmp_path)["results"]
    assert {"model.keras", "history.csv", "samples", "backup"} <= set(out["train_files"])
    assert np.isfinite(out["fid"]) and out["fid"] > 0
    assert out["dataset"] == "ArrayBatches" and out["steps"] == 8
    assert np.isfinite(out["d_loss"]) and out["images"] == [2, 28, 28, 1]
    assert out["text_steps"] == 4 and out["vocabulary"] > 20
    assert out["text_images"] == [2, 28, 28, 1]
    assert out["unpaired"] == "UnpairedBatches" and out["cyclegan_steps"] == 3
    assert out["cycada_steps"] == 3 and np.isfinite(out["semantic"])


@pytest.mark.parametrize(
    "backend",
    ["jax", pytest.param("torch", marks=pytest.mark.slow)],  # torch: 85-110 s
)
def test_learns_the_ring_on(backend):
    """The known answer on every backend: WGAN-GP (its double-differentiated penalty
    included) finds the 8 modes of the ring, as on TensorFlow (tests/families/test_wgan.py)."""
    stats = worker(backend, "learn")["results"]
    assert stats["modes_captured"] >= 7, stats
    assert stats["high_quality"] > 0.2, stats


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failed_fit_loses_nothing_on(backend):
    """A label out of range fails the second step with its message; the model keeps
    the state of before the fit or after its last completed step, and trains on."""
    out = worker(backend, "failed-fit")["results"]
    assert out["message"] and "label" in out["message"], out
    assert out["finite"], out
    assert (out["steps_at_failure"] == 2 and out["variables_changed"] == 0) or out[
        "steps_at_failure"
    ] == 3, out
    assert out["steps"] == out["steps_at_failure"] + 2 and out["samples"] == [2, 16, 16, 1]


def _families_on(backend):
    return [n for n in families() if backend in get_family(n).backends]


# PyTorch's round trip runs with `pytest -m slow` (about 160 s on the 2-core AVX2 CPU,
# 2026-11-30); the default run keeps PyTorch's family contract, failed fit and
# TensorFlow-free training, and the round trip both ways on JAX.
ROUND_TRIP_BACKENDS = ["jax", pytest.param("torch", marks=pytest.mark.slow)]


@pytest.mark.parametrize("backend", ROUND_TRIP_BACKENDS)
def test_files_go_both_ways_and_export_the_same_samples(backend, tmp_path):
    """Train on JAX / PyTorch; TensorFlow loads the file, answers the same, keeps training,
    and exports a SavedModel whose serving signature gives the same samples; the file
    TensorFlow saves after its step loads on the other backend with the same samples."""
    import tensorflow as tf

    there, here = tmp_path / "there", tmp_path / "here"
    there.mkdir(), here.mkdir()
    results = worker(backend, "train", there)["results"]
    steps = results["steps"]
    assert set(steps) == set(_families_on(backend)) and all(s == 2 for s in steps.values())
    # reuse_fake_batch: the recorded generator pass gives the update of a second pass
    # on the same noise (JAX runs that second pass inside its differentiated function).
    reuse = results["reuse_fake_batch"]
    assert reuse["max_difference"] < 1e-5 and reuse["min_update"] > 1e-5, reuse
    assert reuse["generator_calls"] == ([2, 2] if backend == "jax" else [1, 2]), reuse
    for name in _families_on(backend):
        fam = get_family(name)
        model = saving.load_model(there / f"{name}.keras")
        request = fam.request(3)
        want = np.load(there / f"{name}.npz")["probe"]
        np.testing.assert_allclose(fam.probe(model, request), want, atol=1e-4, err_msg=name)
        batch = fam.make_batch(8)
        model.train_on_batch(*(batch if isinstance(batch, tuple) else (batch,)))
        assert int(model.g_optimizer.iterations.numpy()) == 3, name
        # ... and back: TensorFlow's file, optimizer state included, for the other backend
        saving.save_model(model, here / f"{name}.keras")
        np.savez(here / f"{name}.npz", probe=fam.probe(model, request))
    # Export from the file, as `keras-gan export` does: the signatures serve the samples
    # the model gave on the backend it was trained on.
    for name in ("dcgan", "cgan", "pix2pix", "text2image"):  # text2image: raw strings in
        fam = get_family(name)
        path = export.export_file(there / f"{name}.keras", name=name, base_dir=tmp_path / "sm")
        loaded = tf.saved_model.load(str(path))
        request = fam.request(3)
        out = loaded.signatures["serving_default"](
            **{k: tf.constant(v) for k, v in request.items()}
        )
        key = "images" if "images" in out else "samples"
        want = np.load(there / f"{name}.npz")["probe"]
        np.testing.assert_allclose(out[key].numpy(), want, atol=1e-4, err_msg=name)
    # The other backend loads TensorFlow's files, answers the same and trains on.
    diffs = worker(backend, "load", here)["results"]
    assert set(diffs) == set(_families_on(backend))
    assert max(diffs.values()) <= 1e-4


def test_data_parallel_on_two_jax_devices_trains_like_one():
    """keras.distribution.DataParallel on 2 CPU devices, same global batch: same weights."""
    out = worker(
        "jax", "data-parallel", env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    )["results"]
    assert out["devices"] == 2 and out["max_weight_difference"] < 1e-4
