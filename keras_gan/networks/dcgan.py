"""DCGAN generator and discriminator (Radford et al. 2016, section 3).

Generator: a projection of z to a small feature map, then stride-2 transposed
convolutions with batch norm and ReLU, tanh at the output. Discriminator:
stride-2 convolutions with LeakyReLU(0.2), batch norm on all but the first
layer, no pooling and no hidden dense layers. Weights start from N(0, 0.02).
"""

from __future__ import annotations

import keras
from keras import layers

from keras_gan.networks.common import (
    LatentCode,
    MinibatchStdDev,
    Pack,
    check_shape,
    dcgan_init,
    maybe_spectral_norm,
    normalization,
)


def num_upsamplings(size: int) -> int:
    """How many stride-2 stages bring a >= 3-pixel map to ``size``.

    28 -> 7 (2 stages), 32 -> 4 (3 stages), 64 -> 4 (4 stages).
    """
    n = 0
    while size % 2 == 0 and size // 2 >= 4:
        size //= 2
        n += 1
    if n == 0:
        raise ValueError(
            f"DCGAN needs an image side that halves at least once to >= 4 pixels "
            f"(e.g. 28, 32, 64); got {size}."
        )
    return n


def dcgan_generator(
    latent_dim,
    image_shape,
    base_filters=64,
    kernel_size=4,
    norm="batch",
    condition_dim=0,
    latent_codes=0,
    name="generator",
):
    """z [batch, latent_dim] -> images [batch, H, W, C] in [-1, 1].

    Args:
        latent_dim: size of z.
        image_shape: (H, W, C) with H == W, e.g. (28, 28, 1) or (32, 32, 3).
        base_filters: channels of the last hidden stage; each earlier stage
            doubles them (64 -> ..., 256, 128, 64).
        kernel_size: transposed-convolution kernel (4 divides the stride 2
            evenly, which avoids checkerboard artefacts).
        norm: normalisation after each hidden stage ("batch" in the paper).
        condition_dim: if > 0, the model takes a second input, a condition
            vector of this size, concatenated with z (used by conditional GANs).
        latent_codes: if > 0, z is extended with a one-hot code, the argmax of
            its first ``latent_codes`` coordinates (`LatentCode`): a discrete
            part of the latent space drawn from the same noise.
    """
    h_img, w_img, channels = check_shape(image_shape, 3, "image_shape")
    if h_img != w_img:
        raise ValueError(f"DCGAN expects square images; got {image_shape}.")
    n = num_upsamplings(h_img)
    start = h_img // 2**n
    init = dcgan_init()
    z = keras.Input((int(latent_dim),), name="z")
    inputs = [z]
    h = z
    if latent_codes:
        h = LatentCode(latent_codes, name="latent_code")(h)
    if condition_dim:
        c = keras.Input((int(condition_dim),), name="condition")
        inputs.append(c)
        h = layers.Concatenate(name="z_and_condition")([h, c])
    filters = base_filters * 2 ** (n - 1)
    # [batch, latent] -> [batch, start, start, filters]
    h = layers.Dense(
        start * start * filters, use_bias=norm is None, kernel_initializer=init, name="project"
    )(h)
    h = layers.Reshape((start, start, filters), name="reshape")(h)
    norm_layer = normalization(norm, name="project_norm")
    if norm_layer is not None:
        h = norm_layer(h)
    h = layers.ReLU(name="project_relu")(h)
    for i in range(n - 1):
        filters //= 2
        # [s, s, f] -> [2s, 2s, f / 2]
        h = layers.Conv2DTranspose(
            filters,
            kernel_size,
            strides=2,
            padding="same",
            use_bias=norm is None,
            kernel_initializer=init,
            name=f"up_{i}",
        )(h)
        norm_layer = normalization(norm, name=f"up_{i}_norm")
        if norm_layer is not None:
            h = norm_layer(h)
        h = layers.ReLU(name=f"up_{i}_relu")(h)
    h = layers.Conv2DTranspose(
        channels, kernel_size, strides=2, padding="same", kernel_initializer=init, name="to_image"
    )(h)
    out = layers.Activation("tanh", dtype="float32", name="tanh")(h)
    return keras.Model(inputs if len(inputs) > 1 else z, out, name=name)


