"""pix2pix networks (Isola et al. 2017, appendix 6.1.1), sized for small images.

- `unet_generator`: encoder C64-C128 (stride 2, LeakyReLU 0.2, batch norm but
  on the first layer), a bottleneck at 1/4 resolution, decoder with dropout
  0.5 on its first block and skip connections that concatenate each encoder
  activation with the decoder activation of the same size; the input itself
  is concatenated before the last convolution, then tanh.
- `patch_discriminator`: conditioned on the input by channel concatenation
  ``[source, image]``, C64-C128 (stride 2) - C256 (stride 1) - 1 channel of
  patch logits (no sigmoid), LeakyReLU 0.2, batch norm but on the first layer.

Weights start from N(0, 0.02) as in the paper.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_gan.networks.common import check_shape, dcgan_init


def _down(x, filters, name, norm=True, strides=2):
    x = layers.Conv2D(
        filters, 4, strides=strides, padding="same", kernel_initializer=dcgan_init(), name=name
    )(x)
    if norm:
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.LeakyReLU(0.2, name=f"{name}_act")(x)


def _up(x, filters, name, dropout=0.0, seed=None):
    x = layers.Conv2DTranspose(
        filters, 4, strides=2, padding="same", kernel_initializer=dcgan_init(), name=name
    )(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    if dropout:
        # Seeded: its SeedGenerator state is saved with the model, so training
        # resumes with the same masks on every backend (unseeded PyTorch dropout
        # draws from torch's global generator).
        x = layers.Dropout(dropout, seed=seed, name=f"{name}_dropout")(x)
    return layers.ReLU(name=f"{name}_act")(x)


def unet_generator(
    source_shape, channels=1, filters=32, dropout=0.5, name="generator", dropout_seed=0
):
    """U-Net from a source image [H, W, Cs] to an image [H, W, channels] in [-1, 1].

    H and W must be multiples of 4 (two stride-2 levels: 28 -> 14 -> 7 -> 14 -> 28).
    """
    check_shape(source_shape, 3, "source_shape")
    h, w, _ = source_shape
    if h % 4 or w % 4:
        raise ValueError(
            f"pix2pix's U-Net halves the image twice; source_shape {tuple(source_shape)} needs "
            "a height and width divisible by 4 (resize the images, e.g. to 28 or 32)."
        )
    src = keras.Input(source_shape, name="source")
    e1 = _down(src, filters, "enc1", norm=False)  # [H/2, W/2, f]
    e2 = _down(e1, 2 * filters, "enc2")  # [H/4, W/4, 2f]
    b = _down(e2, 4 * filters, "bottleneck", strides=1)  # [H/4, W/4, 4f]
    d2 = _up(b, filters, "dec2", dropout=dropout, seed=dropout_seed)  # [H/2, W/2, f]
    d2 = layers.Concatenate(name="skip2")([d2, e1])  # [H/2, W/2, 2f]
    d1 = _up(d2, filters, "dec1", dropout=0.0)  # [H, W, f]
    d1 = layers.Concatenate(name="skip1")([d1, src])  # [H, W, f + Cs]
    out = layers.Conv2D(
        channels, 3, padding="same", kernel_initializer=dcgan_init(), name="to_image"
    )(d1)
    out = layers.Activation("tanh", dtype="float32", name="tanh")(out)
    return keras.Model(src, out, name=name)


def patch_discriminator(source_shape, image_shape, filters=32, name="discriminator"):
    """PatchGAN D([source, image]) -> patch logits [H/4, W/4, 1]."""
    check_shape(image_shape, 3, "image_shape")
    src = keras.Input(source_shape, name="source")
    img = keras.Input(image_shape, name="image")
    x = layers.Concatenate(name="condition")([src, img])  # [H, W, Cs + C]
    x = _down(x, filters, "c1", norm=False)  # [H/2, W/2, f]
    x = _down(x, 2 * filters, "c2")  # [H/4, W/4, 2f]
    x = _down(x, 4 * filters, "c3", strides=1)  # [H/4, W/4, 4f]
    logits = layers.Conv2D(
        1, 4, padding="same", kernel_initializer=dcgan_init(), dtype="float32", name="patches"
    )(x)
    return keras.Model([src, img], logits, name=name)
