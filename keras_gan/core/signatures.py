"""Serving signatures shared by families: image outputs and seed/latent -> sample.

Plain TensorFlow functions that `keras_gan.export` traces into a SavedModel;
no XLA, batch-major inputs and outputs. Export runs on the TensorFlow backend
(a model trained on JAX or PyTorch is exported by `keras_gan.export`, which
loads its weights there), so TensorFlow is imported only when a signature is
built.

Every signature defends the server against hostile or careless requests, in
the graph, before the expensive work (TF Serving runs only the graph):

- a request carries at most ``max_request_size`` items (seeds, latents or
  images; `serving_limits`, set by `keras_gan.export.export`);
- inputs of one request hold the same number of items;
- ``z`` must be finite, and a generator output holding NaN or Inf is refused
  rather than returned;
- encoded images (``image_bytes``) are checked from their header (PNG IHDR,
  JPEG SOF) against the model's input shape *before* they are decoded, so a
  tiny file that claims 20,000 x 20,000 pixels costs nothing.

A refused request fails with INVALID_ARGUMENT (``tf.errors.InvalidArgumentError``
in Python, HTTP 400 over REST) and a message that says what the model takes.
Each signature function carries what it checks as ``fn.serving_checks`` (a
JSON-able dict), which `keras_gan.export` writes into the export's metadata
and serving README.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

import numpy as np

from keras_gan.core.seeds import latent_from_seeds_tf

DEFAULT_MAX_REQUEST_SIZE = 1024


@dataclass(frozen=True)
class ServingLimits:
    """Bounds every exported signature enforces on one request.

    Args:
        max_request_size: the most items (seeds, latent vectors, images) one
            request may carry; a larger request is refused before any work.
    """

    max_request_size: int = DEFAULT_MAX_REQUEST_SIZE


# The limits in force while signatures are built. A context variable rather than
# an argument because the families build their signatures in `serving_endpoints()`,
# which takes none: `export` wraps that call in `serving_limits(...)`, and nothing
# on the model changes. Outside such a block the defaults apply.
_LIMITS: contextvars.ContextVar[ServingLimits | None] = contextvars.ContextVar(
    "keras_gan_serving_limits", default=None
)


def check_max_request_size(value):
    """``value`` as a positive int, or a ValueError saying what is expected."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise ValueError(
            f"max_request_size must be a positive integer (the most items one request may "
            f"carry, e.g. {DEFAULT_MAX_REQUEST_SIZE}); got {value!r}."
        )
    return int(value)


@contextlib.contextmanager
def serving_limits(max_request_size=DEFAULT_MAX_REQUEST_SIZE):
    """Build signatures with these limits: ``with serving_limits(max_request_size=64): ...``.

    `generator_endpoints` and `translator_endpoints` read the limits when they
    are called (the values are baked into the graph), so call the model's
    ``serving_endpoints()`` inside the block.
    """
    token = _LIMITS.set(ServingLimits(check_max_request_size(max_request_size)))
    try:
        yield _LIMITS.get()
    finally:
        _LIMITS.reset(token)


def current_limits():
    """The `ServingLimits` signatures built now get."""
    return _LIMITS.get() or ServingLimits()


# --- in-graph checks ---------------------------------------------------------------------


def _batch_size(x):
    import tensorflow as tf

    return tf.shape(x, out_type=tf.int64)[0]


def _request_size_check(name, x, limit):
    """Assert that ``x`` holds at most ``limit`` items (its first dimension)."""
    import tensorflow as tf

    return tf.debugging.Assert(
        _batch_size(x) <= limit,
        [
            f"A request takes at most {limit} items (max_request_size, set at export: "
            f"keras-gan export --max-batch N); {name} has",
            _batch_size(x),
            "items. Send them in smaller requests.",
        ],
    )


def _same_batch_check(first, x_first, name, x):
    """Assert that input ``name`` holds one value per item of input ``first``."""
    import tensorflow as tf

    return tf.debugging.Assert(
        tf.equal(_batch_size(x), _batch_size(x_first)),
        [
            f"{name} must hold one value per {first}; got",
            _batch_size(x),
            f"{name} value(s) for",
            _batch_size(x_first),
            f"{first} value(s).",
        ],
    )


