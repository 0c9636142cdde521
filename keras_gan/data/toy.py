"""Seeded synthetic distributions with known answers.

- ``gaussian_1d``: N(4, 0.5^2), the 1-D target of the classic GAN demos.
- ``ring``: 8 Gaussians with means on the unit circle, sigma 0.01.
- ``grid``: 25 Gaussians with means on {-4, -2, 0, 2, 4}^2, sigma 0.05.

The ring and grid follow the mode-collapse benchmark of PacGAN (Lin et al.
2018, section 5.1). Every sample's label is the index of its mode.
"""

from __future__ import annotations

import numpy as np

GAUSSIAN_1D_MEAN = 4.0
GAUSSIAN_1D_STD = 0.5

RING_RADIUS = 1.0
RING_STD = 0.01
GRID_STD = 0.05

SPLIT_SIZES = {"train": 50_000, "test": 10_000}
SPLIT_SEEDS = {"train": 0, "test": 1}


def ring_modes(num_modes: int = 8, radius: float = RING_RADIUS) -> np.ndarray:
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1).astype("float32")


def grid_modes(side: int = 5, spacing: float = 2.0) -> np.ndarray:
    coords = (np.arange(side) - (side - 1) / 2) * spacing
    xx, yy = np.meshgrid(coords, coords, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], axis=1).astype("float32")


def mixture(modes: np.ndarray, std: float, num_samples: int, seed: int):
    """Sample a uniform mixture of isotropic Gaussians: (points, mode labels)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(modes), num_samples)
    points = modes[labels] + rng.normal(0.0, std, (num_samples, modes.shape[1]))
    return points.astype("float32"), labels.astype("int64")


def gaussian_1d(num_samples: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(GAUSSIAN_1D_MEAN, GAUSSIAN_1D_STD, (num_samples, 1)).astype("float32")
    return x, np.zeros(num_samples, "int64")


# name -> (modes or None, std, sampler)
TOY_MODES = {
    "ring": (ring_modes, RING_STD),
    "grid": (grid_modes, GRID_STD),
}


def toy_arrays(name: str, split: str):
    n, seed = SPLIT_SIZES[split], SPLIT_SEEDS[split]
    if name == "gaussian_1d":
        return gaussian_1d(n, seed)
    modes_fn, std = TOY_MODES[name]
    return mixture(modes_fn(), std, n, seed)
