"""The contract every family keeps (keras-hub `test_case.py` style).

`ContractCase` runs the same checks on any family from what the family
declares (`keras_gan.core.Family`: a tiny model, a batch of matching data, a
serving request and its in-memory answer): config round trip, a two-step
fit that reports its trackers, the last smaller batch, .keras save/reload
with equal outputs and equal continued training, per-request determinism,
export and reload, and clear errors for a wrong shape or integer images.
`test_contract.py` instantiates it for every declared family; a family test
module may subclass it for a variant (e.g. AC-GAN).
"""

import functools
import json

import keras
import numpy as np
import pytest

from keras_gan import data, saving
from keras_gan.core import get_family

ON_TF = keras.backend.backend() == "tensorflow"


def batches(arrays, batch_size):
    """Batches for fit: tf.data on TensorFlow, `ArrayBatches` (a PyDataset) on JAX / PyTorch."""
    if ON_TF:
        import tensorflow as tf

        return tf.data.Dataset.from_tensor_slices(arrays).batch(batch_size)
    x, y = arrays if isinstance(arrays, tuple) else (arrays, None)
    return data.ArrayBatches(x, y, batch_size=batch_size, shuffle=False, scale=False)


def _lr(optimizer):
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


def first_batch(ds):
    return ds[0] if isinstance(ds, data.ArrayBatches) else next(iter(ds))


def _rows(request, n):
    return {k: v[:n] for k, v in request.items()}


def slow(test):
    """The same test, marked slow (`pytest -m slow`) for one subclass only."""

    @pytest.mark.slow
    @functools.wraps(test)
    def run(self):
        return test(self)

    return run


