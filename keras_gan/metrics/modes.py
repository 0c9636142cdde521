"""Mode coverage on mixtures with known modes (the PacGAN synthetic benchmark).

Protocol (Lin et al. 2018, section 5.1, after Srivastava et al. 2017): a
sample is high quality when it lies within ``hq_sigmas`` (3) standard
deviations of its nearest mode; a mode is captured when it is the nearest mode
of at least one high-quality sample; the KL divergence compares the histogram
of high-quality samples over modes with the uniform distribution.
"""

from __future__ import annotations

import numpy as np

from keras_gan.metrics.registry import register_metric


@register_metric("mode_coverage")
def mode_coverage(samples, modes, std, hq_sigmas=3.0):
    """Mode statistics of ``samples`` [N, d] against ``modes`` [K, d].

    Returns:
        dict with ``modes_captured`` (int), ``num_modes``, ``high_quality``
        (fraction of samples within ``hq_sigmas * std`` of their nearest mode),
        ``kl_to_uniform`` (KL(p || uniform) of the high-quality samples' mode
        histogram; NaN when there are none) and ``counts`` per mode.
    """
    samples = np.asarray(samples, np.float64).reshape(len(samples), -1)
    modes = np.asarray(modes, np.float64)
    if samples.shape[1] != modes.shape[1]:
        raise ValueError(
            f"Samples have {samples.shape[1]} dimensions but modes have {modes.shape[1]}."
        )
    d2 = ((samples[:, None, :] - modes[None, :, :]) ** 2).sum(-1)
    nearest = d2.argmin(axis=1)
    dist = np.sqrt(d2[np.arange(len(samples)), nearest])
    hq = dist <= hq_sigmas * std
    k = len(modes)
    counts = np.bincount(nearest[hq], minlength=k)
    total = counts.sum()
    if total:
        p = counts / total
        nz = p > 0
        kl = float(np.sum(p[nz] * np.log(p[nz] * k)))
    else:
        kl = float("nan")
    return {
        "modes_captured": int((counts > 0).sum()),
        "num_modes": k,
        "high_quality": float(hq.mean()) if len(samples) else 0.0,
        "kl_to_uniform": kl,
        "counts": counts.tolist(),
    }


TOY_DATASETS = ("gaussian_1d", "ring", "grid")


def toy_scores(model, dataset):
    """Zoo entries for a model of a toy distribution.

    gaussian_1d: the mean and standard deviation of 10,000 samples against the
    targets; ring / grid: mode coverage with the PacGAN protocol (2,500 samples).
    """
    from keras_gan.data import toy

    if dataset == "gaussian_1d":
        x = model.generate(10000, seed=0)
        return [
            {
                "metric": "mean",
                "value": round(float(x.mean()), 4),
                "target": toy.GAUSSIAN_1D_MEAN,
                "num_samples": 10000,
            },
            {
                "metric": "std",
                "value": round(float(x.std()), 4),
                "target": toy.GAUSSIAN_1D_STD,
                "num_samples": 10000,
            },
        ]
    if dataset not in ("ring", "grid"):
        raise ValueError(f"toy_scores knows {', '.join(TOY_DATASETS)}; got {dataset!r}.")
    modes = toy.ring_modes() if dataset == "ring" else toy.grid_modes()
    std = toy.RING_STD if dataset == "ring" else toy.GRID_STD
    stats = mode_coverage(model.generate(2500, seed=0), modes, std)
    return [
        {
            "metric": "modes_captured",
            "value": stats["modes_captured"],
            "of": stats["num_modes"],
            "num_samples": 2500,
        },
        {"metric": "high_quality", "value": round(stats["high_quality"], 4), "num_samples": 2500},
        {"metric": "kl_to_uniform", "value": round(stats["kl_to_uniform"], 4), "num_samples": 2500},
    ]
