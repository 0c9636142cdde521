"""Every loss pair against values computed by hand."""

import math

import numpy as np
import pytest

from keras_gan import losses

REAL = np.array([[2.0], [-1.0]], np.float32)
FAKE = np.array([[0.5], [-3.0]], np.float32)


def sp(x):  # softplus
    return math.log1p(math.exp(x))


def value(x):
    return np.asarray(x, np.float64)


HAND = {
    # D: -log sigmoid(r) - log(1 - sigmoid(f)) = softplus(-r) + softplus(f)
    "minimax": (
        [sp(-2.0) + sp(0.5), sp(1.0) + sp(-3.0)],
        [-sp(0.5), -sp(-3.0)],  # log(1 - sigmoid(f)) = -softplus(f)
    ),
    "non_saturating": (
        [sp(-2.0) + sp(0.5), sp(1.0) + sp(-3.0)],
        [sp(-0.5), sp(3.0)],  # -log sigmoid(f) = softplus(-f)
    ),
    "wasserstein": ([0.5 - 2.0, -3.0 + 1.0], [-0.5, 3.0]),
    "hinge": (
        [max(0, 1 - 2.0) + max(0, 1 + 0.5), max(0, 1 + 1.0) + max(0, 1 - 3.0)],
        [-0.5, 3.0],
    ),
    "least_squares": (
        [0.5 * (2.0 - 1) ** 2 + 0.5 * 0.5**2, 0.5 * (-1.0 - 1) ** 2 + 0.5 * 9.0],
        [0.5 * (0.5 - 1) ** 2, 0.5 * (-3.0 - 1) ** 2],
    ),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_loss_pair_matches_hand_computed_values(name):
    pair = losses.get(name)
    d_want, g_want = HAND[name]
    np.testing.assert_allclose(value(pair.discriminator(REAL, FAKE)), d_want, rtol=1e-5)
    np.testing.assert_allclose(value(pair.generator(FAKE)), g_want, rtol=1e-5)


def test_catalogue_lists_all_five():
    assert losses.list_losses() == sorted(HAND)


@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
def test_one_sided_label_smoothing_bce(name):
    # target t = 0.9 on reals: t softplus(-r) + (1 - t) softplus(r); fakes unchanged.
    got = value(losses.get(name).discriminator(REAL, FAKE, label_smoothing=0.1))
    want = [0.9 * sp(-2.0) + 0.1 * sp(2.0) + sp(0.5), 0.9 * sp(1.0) + 0.1 * sp(-1.0) + sp(-3.0)]
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_label_smoothing_least_squares():
    got = value(losses.least_squares_discriminator_loss(REAL, FAKE, label_smoothing=0.1))
    want = [0.5 * (2.0 - 0.9) ** 2 + 0.5 * 0.25, 0.5 * (-1.0 - 0.9) ** 2 + 4.5]
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.parametrize("name", ["wasserstein", "hinge"])
def test_label_smoothing_rejected_where_undefined(name):
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.get(name).discriminator(REAL, FAKE, label_smoothing=0.1)


def test_patch_logits_are_averaged_per_example():
    # A PatchGAN map [2, 2, 2, 1]: each example's loss is the mean over its patches.
    real = np.stack([np.full((2, 2, 1), 1.0), np.full((2, 2, 1), 3.0)]).astype("float32")
    fake = np.zeros_like(real)
    got = value(losses.least_squares_discriminator_loss(real, fake))
    np.testing.assert_allclose(got, [0.0, 0.5 * 4.0], rtol=1e-6)


def test_minimax_is_stable_for_large_logits():
    big = np.array([[80.0], [-80.0]], np.float32)
    assert np.all(np.isfinite(value(losses.minimax_discriminator_loss(big, -big))))
    assert np.all(np.isfinite(value(losses.non_saturating_generator_loss(-big))))


def test_unknown_loss_lists_known_ones():
    with pytest.raises(ValueError, match="Known losses: hinge, least_squares, minimax"):
        losses.get("wgan")