def _after(checks, tensors):
    """``tensors`` behind ``checks``: nothing computed from them runs before the checks pass."""
    import tensorflow as tf

    with tf.control_dependencies(checks):
        return [tf.identity(t) for t in tensors]


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

    Both refuse a request of more than ``current_limits().max_request_size``
    items or whose inputs differ in length; ``from_latent`` refuses NaN or Inf
    in ``z``; both refuse to return samples holding NaN or Inf (what a finite
    but enormous ``z`` can produce). Any int64 is a valid seed.

    Returns:
        {name: (fn, input_signature, example_inputs)}
    """
    import tensorflow as tf

    gen = model.sampling_generator
    latent_dim = model.latent_dim
    limit = current_limits().max_request_size
    extra = list(model.serving_inputs())  # [(name, TensorSpec, example)]
    extra_names = [n for n, _, _ in extra]
    extra_specs = [tf.TensorSpec(spec.shape, spec.dtype, name=n) for n, spec, _ in extra]

    def checked(name, first, conds, more_checks=()):
        checks = [_request_size_check(name, first, limit), *more_checks]
        checks += [_same_batch_check(name, first, n, c) for n, c in zip(extra_names, conds)]
        first, *conds = _after(checks, [first, *conds])
        return first, conds

    def sample(z, conds):
        cond = model.serving_condition(*conds) if extra else None
        out = tf.cast(gen(model.generator_inputs(z, cond), training=False), tf.float32)
        finite = tf.debugging.Assert(
            tf.reduce_all(tf.math.is_finite(out)),
            [
                "The generator produced NaN or Inf for this request (from_latent: z values "
                "far outside N(0, I) do this); send latent vectors of a sensible size."
            ],
        )
        (out,) = _after([finite], [out])
        return image_outputs(out)

    def generate(seed, *conds):
        seed, conds = checked("seed", seed, conds)
        return sample(latent_from_seeds_tf(seed, latent_dim), conds)

    def from_latent(z, *conds):
        z = tf.cast(z, tf.float32)
        bad = tf.reduce_sum(tf.cast(tf.logical_not(tf.math.is_finite(z)), tf.int64))
        finite = tf.debugging.Assert(
            tf.equal(bad, 0),
            [
                "z must be finite (latent vectors are drawn from N(0, I)); got",
                bad,
                "NaN or Inf value(s).",
            ],
        )
        z, conds = checked("z", z, conds, [finite])
        return sample(z, conds)

    shared = {"max_items": limit, "same_length": ["seed", *extra_names], "finite_outputs": True}
    generate.serving_checks = dict(shared)
    from_latent.serving_checks = {
        **shared,
        "same_length": ["z", *extra_names],
        "finite_inputs": ["z"],
    }

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


# --- encoded images: read the header, check it, then decode ------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The IHDR chunk follows the signature: length 13 (4 bytes), type "IHDR" (4 bytes),
# then width and height (big-endian uint32 at bytes 16 and 20), bit depth (24),
# colour type (25), compression, filter, interlace, and a 4-byte CRC.
_PNG_IHDR = b"\x00\x00\x00\x0dIHDR"
_HEADER_BYTES = 33  # signature + the whole IHDR chunk
# Channels of each PNG colour type (PNG spec, 11.2.2): grey, -, RGB, palette (decoded
# as RGB), grey + alpha, -, RGBA; -1: no such colour type.
_PNG_CHANNELS = (1, -1, 3, 3, 2, -1, 4)
_JPEG_SOI = b"\xff\xd8\xff"  # start of image, then the first marker
# Formats a client may send by mistake, named in the refusal.
_OTHER_FORMATS = (
    (b"GIF8", 0, "a GIF image"),
    (b"BM", 0, "a BMP image"),
    (b"WEBP", 8, "a WebP image"),
    (b"II*\x00", 0, "a TIFF image"),
    (b"MM\x00*", 0, "a TIFF image"),
)
_MAX_REPORTED = 4  # bad items named in a refusal


def _image_headers(image_bytes, read_jpeg):
    """What each encoded image says about itself, read from its first bytes only.

    Returns ``(is_png, is_jpeg, height, width, channels, describe)``: [N] tensors, with
    -1 where a value is unknown (another format, a malformed header), and
    ``describe()``, which builds an [N] string tensor of readable summaries
    ("a 20000x20000 PNG with 1 channel(s)") for the refusal message. PNG sizes
    come from the IHDR chunk; JPEG sizes from its SOF marker through
    ``tf.image.extract_jpeg_shape`` (libjpeg reads only the header), called
    only when ``read_jpeg`` and only on items that start like a JPEG.
    """
    import tensorflow as tf

    size = tf.cast(tf.strings.length(image_bytes), tf.int64)
    head = tf.strings.substr(image_bytes, 0, _HEADER_BYTES)
    head = tf.strings.substr(tf.strings.join([head, b"\x00" * _HEADER_BYTES]), 0, _HEADER_BYTES)
    b = tf.reshape(tf.cast(tf.io.decode_raw(head, tf.uint8), tf.int64), [-1, _HEADER_BYTES])

    def starts(prefix, at=0):
        want = tf.constant(list(prefix), tf.int64)
        return tf.reduce_all(tf.equal(b[:, at : at + len(prefix)], want), axis=1)

    def be32(at):
        return b[:, at] * 2**24 + b[:, at + 1] * 2**16 + b[:, at + 2] * 2**8 + b[:, at + 3]

    png_signature = starts(_PNG_SIGNATURE)
    is_png = png_signature & starts(_PNG_IHDR, 8) & (size >= _HEADER_BYTES)
    depth, colour = b[:, 24], b[:, 25]
    valid_depth = tf.reduce_any(tf.equal(b[:, 24:25], [[1, 2, 4, 8, 16]]), axis=1)
    png_channels = tf.where(
        (colour < len(_PNG_CHANNELS)) & valid_depth,
        tf.gather(tf.constant(_PNG_CHANNELS, tf.int64), tf.minimum(colour, len(_PNG_CHANNELS) - 1)),
        tf.constant(-1, tf.int64),
    )
    is_jpeg = starts(_JPEG_SOI)
    unknown = tf.fill(tf.stack([tf.size(image_bytes), 3]), tf.constant(-1, tf.int64))
    if read_jpeg:

        def jpeg_shape(args):
            data, flag = args
            return tf.cond(
                flag,
                lambda: tf.image.extract_jpeg_shape(data, output_type=tf.int64),
                lambda: tf.constant([-1, -1, -1], tf.int64),
            )

        jpeg = tf.cond(
            tf.reduce_any(is_jpeg),
            lambda: tf.map_fn(
                jpeg_shape, (image_bytes, is_jpeg), fn_output_signature=tf.TensorSpec([3], tf.int64)
            ),
            lambda: unknown,
        )
    else:
        jpeg = unknown
    height = tf.where(is_png, be32(20), jpeg[:, 0])
    width = tf.where(is_png, be32(16), jpeg[:, 1])
    channels = tf.where(is_png, png_channels, jpeg[:, 2])

    def describe():
        text = tf.strings.as_string
        sized = tf.strings.join(["a ", text(width), "x", text(height), " "])
        with_channels = tf.strings.join([" with ", text(channels), " channel(s)"])
        out = tf.where(size == 0, "an empty string", "not a PNG or JPEG image (unknown format)")
        for prefix, at, name in _OTHER_FORMATS:
            out = tf.where(starts(prefix, at), name, out)
        out = tf.where(
            png_signature, "a PNG whose header (IHDR chunk) is truncated or malformed", out
        )
        png_text = tf.where(
            png_channels > 0,
            tf.strings.join([sized, "PNG", with_channels]),
            tf.strings.join(
                [sized, "PNG of invalid colour type ", text(colour), " / bit depth ", text(depth)]
            ),
        )
        out = tf.where(is_png, png_text, out)
        jpeg_text = (
            tf.strings.join([sized, "JPEG", with_channels])
            if read_jpeg
            else tf.constant("a JPEG image (this model takes PNG only)")
        )
        return tf.where(is_jpeg, jpeg_text, out)

    return is_png, is_jpeg, height, width, channels, describe


def _image_bytes_check(image_bytes, shape, read_jpeg):
    """Assert every encoded image is a PNG (or JPEG) of exactly ``shape``; returns is_png.

    The refusal names what the model takes and the first few offending items.
    """
    import tensorflow as tf

    h, w, c = shape
    is_png, is_jpeg, height, width, channels, describe = _image_headers(image_bytes, read_jpeg)
    accepted = (is_png | is_jpeg) if read_jpeg else is_png
    ok = accepted & tf.equal(height, h) & tf.equal(width, w) & tf.equal(channels, c)
    formats = "PNG or JPEG" if read_jpeg else "PNG"

    def message():
        index = tf.range(tf.size(image_bytes, out_type=tf.int64))
        bad = tf.strings.join(
            [
                "item ",
                tf.strings.as_string(tf.boolean_mask(index, ~ok)),
                ": ",
                tf.boolean_mask(describe(), ~ok),
            ]
        )
        n_bad = tf.size(bad)
        more = tf.where(
            n_bad > _MAX_REPORTED,
            tf.strings.join(["; and ", tf.strings.as_string(n_bad - _MAX_REPORTED), " more"]),
            "",
        )
        return tf.strings.join(
            [
                f"image_bytes must be {w}x{h} (width x height) {formats} images with {c} "
                "channel(s); got ",
                tf.strings.reduce_join(bad[:_MAX_REPORTED], separator="; "),
                more,
                ".",
            ]
        )

    all_ok = tf.reduce_all(ok)
    # the message is built only for a refused request
    text = tf.cond(all_ok, lambda: tf.constant(""), message)
    return tf.debugging.Assert(all_ok, [text]), is_png


def translator_endpoints(networks, image_shape):
    """Signatures of image -> image networks: ``{direction: net}`` -> endpoints.

    For each direction: ``<direction>`` takes uint8 images (``images_uint8``
    [N, H, W, C]) and ``<direction>_bytes`` takes encoded PNG/JPEG images
    (``image_bytes`` [N] strings; ``{"b64": ...}`` over REST). Both return the
    outputs of `image_outputs`.

    Both refuse more than ``current_limits().max_request_size`` images. The
    bytes signature reads each image's size and channels from its header
    (PNG IHDR, JPEG SOF) and refuses any that is not exactly ``image_shape``,
    any other format (GIF, BMP, WebP...) and any malformed header before it
    decodes anything; JPEG is accepted for 1- and 3-channel models (what
    ``tf.io.decode_jpeg`` produces).

    Returns:
        {name: (fn, input_signature, example_inputs)}
    """
    import tensorflow as tf

    h, w, c = image_shape
    limit = current_limits().max_request_size
    read_jpeg = c in (1, 3)
    examples = np.zeros((2, h, w, c), np.uint8)
    png = np.array([tf.io.encode_png(e).numpy() for e in examples], dtype=object)

    def make(net):
        def translate(images):
            x = tf.cast(images, tf.float32) / 127.5 - 1.0
            # An empty batch answers an empty result: some layers (reflection padding)
            # refuse a batch of 0, so the network sees one blank image, dropped after.
            n = tf.shape(x)[0]
            blank = tf.zeros(tf.stack([tf.maximum(1 - n, 0), h, w, c]), x.dtype)
            out = net(tf.concat([x, blank], 0), training=False)
            return image_outputs(out[:n])

        def from_uint8(images):
            (images,) = _after([_request_size_check("images_uint8", images, limit)], [images])
            return translate(images)

        def from_bytes(image_bytes):
            (image_bytes,) = _after(
                [_request_size_check("image_bytes", image_bytes, limit)], [image_bytes]
            )
            check, is_png = _image_bytes_check(image_bytes, (h, w, c), read_jpeg)
            image_bytes, is_png = _after([check], [image_bytes, is_png])

            def decode(args):
                data, png_item = args
                if not read_jpeg:
                    img = tf.io.decode_png(data, channels=c)
                else:
                    img = tf.cond(
                        png_item,
                        lambda: tf.io.decode_png(data, channels=c),
                        lambda: tf.io.decode_jpeg(data, channels=c),
                    )
                return tf.ensure_shape(img, [h, w, c])

            imgs = tf.map_fn(
                decode,
                (image_bytes, is_png),
                fn_output_signature=tf.TensorSpec([h, w, c], tf.uint8),
            )
            return translate(imgs)

        from_uint8.serving_checks = {"max_items": limit}
        from_bytes.serving_checks = {
            "max_items": limit,
            "image_bytes": {
                "height": h,
                "width": w,
                "channels": c,
                "formats": ["PNG", "JPEG"] if read_jpeg else ["PNG"],
                "checked_before_decoding": True,
            },
        }
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