def dcgan_discriminator(
    image_shape,
    base_filters=64,
    kernel_size=4,
    norm="batch",
    spectral_norm=False,
    leaky_relu_slope=0.2,
    dropout=0.0,
    num_outputs=1,
    condition_dim=0,
    minibatch_std=0,
    return_features=False,
    pack=1,
    name="discriminator",
):
    """images [batch, H, W, C] -> logits [batch, num_outputs] (no sigmoid).

    Args:
        image_shape: (H, W, C).
        base_filters: channels of the first stage; each stage doubles them.
        norm: normalisation after every stage but the first ("batch" in the
            paper; WGAN-GP critics use "layer" or None).
        spectral_norm: wrap every convolution and the output layer in
            spectral normalisation.
        num_outputs: output logits (1 for a plain GAN).
        condition_dim: if > 0, a condition vector input is broadcast to a map
            and concatenated with the image channels.
        minibatch_std: group size of a minibatch standard-deviation feature
            map (Karras et al. 2018) added before the last stage; 0 disables it.
        return_features: output the flattened features instead of logits (a
            body for conditional heads).
        pack: judge this many images at once (PacDCGAN, Lin et al. 2018): a
            `Pack` layer stacks each group of ``pack`` consecutive images as
            channels, so there is one logit per group, [batch // pack, 1].
    """
    h_img, w_img, channels = check_shape(image_shape, 3, "image_shape")
    n = num_upsamplings(h_img)
    init = dcgan_init()
    x = keras.Input((h_img, w_img, channels), name="image")
    inputs = [x]
    h = x
    if int(pack) > 1:
        if condition_dim:
            raise ValueError("pack > 1 takes unconditional images only; got condition_dim.")
        # [batch, H, W, C] -> [batch // pack, H, W, pack * C]
        h = Pack(int(pack), name="pack")(h)
    if condition_dim:
        c = keras.Input((int(condition_dim),), name="condition")
        inputs.append(c)
        # [batch, k] -> [batch, H, W, k], concatenated as extra channels
        c_map = layers.Reshape((1, 1, int(condition_dim)), name="condition_map")(c)
        c_map = layers.UpSampling2D((h_img, w_img), name="condition_tile")(c_map)
        h = layers.Concatenate(name="image_and_condition")([x, c_map])
    filters = base_filters
    for i in range(n):
        if minibatch_std and i == n - 1:
            h = MinibatchStdDev(int(minibatch_std), name="minibatch_std")(h)
        # [s, s, f] -> [s / 2, s / 2, 2f]
        conv = layers.Conv2D(
            filters,
            kernel_size,
            strides=2,
            padding="same",
            kernel_initializer=init,
            use_bias=not (i > 0 and norm == "batch"),
            name=f"down_{i}",
        )
        h = maybe_spectral_norm(conv, spectral_norm)(h)
        if i > 0:
            norm_layer = normalization(norm, name=f"down_{i}_norm")
            if norm_layer is not None:
                h = norm_layer(h)
        h = layers.LeakyReLU(leaky_relu_slope, name=f"down_{i}_lrelu")(h)
        if dropout:
            h = layers.Dropout(dropout, name=f"down_{i}_dropout")(h)
        filters *= 2
    h = layers.Flatten(name="flatten")(h)
    if return_features:
        return keras.Model(inputs if len(inputs) > 1 else x, h, name=name)
    logits = maybe_spectral_norm(
        layers.Dense(num_outputs, kernel_initializer=init, name="logits"), spectral_norm
    )(h)
    logits = layers.Activation("linear", dtype="float32", name="out")(logits)
    return keras.Model(inputs if len(inputs) > 1 else x, logits, name=name)
