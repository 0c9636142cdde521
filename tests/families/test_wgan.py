"""WGAN and WGAN-GP: shared checks, clipping, the penalty, the critic metric, mode coverage."""

import keras
import numpy as np
import pytest

from keras_gan import data
from keras_gan.core.model import walk_layers
from keras_gan.data import toy
from keras_gan.metrics import mode_coverage
from keras_gan.models import WGAN, WGANGP


def test_wgan_defaults_follow_the_paper():
    model = WGAN(data_shape=(28, 28, 1), base_filters=8)
    model.compile()
    assert model.d_steps == 5 and model.clip_value == 0.01 and model.loss_name == "wasserstein"
    assert type(model.d_optimizer).__name__ == "RMSprop"
    assert model.d_optimizer.get_config()["learning_rate"] == pytest.approx(5e-5)
    # linear critic output
    assert model.discriminator.layers[-1].activation.__name__ == "linear"


def test_wgan_gp_defaults_follow_the_paper():
    model = WGANGP(data_shape=(28, 28, 1), base_filters=8)
    model.compile()
    cfg = model.d_optimizer.get_config()
    assert model.d_steps == 5 and model.gradient_penalty_weight == 10.0 and model.clip_value is None
    assert (cfg["learning_rate"], cfg["beta_1"], cfg["beta_2"]) == pytest.approx((1e-4, 0.5, 0.9))
    kinds = {type(layer).__name__ for layer in walk_layers(model.discriminator)}
    assert "BatchNormalization" not in kinds
    with pytest.raises(ValueError, match="batch norm"):
        WGANGP(data_shape=(28, 28, 1), critic_norm="batch")


def test_clipping_keeps_every_critic_weight_in_range():
    model = WGAN(
        data_shape=(2,), architecture="mlp", hidden_units=(32, 32), latent_dim=2, clip_value=0.01
    )
    model.compile(d_optimizer=keras.optimizers.RMSprop(0.05))  # big steps that would leave the box
    history = model.fit(data.load("ring", batch_size=64, limit=512), epochs=1, verbose=0)
    for w in model.discriminator.trainable_weights:
        assert np.abs(w.numpy()).max() <= 0.01 + 1e-7, w.path
    assert "w_distance" in history.history and "gp" not in history.history


def test_wgan_gp_reports_penalty_and_distance():
    model = WGANGP(data_shape=(2,), architecture="mlp", hidden_units=(16,), latent_dim=2)
    model.compile()
    history = model.fit(data.load("ring", batch_size=64, limit=256), epochs=1, verbose=0)
    assert {"gp", "w_distance", "d_loss", "g_loss"} <= set(history.history)


def train_ring(epochs=10, seed=0, ema_decay=0.99):
    """WGAN-GP on the ring with the toy settings of the paper's code (gan_toy.py:
    lambda = 0.1, which it notes works better on toy tasks; 5 critic steps; 2-D
    noise) and an EMA generator."""
    keras.utils.set_random_seed(seed)
    model = WGANGP(
        data_shape=(2,),
        architecture="mlp",
        hidden_units=(256, 256, 256),
        latent_dim=2,
        gradient_penalty_weight=0.1,
        ema_decay=ema_decay,
        seed=seed,
    )
    model.compile(
        g_optimizer=keras.optimizers.Adam(3e-4, beta_1=0.5, beta_2=0.9),
        d_optimizer=keras.optimizers.Adam(3e-4, beta_1=0.5, beta_2=0.9),
    )
    model.fit(data.load("ring", batch_size=256, limit=12800, seed=seed), epochs=epochs, verbose=0)
    return model


def test_wgan_gp_covers_the_ring(tmp_path):
    """WGAN-GP captures at least 7 of the 8 ring modes within a small CPU budget
    (500 generator steps, about 30 s here); the EMA generator is what sampling
    and export use, and it differs from the raw one."""
    model = train_ring()
    samples = model.generate(2500, seed=0)
    stats = mode_coverage(samples, toy.ring_modes(), toy.RING_STD)
    assert stats["modes_captured"] >= 7, stats
    assert stats["high_quality"] > 0.2, stats

    raw = model.generator(model.generator_inputs(np.random.randn(16, 2).astype("float32"), None))
    ema = model.ema_generator(
        model.generator_inputs(np.random.randn(16, 2).astype("float32"), None)
    )
    assert model.sampling_generator is model.ema_generator
    assert not np.allclose(raw, ema)
    from keras_gan import export

    path = export.export(model, name="ring", base_dir=tmp_path)
    import tensorflow as tf

    out = tf.saved_model.load(str(path)).signatures["generate"](seed=tf.constant([1, 2], tf.int64))
    np.testing.assert_allclose(out["samples"].numpy(), model.generate(seeds=[1, 2]), atol=1e-5)
    z = keras_gan_latent([1, 2])
    assert not np.allclose(out["samples"].numpy(), model.generator(z).numpy(), atol=1e-3)


def keras_gan_latent(seeds):
    from keras_gan.models import latent_from_seeds

    return latent_from_seeds(np.asarray(seeds), 2)
