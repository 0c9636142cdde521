"""How good a pix2pix model of MNIST edges -> digits is, on held-out pairs.

- ``l1``: mean |G(edges) - digit| in [-1, 1] units on the test split (the
  paper's reconstruction term; 0 is a perfect copy);
- ``l1_blank_baseline``: the same for an all-background output;
- ``digit_accuracy``: the share of outputs the project's MNIST classifier
  reads as the digit whose outline was the input;
- ``digit_accuracy_real``: that classifier on the real test digits;
- ``digit_accuracy_edges``: that classifier on the raw outlines (what the
  translation must beat).
"""

from __future__ import annotations

import numpy as np

from keras_gan import data
from keras_gan.data.edges import edge_map
from keras_gan.metrics.extractors import FeatureExtractor


def pix2pix_scores(model, num_samples=10000, seed=0, split="test"):
    x, labels = data.load_arrays("mnist", split)
    idx = np.random.default_rng(seed).permutation(len(x))[: int(num_samples)]
    x, labels = x[idx], labels[idx]
    edges = edge_map(x)
    target = data.to_float(x)
    out = model.translate(edges)
    classifier = FeatureExtractor.for_dataset("mnist")

    def accuracy(images):
        return float((classifier(images)[1].argmax(axis=1) == labels).mean())

    scores = {
        "l1": float(np.abs(out - target).mean()),
        "l1_blank_baseline": float(np.abs(-1.0 - target).mean()),
        "digit_accuracy": accuracy(out),
        "digit_accuracy_real": accuracy(target),
        "digit_accuracy_edges": accuracy(data.to_float(edges)),
        "num_images": len(x),
    }
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}
