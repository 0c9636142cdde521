"""CycleGAN: the image pool, the losses by hand, learning, saving, export, unpaired data."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from keras_gan import data, export
from keras_gan.families.cyclegan import LinearDecay
from keras_gan.models import CycleGAN, ImagePool

SHAPE = (28, 28, 1)


def small(**kwargs):
    kw = dict(image_shape=SHAPE, filters=8, num_res_blocks=2, d_filters=16, seed=0)
    kw.update(kwargs)
    model = CycleGAN(**kw)
    model.compile()
    return model


def unpaired(limit=512, batch_size=16, steps=30, **kwargs):
    return data.load_unpaired(
        "mnist",
        "digits",
        image_size=28,
        limit=limit,
        batch_size=batch_size,
        steps_per_epoch=steps,
        seed=0,
        **kwargs,
    )


# --- the image pool --------------------------------------------------------------------------


def test_image_pool_fills_then_swaps_by_hand():
    pool = ImagePool(pool_size=3, image_shape=(1, 1, 1))
    img = lambda *v: tf.constant(np.array(v, np.float32).reshape(-1, 1, 1, 1))  # noqa: E731
    never = tf.constant([1.0, 1.0])  # u >= 0.5: never swap
    out = pool.query(img(1, 2), never, tf.constant([0, 0]))
    np.testing.assert_array_equal(out.numpy().ravel(), [1, 2])  # filling: pass through
    assert int(pool.count.numpy()) == 2
    # 3 fills the last slot; 4 finds the pool full and (u < 0.5) swaps with slot 0
    out = pool.query(img(3, 4), tf.constant([1.0, 0.2]), tf.constant([0, 0]))
    np.testing.assert_array_equal(out.numpy().ravel(), [3, 1])
    np.testing.assert_array_equal(pool.images.numpy().ravel(), [4, 2, 3])
    # full pool, u >= 0.5: the new image passes and the pool is unchanged
    out = pool.query(img(9), tf.constant([0.7]), tf.constant([1]))
    np.testing.assert_array_equal(out.numpy().ravel(), [9])
    np.testing.assert_array_equal(pool.images.numpy().ravel(), [4, 2, 3])
    assert int(pool.count.numpy()) == 3


def test_image_pool_size_zero_is_identity():
    pool = ImagePool(pool_size=0, image_shape=(1, 1, 1))
    x = tf.ones((2, 1, 1, 1))
    assert pool.query(x, tf.zeros([2]), tf.zeros([2], tf.int32)) is x
    with pytest.raises(ValueError, match="pool_size"):
        ImagePool(pool_size=-1)


# --- the losses against hand-computed values ---------------------------------------------------


def _affine(scale, offset, name):
    x = keras.Input((2, 2, 1))
    return keras.Model(x, layers.Rescaling(scale, offset=offset)(x), name=name)


def test_cycle_identity_and_adversarial_terms_by_hand():
    # G(x) = 0.5 x, F(x) = x + 0.1; D_B = 0.25 and D_A = 0.5 everywhere.
    model = CycleGAN(
        generator=_affine(0.5, 0.0, "g"),
        generator_ba=_affine(1.0, 0.1, "f"),
        discriminator=_affine(0.0, 0.25, "d_b"),
        discriminator_a=_affine(0.0, 0.5, "d_a"),
        image_shape=(2, 2, 1),
        pool_size=0,
    )
    model.compile()
    a = tf.fill((1, 2, 2, 1), 0.4)
    b = tf.fill((1, 2, 2, 1), -0.2)
    terms, fake_a, fake_b = model.generator_terms(a, b)
    # cycle: |F(G(a)) - a| = |0.3 - 0.4| = 0.1; |G(F(b)) - b| = |-0.05 + 0.2| = 0.15
    np.testing.assert_allclose(terms["cycle"], [0.25], atol=1e-6)
    # identity: |G(b) - b| = 0.1; |F(a) - a| = 0.1
    np.testing.assert_allclose(terms["identity"], [0.2], atol=1e-6)
    # least squares: 0.5 (0.25 - 1)^2 + 0.5 (0.5 - 1)^2
    np.testing.assert_allclose(terms["g_adv"], [0.40625], atol=1e-6)
    # total: adv + 10 * cycle + 0.5 * 10 * identity
    np.testing.assert_allclose(terms["g_loss"], [0.40625 + 2.5 + 1.0], atol=1e-5)
    d = model.discriminator_terms(a, b, fake_a, fake_b)
    # halved LSGAN losses: 0.5 * (0.5 (D(real) - 1)^2 + 0.5 D(fake)^2)
    np.testing.assert_allclose(d["d_a"], [0.5 * (0.125 + 0.125)], atol=1e-6)
    np.testing.assert_allclose(d["d_b"], [0.5 * (0.28125 + 0.03125)], atol=1e-6)


def _constant_logits(logits, name):
    x = keras.Input((2, 2, 1))
    dense = layers.Dense(10, kernel_initializer="zeros", bias_initializer="zeros", name="d")
    out = dense(layers.Flatten()(x))
    net = keras.Model(x, out, name=name)
    dense.bias.assign(np.asarray(logits, np.float32))
    return net


def test_semantic_term_by_hand():
    # C_B puts probability 1/2 on class 3 (logit ln 9 against nine zeros); C_A is uniform.
    peaked = np.zeros(10)
    peaked[3] = np.log(9.0)
    model = CycleGAN(
        generator=_affine(0.5, 0.0, "g"),
        generator_ba=_affine(1.0, 0.1, "f"),
        discriminator=_affine(0.0, 0.25, "d_b"),
        discriminator_a=_affine(0.0, 0.5, "d_a"),
        classifier_a=_constant_logits(np.zeros(10), "c_a"),
        classifier_b=_constant_logits(peaked, "c_b"),
        image_shape=(2, 2, 1),
        pool_size=0,
        semantic_weight=2.0,
    )
    model.compile()
    a = tf.fill((2, 2, 2, 1), 0.4)
    b = tf.fill((2, 2, 2, 1), -0.2)
    labels = (tf.constant([3, 5]), tf.constant([0, 7]))
    terms, fake_a, fake_b = model.generator_terms(a, b, labels)
    # C_B(G(a)) vs a's labels: -ln(1/2) = ln 2 for class 3, -ln(1/18) = ln 18 for class 5;
    # C_A(F(b)) vs b's labels: ln 10 for any class
    want = np.array([np.log(2.0), np.log(18.0)]) + np.log(10.0)
    np.testing.assert_allclose(terms["semantic"], want, atol=1e-5)
    plain = 0.40625 + 2.5 + 1.0  # the terms of test_cycle_identity_and_adversarial_terms_by_hand
    np.testing.assert_allclose(terms["g_loss"], plain + 2.0 * want, atol=1e-4)
    # the discriminator side trains each classifier on its own domain's real images
    d = model.discriminator_terms(a, b, fake_a, fake_b, labels)
    want_d = np.log(10.0) + np.array([np.log(18.0), np.log(18.0)])
    np.testing.assert_allclose(d["classify"], want_d, atol=1e-5)
    np.testing.assert_allclose(d["d_loss"], d["d_a"] + d["d_b"] + want_d, atol=1e-5)
    # the classifiers belong to the discriminator optimizer, never the generators'
    g_vars = {id(v) for v in model.generator_variables()}
    assert all(id(v) not in g_vars for v in model.classifier_b.trainable_variables)
    assert {id(v) for v in model.classifier_a.trainable_variables} <= {
        id(v) for v in model.discriminator_variables()
    }


def test_classifier_shift_moves_each_real_image_by_its_own_whole_shift():
    """classifier_shift=2: each image the classifiers learn from is the same image moved
    by some (dy, dx) in [-2, 2]^2, the background (-1) filling in; the draws differ
    between images and come from the model's seed. The default (0) draws nothing."""
    model = small(filters=4, num_res_blocks=1, d_filters=4, semantic_weight=1.0, classifier_shift=2)
    x = np.full((256, 28, 28, 1), -1.0, np.float32)
    x[:, 10:15, 9:17] = np.linspace(0.0, 1.0, 40).reshape(5, 8, 1)  # a ramp: shifts show
    moved = keras.ops.convert_to_numpy(model._shifted(x))
    shifts = set()
    for before, after in zip(x, moved):
        hits = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if np.array_equal(np.roll(before, (dy, dx), axis=(0, 1)), after)
        ]
        assert len(hits) == 1  # exactly one whole shift (the ramp sits away from the edges)
        shifts.add(hits[0])
    assert len(shifts) == 25  # all 25 shifts among 256 draws
    # from the model's seed: a model built alike draws the same shifts
    twin = small(filters=4, num_res_blocks=1, d_filters=4, semantic_weight=1.0, classifier_shift=2)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(twin._shifted(x)), moved)
    # the default draws no noise: the discriminator side leaves the seed where it was
    plain = small(filters=4, num_res_blocks=1, d_filters=4, semantic_weight=1.0)
    state = keras.ops.convert_to_numpy(plain.seed_generator.state)
    a, b = x[:2], x[2:4]
    plain.discriminator_terms(a, b, a, b, (np.array([1, 2]), np.array([3, 4])))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(plain.seed_generator.state), state)
    assert CycleGAN.from_config(model.get_config()).classifier_shift == 2


