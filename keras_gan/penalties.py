"""Regularisers for discriminators and critics, as pure functions.

- `gradient_penalty`: two-sided penalty (||grad D(x_hat)||_2 - 1)^2 on points
  interpolated between real and fake samples (Gulrajani et al. 2017).
- `r1_penalty`: ||grad D(x)||^2 on real data (Mescheder et al. 2018).
- `clip_weights`: clamp every variable to [-c, c] (Arjovsky et al. 2017).

The penalty functions return one value per example (shape [batch]); the model
multiplies by its weight and reduces with the global batch size.
"""

from __future__ import annotations

from keras import ops

from keras_gan.backend import input_gradients


def _flat(grads):
    grads = ops.cast(grads, "float32")
    return ops.reshape(grads, (ops.shape(grads)[0], -1))


def _per_example_norm(grads):
    # A small epsilon keeps the gradient of the norm finite at 0.
    return ops.sqrt(ops.sum(ops.square(_flat(grads)), axis=-1) + 1e-12)


def interpolate(real, fake, alpha):
    """x_hat = alpha * real + (1 - alpha) * fake, alpha of shape [batch]."""
    alpha = ops.reshape(ops.cast(alpha, real.dtype), [-1] + [1] * (len(real.shape) - 1))
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
    x_hat = interpolate(real, ops.stop_gradient(fake), alpha)
    # Gradient of the summed outputs: each example's output depends on that
    # example only, so this gives per-example input gradients.
    grads = input_gradients(critic_fn, x_hat)
    return ops.square(_per_example_norm(grads) - 1.0)


def r1_penalty(critic_fn, real):
    """R1 penalty ||grad_x D(x)||^2 on real samples, one value per example."""
    grads = input_gradients(critic_fn, ops.convert_to_tensor(real))
    return ops.sum(ops.square(_flat(grads)), axis=-1)


def clip_weights(variables, clip_value):
    """Clamp every variable in ``variables`` to [-clip_value, clip_value] in place."""
    if clip_value is None or clip_value <= 0:
        raise ValueError(f"clip_value must be a positive number; got {clip_value!r}.")
    for v in variables:
        v.assign(ops.clip(v, -clip_value, clip_value))
