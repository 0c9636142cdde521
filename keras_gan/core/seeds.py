"""Per-sample seeds: one latent vector per integer seed, whatever the batch."""

from __future__ import annotations

import numpy as np

# Second word of every per-sample stateless seed; bump it to change all samples.
LATENT_SEED_SALT = 0


def latent_from_seeds(seeds, latent_dim):
    """One latent vector per integer seed: z_i ~ N(0, I) from a stateless Philox draw.

    The same seed gives the same z on every machine, every backend and in
    every batch, which is what makes an exported generator's output for a seed
    independent of the other requests TF Serving batches it with. The draw is
    TensorFlow's ``tf.random.stateless_normal([latent_dim], seed=[seed, 0],
    alg="philox")``, reproduced in numpy here (equal to float rounding) so that
    sampling needs no TensorFlow; the SavedModel signatures run TensorFlow's op
    in the graph (`latent_from_seeds_tf`).

    Args:
        seeds: integer array-like of shape [batch].
        latent_dim: size of each z.

    Returns:
        float32 numpy array [batch, latent_dim].
    """
    seeds = np.asarray(seeds).astype(np.int64).reshape(-1)
    return _stateless_normal(seeds, LATENT_SEED_SALT, int(latent_dim))


def latent_from_seeds_tf(seeds, latent_dim):
    """`latent_from_seeds` as TensorFlow graph ops (for the serving signatures)."""
    import tensorflow as tf

    seeds = tf.reshape(tf.cast(seeds, tf.int64), [-1])
    salt = tf.constant(LATENT_SEED_SALT, tf.int64)

    def one(s):
        return tf.random.stateless_normal(
            [latent_dim], seed=tf.stack([s, salt]), dtype=tf.float32, alg="philox"
        )

    return tf.map_fn(one, seeds, fn_output_signature=tf.TensorSpec([latent_dim], tf.float32))


# --- Philox-4x32-10 and TensorFlow's stateless normal, in numpy ---------------------------

_M = (np.uint64(0xD2511F53), np.uint64(0xCD9E8D57))
_W = (np.uint32(0x9E3779B9), np.uint32(0xBB67AE85))
_LOW = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)


def _philox(counter, key):
    """Philox-4x32-10 (Salmon et al. 2011): counters [n, 4] and keys [n, 2] (uint32)."""
    c = [counter[:, i].astype(np.uint64) for i in range(4)]
    k0, k1 = key[:, 0].astype(np.uint32), key[:, 1].astype(np.uint32)
    for r in range(10):
        p0, p1 = _M[0] * c[0], _M[1] * c[2]
        c = [
            (p1 >> _32) ^ c[1] ^ k0.astype(np.uint64),
            p1 & _LOW,
            (p0 >> _32) ^ c[3] ^ k1.astype(np.uint64),
            p0 & _LOW,
        ]
        if r < 9:
            k0, k1 = k0 + _W[0], k1 + _W[1]
    return np.stack(c, axis=1).astype(np.uint32)


def _words(x):
    x = np.asarray(x, np.int64).astype(np.uint64)
    return (x & _LOW).astype(np.uint32), (x >> _32).astype(np.uint32)


def _unit_float(bits):
    # 23 random mantissa bits in [1, 2), minus 1 (TensorFlow's Uint32ToFloat).
    return ((np.uint32(127 << 23)) | (bits & np.uint32(0x7FFFFF))).view(np.float32) - np.float32(1)


def _stateless_normal(seeds, salt, size):
    """tf.random.stateless_normal([size], seed=[s, salt], alg="philox") for each s: [n, size]."""
    n = len(seeds)
    with np.errstate(over="ignore"):
        # The seed is scrambled into a key and counter by one Philox round
        # (TensorFlow's GenerateKey for stateless ops).
        lo, hi = _words(seeds)
        salt_lo, salt_hi = _words(np.full(n, salt))
        mixed = _philox(
            np.stack([lo, hi, salt_lo, salt_hi], axis=1),
            np.tile(np.array([[0x3EC8F720, 0x02461E29]], np.uint32), (n, 1)),
        )
        key = mixed[:, :2]
        blocks = -(-size // 4)
        # Counter (0, 0, mixed[2], mixed[3]) + block index, as a 128-bit number.
        step = np.arange(blocks, dtype=np.uint64)
        counter = np.zeros((n, blocks, 4), np.uint64)
        counter[:, :, 0] = step & _LOW
        counter[:, :, 1] = step >> _32
        counter[:, :, 2] = mixed[:, 2:3]
        counter[:, :, 3] = mixed[:, 3:4]
        bits = _philox(
            counter.reshape(-1, 4).astype(np.uint32), np.repeat(key, blocks, axis=0)
        ).reshape(n, blocks * 4)
    # Box-Muller on pairs of words (TensorFlow's BoxMullerFloat).
    u1 = np.maximum(_unit_float(bits[:, 0::2]), np.float32(1e-7))
    angle = np.float32(2.0 * np.pi) * _unit_float(bits[:, 1::2])
    radius = np.sqrt(np.float32(-2.0) * np.log(u1))
    out = np.stack([np.sin(angle) * radius, np.cos(angle) * radius], axis=-1)
    return out.reshape(n, -1)[:, :size].astype(np.float32)


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