def test_linear_decay_schedule():
    sched = LinearDecay(epochs=10, decay_start=5, g_learning_rate=2e-4, d_learning_rate=1e-4)
    assert [sched.factor(e) for e in (0, 4, 5, 6, 9)] == [1.0, 1.0, 1.0, 0.8, pytest.approx(0.2)]


# --- learning -----------------------------------------------------------------------------------


def test_short_run_lowers_cycle_error_and_saves_everything(tmp_path):
    model = small(decay_start=0.0)  # decay from the first epoch: rates 1.0, then 0.5
    xa = data.to_float(data.load_arrays("mnist", "test")[0][:64])
    xb = data.to_float(data.resize_images(data.load_arrays("digits", "test")[0][:64], 28))

    def cycle_error():
        aba = model.translate(model.translate(xa, "a_to_b"), "b_to_a")
        bab = model.translate(model.translate(xb, "b_to_a"), "a_to_b")
        return 0.5 * (np.abs(aba - xa).mean() + np.abs(bab - xb).mean())

    before = cycle_error()
    history = model.fit(
        unpaired(), epochs=2, verbose=0, callbacks=[model.learning_rate_schedule(2)]
    )
    after = cycle_error()
    assert after < 0.6 * before, (before, after)
    assert history.history["cycle"][-1] < history.history["cycle"][0]
    assert int(model.pool_a.count.numpy()) == 50 and int(model.preview_set.numpy()) == 1
    assert float(model.g_optimizer.learning_rate.numpy()) == pytest.approx(1e-4)

    samples, nrow = model.preview()
    assert samples.shape == (48, 28, 28, 1) and nrow == 8

    path = tmp_path / "cyclegan.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.translate(xa[:4]), model.translate(xa[:4]), atol=1e-6)
    np.testing.assert_array_equal(loaded.pool_b.images.numpy(), model.pool_b.images.numpy())
    np.testing.assert_array_equal(loaded.preview_a.numpy(), model.preview_a.numpy())
    # training continues from the same state in both copies
    ds = unpaired(steps=2, epochs=1)  # a stream: both copies see the same batches
    model.fit(ds, epochs=1, verbose=0)
    loaded.fit(ds, epochs=1, verbose=0)
    np.testing.assert_allclose(loaded.translate(xa[:4]), model.translate(xa[:4]), atol=1e-4)


