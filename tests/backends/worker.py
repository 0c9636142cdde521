"""Run under another Keras backend by tests/backends/test_backends.py (not a test module).

    KERAS_BACKEND=jax python tests/backends/worker.py train DIR
        trains each family's tiny model for two steps, saves DIR/<family>.keras and
        DIR/<family>.npz (its answer to the family's serving request); also runs
        reuse_fake_batch_check (one generator pass per step gives the update of two).
    KERAS_BACKEND=jax python tests/backends/worker.py load DIR
        loads DIR/<family>.keras (saved under another backend), checks its answer
        against DIR/<family>.npz, and trains it one more step.
    KERAS_BACKEND=jax XLA_FLAGS=--xla_force_host_platform_device_count=2 \
        python tests/backends/worker.py data-parallel
        trains DCGAN on two CPU devices with keras.distribution.DataParallel and on
        one, with the same global batch, and compares the final weights.
    KERAS_BACKEND=jax python tests/backends/worker.py no-tensorflow DIR
        with TensorFlow made unimportable (as on a JAX-only GPU machine): trains
        DCGAN, the text-to-image GAN and CycleGAN on real data through
        keras_gan.data, runs `keras-gan train`'s path (keras_gan.training.train,
        its callbacks included) into DIR and scores the result with the metrics.
    KERAS_BACKEND=jax python tests/backends/worker.py failed-fit
        an out-of-range label fails fit with its message and loses nothing: the
        weights are those of before, and the model trains on.
    KERAS_BACKEND=jax python tests/backends/worker.py learn
        trains WGAN-GP on the 8-mode ring (tests/families/test_wgan.py's recipe) and
        reports its mode coverage: the known answer is 8 modes.

Prints one JSON line of results; exits non-zero on the first failure.
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def families_here():
    from keras_gan.core import families, get_family

    return [get_family(n) for n in families() if keras.backend.backend() in get_family(n).backends]


def train(out):
    from keras_gan import data, saving

    results = {}
    for fam in families_here():
        keras.utils.set_random_seed(0)
        model = fam.make_model()
        model.compile()
        batch = fam.make_batch(16)
        x, y = batch if isinstance(batch, tuple) else (batch, None)
        model.fit(data.ArrayBatches(x, y, batch_size=8, shuffle=False, scale=False), verbose=0)
        saving.save_model(model, out / f"{fam.name}.keras")
        request = fam.request(3)
        np.savez(out / f"{fam.name}.npz", probe=fam.probe(model, request))
        results[fam.name] = int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))
    return {"steps": results, "reuse_fake_batch": reuse_fake_batch_check()}


def reuse_fake_batch_check():
    """One step with ``reuse_fake_batch=True`` against the same step that runs the
    generator again on the same noise: the updates must be equal.

    Returns the largest difference over both networks' trainable weights, and how
    many generator calls a step made in each (eager, so each call is counted).
    """
    from keras_gan import backend
    from keras_gan.models import DCGAN

    batch = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 1)).astype("float32")

    def one_step(recompute):
        keras.utils.set_random_seed(0)
        model = DCGAN(
            image_shape=(16, 16, 1), latent_dim=8, base_filters=4, reuse_fake_batch=True, seed=0
        )
        model.compile(run_eagerly=True)
        before = [
            keras.ops.convert_to_numpy(w).copy()
            for w in model.generator.trainable_weights + model.discriminator.trainable_weights
        ]
        calls = []
        forward = model.generator.call
        model.generator.call = lambda *a, **k: calls.append(1) or forward(*a, **k)
        record = backend.record
        if recompute:  # the reference: the generator runs again in the generator update
            backend.record = lambda fn: backend.Recorded(fn, fn(), recompute=True)
        try:
            model.train_on_batch(batch)
        finally:
            backend.record = record
        weights = model.generator.trainable_weights + model.discriminator.trainable_weights
        after = [keras.ops.convert_to_numpy(w) for w in weights]
        moved = min(float(np.abs(a - b).max()) for a, b in zip(after, before))
        return after, len(calls), moved

    (reused, reused_calls, moved), (again, again_calls, _) = one_step(False), one_step(True)
    diff = max(float(np.abs(a - b).max()) for a, b in zip(reused, again))
    return {
        "max_difference": diff,
        "generator_calls": [reused_calls, again_calls],
        # every weight tensor moved by at least this much in the step
        "min_update": moved,
    }


def load(src):
    from keras_gan import saving

    results = {}
    for fam in families_here():
        path = src / f"{fam.name}.keras"
        if not path.exists():
            continue
        model = saving.load_model(path)
        got = fam.probe(model, fam.request(3))
        want = np.load(src / f"{fam.name}.npz")["probe"]
        np.testing.assert_allclose(got, want, atol=1e-4, err_msg=fam.name)
        before = [keras.ops.convert_to_numpy(v).copy() for v in model.generator.trainable_weights]
        batch = fam.make_batch(8)
        model.train_on_batch(*(batch if isinstance(batch, tuple) else (batch,)))
        after = [keras.ops.convert_to_numpy(v) for v in model.generator.trainable_weights]
        assert any(not np.allclose(a, b) for a, b in zip(before, after)), fam.name
        assert all(np.isfinite(a).all() for a in after), fam.name
        results[fam.name] = float(np.abs(got - want).max())
    return results


def no_tensorflow(out_dir):
    # Where TensorFlow is not installed, `import tensorflow` fails and
    # importlib.util.find_spec("tensorflow") is None: a None entry does both.
    assert "tensorflow" not in sys.modules, "TensorFlow was imported before the test"
    sys.modules["tensorflow"] = None
    from keras_gan import data
    from keras_gan.models import DCGAN

    ds = data.load("mnist", batch_size=32, limit=256)
    # with a latent code read from z (keras.ops argmax / one_hot in the generator)
    model = DCGAN(image_shape=(28, 28, 1), latent_dim=8, base_filters=4, latent_codes=4, seed=0)
    model.compile()
    history = model.fit(ds, epochs=1, verbose=0)
    images = model.generate(seeds=[1, 2])
    # text to image: captions tokenized in Python, no TextVectorization
    from keras_gan.models import Text2ImageGAN

    captioned = data.load("mnist_captions", batch_size=32, limit=128)
    t2i = Text2ImageGAN(latent_dim=8, base_filters=4, embed_dim=8, encoder_steps=4, seed=0)
    t2i.compile()
    t2i.fit(captioned, epochs=1, verbose=0)
    from_text = t2i.generate(texts=["a thick 7", "the digit three"], seeds=[1, 2])
    # unpaired translation: two independent numpy streams
    from keras_gan.models import CycleGAN

    unpaired = data.load_unpaired("mnist", "digits", batch_size=4, limit=64, steps_per_epoch=3)
    cycle = CycleGAN(image_shape=(28, 28, 1), filters=4, num_res_blocks=1, d_filters=4)
    cycle.compile()
    cycle.fit(unpaired, epochs=1, verbose=0)
    # with the semantic term: labelled unpaired batches and a classifier per domain
    # (learning from shifted real images)
    labelled = data.load_unpaired(
        "mnist", "digits", batch_size=4, limit=64, steps_per_epoch=3, labels=True
    )
    cycada = CycleGAN(
        image_shape=(28, 28, 1),
        filters=4,
        num_res_blocks=1,
        d_filters=4,
        semantic_weight=1.0,
        classifier_shift=1,
    )
    cycada.compile()
    semantic = cycada.fit(labelled, epochs=1, verbose=0).history["semantic"][-1]
    # keras-gan train's path: sample grids, the training guard (its diversity
    # check uses the metrics package), CSV log, checkpoints; then the scores.
    from keras_gan import metrics, training

    run = training.train(
        "dcgan_mnist",
        Path(out_dir) / "run",
        verbose=0,
        epochs=2,
        steps_per_epoch=2,
        batch_size=16,
        latent_dim=8,
        base_filters=4,
        num_samples=4,
    )
    scores = metrics.evaluate(run["model"], "mnist", ["fid", "class_coverage"], num_samples=64)
    assert sys.modules["tensorflow"] is None, "TensorFlow was imported"
    return {
        "train_files": sorted(p.name for p in Path(out_dir, "run").iterdir()),
        "fid": float(scores["fid"]),
        "dataset": type(ds).__name__,
        "steps": int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)),
        "d_loss": float(history.history["d_loss"][-1]),
        "images": list(images.shape),
        "text_steps": int(keras.ops.convert_to_numpy(t2i.g_optimizer.iterations)),
        "vocabulary": len(t2i.tokenizer.vocabulary),
        "text_images": list(from_text.shape),
        "unpaired": type(unpaired).__name__,
        "cyclegan_steps": int(keras.ops.convert_to_numpy(cycle.g_optimizer.iterations)),
        "cycada_steps": int(keras.ops.convert_to_numpy(cycada.d_optimizer.iterations)),
        "semantic": float(semantic),
    }


def failed_fit():
    from keras_gan import data
    from keras_gan.core import get_family

    fam = get_family("cgan")
    model = fam.make_model()
    model.compile()
    x, y = fam.make_batch(16)
    model.fit(data.ArrayBatches(x, y, batch_size=8, shuffle=False, scale=False), verbose=0)
    before = [keras.ops.convert_to_numpy(v) for v in model.variables]
    bad = y.copy()
    bad[11] = 7  # 3 classes: the second batch fails
    try:
        model.fit(data.ArrayBatches(x, bad, batch_size=8, shuffle=False, scale=False), verbose=0)
        message = None
    except Exception as e:  # JaxRuntimeError on JAX, ValueError on PyTorch
        message = str(e)
    after = [keras.ops.convert_to_numpy(v) for v in model.variables]
    changed = sum(not np.array_equal(a, b) for a, b in zip(before, after))
    at_failure = int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))
    finite = all(np.isfinite(a).all() for a in after if np.issubdtype(a.dtype, np.floating))
    model.fit(data.ArrayBatches(x, y, batch_size=8, shuffle=False, scale=False), verbose=0)
    return {
        "message": message,
        "variables_changed": changed,
        "steps_at_failure": at_failure,
        "finite": bool(finite),
        "steps": int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)),
        "samples": list(model.generate(seeds=[1, 2], labels=[0, 2]).shape),
    }


def learn():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from keras_gan.data import toy
    from keras_gan.metrics import mode_coverage
    from tests.families.test_wgan import train_ring

    model = train_ring()
    return mode_coverage(model.generate(2500, seed=0), toy.ring_modes(), toy.RING_STD)


def data_parallel():
    """DCGAN (batch norm included) on 2 devices with keras.distribution.DataParallel vs 1 device,
    same global batch: the same final weights."""
    import jax

    from keras_gan import data
    from keras_gan.models import DCGAN

    devices = jax.devices()
    assert len(devices) == 2, f"expected 2 devices (XLA_FLAGS), got {devices}"
    x = np.random.default_rng(0).uniform(-1, 1, (64, 16, 16, 1)).astype("float32")

    def run(distribution):
        keras.distribution.set_distribution(distribution)
        keras.utils.set_random_seed(0)
        model = DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4, seed=0)
        model.compile()
        model.fit(data.ArrayBatches(x, batch_size=16, shuffle=False, scale=False), verbose=0)
        out = [keras.ops.convert_to_numpy(w) for w in model.weights]
        keras.distribution.set_distribution(None)
        return out

    one = run(None)
    two = run(keras.distribution.DataParallel(devices=devices))
    diff = max(float(np.abs(a - b).max()) for a, b in zip(one, two))
    assert diff < 1e-4, diff
    return {"devices": len(devices), "max_weight_difference": diff, "weights": len(one)}


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "train":
        out = train(Path(rest[0]))
    elif mode == "load":
        out = load(Path(rest[0]))
    elif mode == "no-tensorflow":
        out = no_tensorflow(Path(rest[0]))
    elif mode == "failed-fit":
        out = failed_fit()
    elif mode == "learn":
        out = learn()
    elif mode == "data-parallel":
        out = data_parallel()
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps({"backend": keras.backend.backend(), **{"results": out}}))
