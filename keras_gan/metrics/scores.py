"""Sample-quality metrics on feature vectors and class probabilities (numpy / scipy).

Every function takes plain arrays, so any feature extractor can feed them:
the project's domain classifiers (`keras_gan.metrics.extractors`) or, for a
user who has its weights, an Inception network.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from keras_gan.metrics.registry import register_metric


def _2d(x, name):
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"{name} must be a [N, d] array with N >= 2; got shape {x.shape}.")
    return x


def mean_pairwise_distance(samples):
    """Mean Euclidean distance between distinct pairs of samples (any shape [N, ...])."""
    flat = np.asarray(samples, np.float64).reshape(len(samples), -1)
    sq = (flat**2).sum(1)
    d2 = sq[:, None] - 2 * flat @ flat.T + sq[None]
    n = len(flat)
    return float(np.sqrt(np.maximum(d2, 0)).sum() / (n * (n - 1)))


def gaussian_stats(features):
    """Mean and covariance of [N, d] features (what FID compares)."""
    f = _2d(features, "features")
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) between two Gaussians.

    Tr((S1 S2)^(1/2)) is the sum of the square roots of the eigenvalues of
    S1 S2, which are those of the symmetric A S2 A with A = S1^(1/2). Two
    symmetric eigendecompositions give it: the same number as the reference
    implementations' ``scipy.linalg.sqrtm(S1 @ S2)`` (relative difference
    <= 4e-8 on 2048-d features, tested), in 2.8 s instead of 17-25 s for
    2048-d Inception features on 2 CPU cores. Rounding can leave tiny negative
    eigenvalues of these positive semi-definite matrices; they are zeros.
    """
    diff = np.asarray(mu1, np.float64) - np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    w, v = np.linalg.eigh(sigma1)
    root1 = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    eig = np.linalg.eigvalsh(root1 @ sigma2 @ root1)
    trace_covmean = np.sqrt(np.clip(eig, 0.0, None)).sum()
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_covmean)


@register_metric("fid")
def fid(real_features, fake_features):
    """Frechet distance between Gaussians fitted to real and generated features.

    Heusel et al. 2017. Here computed in the feature space of the chosen
    extractor (a domain classifier by default), so values are comparable only
    for the same extractor.
    """
    return frechet_distance(*gaussian_stats(real_features), *gaussian_stats(fake_features))


def _poly_kernel(x, y):
    # k(x, y) = (x . y / d + 1)^3, the kernel of Binkowski et al. 2018.
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(k_xx, k_yy, k_xy):
    m, n = len(k_xx), len(k_yy)
    sum_xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    sum_yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return sum_xx + sum_yy - 2.0 * k_xy.mean()


@register_metric("kid")
def kid(real_features, fake_features, num_subsets=100, subset_size=1000, seed=0):
    """Kernel Inception Distance: unbiased MMD^2, cubic polynomial kernel.

    Binkowski et al. 2018. Averaged over ``num_subsets`` random subsets of
    ``subset_size`` (capped at the smaller set's size).

    Returns:
        (mean, std) over subsets.
    """
    x, y = _2d(real_features, "real_features"), _2d(fake_features, "fake_features")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"Feature sizes differ: {x.shape[1]} vs {y.shape[1]}.")
    m = min(subset_size, len(x), len(y))
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(num_subsets):
        a = x[rng.choice(len(x), m, replace=False)]
        b = y[rng.choice(len(y), m, replace=False)]
        vals.append(mmd2_unbiased(_poly_kernel(a, a), _poly_kernel(b, b), _poly_kernel(a, b)))
    return float(np.mean(vals)), float(np.std(vals))


def _pairwise_sq(a, b, chunk=2048):
    """Squared Euclidean distances [len(a), len(b)], in row chunks."""
    bb = (b * b).sum(axis=1)
    out = np.empty((len(a), len(b)), np.float64)
    for i in range(0, len(a), chunk):
        aa = a[i : i + chunk]
        out[i : i + chunk] = np.maximum(
            (aa * aa).sum(axis=1)[:, None] - 2.0 * aa @ b.T + bb[None], 0.0
        )
    return out


def _knn_radius(x, k):
    """Distance of each point to its k-th nearest other point."""
    d = _pairwise_sq(x, x)
    np.fill_diagonal(d, np.inf)
    return np.sqrt(np.partition(d, k - 1, axis=1)[:, k - 1])


def _inside(points, centres, radii, chunk=2048):
    """For each point: how many balls (centre, radius) contain it."""
    counts = np.zeros(len(points), np.int64)
    r2 = radii**2
    for i in range(0, len(points), chunk):
        d = _pairwise_sq(points[i : i + chunk], centres)
        counts[i : i + chunk] = (d <= r2[None]).sum(axis=1)
    return counts


