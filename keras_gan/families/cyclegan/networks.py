"""CycleGAN networks sized for small images (Zhu et al. 2017, appendix 7.2).

Generator: c7s1-f, d2f, d4f, R4f x n, u2f, uf, c7s1-C with reflection padding,
instance normalisation and ReLU, tanh at the output. Discriminator: a PatchGAN
that classifies overlapping patches: C(f) without norm, C(2f), C(4f) with
stride 2 then 1, LeakyReLU(0.2), and a 1-channel patch map of logits.
"""

from __future__ import annotations

import keras
from keras import layers

from keras_gan.networks.common import check_shape, normalization


@keras.saving.register_keras_serializable(package="keras_gan")
class ReflectionPadding2D(layers.Layer):
    """Pad height and width by mirroring the border (as the CycleGAN reference does)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return keras.ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, s):
        p = 2 * self.padding
        return (s[0], None if s[1] is None else s[1] + p, None if s[2] is None else s[2] + p, s[3])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def _init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def _conv_block(x, filters, kernel, strides, name, norm="instance", act="relu", reflect=0):
    if reflect:
        x = ReflectionPadding2D(reflect, name=f"{name}_pad")(x)
    x = layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding="valid" if reflect else "same",
        kernel_initializer=_init(),
        use_bias=norm is None,
        name=f"{name}_conv",
    )(x)
    n = normalization(norm, name=f"{name}_norm")
    if n is not None:
        x = n(x)
    if act == "relu":
        x = layers.ReLU(name=f"{name}_relu")(x)
    elif act == "lrelu":
        x = layers.LeakyReLU(0.2, name=f"{name}_lrelu")(x)
    return x


def resnet_generator(image_shape, filters=32, num_res_blocks=6, norm="instance", name="generator"):
    """images [batch, H, W, C] in [-1, 1] -> images of the same shape in [-1, 1]."""
    h, w, c = check_shape(image_shape, 3, "image_shape")
    x = keras.Input((h, w, c), name="image")
    y = _conv_block(x, filters, 7, 1, "c7s1", norm, reflect=3)
    # two stride-2 downsamplings: [H, W] -> [H/4, W/4] (28 -> 14 -> 7)
    y = _conv_block(y, 2 * filters, 3, 2, "d1", norm)
    y = _conv_block(y, 4 * filters, 3, 2, "d2", norm)
    for i in range(num_res_blocks):
        r = _conv_block(y, 4 * filters, 3, 1, f"res{i}_a", norm, reflect=1)
        r = _conv_block(r, 4 * filters, 3, 1, f"res{i}_b", norm, act=None, reflect=1)
        y = layers.Add(name=f"res{i}_add")([y, r])
    for i, f in enumerate((2 * filters, filters)):
        y = layers.Conv2DTranspose(
            f,
            3,
            strides=2,
            padding="same",
            kernel_initializer=_init(),
            use_bias=norm is None,
            name=f"u{i}_convT",
        )(y)
        n = normalization(norm, name=f"u{i}_norm")
        if n is not None:
            y = n(y)
        y = layers.ReLU(name=f"u{i}_relu")(y)
    # transposed convolutions may overshoot odd sizes; crop back to H x W
    y = (
        layers.Cropping2D(((0, y.shape[1] - h), (0, y.shape[2] - w)), name="crop")(y)
        if (y.shape[1] != h or y.shape[2] != w)
        else y
    )
    y = ReflectionPadding2D(3, name="out_pad")(y)
    y = layers.Conv2D(c, 7, padding="valid", kernel_initializer=_init(), name="out_conv")(y)
    out = layers.Activation("tanh", dtype="float32", name="tanh")(y)
    return keras.Model(x, out, name=name)


def patch_discriminator(image_shape, filters=64, norm="instance", name="discriminator"):
    """images -> a map of patch logits [batch, H/4, W/4, 1] (no sigmoid)."""
    h, w, c = check_shape(image_shape, 3, "image_shape")
    x = keras.Input((h, w, c), name="image")
    y = _conv_block(x, filters, 4, 2, "c1", None, act="lrelu")
    y = _conv_block(y, 2 * filters, 4, 2, "c2", norm, act="lrelu")
    y = _conv_block(y, 4 * filters, 4, 1, "c3", norm, act="lrelu")
    y = layers.Conv2D(1, 4, padding="same", kernel_initializer=_init(), name="patch_logits")(y)
    out = layers.Activation("linear", dtype="float32", name="out")(y)
    return keras.Model(x, out, name=name)


def digit_classifier(image_shape, num_classes=10, filters=32, name="classifier"):
    """images -> class logits [batch, num_classes]: the LeNet-style classifier that CyCADA
    (Hoffman et al. 2018) uses on digits, for the semantic-consistency term.

    Conv 5x5 (f) - ReLU - max-pool 2, conv 5x5 (2f) - ReLU - max-pool 2, dense 128 - ReLU,
    dense ``num_classes``.
    """
    h, w, c = check_shape(image_shape, 3, "image_shape")
    if int(num_classes) < 2:
        raise ValueError(f"num_classes must be >= 2; got {num_classes!r}.")
    x = keras.Input((h, w, c), name="image")
    y = layers.Conv2D(filters, 5, padding="same", activation="relu", name="conv1")(x)
    y = layers.MaxPooling2D(2, name="pool1")(y)
    y = layers.Conv2D(2 * filters, 5, padding="same", activation="relu", name="conv2")(y)
    y = layers.MaxPooling2D(2, name="pool2")(y)
    y = layers.Flatten(name="flatten")(y)
    y = layers.Dense(128, activation="relu", name="fc")(y)
    y = layers.Dense(int(num_classes), name="logits_dense")(y)
    out = layers.Activation("linear", dtype="float32", name="logits")(y)
    return keras.Model(x, out, name=name)
