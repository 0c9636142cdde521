"""Per-sample seeds: one latent vector per integer seed, whatever the batch."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# Second word of every per-sample stateless seed; bump it to change all samples.
LATENT_SEED_SALT = 0


def latent_from_seeds(seeds, latent_dim):
    """One latent vector per integer seed: z_i ~ N(0, I) from a stateless Philox draw.

    The same seed gives the same z on every machine and in every batch, which
    is what makes an exported generator's output for a seed independent of the
    other requests TF Serving batches it with.

    Args:
        seeds: int tensor or array of shape [batch].
        latent_dim: size of each z.

    Returns:
        float32 tensor [batch, latent_dim].
    """
    return _latent_from_seeds(tf.reshape(tf.cast(seeds, tf.int64), [-1]), int(latent_dim))


@tf.function(reduce_retracing=True)
def _latent_from_seeds(seeds, latent_dim):
    # A graph loop: eager map_fn would run one Python call per seed.
    salt = tf.constant(LATENT_SEED_SALT, tf.int64)

    def one(s):
        return tf.random.stateless_normal(
            [latent_dim], seed=tf.stack([s, salt]), dtype=tf.float32, alg="philox"
        )

    return tf.map_fn(one, seeds, fn_output_signature=tf.TensorSpec([latent_dim], tf.float32))


def resolve_seeds(num_samples, seeds, seed):
    """The per-sample seeds `generate` uses: given ones, or ``num_samples`` drawn from ``seed``."""
    if seeds is None:
        if num_samples is None:
            raise ValueError("generate() needs num_samples or seeds.")
        if int(num_samples) < 1:
            raise ValueError(f"num_samples must be >= 1; got {num_samples}.")
        seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, int(num_samples))
    seeds = np.asarray(seeds)
    if seeds.ndim != 1 or seeds.size == 0 or not np.issubdtype(seeds.dtype, np.integer):
        raise ValueError(f"seeds must be a non-empty 1-D list of integers; got {seeds!r}.")
    if num_samples is not None and int(num_samples) != len(seeds):
        raise ValueError(f"num_samples={num_samples} but {len(seeds)} seeds were given.")
    return seeds.astype(np.int64)
