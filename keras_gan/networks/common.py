"""Small helpers shared by the network builders."""

from __future__ import annotations

import keras
from keras import layers, ops


# DCGAN (Radford et al. 2016): "All weights were initialized from a zero-centered
# Normal distribution with standard deviation 0.02."
def dcgan_init(seed=None):
    return keras.initializers.RandomNormal(0.0, 0.02, seed=seed)


def bn_gamma_init(seed=None):
    return keras.initializers.RandomNormal(1.0, 0.02, seed=seed)


def maybe_spectral_norm(layer, spectral_norm: bool):
    """Wrap ``layer`` in `keras.layers.SpectralNormalization` (Miyato et al. 2018) if asked."""
    return layers.SpectralNormalization(layer) if spectral_norm else layer


@keras.saving.register_keras_serializable(package="keras_gan")
class BatchNormalization(layers.BatchNormalization):
    """Batch norm over the global batch, on every backend.

    On TensorFlow it is Keras's ``synchronized=True`` batch norm: under
    `tf.distribute` the statistics are those of the global batch, so N devices
    train like one (a no-op on one device). On JAX a step sharded by
    `keras.distribution` already reduces over the global batch, and Keras
    allows ``synchronized`` on TensorFlow only, so the flag is set per backend
    and not saved: a `.keras` file loads on every backend.
    """

    def __init__(self, **kwargs):
        kwargs.pop("synchronized", None)
        super().__init__(synchronized=keras.backend.backend() == "tensorflow", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("synchronized", None)
        return config


def normalization(kind, name=None):
    """A normalisation layer by name: "batch", "layer", "instance" or None."""
    if kind in (None, "none", False):
        return None
    if kind == "batch":
        return BatchNormalization(
            momentum=0.9, epsilon=1e-5, gamma_initializer=bn_gamma_init(), name=name
        )
    if kind == "layer":
        return layers.LayerNormalization(epsilon=1e-5, name=name)
    if kind == "instance":
        # Per-example, per-channel statistics over the spatial axes.
        return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    raise ValueError(
        f"Unknown normalization {kind!r}; expected 'batch', 'layer', 'instance' or None."
    )


def check_shape(shape, rank, what):
    shape = tuple(int(d) for d in shape)
    if len(shape) != rank or any(d < 1 for d in shape):
        raise ValueError(f"{what} must be {rank} positive integers; got {shape}.")
    return shape


@keras.saving.register_keras_serializable(package="keras_gan")
class MinibatchStdDev(layers.Layer):
    """Append the mean over features of the across-batch standard deviation.

    Karras et al. 2018 ("Progressive Growing of GANs", section 3): the
    discriminator sees how varied its batch is, so a generator that collapses
    to a few outputs is easy to tell from real data. The statistic is computed
    over groups of ``group_size`` examples (the whole batch when it does not
    divide it).

    Input [batch, ..., C] -> output [batch, ..., C + 1].
    """

    def __init__(self, group_size=4, **kwargs):
        super().__init__(**kwargs)
        self.group_size = int(group_size)
        # The output depends on the other examples of the batch.
        self.batch_dependent = True

    def call(self, x):
        import keras

        if keras.backend.backend() != "tensorflow":
            return self._call_static(x)
        import tensorflow as tf

        n = tf.shape(x)[0]
        g = tf.where(tf.equal(n % self.group_size, 0), self.group_size, n)
        g = tf.minimum(g, n)
        rest = tf.shape(x)[1:]
        # [n, ...] -> [g, n / g, ...]: example j * (n / g) + m is member j of group m.
        grouped = tf.reshape(x, tf.concat([[g, -1], rest], 0))
        mean = tf.reduce_mean(grouped, axis=0, keepdims=True)
        std = tf.sqrt(tf.reduce_mean(tf.square(grouped - mean), axis=0) + 1e-8)
        stat = tf.reduce_mean(tf.reshape(std, (tf.shape(std)[0], -1)), axis=-1)  # [n / g]
        stat = tf.tile(stat, [g])  # [n]
        stat = tf.reshape(stat, tf.concat([[n], tf.ones_like(rest)], 0))
        stat = tf.broadcast_to(stat, tf.concat([[n], rest[:-1], [1]], 0))
        return tf.concat([x, tf.cast(stat, x.dtype)], axis=-1)

    def _call_static(self, x):
        # JAX and PyTorch know the batch size when the step runs.
        from keras import ops

        n = int(x.shape[0])
        g = min(self.group_size if n % self.group_size == 0 else n, n)
        rest = tuple(x.shape[1:])
        grouped = ops.reshape(x, (g, n // g, *rest))
        mean = ops.mean(grouped, axis=0, keepdims=True)
        std = ops.sqrt(ops.mean(ops.square(grouped - mean), axis=0) + 1e-8)
        stat = ops.mean(ops.reshape(std, (n // g, -1)), axis=-1)  # [n / g]
        stat = ops.tile(stat, [g])  # [n]
        stat = ops.reshape(stat, (n,) + (1,) * len(rest))
        stat = ops.broadcast_to(stat, (n, *rest[:-1], 1))
        return ops.concatenate([x, ops.cast(stat, x.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] + 1,)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}


@keras.saving.register_keras_serializable(package="keras_gan")
class LatentCode(layers.Layer):
    """Append a discrete code read from z: ``[z, one_hot(argmax(z[:, :k]))]``.

    A generator fed only N(0, I) noise maps a connected latent space to its
    samples, so an unconditional model of data in separate classes must put
    some samples between them (Khayatkhoei et al. 2018, "Disconnected Manifold
    Learning for Generative Adversarial Networks"). The argmax of the first
    ``k`` coordinates of z is uniform over ``k`` values and jumps between them,
    which gives the generator a disconnected latent space without a second
    input: the noise is still z ~ N(0, I), so seeds, `generate` and the
    exported SavedModel are unchanged. The code has no gradient; nothing
    before it is trained.

    Input [batch, latent_dim] -> output [batch, latent_dim + k].
    """

    def __init__(self, num_codes=10, **kwargs):
        super().__init__(**kwargs)
        num_codes = int(num_codes)
        if num_codes < 2:
            raise ValueError(f"num_codes must be >= 2; got {num_codes}.")
        self.num_codes = num_codes

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] < self.num_codes:
            raise ValueError(
                f"LatentCode reads its {self.num_codes} codes from the first "
                f"{self.num_codes} coordinates of z, but z has {input_shape[-1]}; "
                "use latent_dim >= latent_codes."
            )

    def call(self, z):
        code = ops.one_hot(ops.argmax(z[:, : self.num_codes], axis=-1), self.num_codes)
        return ops.concatenate([z, ops.cast(code, z.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] + self.num_codes,)

    def get_config(self):
        return {**super().get_config(), "num_codes": self.num_codes}


@keras.saving.register_keras_serializable(package="keras_gan")
class Standardize(layers.Layer):
    """(x - mean) / std with per-feature statistics of the real data.

    A discriminator's input layer for unbounded data (the toy distributions):
    without it, data far from the origin keeps every ReLU kink outside the
    data range and the discriminator stays linear there, blind to spread. The
    statistics are weights, filled by `BaseGAN.adapt` (``fit`` calls it on its
    first run) and saved with the model.
    """

    def build(self, input_shape):
        shape = (int(input_shape[-1]),)
        self.mean = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="mean")
        self.std = self.add_weight(shape=shape, initializer="ones", trainable=False, name="std")
        self.adapted = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="adapted"
        )

    def call(self, x):
        return (x - ops.cast(self.mean, x.dtype)) / ops.cast(self.std, x.dtype)

    def set_statistics(self, mean, std):
        import numpy as np

        self.mean.assign(np.asarray(mean, "float32"))
        self.std.assign(np.maximum(np.asarray(std, "float32"), 1e-6))
        self.adapted.assign(1.0)

    @property
    def is_adapted(self):
        return bool(ops.convert_to_numpy(self.adapted) > 0)


def check_latent_codes(latent_codes, latent_dim):
    """Validate a generator's ``latent_codes`` (0, or 2..latent_dim)."""
    import numpy as np

    if isinstance(latent_codes, bool) or not isinstance(latent_codes, (int, np.integer)):
        raise ValueError(
            f"latent_codes must be a whole number (0 for none, or 2 to latent_dim); "
            f"got {latent_codes!r}."
        )
    if latent_codes != 0 and not 2 <= latent_codes <= latent_dim:
        raise ValueError(
            f"latent_codes must be 0 (none) or between 2 and latent_dim={latent_dim}: "
            f"the code is read from the first latent_codes coordinates of z; got {latent_codes}."
        )
    return int(latent_codes)


def check_pack(pack, penalties):
    """PacGAN's packing degree as an int, or a clear error.

    ``penalties``: the model's keyword arguments; per-sample penalties (gradient
    penalty, R1) do not combine with logits that judge groups of samples.
    """
    import numpy as np

    if isinstance(pack, bool) or not isinstance(pack, (int, np.integer)) or pack < 1:
        raise ValueError(f"pack must be an integer >= 1 (samples per packed input); got {pack!r}.")
    pack = int(pack)
    if pack > 1 and (penalties.get("gradient_penalty_weight") or penalties.get("r1_weight")):
        raise ValueError(
            "pack > 1 does not combine with gradient_penalty_weight or r1_weight: their "
            "penalties are per sample, the packed discriminator's logits per group of "
            f"{pack}. Use pack=1 with a penalty, or a penalty of 0 with pack."
        )
    return pack


@keras.saving.register_keras_serializable(package="keras_gan")
class Pack(layers.Layer):
    """Packing (PacGAN, Lin et al. 2018): m samples of a batch become one input.

    [batch, features] -> [batch // m, m * features], and images
    [batch, H, W, C] -> [batch // m, H, W, m * C] (the paper's PacDCGAN stacks
    the m images as channels): samples ``j*m .. j*m + m - 1`` are concatenated
    along the last axis, so the discriminator judges m samples at once and a
    generator that covers too few modes is easy to tell from real data. A batch
    that ``m`` does not divide loses its last ``batch % m`` samples; a batch
    smaller than ``m`` is an error where its size is known when the model is
    built, and is cycled to fill one pack where it is known only at run time.
    """

    def __init__(self, pack=2, **kwargs):
        super().__init__(**kwargs)
        self.pack = int(pack)
        if self.pack < 1:
            raise ValueError(f"pack must be an integer >= 1; got {pack!r}.")
        # The logit of a packed input depends on the other samples of its pack.
        self.batch_dependent = self.pack > 1

    def call(self, x):
        if self.pack == 1:
            return x
        if x.shape[0] is not None and x.shape[0] < self.pack:
            raise ValueError(
                f"A batch of {x.shape[0]} samples holds no pack of {self.pack}: use batches "
                f"of at least {self.pack} samples (a multiple of {self.pack} wastes none)."
            )
        batch = ops.shape(x)[0]
        if x.shape[0] is None:
            # A batch size known only when the graph runs (a last, smaller batch
            # of a tf.data pipeline): one smaller than the pack is cycled to fill
            # a single pack rather than leaving nothing to judge (a NaN loss).
            n = ops.maximum(batch // self.pack, 1) * self.pack
            x = ops.take(x, ops.mod(ops.arange(n), batch), axis=0)
        else:
            x = x[: (batch // self.pack) * self.pack]
        inner = tuple(int(d) for d in x.shape[1:-1])
        # [n, *inner, C] -> [n // m, m, *inner, C] -> [n // m, *inner, m, C] -> [n // m, *inner, m * C]
        x = ops.reshape(x, (-1, self.pack, *inner, int(x.shape[-1])))
        if inner:
            rank = len(inner) + 3
            x = ops.transpose(x, (0, *range(2, rank - 1), 1, rank - 1))
        return ops.reshape(x, (-1, *inner, self.pack * int(x.shape[-1])))

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        return (
            None if batch is None else batch // self.pack,
            *input_shape[1:-1],
            self.pack * input_shape[-1],
        )

    def get_config(self):
        return {**super().get_config(), "pack": self.pack}
