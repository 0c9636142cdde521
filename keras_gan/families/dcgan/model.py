"""DCGAN (Radford et al. 2016)."""

from __future__ import annotations

import keras

from keras_gan.core.noise_gan import BaseGAN
from keras_gan.networks import dcgan_discriminator, dcgan_generator
from keras_gan.networks.common import check_latent_codes, check_pack


@keras.saving.register_keras_serializable(package="keras_gan")
class DCGAN(BaseGAN):
    """Deep convolutional GAN.

    Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with
    Deep Convolutional Generative Adversarial Networks" (arXiv:1511.06434):
    transposed-convolution generator with batch norm and ReLU, strided-conv
    discriminator with LeakyReLU(0.2), weights from N(0, 0.02), and
    Adam(2e-4, beta_1=0.5) for both networks.

    Args:
        generator, discriminator: networks to use; built with
            `keras_gan.networks.dcgan_generator` / `dcgan_discriminator` when None.
        image_shape: (H, W, C), square, e.g. (28, 28, 1) or (32, 32, 3).
        latent_dim: size of z (100 in the paper).
        base_filters: width of the networks (64 in the paper).
        d_base_filters: width of the discriminator alone, when it should differ
            from the generator's (None: ``base_filters``).
        d_norm: discriminator normalisation: "batch" (paper), "layer" or None.
        spectral_norm: spectral normalisation in the discriminator.
        d_dropout: dropout rate in the discriminator.
        minibatch_std: group size of a minibatch standard-deviation feature
            in the discriminator (Karras et al. 2018); 0 disables it.
        latent_codes: if > 0, the generator also sees a one-hot code of this
            many values read from z (the argmax of its first ``latent_codes``
            coordinates; `keras_gan.networks.common.LatentCode`): a
            disconnected latent space for data in separate classes, from the
            same N(0, I) noise. Nothing rewards the generator for using it: on
            MNIST at 5 epochs it barely did (zoo/benchmarks/quality_curves.md).
            0 (the default) is plain DCGAN.
        pack: PacGAN's packing degree m (Lin et al. 2018): the discriminator
            judges m images at once, stacked as channels (PacDCGAN). The batch
            size should be a multiple of m. 1 (the default) is plain DCGAN.
        **kwargs: `BaseGAN` arguments (``d_steps``, penalties, EMA, ``seed``).

    Example:
        >>> model = DCGAN(image_shape=(28, 28, 1))
        >>> model.compile()
        >>> model.fit(keras_gan.data.load("mnist", batch_size=128), epochs=5)
    """

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(28, 28, 1),
        latent_dim=100,
        base_filters=64,
        d_norm="batch",
        spectral_norm=False,
        d_dropout=0.0,
        minibatch_std=0,
        pack=1,
        latent_codes=0,
        d_base_filters=None,
        **kwargs,
    ):
        self.image_shape = tuple(int(d) for d in image_shape)
        latent_dim = int(latent_dim)
        self.base_filters = int(base_filters)
        if d_base_filters is not None and int(d_base_filters) < 1:
            raise ValueError(
                f"d_base_filters must be a positive channel count or None; got {d_base_filters!r}."
            )
        self.d_base_filters = None if d_base_filters is None else int(d_base_filters)
        self.d_norm = d_norm
        self.spectral_norm = bool(spectral_norm)
        self.d_dropout = float(d_dropout)
        self.minibatch_std = int(minibatch_std)
        self.pack = check_pack(pack, kwargs)
        self.latent_codes = check_latent_codes(latent_codes, latent_dim)
        if generator is None:
            generator = dcgan_generator(
                latent_dim, image_shape, base_filters, latent_codes=self.latent_codes
            )
        if discriminator is None:
            discriminator = dcgan_discriminator(
                image_shape,
                self.d_base_filters or self.base_filters,
                norm=d_norm,
                spectral_norm=spectral_norm,
                dropout=d_dropout,
                minibatch_std=minibatch_std,
                pack=self.pack,
            )
        super().__init__(generator, discriminator, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(
            image_shape=self.image_shape,
            latent_dim=self.latent_dim,
            base_filters=self.base_filters,
            d_norm=self.d_norm,
            spectral_norm=self.spectral_norm,
            d_dropout=self.d_dropout,
            minibatch_std=self.minibatch_std,
            pack=self.pack,
            latent_codes=self.latent_codes,
            d_base_filters=self.d_base_filters,
        )
        return config
