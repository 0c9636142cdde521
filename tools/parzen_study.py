"""What the Parzen-window log-likelihood of MNIST samples measures: coverage or quality.

    python tools/parzen_study.py runs/zoo/gan_mnist/model.keras --json parzen.json --markdown

Every row is `keras_gan.metrics.evaluation.parzen_mnist` (Goodfellow et al. 2014's
protocol: sigma chosen on 1,000 validation images, the mean log-likelihood of
the 10,000 test images) on 10,000 samples:

- each model given: its own samples;
- "nearest real image of each sample": every sample replaced by the training
  image (of the first 50,000) nearest to it in pixels. The samples keep where
  they are (which digits, which styles, how many of each) and lose their
  defects, so the gap between this row and the model's own is what sample
  quality costs, and the gap from this row to the real-data row is what
  coverage costs;
- real training images, all distinct (the protocol's ceiling, "real"), and the
  same 10,000 draws from only N distinct images (coverage alone).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402


def nearest_real(samples, train, batch_size=500):
    """The training image nearest (in pixels) to each sample; samples and train in [-1, 1]."""
    s = samples.reshape(len(samples), -1).astype(np.float32)
    t = train.reshape(len(train), -1).astype(np.float32)
    t_sq = (t * t).sum(1)
    idx = np.concatenate(
        [
            np.argmin(t_sq[None] - 2.0 * s[i : i + batch_size] @ t.T, axis=1)
            for i in range(0, len(s), batch_size)
        ]
    )
    return train[idx], idx


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("models", nargs="*", help="model files (.keras or SavedModel folders)")
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument("--distinct", type=int, nargs="*", default=[100, 1000])
    p.add_argument("--json")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args(argv)

    from keras_gan import data
    from keras_gan.metrics.evaluation import generate_images, parzen_mnist

    n = args.num_samples
    x, _ = data.load_arrays("mnist", "train[:50000]")
    train = x.astype(np.float32) / 127.5 - 1.0
    rows = []

    def row(name, images, **extra):
        t = time.perf_counter()
        ll = parzen_mnist(images)
        rows.append({"samples": name, **ll, **extra, "seconds": round(time.perf_counter() - t, 1)})
        print(json.dumps(rows[-1]), flush=True)

    for path in args.models:
        images = generate_images(path, n, seed=0)
        row(path, images)
        near, idx = nearest_real(images, train)
        row(
            f"nearest real image of each sample of {path}",
            near,
            distinct_images=int(len(np.unique(idx))),
            mean_sq_distance=float(((images - near) ** 2).reshape(n, -1).sum(1).mean()),
        )
    rng = np.random.default_rng(0)
    row("real training images (all distinct)", train[rng.permutation(len(train))[:n]])
    for k in args.distinct:
        pool = rng.permutation(len(train))[:k]
        row(f"real training images, {k} distinct", train[pool[rng.integers(0, k, n)]])

    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    if args.markdown:
        print("\n| samples | Parzen LL | stderr | sigma |")
        print("|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['samples']} | {r['log_likelihood']:.1f} | {r['stderr']:.1f} | {r['sigma']:.3f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
