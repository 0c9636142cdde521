"""Penalties against closed forms on linear critics."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import penalties


def linear_critic(w):
    w = tf.constant(w, tf.float32)
    return lambda x: tf.reduce_sum(tf.reshape(x, (tf.shape(x)[0], -1)) * w, axis=-1)


def test_gradient_penalty_zero_for_unit_gradient_critic():
    # D(x) = w . x with ||w|| = 1 has ||grad D|| = 1 everywhere.
    w = np.array([0.6, 0.8], np.float32)
    real, fake = tf.random.normal((16, 2)), tf.random.normal((16, 2))
    gp = penalties.gradient_penalty(linear_critic(w), real, fake, tf.random.uniform((16,)))
    np.testing.assert_allclose(gp.numpy(), np.zeros(16), atol=1e-6)


def test_gradient_penalty_closed_form():
    # ||w|| = 3 -> (3 - 1)^2 = 4 for every example, whatever the interpolation.
    w = np.array([[[0.0, 3.0]]], np.float32)  # images of shape (1, 2)
    real, fake = tf.random.normal((5, 1, 2)), tf.random.normal((5, 1, 2))
    gp = penalties.gradient_penalty(linear_critic(w), real, fake, tf.random.uniform((5,)))
    np.testing.assert_allclose(gp.numpy(), np.full(5, 4.0), rtol=1e-5)


def test_interpolation_uses_one_weight_per_sample():
    real, fake = tf.ones((3, 2, 2, 1)), tf.zeros((3, 2, 2, 1))
    alpha = tf.constant([0.0, 0.25, 1.0])
    x_hat = penalties.interpolate(real, fake, alpha).numpy()
    for i, a in enumerate([0.0, 0.25, 1.0]):
        np.testing.assert_allclose(x_hat[i], np.full((2, 2, 1), a))


def test_gradient_penalty_per_example_with_nonlinear_critic():
    # D(x) = sum(x^2): grad = 2 x_hat, so the penalty is (2 ||x_hat|| - 1)^2.
    real = tf.constant([[1.0, 0.0], [0.0, 2.0]])
    fake = tf.zeros((2, 2))
    alpha = tf.constant([0.5, 1.0])
    gp = penalties.gradient_penalty(lambda x: tf.reduce_sum(x**2, -1), real, fake, alpha)
    np.testing.assert_allclose(gp.numpy(), [(2 * 0.5 - 1) ** 2, (2 * 2.0 - 1) ** 2], rtol=1e-5)


def test_r1_penalty_closed_form():
    w = np.array([1.0, 2.0, 2.0], np.float32)
    r1 = penalties.r1_penalty(linear_critic(w), tf.random.normal((4, 3)))
    np.testing.assert_allclose(r1.numpy(), np.full(4, 9.0), rtol=1e-5)


def test_clip_weights():
    v = tf.Variable([-1.0, -0.005, 0.0, 0.02, 3.0])
    penalties.clip_weights([v], 0.01)
    np.testing.assert_allclose(v.numpy(), [-0.01, -0.005, 0.0, 0.01, 0.01])


def test_clip_weights_rejects_bad_value():
    with pytest.raises(ValueError, match="clip_value"):
        penalties.clip_weights([tf.Variable([1.0])], 0)
