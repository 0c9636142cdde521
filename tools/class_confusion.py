"""Which class a conditional model's samples are, read by the dataset classifier.

    python tools/class_confusion.py runs/zoo/acgan_mnist/model.keras
    python tools/class_confusion.py MODEL --dataset mnist --per-class 500

Generates ``--per-class`` samples for every class (seeds from ``--seed``) and
prints the confusion matrix: rows are the requested class, columns the dataset
classifier's reading (`keras_gan.metrics.FeatureExtractor.for_dataset`, the
classifier behind conditional accuracy). For an AC-GAN it also prints how often
the discriminator's own class head reads the requested class: when that head
agrees and the independent classifier does not, the generator and the head
share a private code.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None):
    import numpy as np

    from keras_gan import saving
    from keras_gan.metrics import FeatureExtractor

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("model", help="a .keras file of a class-conditional model")
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--per-class", type=int, default=500)
    p.add_argument("--seed", type=int, default=123)
    args = p.parse_args(argv)

    model = saving.load_model(args.model)
    k = getattr(model, "num_classes", None)
    if not k:
        raise SystemExit(f"{args.model} is not a class-conditional model (no num_classes).")
    labels = np.repeat(np.arange(k), args.per_class)
    seeds = np.arange(len(labels), dtype=np.int64) + args.seed
    images = model.generate(seeds=seeds, labels=labels)
    _, probs = FeatureExtractor.for_dataset(args.dataset)(images)
    read = probs.argmax(axis=1)
    print(f"{args.dataset} classifier reads the requested class: {(read == labels).mean():.4f}")
    if getattr(model, "method", None) == "acgan":
        head = np.asarray(model.discriminator(images, training=False)[1]).argmax(axis=1)
        print(f"the discriminator's class head reads it:   {(head == labels).mean():.4f}")
    confusion = np.zeros((k, k), int)
    np.add.at(confusion, (labels, read), 1)
    print(f"rows: requested class; columns: the classifier's reading (of {args.per_class})")
    print("    " + " ".join(f"{c:4d}" for c in range(k)))
    for c in range(k):
        print(f"{c:3d} " + " ".join(f"{v:4d}" for v in confusion[c]))


if __name__ == "__main__":
    main()
