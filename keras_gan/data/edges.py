"""MNIST edge maps: the paired task ``mnist_edges`` (pix2pix's edges -> image).

``keras_gan.data.load("mnist_edges")`` yields ``(edges, digit)`` pairs in
[-1, 1]: the source is the digit's outer outline (the one-pixel ring of
pixels just outside the ink: a 3x3 dilation of the ink mask minus the ink),
the target the original digit, so a generator must fill each outline with a
stroke, as pix2pix's edges -> photo tasks fill sketches.

The dataset is registered by `keras_gan.data` itself (datasets.py), so it is
known in every process, whichever family is imported or not.
"""

from __future__ import annotations

import numpy as np

INK_THRESHOLD = 127


def edge_map(images):
    """uint8 digits [N, H, W, 1] -> uint8 outlines [N, H, W, 1] (255 on the outline).

    A pixel is ink above `INK_THRESHOLD`; the outline is the 3x3 dilation of
    each image's ink mask minus the ink itself.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 1 or images.dtype != np.uint8:
        raise ValueError(
            f"edge_map takes uint8 grey images [N, H, W, 1]; got {images.dtype} {images.shape}. "
            "Pass uint8 images in [0, 255] with one channel (add it with images[..., None])."
        )
    from scipy import ndimage  # imported here: `import keras_gan.data` stays light

    ink = images[..., 0] > INK_THRESHOLD
    grown = ndimage.binary_dilation(ink, structure=np.ones((1, 3, 3), bool))
    return ((grown & ~ink) * np.uint8(255))[..., None]


def mnist_edges_arrays(split):
    """(edge maps, digits) of an MNIST split, both uint8 [N, 28, 28, 1], for the registry."""
    from keras_gan.data.datasets import load_arrays

    x, _ = load_arrays("mnist", split)
    return edge_map(x), x
