"""CycleGAN: the image pool, the losses by hand, the learning-rate schedule, learning,
saving, export, unpaired data."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from keras_gan import data, export, saving, zoo
from keras_gan.families.cyclegan.schedules import linear_decay_config
from keras_gan.models import CycleGAN, ImagePool, LinearDecaySchedule, linear_decay_adam

SHAPE = (28, 28, 1)


def small(compile=True, **kwargs):
    kw = dict(image_shape=SHAPE, filters=8, num_res_blocks=2, d_filters=16, seed=0)
    kw.update(kwargs)
    model = CycleGAN(**kw)
    if compile:
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


# --- the learning-rate schedule ----------------------------------------------------------------


def callback_rate(base, epochs, decay_start, epoch):
    """The float32 rate the removed LinearDecay callback set at the start of ``epoch``."""
    k = round(decay_start * epochs)
    f = 1.0 if epoch < k or epochs <= k else max(0.0, 1.0 - (epoch - k) / (epochs - k))
    return float(np.float32(float(np.float32(base)) * f))


@pytest.mark.parametrize(
    "epochs,decay_start,factors",
    [
        (10, 0.5, [1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2]),  # cyclegan_mnist_digits
        (6, 0.5, [1, 1, 1, 1, 2 / 3, 1 / 3]),  # cycada_mnist_digits
        (5, 0.5, [1, 1, 1, 2 / 3, 1 / 3]),  # round(2.5) == 2, as the callback rounded
        (2, 0.0, [1, 0.5]),
        (2, 0.9, [1, 1]),  # round(1.8) == 2: the decay never starts
        (1, 0.0, [1]),
    ],
)
def test_linear_decay_schedule_gives_the_callbacks_rate_every_epoch(epochs, decay_start, factors):
    steps = 7
    schedule = LinearDecaySchedule(2e-4, epochs, steps, decay_start=decay_start)
    assert [schedule.factor(e) for e in range(epochs)] == pytest.approx(factors)
    for e in range(epochs):
        want = callback_rate(2e-4, epochs, decay_start, e)
        # piecewise constant: the first and the last step of an epoch, bit for bit
        for step in (e * steps, e * steps + steps - 1):
            assert float(keras.ops.convert_to_numpy(schedule(step))) == want, (e, step)
        assert schedule.rate(e) == want
    # past the run: 0 (or the constant rate where the decay never started), as the callback
    after = float(keras.ops.convert_to_numpy(schedule(epochs * steps + 3)))
    assert after == callback_rate(2e-4, epochs, decay_start, epochs)


def test_linear_decay_schedule_serialises_and_rejects_bad_settings():
    schedule = LinearDecaySchedule(1e-3, epochs=4, steps_per_epoch=50, decay_start=0.25)
    again = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert isinstance(again, LinearDecaySchedule) and again.get_config() == schedule.get_config()
    # an optimizer config that nests it (as the zoo's recipes do) deserialises
    optimizer = keras.optimizers.deserialize(
        keras.optimizers.serialize(linear_decay_adam(4, 50, 1e-3, decay_start=0.25))
    )
    assert linear_decay_config(optimizer) == schedule.get_config()
    assert optimizer.get_config()["beta_1"] == pytest.approx(0.5)
    for bad in (-0.1, 1.0, 1.5, None, "half"):
        with pytest.raises(ValueError, match=r"decay_start .* in \[0, 1\)"):
            LinearDecaySchedule(1e-3, 4, 50, decay_start=bad)
        with pytest.raises(ValueError, match=r"decay_start .* in \[0, 1\)"):
            CycleGAN(image_shape=SHAPE, decay_start=bad)
    for bad in (0, -1, 2.5, None):
        with pytest.raises(ValueError, match="epochs must be a whole number >= 1"):
            LinearDecaySchedule(1e-3, bad, 50)
        with pytest.raises(ValueError, match="steps_per_epoch must be a whole number >= 1"):
            LinearDecaySchedule(1e-3, 4, bad)
    for bad in (0.0, -1e-3, float("nan"), "fast"):
        with pytest.raises(ValueError, match="initial_learning_rate must be a finite number > 0"):
            LinearDecaySchedule(bad, 4, 50)


@pytest.mark.parametrize("name", ["cyclegan_mnist_digits", "cycada_mnist_digits"])
def test_zoo_recipes_compile_with_the_schedule_of_their_run(name):
    """The recipes' optimizers decay over the run their train section describes, from the
    model's decay_start: what the callback did with train.epochs and model.decay_start."""
    preset = zoo.resolve(name, filters=4, num_res_blocks=1, d_filters=4)
    model = zoo.build_model(preset)
    for optimizer in (model.g_optimizer, model.d_optimizer):
        config = linear_decay_config(optimizer)
        assert config is not None, "the recipe's optimizers must use LinearDecaySchedule"
        assert config["epochs"] == preset["train"]["epochs"]
        assert config["steps_per_epoch"] == preset["train"]["steps_per_epoch"]
        assert config["decay_start"] == model.decay_start
        assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(2e-4)


def test_the_recipe_schedule_follows_budget_overrides():
    """The recipes leave the schedule's epochs and steps null: zoo fills them from the
    run's budget, so `keras-gan train cyclegan_mnist_digits --epochs 4` decays over 4."""
    preset = zoo.resolve(
        "cyclegan_mnist_digits",
        filters=4,
        num_res_blocks=1,
        d_filters=4,
        epochs=4,
        steps_per_epoch=7,
    )
    model = zoo.build_model(preset)
    config = linear_decay_config(model.g_optimizer)
    assert (config["epochs"], config["steps_per_epoch"]) == (4, 7)


