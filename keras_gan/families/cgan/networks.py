"""Class-conditional generators and discriminators.

Conditioning methods (``method``):

- "concat" (Mirza & Osindero 2014): a label embedding is concatenated with z
  in the generator and with the input of the discriminator (for images as
  constant label maps, one channel per embedding dimension).
- "projection" (Miyato & Koyama 2018): the discriminator's logit is
  psi(phi(x)) + <embed(y), phi(x)>.
- "acgan" (Odena et al. 2017): the discriminator does not see the label; it
  has a second head that predicts the class.

Every builder takes integer labels (shape [batch]) as the second input.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_gan.networks.common import dcgan_init, maybe_spectral_norm
from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator
from keras_gan.networks.mlp import mlp_discriminator, mlp_generator

METHODS = ("concat", "projection", "acgan")


def _label_input():
    return keras.Input((), dtype="int32", name="label")


def _embedding(num_classes, dim, name):
    # N(0, 1) rows: the label signal starts as strong as a one-hot code or z.
    # (Keras's default U(-0.05, 0.05) is drowned by z and gets ignored.)
    return layers.Embedding(
        num_classes,
        dim,
        embeddings_initializer=keras.initializers.RandomNormal(0.0, 1.0),
        name=name,
    )


def conditional_generator(
    architecture,
    latent_dim,
    data_shape,
    num_classes,
    embed_dim=16,
    base_filters=64,
    hidden_units=(256, 256),
    name="generator",
):
    """[z [batch, latent_dim], label [batch]] -> samples."""
    z = keras.Input((int(latent_dim),), name="z")
    y = _label_input()
    c = _embedding(num_classes, embed_dim, "label_embedding")(y)  # [batch, embed_dim]
    if architecture == "dcgan":
        body = dcgan_generator(
            latent_dim, data_shape, base_filters, condition_dim=embed_dim, name="body"
        )
    elif architecture == "mlp":
        body = mlp_generator(
            latent_dim, data_shape, hidden_units, condition_dim=embed_dim, name="body"
        )
    else:
        raise ValueError(f"Unknown architecture {architecture!r}; expected 'dcgan' or 'mlp'.")
    return keras.Model([z, y], body([z, c]), name=name)


def conditional_discriminator(
    architecture,
    data_shape,
    num_classes,
    method="projection",
    embed_dim=16,
    base_filters=64,
    hidden_units=(256, 256),
    norm="batch",
    spectral_norm=False,
    name="discriminator",
):
    """[x, label] -> logits [batch, 1]; with method "acgan": x -> [logits [batch, 1], class logits [batch, K]]."""
    if method not in METHODS:
        raise ValueError(
            f"Unknown conditioning method {method!r}; expected one of {', '.join(METHODS)}."
        )
    x = keras.Input(tuple(int(d) for d in data_shape), name="x")
    y = _label_input()
    init = dcgan_init() if architecture == "dcgan" else "glorot_uniform"

    def body(condition_dim=0):
        if architecture == "dcgan":
            return dcgan_discriminator(
                data_shape,
                base_filters,
                norm=norm,
                spectral_norm=spectral_norm,
                condition_dim=condition_dim,
                return_features=True,
                name="body",
            )
        if architecture == "mlp":
            return mlp_discriminator(
                data_shape,
                hidden_units,
                spectral_norm=spectral_norm,
                condition_dim=condition_dim,
                return_features=True,
                name="body",
            )
        raise ValueError(f"Unknown architecture {architecture!r}; expected 'dcgan' or 'mlp'.")

    def head(units, head_name, h):
        out = maybe_spectral_norm(
            layers.Dense(units, kernel_initializer=init, name=head_name), spectral_norm
        )(h)
        return layers.Activation("linear", dtype="float32", name=f"{head_name}_out")(out)

    if method == "concat":
        c = _embedding(num_classes, embed_dim, "label_embedding")(y)
        h = body(embed_dim)([x, c])
        return keras.Model([x, y], head(1, "logits", h), name=name)
    if method == "projection":
        net = body()
        h = net(x)  # phi(x): [batch, features]
        e = _embedding(num_classes, int(net.output.shape[-1]), "label_projection")(y)
        proj = layers.Dot(axes=1, name="projection")([e, h])  # <embed(y), phi(x)>: [batch, 1]
        logits = layers.Add(name="logits_sum")([head(1, "logits", h), proj])
        return keras.Model(
            [x, y], layers.Activation("linear", dtype="float32", name="out")(logits), name=name
        )
    # acgan: the label is not an input of the discriminator
    h = body()(x)
    return keras.Model(x, [head(1, "logits", h), head(num_classes, "class_logits", h)], name=name)
