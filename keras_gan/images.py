"""Turning samples into pictures: grids, PNG and GIF files, scatter plots of toy data."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from PIL import Image


def to_uint8(images):
    """float [-1, 1] -> uint8 [0, 255] (clipped, rounded)."""
    x = np.asarray(images, dtype=np.float32)
    return np.clip(np.round((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


def make_grid(images, nrow=None, padding=2, pad_value=0):
    """Tile a batch of uint8 images [N, H, W, C] into one [H', W', C] picture.

    ``nrow`` is the number of images per row (default: a square-ish grid).
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"make_grid expects [N, H, W, C] images; got shape {images.shape}.")
    n, h, w, c = images.shape
    ncol = int(nrow) if nrow else int(math.ceil(math.sqrt(n)))
    nrows = int(math.ceil(n / ncol))
    grid = np.full(
        (nrows * (h + padding) + padding, ncol * (w + padding) + padding, c),
        pad_value,
        images.dtype,
    )
    for i in range(n):
        r, col = divmod(i, ncol)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y : y + h, x : x + w] = images[i]
    return grid


def _to_pil(array):
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    return Image.fromarray(array)


def save_png(array, path):
    """Write a uint8 [H, W] / [H, W, C] array as PNG (atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    _to_pil(array).save(tmp, format="PNG")
    tmp.replace(path)
    return path


def png_bytes(array) -> bytes:
    buf = io.BytesIO()
    _to_pil(array).save(buf, format="PNG")
    return buf.getvalue()


def save_gif(frames, path, duration_ms=400):
    """Write uint8 frames (all the same size) as a looping animated GIF."""
    frames = [
        _to_pil(f).convert("RGB")
        if np.asarray(f).ndim == 3 and np.asarray(f).shape[-1] == 3
        else _to_pil(f)
        for f in frames
    ]
    if not frames:
        raise ValueError("save_gif needs at least one frame.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    frames[0].save(
        tmp, format="GIF", save_all=True, append_images=frames[1:], duration=duration_ms, loop=0
    )
    tmp.replace(path)
    return path


def scatter_image(points, size=256, extent=None, reference=None):
    """Rasterise 2-D points onto a white canvas (reference points in red)."""
    points = np.asarray(points, np.float32)
    allp = points if reference is None else np.concatenate([points, reference])
    if extent is None:
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = 0.1 * float(np.max(hi - lo) + 1e-6)
        extent = (float(min(lo)) - pad, float(max(hi)) + pad)
    lo, hi = extent
    canvas = np.full((size, size, 3), 255, np.uint8)

    def plot(p, color, r):
        ij = np.clip(((p - lo) / (hi - lo) * (size - 1)).round().astype(int), 0, size - 1)
        for dx in range(-r, r + 1):
            for dy in range(-r, r + 1):
                canvas[
                    np.clip(size - 1 - ij[:, 1] + dy, 0, size - 1),
                    np.clip(ij[:, 0] + dx, 0, size - 1),
                ] = color

    plot(points, (30, 60, 200), 0)
    if reference is not None:
        plot(np.asarray(reference, np.float32), (220, 30, 30), 2)
    return canvas


def histogram_image(values, size=256, bins=64, extent=None):
    """A bar chart of 1-D samples as a uint8 image."""
    values = np.asarray(values, np.float32).ravel()
    if extent is None:
        extent = (float(values.min()), float(values.max()) + 1e-6)
    counts, _ = np.histogram(values, bins=bins, range=extent)
    canvas = np.full((size, size, 3), 255, np.uint8)
    heights = (counts / max(counts.max(), 1) * (size - 4)).astype(int)
    width = size // bins
    for i, hgt in enumerate(heights):
        canvas[size - hgt :, i * width : (i + 1) * width - 1] = (30, 60, 200)
    return canvas


def render(samples, nrow=None):
    """One picture of a batch of samples: image grid, 2-D scatter or 1-D histogram."""
    samples = np.asarray(samples)
    if samples.ndim == 4:
        return make_grid(to_uint8(samples), nrow=nrow)
    if samples.ndim == 2 and samples.shape[1] == 2:
        return scatter_image(samples)
    if samples.ndim == 2 and samples.shape[1] == 1:
        return histogram_image(samples)
    raise ValueError(f"Cannot draw samples of shape {samples.shape[1:]}.")