def test_fit_warns_when_the_schedule_does_not_match_the_run(caplog):
    """fit checks the schedule against the run before anything trains (here the batches,
    single images, then fail CycleGAN's own check: nothing is compiled or trained)."""
    model = small(compile=False, filters=4, num_res_blocks=1, d_filters=4)
    model.compile(*model.linear_decay_optimizers(epochs=1, steps_per_epoch=3))
    single = data.load("mnist", limit=32, batch_size=16)
    with caplog.at_level("WARNING", logger="keras_gan"), pytest.raises(ValueError):
        model.fit(single, epochs=2, verbose=0)
    text = caplog.text
    assert "g_optimizer and d_optimizer ends after 1 epochs, but fit runs 2" in text
    assert "rate is 0 from epoch 1" in text
    assert "epochs of 3 steps, but fit's epochs are 2 steps" in text  # len(single) == 2
    assert text.count("LinearDecaySchedule") == 2  # once per problem, for both optimizers
    caplog.clear()
    with caplog.at_level("WARNING", logger="keras_gan"), pytest.raises(ValueError):
        model.fit(single, epochs=1, steps_per_epoch=3, verbose=0)
    assert "LinearDecaySchedule" not in caplog.text  # the run the schedule was built for
    with caplog.at_level("WARNING", logger="keras_gan"), pytest.raises(ValueError):
        small(filters=4, num_res_blocks=1, d_filters=4).fit(single, epochs=9, verbose=0)
    assert "LinearDecaySchedule" not in caplog.text  # constant rates: nothing to check


# --- learning -----------------------------------------------------------------------------------


class RecordRates(keras.callbacks.Callback):
    """Both optimizers' rates as each epoch starts (reads them; sets nothing)."""

    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(
            tuple(
                float(keras.ops.convert_to_numpy(o.learning_rate))
                for o in (self.model.g_optimizer, self.model.d_optimizer)
            )
        )


def test_short_run_lowers_cycle_error_and_saves_everything(tmp_path):
    # the rates decay from the first epoch over a 3-epoch schedule: 1, 2/3, then 1/3
    model = small(compile=False, decay_start=0.0)
    model.compile(*model.linear_decay_optimizers(epochs=3, steps_per_epoch=30))
    rates = [callback_rate(2e-4, 3, 0.0, e) for e in range(3)]
    xa = data.to_float(data.load_arrays("mnist", "test")[0][:64])
    xb = data.to_float(data.resize_images(data.load_arrays("digits", "test")[0][:64], 28))

    def cycle_error():
        aba = model.translate(model.translate(xa, "a_to_b"), "b_to_a")
        bab = model.translate(model.translate(xb, "b_to_a"), "a_to_b")
        return 0.5 * (np.abs(aba - xa).mean() + np.abs(bab - xb).mean())

    before = cycle_error()
    # no LearningRateScheduler, no schedule callback: the optimizers carry the schedule
    record = RecordRates()
    history = model.fit(unpaired(), epochs=2, verbose=0, callbacks=[record])
    after = cycle_error()
    assert after < 0.6 * before, (before, after)
    assert history.history["cycle"][-1] < history.history["cycle"][0]
    assert record.rates == [(rates[0], rates[0]), (rates[1], rates[1])]
    # each optimizer counted one update per step, so epoch 2 starts at its own rate
    for optimizer in (model.g_optimizer, model.d_optimizer):
        assert int(keras.ops.convert_to_numpy(optimizer.iterations)) == 60
        assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == rates[2]
    assert int(model.pool_a.count.numpy()) == 50 and int(model.preview_set.numpy()) == 1

    samples, nrow = model.preview()
    assert samples.shape == (48, 28, 28, 1) and nrow == 8

    path = saving.save_model(model, tmp_path / "cyclegan.keras")
    loaded = saving.load_model(path)
    np.testing.assert_allclose(loaded.translate(xa[:4]), model.translate(xa[:4]), atol=1e-6)
    np.testing.assert_array_equal(loaded.pool_b.images.numpy(), model.pool_b.images.numpy())
    np.testing.assert_array_equal(loaded.preview_a.numpy(), model.preview_a.numpy())
    # the schedule and the iteration count came back: the reloaded run resumes the decay
    for mine, theirs in (
        (model.g_optimizer, loaded.g_optimizer),
        (model.d_optimizer, loaded.d_optimizer),
    ):
        assert isinstance(theirs, keras.optimizers.Adam)
        assert linear_decay_config(theirs) == linear_decay_config(mine)
        assert int(keras.ops.convert_to_numpy(theirs.iterations)) == 60
        assert float(keras.ops.convert_to_numpy(theirs.learning_rate)) == rates[2]
    # training continues from the same state in both copies (at the third epoch's rate)
    ds = unpaired(steps=2, epochs=1)  # a stream: both copies see the same batches
    model.fit(ds, epochs=1, verbose=0)
    loaded.fit(ds, epochs=1, verbose=0)
    np.testing.assert_allclose(loaded.translate(xa[:4]), model.translate(xa[:4]), atol=1e-4)
    assert int(keras.ops.convert_to_numpy(loaded.d_optimizer.iterations)) == 62


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
