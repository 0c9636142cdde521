"""pix2pix: the outline task, the losses, learning on real MNIST, bad input.

The shared contract (config, save/reload, export, serving) runs from the
family's declaration in `test_contract.py` and the export conformance tests.
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import data
from keras_gan.data import edges
from keras_gan.families.pix2pix import Pix2Pix, edge_map
from keras_gan.families.pix2pix.evaluation import pix2pix_scores


def test_edge_map_and_mnist_edges_come_from_the_data_layer():
    """The family re-exports the data layer's edge_map (tested in tests/data/test_registry.py)
    and its task is a dataset of keras_gan.data, known without importing the family."""
    assert edge_map is edges.edge_map
    assert "mnist_edges" in data.list_datasets()
    with pytest.raises(ValueError, match="uint8 grey images"):
        edge_map(np.zeros((8, 8), np.float32))


def test_mnist_edges_yields_scaled_pairs():
    source, target = next(iter(data.load("mnist_edges", split="test[:64]", batch_size=16)))
    assert source.shape == target.shape == (16, 28, 28, 1)
    assert source.dtype == target.dtype == tf.float32
    assert float(tf.reduce_min(target)) >= -1.0 and float(tf.reduce_max(target)) <= 1.0
    # an outline never overlaps its own ink
    assert not np.any((source.numpy() > 0) & (target.numpy() > 0))


def test_generator_loss_is_adversarial_plus_weighted_l1():
    model = Pix2Pix(source_shape=(8, 8, 1), image_shape=(8, 8, 1), filters=2, d_filters=2)
    model.compile()
    src = np.zeros((2, 8, 8, 1), np.float32)
    tgt = np.ones((2, 8, 8, 1), np.float32)
    terms = model.generator_terms(tf.constant(src), tf.constant(tgt))
    np.testing.assert_allclose(
        terms["g_loss"].numpy(), (terms["g_adv"] + 100.0 * terms["l1"]).numpy(), rtol=1e-6
    )


def test_pairs_are_required_and_shapes_are_checked():
    with pytest.raises(ValueError, match="same size"):
        Pix2Pix(source_shape=(28, 28, 1), image_shape=(32, 32, 1))
    with pytest.raises(ValueError, match="divisible by 4"):
        Pix2Pix(source_shape=(30, 30, 1), image_shape=(30, 30, 1))
    model = Pix2Pix(filters=2, d_filters=2)
    model.compile()
    single = tf.data.Dataset.from_tensor_slices(np.zeros((4, 28, 28, 1), np.float32)).batch(2)
    with pytest.raises(ValueError, match=r"\(source, target\) pairs"):
        model.fit(single, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="Float images must be scaled"):
        model.translate(np.full((1, 28, 28, 1), 5.0, np.float32))


def train_on_outlines(steps, seed=0):
    """(scores before, scores after): filters 16, batch 64, `steps` steps in 2 epochs."""
    model = Pix2Pix(filters=16, d_filters=16, seed=seed)
    model.compile()
    before = pix2pix_scores(model, num_samples=500)
    train = data.load("mnist_edges", split="train[:16000]", batch_size=64, seed=seed, repeat=True)
    model.fit(train, epochs=2, steps_per_epoch=steps // 2, verbose=0)
    return before, pix2pix_scores(model, num_samples=1000)


def assert_fills(before, after, blank_ratio, accuracy):
    assert after["l1"] < 0.5 * before["l1"], (before, after)
    assert after["l1"] < blank_ratio * after["l1_blank_baseline"], after
    assert after["digit_accuracy"] >= accuracy, after
    assert after["digit_accuracy"] > after["digit_accuracy_edges"], after


def test_learns_to_fill_outlines_on_real_mnist():
    """Held-out L1 falls well below the blank baseline and the MNIST classifier
    reads most outputs as the digit whose outline went in.

    400 steps (2-core AVX2 CPU, 2026-11-30, each run on one core: 133 s of fit):
    digit accuracy 0.950 / 0.959 and L1 0.34x / 0.26x the blank baseline for
    seeds 0 / 1. The longer run below holds the stricter bars.
    """
    assert_fills(*train_on_outlines(400), blank_ratio=0.5, accuracy=0.9)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_fills_outlines_nearly_perfectly_in_a_longer_run():
    """1,000 steps: digit accuracy >= 0.95 and L1 under 0.25x the blank baseline.

    Narrow networks trained longer learn this task faster than wide ones trained
    shorter (2-core AVX2 CPU, 2026-11-29, `fit` alone): filters 32 for 500 steps
    reached digit accuracy 0.911 in 258 s; filters 16 for 1,000 steps 0.981 /
    0.987 / 0.980 for seeds 0 / 1 / 2 in 171-199 s (filters 8: 0.970 / 0.878 /
    0.962, too close to the bar). In the default run this test took 595-642 s
    beside the other pytest-xdist worker, so it runs with `pytest -m slow`.
    """
    assert_fills(*train_on_outlines(1000), blank_ratio=0.25, accuracy=0.95)
