"""A shared test base for every GAN family (keras-hub `test_case.py` style).

A family's test module subclasses `GANTestCase`, sets `make_model` (a tiny
model) and `make_data` (a few batches of matching data), and inherits the
checks every model must pass: config round trip, .keras save/reload with
equal outputs and equal continued training, a two-step fit, export and
reload, bad input.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import saving


class GANTestCase:
    batch_size = 8

    def make_model(self):
        raise NotImplementedError("family tests set make_model")

    def make_data(self, n=32):
        raise NotImplementedError("family tests set make_data")

    def compiled(self, **kwargs):
        model = self.make_model()
        model.compile(**kwargs)
        return model

    def generate_kwargs(self):
        return {}

    def dataset(self, n=32):
        batch = self.make_data(n)
        return tf.data.Dataset.from_tensor_slices(batch).batch(self.batch_size)

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
        model = self.compiled()
        ds = self.dataset(2 * self.batch_size)
        model.fit(ds, epochs=1, verbose=0)
        path = saving.save_model(model, tmp_path / "m.keras")
        reloaded = saving.load_model(path)
        seeds = [1, 2, 3]
        kw = self.generate_kwargs()
        np.testing.assert_allclose(
            model.generate(seeds=seeds, **kw), reloaded.generate(seeds=seeds, **kw), atol=1e-6
        )
        assert reloaded.get_compile_config() == model.get_compile_config()
        # Both continue on the same batch: identical weights afterwards, because the
        # optimizer state and the SeedGenerator state were restored too.
        batch = next(iter(ds))
        args = batch if isinstance(batch, tuple) else (batch,)
        model.train_on_batch(*args)
        reloaded.train_on_batch(*args)
        for a, b in zip(model.generator.weights, reloaded.generator.weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5, err_msg=a.path)

    def test_generate_is_deterministic_per_seed(self):
        model = self.compiled()
        kw = self.generate_kwargs()
        a = model.generate(seeds=[5, 6, 7], **kw)
        b = model.generate(seeds=[7], **({k: v[-1:] for k, v in kw.items()}))
        np.testing.assert_allclose(a[2:], b, atol=1e-5)
        assert a.shape[1:] == model.data_shape

    def test_export_reloads_with_same_samples(self, tmp_path):
        from keras_gan import export

        model = self.compiled()
        path = export.export(model, name="m", base_dir=tmp_path)
        loaded = tf.saved_model.load(str(path))
        inputs = self.serving_inputs([3, 4])
        out = loaded.signatures["serving_default"](**inputs)
        key = "images" if "images" in out else "samples"
        kw = self.generate_kwargs()
        want = model.generate(seeds=[3, 4], **({k: v[:2] for k, v in kw.items()}))
        np.testing.assert_allclose(out[key].numpy(), want, atol=1e-5)

    def serving_inputs(self, seeds):
        return {"seed": tf.constant(seeds, tf.int64)}

    def test_wrong_sample_shape_is_a_clear_error(self):
        model = self.compiled()
        batch = self.make_data(self.batch_size)
        bad = self.wrong_shape(batch)
        with pytest.raises(ValueError, match="generates samples of shape"):
            model.fit(tf.data.Dataset.from_tensor_slices(bad).batch(4), epochs=1, verbose=0)

    def wrong_shape(self, batch):
        x = batch[0] if isinstance(batch, tuple) else batch
        x = np.concatenate([x, x], axis=-1)
        return (x,) + tuple(batch[1:]) if isinstance(batch, tuple) else x

    def test_integer_images_are_a_clear_error(self):
        model = self.compiled()
        batch = self.make_data(self.batch_size)
        if isinstance(batch, tuple):
            bad = (np.zeros(batch[0].shape, np.uint8),) + tuple(batch[1:])
        else:
            bad = np.zeros(batch.shape, np.uint8)
        with pytest.raises(TypeError, match="expects float images"):
            model.fit(tf.data.Dataset.from_tensor_slices(bad).batch(4), epochs=1, verbose=0)

    def test_xla_compiled_step_runs(self):
        model = self.compiled(jit_compile=True)
        history = model.fit(self.dataset(self.batch_size), epochs=1, verbose=0)
        assert model.jit_compile is True
        assert all(np.isfinite(v[0]) for v in history.history.values())


__all__ = ["GANTestCase", "keras"]