class ContractCase:
    family_name = None
    batch_size = 8

    @property
    def family(self):
        return get_family(self.family_name)

    def make_model(self):
        return self.family.make_model()

    def make_data(self, n=32):
        return self.family.make_batch(n)

    def compiled(self, **kwargs):
        model = self.make_model()
        model.compile(**kwargs)
        return model

    def dataset(self, n=32):
        return batches(self.make_data(n), self.batch_size)

    def trained(self, **kwargs):
        model = self.compiled(**kwargs)
        model.fit(self.dataset(2 * self.batch_size), epochs=1, verbose=0)
        return model

    def probe(self, model, n=3):
        return self.family.probe(model, self.family.request(n))

    # --- the shared checks --------------------------------------------------------

    def test_config_round_trip(self):
        model = self.make_model()
        config = model.get_config()
        clone = type(model).from_config(config)
        assert clone.get_config() == config

    def test_two_step_fit_reports_trackers(self):
        model = self.compiled()
        history = model.fit(self.dataset(2 * self.batch_size), epochs=1, verbose=0)
        for name in model.metric_names():
            assert name in history.history, name
            assert np.isfinite(history.history[name][0]), name
        assert int(model.g_optimizer.iterations.numpy()) == 2

    def test_last_smaller_batch_works(self):
        model = self.compiled()
        model.fit(self.dataset(self.batch_size + 3), epochs=1, verbose=0)
        assert int(model.g_optimizer.iterations.numpy()) == 2

    def test_save_reload_same_outputs_and_same_continued_training(self, tmp_path):
        model = self.trained()
        path = saving.save_model(model, tmp_path / "m.keras")
        reloaded = saving.load_model(path)
        np.testing.assert_allclose(self.probe(model), self.probe(reloaded), atol=1e-6)
        assert reloaded.get_compile_config() == model.get_compile_config()
        # Both continue on the same batch: identical weights afterwards, because the
        # optimizer state and the SeedGenerator state were restored too.
        batch = first_batch(self.dataset(2 * self.batch_size))
        args = batch if isinstance(batch, tuple) else (batch,)
        model.train_on_batch(*args)
        reloaded.train_on_batch(*args)
        for a, b in zip(model.generator.weights, reloaded.generator.weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5, err_msg=a.path)

    def test_preset_folder_round_trip(self, tmp_path):
        # save_to_preset -> from_preset: same outputs, compiled as before, no optimizer state
        model = self.trained()
        folder = model.save_to_preset(tmp_path / "preset", metadata={"note": "contract"})
        loaded = type(model).from_preset(folder)
        np.testing.assert_allclose(self.probe(model), self.probe(loaded), atol=1e-6)
        assert loaded.get_compile_config() == model.get_compile_config()
        assert int(loaded.g_optimizer.iterations.numpy()) == 0
        meta = json.loads((folder / "metadata.json").read_text())
        assert meta["note"] == "contract" and meta["class_name"] == type(model).__name__
        assert meta["parameter_count"]["total"] >= model.generator.count_params()

    # --- stock Keras callbacks and optimizer options ---------------------------------

    @pytest.fixture(scope="class")
    def callback_run(self, tmp_path_factory):
        """One 3-epoch fit with every stock callback; each test below reads one effect.

        LearningRateScheduler halves both optimizers' rates at every epoch start;
        ReduceLROnPlateau (no loss counts as an improvement) halves them again
        at the end of the second epoch; EarlyStopping stops after that epoch.
        """
        tmp = tmp_path_factory.mktemp(f"callbacks_{self.family_name}")
        model = self.compiled()
        base = [_lr(o) for o in (model.g_optimizer, model.d_optimizer)]
        callbacks = [
            keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
            keras.callbacks.ReduceLROnPlateau(
                monitor="loss", factor=0.5, min_delta=1e9, patience=0
            ),
            keras.callbacks.EarlyStopping(monitor="loss", min_delta=1e9, patience=1),
            keras.callbacks.ModelCheckpoint(tmp / "ckpt.weights.h5", save_weights_only=True),
            keras.callbacks.ModelCheckpoint(tmp / "ckpt.keras"),
            keras.callbacks.BackupAndRestore(tmp / "backup", delete_checkpoint=False),
            keras.callbacks.CSVLogger(str(tmp / "log.csv")),
            keras.callbacks.TerminateOnNaN(),
            keras.callbacks.TensorBoard(str(tmp / "tb")),
        ]
        history = model.fit(
            self.dataset(2 * self.batch_size), epochs=3, callbacks=callbacks, verbose=0
        )
        return {"model": model, "history": history, "base": base, "tmp": tmp}

    def test_learning_rate_scheduler_and_reduce_lr_on_plateau_reach_both_optimizers(
        self, callback_run
    ):
        model, base = callback_run["model"], callback_run["base"]
        logged = callback_run["history"].history
        for opt, b in zip((model.g_optimizer, model.d_optimizer), base):
            # scheduler: b/2 then b/4 (logged per optimizer); plateau: b/8 at the end
            np.testing.assert_allclose(
                logged[f"learning_rate_{opt.name}"], [b / 2, b / 4], rtol=1e-5
            )
            np.testing.assert_allclose(_lr(opt), b / 8, rtol=1e-5)

    def test_early_stopping_stops(self, callback_run):
        assert callback_run["history"].epoch == [0, 1]

    def test_model_checkpoint_weights_and_whole_model(self, callback_run):
        model, tmp = callback_run["model"], callback_run["tmp"]
        fresh = self.compiled()
        fresh.load_weights(tmp / "ckpt.weights.h5")
        np.testing.assert_allclose(self.probe(fresh), self.probe(model), atol=1e-6)
        whole = saving.load_model(tmp / "ckpt.keras")
        np.testing.assert_allclose(self.probe(whole), self.probe(model), atol=1e-6)
        # the .keras file keeps the rates the callbacks set
        np.testing.assert_allclose(_lr(whole.d_optimizer), _lr(model.d_optimizer), rtol=1e-5)

    def test_backup_and_restore_resumes(self, callback_run):
        model, tmp = callback_run["model"], callback_run["tmp"]
        fresh = self.compiled()
        backup = keras.callbacks.BackupAndRestore(tmp / "backup", delete_checkpoint=False)
        history = fresh.fit(
            self.dataset(2 * self.batch_size), epochs=2, callbacks=[backup], verbose=0
        )
        assert history.epoch == []  # both epochs were done: nothing left to run
        np.testing.assert_allclose(self.probe(fresh), self.probe(model), atol=1e-6)

    def test_csv_logger_and_tensorboard_write(self, callback_run):
        tmp = callback_run["tmp"]
        rows = (tmp / "log.csv").read_text().splitlines()
        assert len(rows) == 3 and "loss" in rows[0].split(",")
        assert list((tmp / "tb" / "train").glob("events.out.tfevents.*"))

    def test_terminate_on_nan_stops(self):
        model = self.compiled()
        batch = self.make_data(2 * self.batch_size)
        x = batch[0] if isinstance(batch, tuple) else batch
        x = np.full_like(x, np.nan)
        bad = (x,) + tuple(batch[1:]) if isinstance(batch, tuple) else x
        history = model.fit(
            batches(bad, self.batch_size),
            epochs=3,
            callbacks=[keras.callbacks.TerminateOnNaN()],
            verbose=0,
        )
        assert len(history.epoch) == 1 and int(model.g_optimizer.iterations.numpy()) == 1

    def test_optimizer_ema_is_swapped_in_when_fit_ends(self):
        # Adam(use_ema=True): Keras's documented behaviour is that the variables
        # hold the moving average after fit (finalize_variable_values).
        model = self.compiled(
            g_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.5),
            d_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.5),
        )
        model.fit(self.dataset(2 * self.batch_size), epochs=1, verbose=0)
        var = model.generator.trainable_variables[0]
        averages = model.g_optimizer._model_variables_moving_average  # noqa: SLF001 (Keras's own store)
        index = [v.path for v in model.g_optimizer._trainable_variables].index(var.path)  # noqa: SLF001
        np.testing.assert_allclose(var.numpy(), averages[index].numpy(), atol=1e-7)

    def test_clipnorm_and_global_clipnorm_apply(self):
        # A step with a gradient norm clipped to (almost) nothing leaves the weights where they were.
        model = self.compiled(
            g_optimizer=keras.optimizers.SGD(1.0, global_clipnorm=1e-12),
            d_optimizer=keras.optimizers.SGD(1.0, clipnorm=1e-12),
        )
        weights = model.generator_variables()
        if getattr(model, "clip_value", None) is None:  # WGAN's clipping moves its critic anyway
            weights += model.discriminator_variables()
        before = [v.numpy().copy() for v in weights]
        model.fit(self.dataset(self.batch_size), epochs=1, verbose=0)
        for a, v in zip(before, weights):
            np.testing.assert_allclose(a, v.numpy(), atol=1e-6, err_msg=v.path)

    def test_output_of_a_request_does_not_depend_on_its_batch(self):
        model = self.trained()
        request = self.family.request(3)
        a = self.family.probe(model, request)
        b = self.family.probe(model, {k: v[2:] for k, v in request.items()})
        np.testing.assert_allclose(a[2:], b, atol=1e-5)
        assert a.shape[1:] == tuple(model.data_shape)

    @pytest.mark.skipif(not ON_TF, reason="export runs on TensorFlow (tests/backends covers it)")
    def test_export_reloads_with_same_outputs(self, tmp_path):
        import tensorflow as tf

        from keras_gan import export

        model = self.trained()
        path = export.export(model, name="m", base_dir=tmp_path)
        loaded = tf.saved_model.load(str(path))
        request = self.family.request(2)
        out = loaded.signatures["serving_default"](
            **{k: tf.constant(v) for k, v in request.items()}
        )
        key = "images" if "images" in out else "samples"
        np.testing.assert_allclose(out[key].numpy(), self.family.probe(model, request), atol=1e-5)

    def test_wrong_sample_shape_is_a_clear_error(self):
        model = self.compiled()
        batch = self.make_data(self.batch_size)
        x = batch[0] if isinstance(batch, tuple) else batch
        x = np.concatenate([x, x], axis=-1)
        bad = (x,) + tuple(batch[1:]) if isinstance(batch, tuple) else x
        with pytest.raises(ValueError, match="of shape"):
            model.fit(batches(bad, 4), epochs=1, verbose=0)

    def test_integer_images_are_a_clear_error(self):
        model = self.compiled()
        batch = self.make_data(self.batch_size)
        if isinstance(batch, tuple):
            bad = (np.zeros(batch[0].shape, np.uint8),) + tuple(batch[1:])
        else:
            bad = np.zeros(batch.shape, np.uint8)
        with pytest.raises(TypeError, match="expects float images"):
            model.fit(batches(bad, 4), epochs=1, verbose=0)

    @pytest.mark.skipif(
        keras.backend.backend() == "torch", reason="jit_compile on PyTorch is torch.compile"
    )
    @pytest.mark.skipif(
        keras.backend.backend() == "jax",
        reason="every JAX step is XLA-compiled: the other contract tests already run it",
    )
    def test_xla_compiled_step_runs_or_says_why_not(self):
        model = self.make_model()
        ok, reason = model.xla_support()
        if not ok:
            with pytest.raises(ValueError, match="jit_compile=True is not possible"):
                model.compile(jit_compile=True)
            assert reason
            return
        model.compile(jit_compile=True)
        history = model.fit(self.dataset(self.batch_size), epochs=1, verbose=0)
        assert model.jit_compile is True
        assert all(np.isfinite(v[0]) for v in history.history.values())
