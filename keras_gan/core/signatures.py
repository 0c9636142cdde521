"""Serving signatures shared by families: image outputs and seed/latent -> sample.

Plain TensorFlow functions that `keras_gan.export` traces into a SavedModel;
no XLA, batch-major inputs and outputs. Export runs on the TensorFlow backend
(a model trained on JAX or PyTorch is exported by `keras_gan.export`, which
loads its weights there), so TensorFlow is imported only when a signature is
built.
"""

from __future__ import annotations

import numpy as np

from keras_gan.core.seeds import latent_from_seeds_tf


def image_outputs(images):
    """The output dict of every image signature.

    images: float32 [N, H, W, C] in [-1, 1]; images_uint8: uint8 [N, H, W, C];
    png_bytes: string [N] (TF Serving base64-encodes outputs ending in _bytes).
    """
    import tensorflow as tf

    images = tf.cast(images, tf.float32)
    if len(images.shape) != 4:
        return {"samples": images}
    u8 = tf.cast(tf.clip_by_value(tf.round((images + 1.0) * 127.5), 0.0, 255.0), tf.uint8)
    png = tf.map_fn(tf.io.encode_png, u8, fn_output_signature=tf.TensorSpec([], tf.string))
    return {"images": images, "images_uint8": u8, "png_bytes": png}


def generator_endpoints(model):
    """Signatures of a seed/latent -> sample generator: ``generate`` and ``from_latent``.

    A conditional model adds its condition input (``model.serving_inputs()``) to
    both and converts it with ``model.serving_condition``, which also asserts
    that it is in range (a bad request fails with INVALID_ARGUMENT).

    Returns:
        {name: (fn, input_signature, example_inputs)}
    """
    import tensorflow as tf

    gen = model.sampling_generator
    latent_dim = model.latent_dim
    extra = list(model.serving_inputs())  # [(name, TensorSpec, example)]
    extra_specs = [tf.TensorSpec(spec.shape, spec.dtype, name=n) for n, spec, _ in extra]

    def sample(z, conds):
        cond = model.serving_condition(*conds) if extra else None
        return image_outputs(gen(model.generator_inputs(z, cond), training=False))

    def generate(seed, *conds):
        return sample(latent_from_seeds_tf(seed, latent_dim), conds)

    def from_latent(z, *conds):
        return sample(tf.cast(z, tf.float32), conds)

    n = 4
    # Warm-up examples in exactly the signature's dtypes (TF Serving rejects others).
    examples_extra = {
        name: np.asarray(ex)[:n].astype(spec.dtype.as_numpy_dtype)
        if spec.dtype != tf.string
        else np.asarray(ex, dtype=object)[:n]
        for name, spec, ex in extra
    }
    return {
        "generate": (
            generate,
            [tf.TensorSpec([None], tf.int64, name="seed")] + extra_specs,
            {"seed": np.arange(n, dtype=np.int64), **examples_extra},
        ),
        "from_latent": (
            from_latent,
            [tf.TensorSpec([None, latent_dim], tf.float32, name="z")] + extra_specs,
            {"z": np.zeros((n, latent_dim), np.float32), **examples_extra},
        ),
    }


def translator_endpoints(networks, image_shape):
    """Signatures of image -> image networks: ``{direction: net}`` -> endpoints.

    For each direction: ``<direction>`` takes uint8 images (``images_uint8``
    [N, H, W, C]) and ``<direction>_bytes`` takes encoded PNG/JPEG images
    (``image_bytes`` [N] strings; ``{"b64": ...}`` over REST). Both return the
    outputs of `image_outputs`.

    Returns:
        {name: (fn, input_signature, example_inputs)}
    """
    import tensorflow as tf

    h, w, c = image_shape
    examples = np.zeros((2, h, w, c), np.uint8)
    png = np.array([tf.io.encode_png(e).numpy() for e in examples], dtype=object)

    def make(net):
        def from_uint8(images):
            x = tf.cast(images, tf.float32) / 127.5 - 1.0
            return image_outputs(net(x, training=False))

        def from_bytes(image_bytes):
            def decode(s):
                img = tf.io.decode_image(s, channels=c, expand_animations=False)
                return tf.ensure_shape(img, [h, w, c])

            imgs = tf.map_fn(
                decode, image_bytes, fn_output_signature=tf.TensorSpec([h, w, c], tf.uint8)
            )
            return from_uint8(imgs)

        return from_uint8, from_bytes

    endpoints = {}
    for direction, net in networks.items():
        from_uint8, from_bytes = make(net)
        endpoints[direction] = (
            from_uint8,
            [tf.TensorSpec([None, h, w, c], tf.uint8, name="images_uint8")],
            {"images_uint8": examples},
        )
        endpoints[f"{direction}_bytes"] = (
            from_bytes,
            [tf.TensorSpec([None], tf.string, name="image_bytes")],
            {"image_bytes": png},
        )
    return endpoints
