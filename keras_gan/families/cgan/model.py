"""Class-conditional GANs: CGAN (concatenation or projection) and AC-GAN."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_gan.core.model import assert_labels
from keras_gan.core.noise_gan import BaseGAN
from keras_gan.families.cgan.networks import (
    METHODS,
    conditional_discriminator,
    conditional_generator,
)


@keras.saving.register_keras_serializable(package="keras_gan")
class CGAN(BaseGAN):
    """Class-conditional GAN: G(z, y) and D(x, y) for integer labels y.

    Mirza & Osindero 2014, "Conditional Generative Adversarial Nets"
    (arXiv:1411.1784), with three ways to condition the discriminator
    (``method``): "concat" (label embedding concatenated with the input, as
    label maps for images), "projection" (Miyato & Koyama 2018,
    arXiv:1802.05637) or "acgan" (Odena et al. 2017, arXiv:1610.09585: the
    discriminator predicts the class with a second head, weighted by
    ``aux_weight``). The generator always concatenates a label embedding with z.

    `fit` takes (images, labels) batches, e.g.
    ``keras_gan.data.load("mnist", with_labels=True)``. A label outside
    [0, num_classes) or of a non-integer dtype is an error, at `fit`, at
    `generate` and in an exported model.

    Args:
        generator, discriminator: networks; built from the arguments below when None.
        data_shape: one sample's shape.
        num_classes: number of classes K.
        latent_dim: size of z.
        architecture: "dcgan" (convolutional) or "mlp".
        method: "concat", "projection" or "acgan".
        embed_dim: size of the label embeddings.
        base_filters, hidden_units: network widths.
        d_norm: discriminator normalisation ("batch", "layer" or None).
        spectral_norm: spectral normalisation in the discriminator.
        aux_weight: weight of AC-GAN's classification loss.
        fake_class_weight: weight of the discriminator's classification of
            generated images (1.0 in Odena et al. 2017). 0 trains its class head
            on real images only, which keeps it from learning classes from
            the generator's artefacts.
        **kwargs: `BaseGAN` arguments.

    Example:
        >>> model = CGAN(data_shape=(28, 28, 1), num_classes=10)
        >>> model.compile()
        >>> model.fit(keras_gan.data.load("mnist", with_labels=True), epochs=5)
        >>> sevens = model.generate(16, labels=7)
    """

    def __init__(
        self,
        generator=None,
        discriminator=None,
        data_shape=(28, 28, 1),
        num_classes=10,
        latent_dim=100,
        architecture="dcgan",
        method="projection",
        embed_dim=16,
        base_filters=64,
        hidden_units=(256, 256),
        d_norm="batch",
        spectral_norm=False,
        aux_weight=1.0,
        fake_class_weight=1.0,
        **kwargs,
    ):
        if method not in METHODS:
            raise ValueError(
                f"Unknown conditioning method {method!r}; expected one of {', '.join(METHODS)}."
            )
        if int(num_classes) < 2:
            raise ValueError(f"num_classes must be >= 2; got {num_classes}.")
        data_shape = tuple(int(d) for d in data_shape)
        self.num_classes = int(num_classes)
        latent_dim = int(latent_dim)
        self.architecture = architecture
        self.method = method
        self.embed_dim = int(embed_dim)
        self.base_filters = int(base_filters)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.d_norm = d_norm
        self.spectral_norm = bool(spectral_norm)
        self.aux_weight = float(aux_weight)
        self.fake_class_weight = float(fake_class_weight)
        if generator is None:
            generator = conditional_generator(
                architecture,
                latent_dim,
                data_shape,
                self.num_classes,
                self.embed_dim,
                base_filters,
                self.hidden_units,
            )
        if discriminator is None:
            discriminator = conditional_discriminator(
                architecture,
                data_shape,
                self.num_classes,
                method,
                self.embed_dim,
                base_filters,
                self.hidden_units,
                d_norm,
                spectral_norm,
            )
        super().__init__(generator, discriminator, **kwargs)

    # --- conditions ---------------------------------------------------------------

    def check_conditions(self, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} trains on (images, labels) batches; the dataset yields "
                "images only. Use keras_gan.data.load(name, with_labels=True)."
            )
        if getattr(getattr(y, "dtype", None), "name", None) == "string" or (
            isinstance(y, np.ndarray) and y.dtype.kind in "OSU"
        ):
            raise TypeError("Labels must be integer class ids; the dataset yields strings.")
        y = ops.convert_to_tensor(y)
        dtype = keras.backend.standardize_dtype(y.dtype)
        if not dtype.startswith(("int", "uint")):
            raise TypeError(
                f"Labels must be integer class ids in [0, {self.num_classes}); the dataset yields "
                f"{dtype}. Cast them (and map one-hot labels with argmax)."
            )
        if len(y.shape) == 2 and y.shape[-1] == 1:
            y = ops.squeeze(y, -1)
        if len(y.shape) != 1:
            raise ValueError(f"Labels must have shape [batch]; got {tuple(y.shape)}.")
        return assert_labels(y, self.num_classes)

    def discriminate(self, x, cond, training=False):
        if self.method == "acgan":
            return self.discriminator(x, training=training)
        return self.discriminator([x, cond], training=training)

    def adversarial_logits(self, outputs):
        return outputs[0] if self.method == "acgan" else outputs

    def _class_loss(self, class_logits, labels):
        return keras.losses.sparse_categorical_crossentropy(
            labels, ops.cast(class_logits, "float32"), from_logits=True
        )

    def extra_discriminator_terms(self, real, real_out, fake_out, cond, fake_cond):
        if self.method != "acgan":
            return None, {}
        real_cls, fake_cls = real_out[1], fake_out[1]
        loss = self._class_loss(real_cls, cond)
        if self.fake_class_weight:
            loss = loss + self.fake_class_weight * self._class_loss(fake_cls, fake_cond)
        acc = ops.cast(ops.equal(ops.cast(ops.argmax(real_cls, -1), "int32"), cond), "float32")
        return self.aux_weight * loss, {"d_class_acc": acc}

    def extra_generator_terms(self, fake_out, fake_cond):
        if self.method != "acgan":
            return None, {}
        loss = self._class_loss(fake_out[1], fake_cond)
        return self.aux_weight * loss, {"g_class_loss": loss}

    def metric_names(self):
        names = super().metric_names()
        if self.method == "acgan":
            names += ["d_class_acc", "g_class_loss"]
        return names

    # --- sampling -----------------------------------------------------------------

    def prepare_conditions(self, conditions, num_samples):
        if conditions is None:
            raise ValueError(
                f"{type(self).__name__} needs labels: generate(num_samples, labels=k) or "
                "generate(labels=[...]) with integers in "
                f"[0, {self.num_classes})."
            )
        labels = np.asarray(conditions)
        if labels.dtype.kind in "US" or labels.dtype == object:
            raise TypeError(
                f"Labels must be integers in [0, {self.num_classes}); got {labels.dtype} values."
            )
        if labels.dtype.kind == "f":
            if not np.all(labels == np.round(labels)):
                raise TypeError(
                    f"Labels must be integers in [0, {self.num_classes}); got {labels[:5]}."
                )
            labels = labels.astype(np.int64)
        if labels.ndim == 0:
            labels = np.full(num_samples, int(labels))
        if labels.ndim != 1 or len(labels) != num_samples:
            raise ValueError(f"Got {labels.size} labels for {num_samples} samples.")
        if labels.min() < 0 or labels.max() >= self.num_classes:
            bad = sorted(set(labels[(labels < 0) | (labels >= self.num_classes)].tolist()))[:5]
            raise ValueError(f"Labels must be in [0, {self.num_classes}); got {bad}.")
        return labels.astype(np.int32)

    def generate(
        self, num_samples=None, seeds=None, conditions=None, seed=None, batch_size=256, labels=None
    ):
        """Generate images for given labels.

        ``generate(16, labels=7)`` (16 sevens), ``generate(labels=[0, 1, 2])``
        (one of each), or with ``seeds=`` for reproducible samples.
        """
        if labels is not None:
            if conditions is not None:
                raise ValueError("Pass labels= or conditions=, not both.")
            conditions = labels
        if (
            num_samples is None
            and seeds is None
            and conditions is not None
            and np.ndim(conditions) == 1
        ):
            num_samples = len(conditions)
        return super().generate(num_samples, seeds, conditions, seed, batch_size)

    def preview(self, num_samples=64, seed=0):
        """One row per class, the same seeds in every row."""
        per_class = max(1, num_samples // self.num_classes)
        seeds = np.tile(np.arange(seed, seed + per_class), self.num_classes)
        labels = np.repeat(np.arange(self.num_classes), per_class)
        return self.generate(seeds=seeds, labels=labels), per_class

    # --- export -------------------------------------------------------------------

    def serving_inputs(self):
        import tensorflow as tf  # export runs on the TensorFlow backend

        return [("label", tf.TensorSpec([None], tf.int32), np.arange(4) % self.num_classes)]

    def serving_condition(self, label):
        return assert_labels(label, self.num_classes, where="label")

    def export_metadata(self):
        return {**super().export_metadata(), "num_classes": self.num_classes, "method": self.method}

    def get_config(self):
        config = super().get_config()
        config.update(
            data_shape=self.data_shape,
            num_classes=self.num_classes,
            latent_dim=self.latent_dim,
            architecture=self.architecture,
            method=self.method,
            embed_dim=self.embed_dim,
            base_filters=self.base_filters,
            hidden_units=self.hidden_units,
            d_norm=self.d_norm,
            spectral_norm=self.spectral_norm,
            aux_weight=self.aux_weight,
            fake_class_weight=self.fake_class_weight,
        )
        return config