def test_semantic_run_learns_both_classifiers_and_round_trips(tmp_path):
    """CyCADA-style training: each domain's classifier learns its real digits, the
    semantic term falls, and a .keras file keeps the classifiers and the setting."""
    model = small(filters=4, num_res_blocks=1, d_filters=8, semantic_weight=1.0)
    assert "semantic" in model.metric_names() and model.classifier_a is not None
    history = model.fit(unpaired(labels=True), epochs=2, verbose=0)
    assert history.history["semantic"][-1] < history.history["semantic"][0], history.history
    for net, name in ((model.classifier_a, "mnist"), (model.classifier_b, "digits")):
        x, y = data.load_arrays(name, "test")
        x = data.to_float(data.resize_images(x[:300], 28))
        accuracy = (net.predict(x, verbose=0).argmax(axis=1) == y[:300]).mean()
        assert accuracy > 0.7, (name, accuracy)  # chance: 0.1
    path = tmp_path / "cycada.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.semantic_weight == 1.0 and loaded.num_classes == 10
    x = data.to_float(data.load_arrays("mnist", "test")[0][:4])
    np.testing.assert_allclose(
        loaded.classifier_b.predict(x, verbose=0),
        model.classifier_b.predict(x, verbose=0),
        atol=1e-5,
    )
    # a plain CycleGAN has no classifiers and ignores labels it is given
    plain = small(filters=4, num_res_blocks=1, d_filters=4)
    assert plain.classifier_a is None and "semantic" not in plain.metric_names()
    plain.fit(unpaired(labels=True, steps=2), epochs=1, verbose=0)


