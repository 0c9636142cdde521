"""WGAN (Arjovsky et al. 2017) and WGAN-GP (Gulrajani et al. 2017)."""

from __future__ import annotations

import keras

from keras_gan.core.noise_gan import BaseGAN
from keras_gan.networks import (
    dcgan_discriminator,
    dcgan_generator,
    mlp_discriminator,
    mlp_generator,
)


def _networks(
    architecture,
    data_shape,
    latent_dim,
    base_filters,
    hidden_units,
    critic_norm,
    spectral_norm,
    input_normalization,
):
    data_shape = tuple(int(d) for d in data_shape)
    if architecture == "dcgan":
        g = dcgan_generator(latent_dim, data_shape, base_filters)
        d = dcgan_discriminator(
            data_shape, base_filters, norm=critic_norm, spectral_norm=spectral_norm
        )
    elif architecture == "mlp":
        image_like = len(data_shape) == 3
        g = mlp_generator(
            latent_dim,
            data_shape,
            hidden_units,
            output_activation="tanh" if image_like else "linear",
        )
        d = mlp_discriminator(
            data_shape,
            hidden_units,
            spectral_norm=spectral_norm,
            input_normalization=input_normalization,
        )
    else:
        raise ValueError(f"Unknown architecture {architecture!r}; expected 'dcgan' or 'mlp'.")
    d.name = "critic"
    return g, d


class _CriticGAN(BaseGAN):
    """Shared constructor of the Wasserstein families."""

    default_loss = "wasserstein"
    default_critic_norm = "batch"

    def __init__(
        self,
        generator=None,
        discriminator=None,
        data_shape=(28, 28, 1),
        latent_dim=100,
        architecture="dcgan",
        base_filters=64,
        hidden_units=(512, 512, 512),
        critic_norm="default",
        spectral_norm=False,
        input_normalization=False,
        d_steps=5,
        **kwargs,
    ):
        data_shape = tuple(int(d) for d in data_shape)
        latent_dim = int(latent_dim)
        self.architecture = architecture
        self.base_filters = int(base_filters)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.critic_norm = self.default_critic_norm if critic_norm == "default" else critic_norm
        self.spectral_norm = bool(spectral_norm)
        self.input_normalization = bool(input_normalization)
        if generator is None or discriminator is None:
            g, d = _networks(
                architecture,
                data_shape,
                latent_dim,
                base_filters,
                self.hidden_units,
                self.critic_norm,
                spectral_norm,
                input_normalization,
            )
            generator = generator or g
            discriminator = discriminator or d
        super().__init__(generator, discriminator, d_steps=d_steps, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(
            data_shape=self.data_shape,
            latent_dim=self.latent_dim,
            architecture=self.architecture,
            base_filters=self.base_filters,
            hidden_units=self.hidden_units,
            critic_norm=self.critic_norm,
            spectral_norm=self.spectral_norm,
            input_normalization=self.input_normalization,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class WGAN(_CriticGAN):
    """Wasserstein GAN with weight clipping.

    Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN" (arXiv:1701.07875),
    Algorithm 1: a critic with a linear output trained ``d_steps`` (n_critic,
    default 5) times per generator step with RMSProp(5e-5), every critic weight
    clipped to [-c, c] (c = ``clip_value``, default 0.01) after each critic
    update. The critic's estimate of the Wasserstein-1 distance,
    mean D(x) - mean D(G(z)), is reported as ``w_distance`` during `fit`.

    Args:
        generator, discriminator: networks; built from the arguments below when None.
        data_shape: one sample's shape, (H, W, C) or (d,).
        latent_dim: size of z.
        architecture: "dcgan" (convolutional, images) or "mlp".
        base_filters: width of the DCGAN networks.
        hidden_units: widths of the MLP networks.
        critic_norm: critic normalisation for "dcgan" ("batch" here, as the paper's
            DCGAN critic; "layer" or None).
        spectral_norm: spectral normalisation in the critic.
        input_normalization: standardise the MLP critic's input (toy data).
        d_steps: critic updates per generator update (n_critic).
        clip_value: c.
        **kwargs: other `BaseGAN` arguments (EMA, seed, ...).

    Example:
        >>> model = WGAN(data_shape=(28, 28, 1))
        >>> model.compile()  # RMSprop(5e-5) for both
        >>> model.fit(keras_gan.data.load("mnist", batch_size=64), epochs=5)
    """

    def __init__(self, *args, clip_value=0.01, **kwargs):
        super().__init__(*args, clip_value=clip_value, **kwargs)

    def default_optimizers(self):
        return keras.optimizers.RMSprop(5e-5), keras.optimizers.RMSprop(5e-5)


@keras.saving.register_keras_serializable(package="keras_gan")
class WGANGP(_CriticGAN):
    """Wasserstein GAN with gradient penalty.

    Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"
    (arXiv:1704.00028), Algorithm 1: no clipping; the critic loss adds
    lambda (||grad D(x_hat)||_2 - 1)^2 at x_hat = e x + (1 - e) G(z) with one
    e ~ U[0, 1] per sample; lambda = 10, n_critic = 5, Adam(1e-4, beta_1=0.5,
    beta_2=0.9), and no batch norm in the critic (the penalty is per sample;
    "layer" norm or none).

    Args: as `WGAN`, with ``gradient_penalty_weight`` (lambda, default 10)
    instead of ``clip_value``; ``critic_norm`` defaults to "layer".
    """

    default_critic_norm = "layer"

    def __init__(self, *args, gradient_penalty_weight=10.0, **kwargs):
        super().__init__(*args, gradient_penalty_weight=gradient_penalty_weight, **kwargs)
        if self.critic_norm == "batch":
            raise ValueError(
                "WGAN-GP's penalty is per sample, which batch norm in the critic breaks; "
                "use critic_norm='layer' or None."
            )

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
        )
