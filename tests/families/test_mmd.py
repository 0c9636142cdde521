"""The moment-matching network: shared checks, the MMD estimator, and learning the grid."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import data
from keras_gan.families.mmd import mmd2
from keras_gan.models import MMDGAN


def test_mmd_closed_form():
    # One point each, bandwidth s: MMD^2 = 1 + 1 - 2 exp(-d^2 / 2s^2).
    x, y = tf.constant([[0.0, 0.0]]), tf.constant([[3.0, 4.0]])
    got = float(mmd2(x, y, [5.0]))
    assert got == pytest.approx(2 - 2 * np.exp(-25 / 50), rel=1e-6)
    same = tf.random.normal((64, 3))
    assert float(mmd2(same, same, [1.0, 2.0])) == pytest.approx(0.0, abs=1e-5)


def test_mmd_separates_shifted_distributions():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, (500, 2)), rng.normal(0, 1, (500, 2))
    c = rng.normal(1.5, 1, (500, 2))
    assert float(mmd2(a, c, [1.0])) > 10 * float(mmd2(a, b, [1.0]))


def test_no_discriminator():
    with pytest.raises(ValueError, match="no discriminator"):
        MMDGAN(data_shape=(2,), discriminator=keras.Sequential())
    model = MMDGAN(data_shape=(2,), hidden_units=(8,))
    model.compile()
    assert model.metric_names() == ["g_loss", "mmd2"]


def test_learns_a_1d_gaussian_by_moment_matching():
    keras.utils.set_random_seed(0)
    model = MMDGAN(
        data_shape=(1,),
        latent_dim=4,
        hidden_units=(64, 64),
        bandwidths=(0.25, 0.5, 1.0, 2.0),
        seed=0,
    )
    model.compile(g_optimizer=keras.optimizers.Adam(3e-3))
    model.fit(data.load("gaussian_1d", batch_size=512, limit=20000, seed=0), epochs=6, verbose=0)
    x = model.generate(10000, seed=0)
    assert abs(x.mean() - 4.0) / 4.0 < 0.10, x.mean()
    assert abs(x.std() - 0.5) / 0.5 < 0.10, x.std()
