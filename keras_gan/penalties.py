"""Regularisers for discriminators and critics, as pure functions.

- `gradient_penalty`: two-sided penalty (||grad D(x_hat)||_2 - 1)^2 on points
  interpolated between real and fake samples (Gulrajani et al. 2017).
- `r1_penalty`: ||grad D(x)||^2 on real data (Mescheder et al. 2018).
- `clip_weights`: clamp every variable to [-c, c] (Arjovsky et al. 2017).

The penalty functions return one value per example (shape [batch]); the model
multiplies by its weight and reduces with the global batch size.
"""

from __future__ import annotations

import tensorflow as tf
from keras import ops


def _per_example_norm(grads):
    flat = tf.reshape(tf.cast(grads, "float32"), (tf.shape(grads)[0], -1))
    # A small epsilon keeps the gradient of the norm finite at 0.
    return tf.sqrt(tf.reduce_sum(tf.square(flat), axis=-1) + 1e-12)


def interpolate(real, fake, alpha):
    """x_hat = alpha * real + (1 - alpha) * fake, alpha of shape [batch]."""
    alpha = tf.reshape(tf.cast(alpha, real.dtype), [-1] + [1] * (len(real.shape) - 1))
    return alpha * real + (1.0 - alpha) * fake


def gradient_penalty(critic_fn, real, fake, alpha):
    """Two-sided gradient penalty of WGAN-GP, one value per example.

    Args:
        critic_fn: callable mapping a batch of samples to critic outputs.
        real: a batch of real samples, shape [batch, ...].
        fake: a batch of generated samples of the same shape.
        alpha: interpolation weights drawn uniformly from [0, 1], shape [batch]
            (one weight per sample, as in Gulrajani et al. 2017, Algorithm 1).

    Returns:
        (||grad_x_hat critic(x_hat)||_2 - 1)^2, shape [batch].
    """
    x_hat = interpolate(real, tf.stop_gradient(fake), alpha)
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        out = critic_fn(x_hat)
        # Sum over the non-batch axes: each example's output depends on that
        # example only, so this gives per-example input gradients.
        out = tf.reduce_sum(tf.cast(out, "float32"))
    grads = tape.gradient(out, x_hat)
    return tf.square(_per_example_norm(grads) - 1.0)


def r1_penalty(critic_fn, real):
    """R1 penalty ||grad_x D(x)||^2 on real samples, one value per example."""
    real = tf.convert_to_tensor(real)
    with tf.GradientTape() as tape:
        tape.watch(real)
        out = tf.reduce_sum(tf.cast(critic_fn(real), "float32"))
    grads = tape.gradient(out, real)
    flat = tf.reshape(tf.cast(grads, "float32"), (tf.shape(grads)[0], -1))
    return tf.reduce_sum(tf.square(flat), axis=-1)


def clip_weights(variables, clip_value):
    """Clamp every variable in ``variables`` to [-clip_value, clip_value] in place."""
    if clip_value is None or clip_value <= 0:
        raise ValueError(f"clip_value must be a positive number; got {clip_value!r}.")
    for v in variables:
        v.assign(ops.clip(v, -clip_value, clip_value))
