"""The paired task of the preset: MNIST edge maps -> MNIST digits.

``keras_gan.data.load("mnist_edges")`` yields ``(edges, digit)`` pairs in
[-1, 1]: the source is the digit's outer outline (the one-pixel ring of
pixels just outside the ink: a 3x3 dilation of the ink mask minus the ink),
the target the original digit, so the generator must fill each outline with
a stroke, as pix2pix's edges -> photo tasks fill sketches.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from keras_gan import data

INK_THRESHOLD = 127


def edge_map(images):
    """uint8 digits [N, H, W, 1] -> uint8 outlines [N, H, W, 1] (255 on the outline)."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 1 or images.dtype != np.uint8:
        raise ValueError(
            f"edge_map takes uint8 grey images [N, H, W, 1]; got {images.dtype} {images.shape}."
        )
    ink = images[..., 0] > INK_THRESHOLD
    grown = ndimage.binary_dilation(ink, structure=np.ones((1, 3, 3), bool))
    return ((grown & ~ink) * np.uint8(255))[..., None]


def _mnist_edges(split):
    x, _ = data.load_arrays("mnist", split)
    return edge_map(x), x


data.register_dataset(
    data.DatasetInfo(
        "mnist_edges",
        "image_pair",
        (28, 28, 1),
        10,
        ("train", "test"),
        "MNIST outlines paired with their digits (pix2pix's edges -> image task); yields "
        "(edges, digit) pairs.",
        cached=False,
    ),
    arrays_fn=_mnist_edges,
)
