"""Generative moment-matching networks: a generator trained directly by MMD."""

from __future__ import annotations

import keras
from keras import ops

from keras_gan.core.noise_gan import BaseGAN
from keras_gan.networks import dcgan_generator, mlp_generator


def mmd2(x, y, bandwidths):
    """Squared maximum mean discrepancy between samples ``x`` and ``y`` (biased, V-statistic).

    Kernel: a sum of Gaussians k(a, b) = sum_s exp(-||a - b||^2 / (2 s^2)) over the
    bandwidths s. MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y) (Gretton et al. 2012).
    """
    x = ops.cast(ops.reshape(x, (ops.shape(x)[0], -1)), "float32")
    y = ops.cast(ops.reshape(y, (ops.shape(y)[0], -1)), "float32")

    def sqdist(a, b):
        aa = ops.sum(a * a, axis=1, keepdims=True)
        bb = ops.sum(b * b, axis=1, keepdims=True)
        return ops.maximum(aa - 2.0 * ops.matmul(a, ops.transpose(b)) + ops.transpose(bb), 0.0)

    def kernel(d):
        return sum(ops.exp(-d / (2.0 * float(s) ** 2)) for s in bandwidths)

    return (
        ops.mean(kernel(sqdist(x, x)))
        + ops.mean(kernel(sqdist(y, y)))
        - 2.0 * ops.mean(kernel(sqdist(x, y)))
    )


@keras.saving.register_keras_serializable(package="keras_gan")
class MMDGAN(BaseGAN):
    """A generative moment-matching network (no discriminator).

    Li, Swersky & Zemel 2015, "Generative Moment Matching Networks"
    (arXiv:1502.02761); Dziugaite, Roy & Ghahramani 2015, "Training generative
    neural networks via Maximum Mean Discrepancy optimization". The generator
    minimises sqrt(MMD^2) between a generated batch and a real batch under a
    mixture of Gaussian kernels (Li et al. used bandwidths 2, 5, 10, 20, 40, 80
    on MNIST pixels in [0, 1] with batches of 1000). Same base class, `fit`,
    saving and export as the adversarial families.

    Args:
        generator: network; built from the arguments below when None.
        data_shape: one sample's shape.
        latent_dim: size of z.
        architecture: "mlp" (as in the paper) or "dcgan".
        hidden_units: MLP widths.
        base_filters: DCGAN width.
        bandwidths: Gaussian kernel bandwidths, in the units of the data.
        **kwargs: `BaseGAN` arguments (EMA, seed).
    """

    def __init__(
        self,
        generator=None,
        discriminator=None,
        data_shape=(28, 28, 1),
        latent_dim=10,
        architecture="mlp",
        hidden_units=(64, 256, 256, 1024),
        base_filters=32,
        bandwidths=(2.0, 5.0, 10.0, 20.0, 40.0, 80.0),
        **kwargs,
    ):
        if discriminator is not None:
            raise ValueError("MMDGAN has no discriminator; it matches moments directly.")
        data_shape = tuple(int(d) for d in data_shape)
        latent_dim = int(latent_dim)
        self.architecture = architecture
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.base_filters = int(base_filters)
        self.bandwidths = tuple(float(b) for b in bandwidths)
        if not self.bandwidths or min(self.bandwidths) <= 0:
            raise ValueError(f"bandwidths must be positive numbers; got {bandwidths!r}.")
        if generator is None:
            image_like = len(data_shape) == 3
            if architecture == "mlp":
                generator = mlp_generator(
                    latent_dim,
                    data_shape,
                    self.hidden_units,
                    output_activation="tanh" if image_like else "linear",
                )
            elif architecture == "dcgan":
                generator = dcgan_generator(latent_dim, data_shape, base_filters)
            else:
                raise ValueError(
                    f"Unknown architecture {architecture!r}; expected 'mlp' or 'dcgan'."
                )
        kwargs.pop("d_steps", None)
        super().__init__(generator, None, **kwargs)

    def default_optimizers(self):
        return keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)

    def generator_losses(self, fake, fake_cond, real, cond):
        m2 = mmd2(fake, real, self.bandwidths)
        # sqrt(MMD^2) as in Li et al.; the epsilon keeps its gradient finite at 0.
        return {"g_loss": ops.sqrt(ops.maximum(m2, 0.0) + 1e-8), "mmd2": m2}

    def metric_names(self):
        return ["g_loss", "mmd2"]

    def get_config(self):
        config = super().get_config()
        config.pop("discriminator", None)
        config.update(
            data_shape=self.data_shape,
            latent_dim=self.latent_dim,
            architecture=self.architecture,
            hidden_units=self.hidden_units,
            base_filters=self.base_filters,
            bandwidths=self.bandwidths,
        )
        return config
