"""Each metric against a known answer."""

import math

import numpy as np
import pytest

from keras_gan.data import toy
from keras_gan.metrics import get_metric, list_metrics, mode_coverage, scores

RNG = np.random.default_rng(0)


def test_registry():
    assert {
        "fid",
        "kid",
        "pr",
        "dc",
        "classifier_score",
        "class_coverage",
        "parzen",
        "mode_coverage",
    } <= set(list_metrics())
    assert get_metric("fid") is scores.fid
    with pytest.raises(ValueError, match="Known metrics"):
        get_metric("inception_v9")


def test_fid_same_gaussian_is_near_zero():
    a, b = RNG.normal(size=(5000, 8)), RNG.normal(size=(5000, 8))
    assert scores.fid(a, b) < 0.05


def test_fid_shifted_gaussian_is_squared_shift():
    mu = np.array([1.0, -2.0, 0.5, 0, 0, 0, 0, 0])
    a, b = RNG.normal(size=(20000, 8)), RNG.normal(size=(20000, 8)) + mu
    assert scores.fid(a, b) == pytest.approx(float(mu @ mu), rel=0.03)


def test_frechet_distance_closed_form_for_scaled_covariance():
    # N(0, I) vs N(0, 4I) in d dims: d + 4d - 2 * 2d = d
    d = 5
    assert scores.frechet_distance(
        np.zeros(d), np.eye(d), np.zeros(d), 4 * np.eye(d)
    ) == pytest.approx(d)


def _frechet_distance_by_sqrtm(mu1, sigma1, mu2, sigma2):
    """The reference implementations' formula (pytorch-fid, TTUR): scipy's sqrtm of S1 S2."""
    from scipy import linalg

    covmean = linalg.sqrtm(sigma1 @ sigma2)
    diff = mu1 - mu2
    return diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(np.real(covmean))


@pytest.mark.parametrize(
    "n, d",
    [(3000, 64), (100, 256)],  # full-rank covariances; rank-deficient (fewer samples than dims)
)
def test_frechet_distance_equals_the_sqrtm_reference(n, d):
    rng = np.random.default_rng(d)
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    real = rng.normal(size=(n, d)) @ mix
    fake = rng.normal(size=(n, d)) @ (mix + 0.2 * rng.normal(size=(d, d)) / np.sqrt(d)) + 0.1
    stats = (*scores.gaussian_stats(real), *scores.gaussian_stats(fake))
    assert scores.frechet_distance(*stats) == pytest.approx(
        _frechet_distance_by_sqrtm(*stats), rel=1e-6
    )
    # a collapsed generator (zero covariance): the distance is ||mu||^2 + Tr(S1)
    mu, cov = scores.gaussian_stats(real)
    assert scores.frechet_distance(mu, cov, mu + 1.0, np.zeros((d, d))) == pytest.approx(
        d + np.trace(cov)
    )


def test_kid_is_unbiased():
    a, b = RNG.normal(size=(2000, 16)), RNG.normal(size=(2000, 16))
    mean, std = scores.kid(a, b, num_subsets=50, subset_size=500)
    assert abs(mean) < 3 * std / math.sqrt(50) + 1e-4  # zero within its standard error
    shifted, _ = scores.kid(a, b + 0.5, num_subsets=10, subset_size=500)
    assert shifted > 10 * abs(mean)


def test_precision_recall_identical_and_disjoint():
    a = RNG.normal(size=(500, 4))
    assert scores.precision_recall(a, a) == {"precision": 1.0, "recall": 1.0}
    pr = scores.precision_recall(a, a + 100.0)
    assert pr["precision"] < 0.01 and pr["recall"] < 0.01


def test_precision_recall_collapsed_generator():
    # All fake samples on one real point: precise (inside the real manifold), no recall.
    a = RNG.normal(size=(500, 2))
    fake = np.repeat(a[:1], 500, axis=0) + 1e-6 * RNG.normal(size=(500, 2))
    pr = scores.precision_recall(a, fake)
    assert pr["precision"] == 1.0 and pr["recall"] < 0.05


def test_density_coverage():
    a = RNG.normal(size=(500, 4))
    dc = scores.density_coverage(a, RNG.normal(size=(500, 4)))
    assert 0.8 < dc["density"] < 1.2 and dc["coverage"] > 0.9
    far = scores.density_coverage(a, a + 50.0)
    assert far == {"density": 0.0, "coverage": 0.0}


def test_classifier_score_bounds():
    confident_uniform = np.eye(10)[np.arange(1000) % 10]
    assert scores.classifier_score(confident_uniform)[0] == pytest.approx(10.0, rel=1e-6)
    collapsed = np.eye(10)[np.full(1000, 3)]
    assert scores.classifier_score(collapsed)[0] == pytest.approx(1.0)


def test_class_coverage_counts_a_collapsed_generator():
    probs = np.eye(10)[np.full(1000, 3)]
    cov = scores.class_coverage(probs)
    assert cov["classes_covered"] == 1 and cov["kl_to_real"] == pytest.approx(
        math.log(10), rel=1e-6
    )
    two = np.eye(10)[np.arange(1000) % 2]
    assert scores.class_coverage(two)["classes_covered"] == 2
    full = scores.class_coverage(np.eye(10)[np.arange(1000) % 10])
    assert full["classes_covered"] == 10 and full["kl_to_real"] < 1e-9


def test_parzen_closed_form():
    # One kernel centre at 0, one test point x: log N(x; 0, sigma^2 I).
    sigma, x = 0.5, np.array([[0.3, -0.4]])
    want = -0.25 / (2 * sigma**2) - math.log(2 * math.pi * sigma**2)
    got, _ = scores.parzen_log_likelihood(np.zeros((1, 2)), x, sigma)
    assert got == pytest.approx(want, rel=1e-9)
    # Two equal centres: the mixture equals one of them.
    got2, _ = scores.parzen_log_likelihood(np.zeros((2, 2)), x, sigma)
    assert got2 == pytest.approx(want, rel=1e-9)


def test_parzen_picks_the_right_sigma():
    s = RNG.normal(0, 0.3, size=(2000, 2))
    res = scores.parzen(
        s,
        RNG.normal(0, 0.3, size=(500, 2)),
        RNG.normal(0, 0.3, size=(500, 2)),
        sigmas=[0.01, 0.1, 1.0],
    )
    assert res["sigma"] == 0.1


def test_mode_coverage_protocol():
    modes = toy.ring_modes()
    x, _ = toy.mixture(modes, toy.RING_STD, 2500, 0)
    full = mode_coverage(x, modes, toy.RING_STD)
    assert (
        full["modes_captured"] == 8 and full["high_quality"] > 0.98 and full["kl_to_uniform"] < 0.01
    )
    half, _ = toy.mixture(modes[:4], toy.RING_STD, 2500, 0)
    four = mode_coverage(half, modes, toy.RING_STD)
    assert four["modes_captured"] == 4 and four["kl_to_uniform"] == pytest.approx(
        math.log(2), abs=0.01
    )
    far = mode_coverage(np.zeros((100, 2)), modes, toy.RING_STD)
    assert far["modes_captured"] == 0 and far["high_quality"] == 0.0
