"""Metrics that say how good the samples are, registered by name.

- `scores`: FID, KID, precision/recall, density/coverage, classifier score,
  class coverage, Parzen window (numpy / scipy, on features or probabilities).
- `modes`: mode coverage on mixtures with known modes.
- `extractors`: the project's domain classifiers, or any Keras model.
- `evaluate`: sample a generator and score it; the real-data floor.
"""

from keras_gan.metrics import scores
from keras_gan.metrics.evaluation import (
    DEFAULT_METRICS,
    IMAGE_METRICS,
    conditional_accuracy,
    evaluate,
    evaluate_floor,
    parzen_mnist,
    stacked_mnist_modes,
)
from keras_gan.metrics.extractors import FeatureExtractor
from keras_gan.metrics.modes import TOY_DATASETS, mode_coverage, toy_scores
from keras_gan.metrics.registry import get_metric, list_metrics, register_metric

__all__ = [
    "TOY_DATASETS",
    "toy_scores",
    "DEFAULT_METRICS",
    "IMAGE_METRICS",
    "conditional_accuracy",
    "FeatureExtractor",
    "evaluate",
    "evaluate_floor",
    "get_metric",
    "list_metrics",
    "mode_coverage",
    "parzen_mnist",
    "register_metric",
    "scores",
    "stacked_mnist_modes",
]
