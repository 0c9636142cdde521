"""Networks of the text-to-image GAN (Reed et al. 2016, sized for 28x28 digits).

- `text_encoder`: token ids (`keras_gan.families.text2image.tokenizer`) ->
  unit-length embeddings: token embedding -> GRU -> Dense.
- `image_encoder`: images -> unit-length embeddings in the same space (the
  other half of the joint image-text embedding the text encoder is trained with).
- `text_generator`: [z, text embedding] -> image; the embedding is reduced to
  ``projection_dim`` by Dense + LeakyReLU and concatenated with z, then a DCGAN
  generator.
- `text_discriminator`: [image, text embedding] -> logit; DCGAN features and a
  projection head (Miyato & Koyama 2018): ``w . phi(x) + <V proj(t), phi(x)>``,
  so the logit depends on whether image and text match.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator


def text_encoder(
    max_tokens=1000,
    sequence_length=24,
    embed_dim=128,
    token_dim=64,
    units=128,
    name="text_encoder",
):
    """token ids [batch, sequence_length] (0: padding) -> unit-norm embeddings [batch, embed_dim]."""
    ids = keras.Input((int(sequence_length),), dtype="int32", name="token_ids")
    h = layers.Embedding(max_tokens, token_dim, mask_zero=True, name="tokens")(ids)
    h = layers.GRU(units, name="gru")(h)
    h = layers.Dense(embed_dim, name="project")(h)
    out = layers.UnitNormalization(name="unit")(h)
    return keras.Model(ids, out, name=name)


def image_encoder(image_shape, embed_dim=128, filters=32, name="image_encoder"):
    """images [batch, H, W, C] in [-1, 1] -> unit-norm embeddings [batch, embed_dim]."""
    x = keras.Input(tuple(image_shape), name="image")
    h = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu", name="c1")(x)
    h = layers.Conv2D(2 * filters, 3, strides=2, padding="same", activation="relu", name="c2")(h)
    h = layers.Flatten(name="flat")(h)
    h = layers.Dense(256, activation="relu", name="hidden")(h)
    h = layers.Dense(embed_dim, name="project")(h)
    out = layers.UnitNormalization(name="unit")(h)
    return keras.Model(x, out, name=name)


def text_generator(
    latent_dim, image_shape, embed_dim=128, projection_dim=32, base_filters=64, name="generator"
):
    """[z [batch, latent_dim], text embedding [batch, embed_dim]] -> images in [-1, 1]."""
    z = keras.Input((int(latent_dim),), name="z")
    t = keras.Input((int(embed_dim),), name="text_embedding")
    p = layers.Dense(projection_dim, name="text_projection")(t)
    p = layers.LeakyReLU(0.2, name="text_projection_lrelu")(p)
    body = dcgan_generator(
        latent_dim, image_shape, base_filters, condition_dim=projection_dim, name=f"{name}_body"
    )
    return keras.Model([z, t], body([z, p]), name=name)


def text_discriminator(
    image_shape,
    embed_dim=128,
    projection_dim=32,
    base_filters=64,
    norm="batch",
    name="discriminator",
):
    """[images, text embedding] -> logits [batch, 1] (no sigmoid)."""
    x = keras.Input(tuple(image_shape), name="image")
    t = keras.Input((int(embed_dim),), name="text_embedding")
    body = dcgan_discriminator(
        image_shape, base_filters, norm=norm, return_features=True, name=f"{name}_body"
    )
    f = body(x)
    p = layers.Dense(projection_dim, name="text_projection")(t)
    p = layers.LeakyReLU(0.2, name="text_projection_lrelu")(p)
    v = layers.Dense(int(f.shape[-1]), use_bias=False, name="text_to_features")(p)
    unconditional = layers.Dense(1, name="logit")(f)
    match = layers.Dot(axes=1, name="match")([f, v])
    out = layers.Add(name="out")([unconditional, match])
    out = layers.Activation("linear", dtype="float32", name="out_f32")(out)
    return keras.Model([x, t], out, name=name)