@register_metric("pr")
def precision_recall(real_features, fake_features, k=3):
    """Improved precision and recall (Kynkaanniemi et al. 2019).

    Each set's manifold is the union of balls around its points with the
    radius of their k-th nearest neighbour. Precision: the fraction of fake
    samples inside the real manifold; recall: the fraction of real samples
    inside the fake manifold.

    Returns:
        {"precision": float, "recall": float}
    """
    x, y = _2d(real_features, "real_features"), _2d(fake_features, "fake_features")
    precision = float((_inside(y, x, _knn_radius(x, k)) > 0).mean())
    recall = float((_inside(x, y, _knn_radius(y, k)) > 0).mean())
    return {"precision": precision, "recall": recall}


@register_metric("dc")
def density_coverage(real_features, fake_features, k=5):
    """Density and coverage (Naeem et al. 2020).

    density = (1 / kM) sum_j #{real balls containing fake j} (can exceed 1);
    coverage = fraction of real balls that contain at least one fake sample.
    """
    x, y = _2d(real_features, "real_features"), _2d(fake_features, "fake_features")
    radii = _knn_radius(x, k)
    density = float(_inside(y, x, radii).sum() / (k * len(y)))
    # coverage: for each real point, is its nearest fake sample inside its ball?
    nearest_fake = np.sqrt(_pairwise_sq(x, y).min(axis=1))
    coverage = float((nearest_fake <= radii).mean())
    return {"density": density, "coverage": coverage}


@register_metric("classifier_score")
def classifier_score(probs, splits=10):
    """The Inception Score computed with a domain classifier.

    exp(E_x KL(p(y|x) || p(y))) (Salimans et al. 2016); mean and std over
    ``splits`` parts. 1 for a generator whose samples all look alike to the
    classifier, up to the number of classes.
    """
    p = np.asarray(probs, np.float64)
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(axis=0, keepdims=True)
        kl = special.rel_entr(part, py).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


@register_metric("class_coverage")
def class_coverage(probs, real_distribution=None, min_fraction=None):
    """How the generated samples spread over the classes.

    Args:
        probs: [N, K] class probabilities of generated samples.
        real_distribution: class frequencies of the real data (uniform if None).
        min_fraction: a class is covered when it gets at least this fraction of
            the samples (default: a tenth of its real share).

    Returns:
        dict: ``histogram`` (fraction per predicted class), ``classes_covered``,
        ``num_classes`` and ``kl_to_real`` = KL(generated || real).
    """
    p = np.asarray(probs, np.float64)
    k = p.shape[1]
    real = (
        np.full(k, 1.0 / k)
        if real_distribution is None
        else np.asarray(real_distribution, np.float64)
    )
    real = real / real.sum()
    hist = np.bincount(p.argmax(axis=1), minlength=k) / len(p)
    threshold = real / 10 if min_fraction is None else np.full(k, min_fraction)
    eps = 1e-12
    return {
        "histogram": hist.round(4).tolist(),
        "classes_covered": int((hist >= threshold).sum()),
        "num_classes": k,
        "kl_to_real": float(special.rel_entr(hist, real + eps).sum()),
    }


def parzen_log_likelihood(samples, test, sigma, batch_size=1000):
    """Mean log-likelihood of ``test`` under a Gaussian Parzen window on ``samples``.

    log p(x) = logsumexp_i(-||x - s_i||^2 / (2 sigma^2)) - log N - (d / 2) log(2 pi sigma^2)

    Returns:
        (mean, standard error) over the test points.
    """
    s = np.asarray(samples, np.float64).reshape(len(samples), -1)
    t = np.asarray(test, np.float64).reshape(len(test), -1)
    d = s.shape[1]
    const = -np.log(len(s)) - 0.5 * d * np.log(2 * np.pi * sigma**2)
    lls = []
    for i in range(0, len(t), batch_size):
        sq = _pairwise_sq(t[i : i + batch_size], s)
        lls.append(special.logsumexp(-sq / (2 * sigma**2), axis=1) + const)
    lls = np.concatenate(lls)
    return float(lls.mean()), float(lls.std() / np.sqrt(len(lls)))


@register_metric("parzen")
def parzen(samples, validation, test, sigmas=None):
    """Parzen-window estimate with the protocol of Goodfellow et al. 2014 (Table 1).

    Sigma is chosen to maximise the likelihood of ``validation``; the estimate
    is reported on ``test``. Inputs are pixel vectors in [0, 1]. The estimate is
    known to be weak (Theis et al. 2016): real training images score about as
    high as good generators.

    Returns:
        {"log_likelihood": mean, "stderr": standard error, "sigma": chosen sigma}
    """
    if sigmas is None:
        sigmas = np.logspace(-1, 0, 10)
    best = max(sigmas, key=lambda sg: parzen_log_likelihood(samples, validation, sg)[0])
    mean, se = parzen_log_likelihood(samples, test, best)
    return {"log_likelihood": mean, "stderr": se, "sigma": float(best)}
