"""Multilayer-perceptron generator and discriminator (Goodfellow et al. 2014)."""

from __future__ import annotations

import math

import keras
from keras import layers

from keras_gan.networks.common import MinibatchStdDev, Pack, Standardize, maybe_spectral_norm


def mlp_generator(
    latent_dim,
    output_shape,
    hidden_units=(256, 256),
    activation="relu",
    output_activation="tanh",
    batch_norm=False,
    condition_dim=0,
    name="generator",
):
    """z [batch, latent_dim] -> samples [batch, *output_shape].

    Args:
        latent_dim: size of the noise vector.
        output_shape: shape of one sample, e.g. (28, 28, 1) or (2,).
        hidden_units: widths of the hidden layers.
        activation: hidden activation.
        output_activation: "tanh" for images in [-1, 1], "linear" for
            unbounded data such as the toy distributions.
        batch_norm: batch normalisation after each hidden layer.
        condition_dim: if > 0, a second input (a condition vector of this
            size) is concatenated with z.
    """
    output_shape = tuple(int(d) for d in output_shape)
    z = keras.Input((int(latent_dim),), name="z")
    inputs = [z]
    h = z
    if condition_dim:
        c = keras.Input((int(condition_dim),), name="condition")
        inputs.append(c)
        h = layers.Concatenate(name="z_and_condition")([z, c])
    for i, units in enumerate(hidden_units):
        h = layers.Dense(units, name=f"dense_{i}")(h)
        if batch_norm:
            h = layers.BatchNormalization(name=f"bn_{i}")(h)
        h = layers.Activation(activation, name=f"act_{i}")(h)
    h = layers.Dense(math.prod(output_shape), name="dense_out")(h)
    h = layers.Activation(output_activation, dtype="float32", name="out")(h)
    out = layers.Reshape(output_shape, name="reshape")(h)
    return keras.Model(inputs if len(inputs) > 1 else z, out, name=name)


def mlp_discriminator(
    input_shape,
    hidden_units=(256, 256),
    leaky_relu_slope=0.2,
    dropout=0.0,
    spectral_norm=False,
    minibatch_std=0,
    input_normalization=False,
    pack=1,
    condition_dim=0,
    return_features=False,
    name="discriminator",
):
    """samples [batch, *input_shape] -> logits [batch, 1] (no sigmoid).

    Args:
        minibatch_std: group size of a minibatch standard-deviation feature
            (Karras et al. 2018) appended after the first hidden layer; it lets
            the discriminator see the spread of a batch and counters mode
            collapse. 0 disables it.
        input_normalization: standardise inputs with the real data's mean and
            standard deviation (a `Standardize` layer, filled by
            `BaseGAN.adapt`); for unbounded data such as the toy distributions.
        pack: judge this many samples at once (PacGAN, Lin et al. 2018): a
            `Pack` layer concatenates each group of ``pack`` consecutive
            samples, so there is one logit per group, [batch // pack, 1].
        condition_dim: if > 0, a condition vector input concatenated with the
            flattened sample.
        return_features: output the last hidden features instead of logits.
    """
    x = keras.Input(tuple(int(d) for d in input_shape), name="x")
    inputs = [x]
    h = layers.Flatten(name="flatten")(x)
    if input_normalization:
        h = Standardize(name="standardize")(h)
    if int(pack) > 1:
        if condition_dim:
            raise ValueError("pack > 1 takes unconditional samples only; got condition_dim.")
        h = Pack(int(pack), name="pack")(h)
    if condition_dim:
        c = keras.Input((int(condition_dim),), name="condition")
        inputs.append(c)
        h = layers.Concatenate(name="x_and_condition")([h, c])
    for i, units in enumerate(hidden_units):
        h = maybe_spectral_norm(layers.Dense(units, name=f"dense_{i}"), spectral_norm)(h)
        h = layers.LeakyReLU(leaky_relu_slope, name=f"lrelu_{i}")(h)
        if dropout:
            h = layers.Dropout(dropout, name=f"dropout_{i}")(h)
        # After the first hidden layer, so later layers can use it non-linearly.
        if minibatch_std and (i == 0 or len(hidden_units) == 1):
            h = MinibatchStdDev(int(minibatch_std), name="minibatch_std")(h)
    if return_features:
        return keras.Model(inputs if len(inputs) > 1 else x, h, name=name)
    logits = maybe_spectral_norm(layers.Dense(1, name="logits"), spectral_norm)(h)
    logits = layers.Activation("linear", dtype="float32", name="out")(logits)
    return keras.Model(inputs if len(inputs) > 1 else x, logits, name=name)
