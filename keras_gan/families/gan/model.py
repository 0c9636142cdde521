"""The original GAN (Goodfellow et al. 2014) with multilayer-perceptron networks."""

from __future__ import annotations

import keras

from keras_gan.core.noise_gan import BaseGAN
from keras_gan.networks import mlp_discriminator, mlp_generator
from keras_gan.networks.common import check_pack


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(BaseGAN):
    """Generative adversarial nets with MLP generator and discriminator.

    Goodfellow et al. 2014, "Generative Adversarial Nets" (arXiv:1406.2661).
    `train_step` follows Algorithm 1: ``d_steps`` (k) discriminator updates,
    then one generator update. Choose the generator objective with
    ``compile(loss="minimax")`` (log(1 - D(G(z))), as in the value function)
    or ``compile(loss="non_saturating")`` (-log D(G(z)), section 3, the default).

    Args:
        generator, discriminator: networks to use; built with
            `keras_gan.networks.mlp_generator` / `mlp_discriminator` from the
            arguments below when None.
        data_shape: shape of one sample, e.g. (28, 28, 1) or (1,).
        latent_dim: size of z.
        hidden_units: widths of the hidden layers of both networks.
        output_activation: "tanh" for images in [-1, 1], "linear" for
            unbounded data.
        dropout: dropout rate in the discriminator (the paper used dropout).
        spectral_norm: spectral normalisation in the discriminator.
        minibatch_std: group size of a minibatch standard-deviation feature
            in the discriminator (Karras et al. 2018) against mode collapse;
            0 disables it.
        input_normalization: standardise the discriminator's input with the
            real data's statistics (filled by `adapt`, which `fit` calls on
            its first run); for unbounded data such as the toy distributions.
        pack: PacGAN's packing degree m (Lin et al. 2018): the discriminator
            judges m samples at once, all real or all fake, which penalises a
            generator that covers too few modes. The batch size should be a
            multiple of m (a remainder is left out of the discriminator's
            loss). 1 (the default) is the plain GAN.
        generator_batch_norm: batch normalisation after each hidden layer of
            the generator (PacGAN's and VEEGAN's generators have it).
        **kwargs: `BaseGAN` arguments (``d_steps``, penalties, EMA, ``seed``).

    Example:
        >>> model = GAN(data_shape=(1,), latent_dim=8, output_activation="linear")
        >>> model.compile(loss="minimax")
        >>> model.fit(keras_gan.data.load("gaussian_1d", batch_size=256), epochs=5)
    """

    def __init__(
        self,
        generator=None,
        discriminator=None,
        data_shape=(28, 28, 1),
        latent_dim=64,
        hidden_units=(256, 256),
        output_activation="tanh",
        dropout=0.0,
        spectral_norm=False,
        minibatch_std=0,
        input_normalization=False,
        pack=1,
        generator_batch_norm=False,
        **kwargs,
    ):
        data_shape = tuple(int(d) for d in data_shape)
        latent_dim = int(latent_dim)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.output_activation = output_activation
        self.dropout = float(dropout)
        self.spectral_norm = bool(spectral_norm)
        self.minibatch_std = int(minibatch_std)
        self.input_normalization = bool(input_normalization)
        self.pack = check_pack(pack, kwargs)
        self.generator_batch_norm = bool(generator_batch_norm)
        if generator is None:
            generator = mlp_generator(
                latent_dim,
                data_shape,
                hidden_units,
                output_activation=output_activation,
                batch_norm=self.generator_batch_norm,
            )
        if discriminator is None:
            discriminator = mlp_discriminator(
                data_shape,
                hidden_units,
                dropout=dropout,
                spectral_norm=spectral_norm,
                minibatch_std=minibatch_std,
                input_normalization=input_normalization,
                pack=self.pack,
            )
        super().__init__(generator, discriminator, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(
            data_shape=self.data_shape,
            latent_dim=self.latent_dim,
            hidden_units=self.hidden_units,
            output_activation=self.output_activation,
            dropout=self.dropout,
            spectral_norm=self.spectral_norm,
            minibatch_std=self.minibatch_std,
            input_normalization=self.input_normalization,
            pack=self.pack,
            generator_batch_norm=self.generator_batch_norm,
        )
        return config
