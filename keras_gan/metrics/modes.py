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
