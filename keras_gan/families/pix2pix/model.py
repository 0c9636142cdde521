"""pix2pix: paired image-to-image translation (Isola et al. 2017)."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_gan.core.model import GANModel, first_batch
from keras_gan.core.signatures import translator_endpoints
from keras_gan.families.pix2pix.networks import patch_discriminator, unet_generator
from keras_gan.losses import mean_absolute_error, per_example

PREVIEW_IMAGES = 16


@keras.saving.register_keras_serializable(package="keras_gan")
class Pix2Pix(GANModel):
    """Conditional GAN from a source image to its paired target image.

    Isola, Zhu, Zhou & Efros 2017, "Image-to-Image Translation with
    Conditional Adversarial Networks" (arXiv:1611.07004): a U-Net generator
    G(x), a PatchGAN discriminator D(x, y) that sees the source next to a real
    or generated target, the conditional GAN loss plus ``l1_weight`` (100)
    times the L1 distance to the target, the discriminator's loss halved,
    Adam(2e-4, beta_1=0.5). One discriminator update, then one generator
    update, per batch. Batches are ``(source, target)`` pairs
    (`keras_gan.data.load("mnist_edges")` gives edge maps and their digits).

    Unlike the paper, dropout is active in training only: `translate` and the
    exported model are deterministic (the paper keeps dropout on at test time
    as its only noise, and notes the outputs vary little with it).

    Args:
        generator, discriminator: networks to use; built with
            `keras_gan.families.pix2pix.networks` from the arguments below when None.
        source_shape: (H, W, C) of the source images.
        image_shape: (H, W, C) of the target images (same H, W).
        filters: width of the U-Net.
        d_filters: width of the PatchGAN.
        dropout: dropout rate in the U-Net's first decoder block.
        l1_weight: lambda of the L1 term (100 in the paper).
        **kwargs: `GANModel` arguments (``seed``, ``name``).

    Example:
        >>> model = Pix2Pix(source_shape=(28, 28, 1), image_shape=(28, 28, 1))
        >>> model.compile()
        >>> model.fit(keras_gan.data.load("mnist_edges", batch_size=64), epochs=2)
        >>> digits = model.translate(edge_maps)  # [N, 28, 28, 1] in [-1, 1]
    """

    def __init__(
        self,
        generator=None,
        discriminator=None,
        source_shape=(28, 28, 1),
        image_shape=(28, 28, 1),
        filters=32,
        d_filters=32,
        dropout=0.5,
        l1_weight=100.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.source_shape = tuple(int(d) for d in source_shape)
        self.image_shape = tuple(int(d) for d in image_shape)
        if self.source_shape[:2] != self.image_shape[:2]:
            raise ValueError(
                f"pix2pix maps images to images of the same size; source_shape "
                f"{self.source_shape} and image_shape {self.image_shape} differ in height/width."
            )
        if l1_weight < 0:
            raise ValueError(f"l1_weight must be >= 0; got {l1_weight!r}.")
        self.filters = int(filters)
        self.d_filters = int(d_filters)
        self.dropout = float(dropout)
        self.l1_weight = float(l1_weight)
        if generator is None:
            generator = unet_generator(
                self.source_shape,
                self.image_shape[-1],
                self.filters,
                self.dropout,
                dropout_seed=0 if self.seed is None else int(self.seed),
            )
        if discriminator is None:
            discriminator = patch_discriminator(self.source_shape, self.image_shape, d_filters)
        self.generator = generator
        self.discriminator = discriminator

    @property
    def data_shape(self):
        """The shape of one generated image."""
        return self.image_shape

    def metric_names(self):
        return ["d_loss", "g_loss", "g_adv", "l1", "d_real", "d_fake"]

    # --- training -----------------------------------------------------------------------

    def unpack_batch(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if y is None:
            raise ValueError(
                "Pix2Pix trains on (source, target) pairs; the dataset yields single images. "
                "Use a paired dataset such as keras_gan.data.load('mnist_edges')."
            )
        return (
            self.check_samples(x, self.source_shape, "from source images"),
            self.check_samples(y, self.image_shape, "target images"),
        )

    def discriminator_terms(self, source, target, fake):
        real_logits = self.discriminator([source, target], training=True)
        fake_logits = self.discriminator([source, fake], training=True)
        return {
            # halved, as in the paper, to slow D relative to G
            "d_loss": 0.5 * self.loss_pair.discriminator(real_logits, fake_logits),
            "d_real": per_example(real_logits),
            "d_fake": per_example(fake_logits),
        }

    def generator_terms(self, source, target):
        fake = self.generator(source, training=True)
        adv = self.loss_pair.generator(self.discriminator([source, fake], training=True))
        l1 = mean_absolute_error(fake, target)
        return {"g_adv": adv, "l1": l1, "g_loss": adv + self.l1_weight * l1}

    def train_step(self, data):
        source, target = self.unpack_batch(data)
        # D first on the current G's output, then G (the reference's order).
        fake = ops.stop_gradient(self.generator(source, training=True))
        d_terms = self.minimize(lambda: self.discriminator_terms(source, target, fake), "d")
        g_terms = self.minimize(lambda: self.generator_terms(source, target), "g")
        return self.update_trackers({**d_terms, **g_terms})

    def test_step(self, data):
        source, target = self.unpack_batch(data)
        fake = self.generator(source, training=False)
        terms = self.discriminator_terms(source, target, fake)
        terms.update(self.generator_terms(source, target))
        return self.update_trackers(terms)

    def fit(self, x=None, *args, **kwargs):
        first = first_batch(x)
        if first is not None:
            source, _ = self.unpack_batch(first)
            self.preview_sources = np.asarray(keras.ops.convert_to_numpy(source[:PREVIEW_IMAGES]))
        return super().fit(x, *args, **kwargs)

    # --- translation ----------------------------------------------------------------------

    def translate(self, images, batch_size=256):
        """Source images ([N, H, W, C] floats in [-1, 1] or uint8) -> float32 targets in [-1, 1]."""
        x = self.image_batch(images, self.source_shape)
        return self.predict_batches(self.generator, x, batch_size)

    def preview(self, num_samples=64, seed=0):
        """Rows of sources and their translations, 8 per row."""
        sources = getattr(self, "preview_sources", None)
        if sources is None:
            raise ValueError("Pix2Pix.preview needs a fit() first (it shows training sources).")
        out = self.translate(sources)
        rows = []
        for i in range(0, len(sources), 8):
            src = sources[i : i + 8]
            if src.shape[-1] != out.shape[-1]:
                src = np.repeat(src[..., :1], out.shape[-1], axis=-1)
            rows += [src, out[i : i + 8]]
        return np.concatenate(rows), 8

    # --- export ---------------------------------------------------------------------------

    def serving_endpoints(self):
        """``translate`` from uint8 sources (``images_uint8``) and ``translate_bytes`` from
        encoded PNG/JPEG sources (``image_bytes``; {"b64": ...} over REST)."""
        return translator_endpoints({"translate": self.generator}, self.source_shape)

    def export_metadata(self):
        return {"data_shape": list(self.image_shape), "source_shape": list(self.source_shape)}

    def get_config(self):
        config = super().get_config()
        config.update(
            source_shape=self.source_shape,
            image_shape=self.image_shape,
            filters=self.filters,
            d_filters=self.d_filters,
            dropout=self.dropout,
            l1_weight=self.l1_weight,
        )
        return config