def test_export_serves_both_directions(tmp_path):
    model = small()
    version = export.export(model, "cyclegan", base_dir=tmp_path)
    loaded = tf.saved_model.load(str(version))
    assert {"a_to_b", "b_to_a", "a_to_b_bytes", "b_to_a_bytes"} <= set(loaded.signatures)
    x = data.load_arrays("mnist", "test")[0][:3]
    out = loaded.signatures["a_to_b"](images_uint8=tf.constant(x))
    np.testing.assert_allclose(out["images"].numpy(), model.translate(x), atol=1e-5)
    png = tf.constant([tf.io.encode_png(i).numpy() for i in x])
    via_png = loaded.signatures["b_to_a_bytes"](image_bytes=png)
    np.testing.assert_allclose(via_png["images"].numpy(), model.translate(x, "b_to_a"), atol=1e-5)
    small_png = tf.constant([tf.io.encode_png(np.zeros((8, 8, 1), np.uint8)).numpy()])
    with pytest.raises(tf.errors.InvalidArgumentError):
        loaded.signatures["a_to_b_bytes"](image_bytes=small_png)


# --- bad input -------------------------------------------------------------------------------------


def test_bad_input_is_explained():
    model = small()
    with pytest.raises(ValueError, match="load_unpaired"):
        model.fit(data.load("mnist", limit=32, batch_size=16), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(28, 28, 1\).*\(2, 8, 8, 1\)"):
        model.translate(np.zeros((2, 8, 8, 1), np.uint8))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        model.translate(np.full((1, 28, 28, 1), 255.0, np.float32))
    with pytest.raises(ValueError, match="direction"):
        model.translate(np.zeros((1, 28, 28, 1), np.uint8), direction="up")
    # a translation model has no noise side: no generate(), translate() instead
    assert not hasattr(model, "generate") and hasattr(model, "translate")
    with pytest.raises(ValueError, match="ema_decay"):
        CycleGAN(image_shape=SHAPE, ema_decay=0.9)
    with pytest.raises(ValueError, match="semantic_weight must be >= 0"):
        CycleGAN(image_shape=SHAPE, semantic_weight=-1.0)
    for shift in (-1, 1.5, 28):
        with pytest.raises(ValueError, match="classifier_shift is a whole number of pixels"):
            CycleGAN(image_shape=SHAPE, semantic_weight=1.0, classifier_shift=shift)


def test_semantic_term_needs_valid_labels():
    model = small(filters=4, num_res_blocks=1, d_filters=4, semantic_weight=1.0)
    with pytest.raises(ValueError, match=r"needs the class labels.*labels=True"):
        model.fit(unpaired(steps=1), epochs=1, verbose=0)
    images = data.to_float(np.zeros((4, 28, 28, 1), np.uint8))
    bad = ((images, images), (np.array([0, 1, 2, 10]), np.array([0, 1, 2, 3])))
    with pytest.raises(Exception, match=r"labels_a must be in \[0, 10\)"):
        model.fit(bad[0], bad[1], batch_size=4, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="labels=True needs named datasets"):
        data.load_unpaired("mnist", np.zeros((8, 28, 28, 1), np.uint8), labels=True)


# --- unpaired data ------------------------------------------------------------------------------------


def test_load_unpaired_streams_and_resumes():
    ds = unpaired(limit=256, batch_size=8, steps=5)
    ((a, b),) = ds.take(1)
    assert a.shape == b.shape == (8, 28, 28, 1) and ds.cardinality() == 5
    assert float(tf.reduce_min(a)) >= -1.0 and float(tf.reduce_max(b)) <= 1.0
    full = list(unpaired(limit=256, batch_size=8, steps=5, epochs=3))
    resumed = list(unpaired(limit=256, batch_size=8, steps=5, epochs=3, initial_epoch=2))
    assert len(full) == 15 and len(resumed) == 5
    for (a1, b1), (a2, b2) in zip(full[10:], resumed):
        np.testing.assert_array_equal(a1, a2)
        np.testing.assert_array_equal(b1, b2)


def test_load_unpaired_labels_belong_to_their_images():
    xa, ya = data.load_arrays("mnist", "train")
    xb, yb = data.load_arrays("digits", "train")
    label_of = {}
    for x, y, domain in ((xa[:64], ya[:64], 0), (data.resize_images(xb[:64], 28), yb[:64], 1)):
        for image, label in zip(x, y):
            label_of[(domain, data.to_float(image).tobytes())] = int(label)
    for stream in (
        unpaired(limit=64, batch_size=8, steps=4, labels=True),
        unpaired(limit=64, batch_size=8, steps=4, labels=True, epochs=2),
        data.UnpairedBatches(
            xa[:64], data.resize_images(xb[:64], 28), 8, 4, labels=(ya[:64], yb[:64])
        ),
    ):
        batches = (
            [stream[i] for i in range(4)]
            if isinstance(stream, data.UnpairedBatches)
            else list(stream)
        )
        assert len(batches) >= 4
        for (a, b), (la, lb) in batches:
            for domain, images, labels in ((0, a, la), (1, b, lb)):
                got = [label_of[(domain, np.asarray(i).tobytes())] for i in images]
                assert got == [int(v) for v in np.asarray(labels)]


def test_unpaired_batches_without_tensorflow_stream_and_resume():
    """JAX / PyTorch's unpaired stream (what load_unpaired returns there): independent
    permutations per domain, every image once per pass, resumable by epoch."""
    xa = np.arange(20, dtype=np.uint8).reshape(20, 1, 1, 1)
    xb = (100 + np.arange(13, dtype=np.uint8)).reshape(13, 1, 1, 1)

    def epochs(start, n):
        ds = data.UnpairedBatches(xa, xb, batch_size=4, steps=3, seed=5, initial_epoch=start)
        out = []
        for _ in range(n):
            out += [ds[i] for i in range(len(ds))]
            ds.on_epoch_end()
        return out

    full, resumed = epochs(0, 4), epochs(2, 2)
    for (a1, b1), (a2, b2) in zip(full[6:], resumed):
        np.testing.assert_array_equal(a1, a2)
        np.testing.assert_array_equal(b1, b2)
    ints = lambda v: np.round((v.reshape(-1) + 1) * 127.5).astype(int)  # noqa: E731
    a_stream = np.concatenate([ints(a) for a, _ in full])
    b_stream = np.concatenate([ints(b) for _, b in full])
    assert sorted(a_stream[:20]) == list(range(20))  # one pass over A, then the next one
    assert sorted(b_stream[:13]) == list(range(100, 113))
    assert sorted(b_stream[13:26]) == list(range(100, 113))
    assert list(a_stream[:13] - 100) != list(b_stream[:13] - 100)


def test_load_unpaired_from_folders_and_arrays(tmp_path):
    from PIL import Image

    for i in range(4):
        Image.fromarray(np.full((10, 10), 40 * i, np.uint8)).save(tmp_path / f"{i}.png")
    ds = data.load_unpaired(str(tmp_path), np.zeros((6, 5, 5, 1), np.uint8), batch_size=2)
    ((a, b),) = ds.take(1)
    assert a.shape == b.shape == (2, 10, 10, 1) and ds.cardinality() == 2
    with pytest.raises(ValueError, match="channel"):
        data.load_unpaired(str(tmp_path), np.zeros((6, 5, 5, 3), np.uint8))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no images"):
        data.load_unpaired(str(tmp_path / "empty"), "digits")
    with pytest.raises(ValueError, match="Unknown dataset"):
        data.load_unpaired("mnist", "digitz")
