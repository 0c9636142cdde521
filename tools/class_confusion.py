"""Which class a conditional model's samples are, read by the dataset classifier.

    python tools/class_confusion.py runs/zoo/acgan_mnist/model.keras
    python tools/class_confusion.py MODEL --dataset mnist --per-class 500
    python tools/class_confusion.py runs/zoo/cyclegan_mnist_digits/model.keras

For an unpaired translation model (CycleGAN) it translates the held-out images
of each domain (``--domain-a``, ``--domain-b``; 2,000 at most, as label
preservation) and prints, for each direction, the true class against the target
domain classifier's reading of the translation: a class that keeps landing on
one other class is a swapped digit, not noise.

Generates ``--per-class`` samples for every class (seeds from ``--seed``) and
prints the confusion matrix: rows are the requested class, columns the dataset
classifier's reading (`keras_gan.metrics.FeatureExtractor.for_dataset`, the
classifier behind conditional accuracy). For an AC-GAN it also prints how often
the discriminator's own class head reads the requested class: when that head
agrees and the independent classifier does not, the generator and the head
share a private code.

For an unconditional DCGAN with ``latent_codes`` it draws ``--per-class`` times
the number of codes samples from seeds and prints, for each code (the argmax
of the first coordinates of z), the classifier's reading of its samples: a
generator that uses the code gives each code mostly one digit.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def print_confusion(confusion, what):
    print(what)
    print("    " + " ".join(f"{c:4d}" for c in range(len(confusion[0]))))
    for c in range(len(confusion)):
        print(f"{c:3d} " + " ".join(f"{v:4d}" for v in confusion[c]))


def translation_confusion(model, domain_a, domain_b, limit=2000):
    """Print each direction's confusion: rows the true class, columns the reading."""
    import numpy as np

    from keras_gan.families.cyclegan.evaluation import CLASSIFIER_28, _classify, _domain
    from keras_gan.metrics import FeatureExtractor

    size = model.image_shape[:2]
    for src, dst, direction in ((domain_a, domain_b, "a_to_b"), (domain_b, domain_a, "b_to_a")):
        x, y = _domain(src, "test", size, limit)
        read = _classify(
            FeatureExtractor.for_dataset(CLASSIFIER_28[dst]), model.translate(x, direction)
        )
        k = int(max(y.max(), read.max())) + 1
        confusion = np.zeros((k, k), int)
        np.add.at(confusion, (y, read), 1)
        kept = (read == y).mean()
        print_confusion(
            confusion,
            f"{direction} ({src} -> {dst}): {kept:.4f} keep their class; rows: true class, "
            f"columns: the {dst} classifier's reading of the translation",
        )
        off = confusion * (1 - np.eye(k, dtype=int))
        worst = np.argsort(off.ravel())[::-1][:5]
        print(
            "largest swaps: "
            + ", ".join(
                f"{i // k}->{i % k} {off.ravel()[i] / max(1, confusion[i // k].sum()):.0%}"
                for i in worst
            )
        )


def code_confusion(model, dataset, num_samples, seed):
    """Print the latent code (rows) against the classifier's reading (columns)."""
    import numpy as np

    from keras_gan.metrics import FeatureExtractor
    from keras_gan.models import latent_from_seeds

    k = model.latent_codes
    seeds = np.arange(num_samples, dtype=np.int64) + seed
    codes = latent_from_seeds(seeds, model.latent_dim)[:, :k].argmax(axis=1)
    _, probs = FeatureExtractor.for_dataset(dataset)(model.generate(seeds=seeds))
    read = probs.argmax(axis=1)
    confusion = np.zeros((k, probs.shape[1]), int)
    np.add.at(confusion, (codes, read), 1)
    print_confusion(confusion, f"rows: latent code; columns: the {dataset} classifier's reading")
    top = confusion.argmax(axis=1)
    share = confusion.max(axis=1).sum() / confusion.sum()
    print(
        f"samples in their code's most common class: {share:.4f}; "
        f"distinct most common classes: {len(set(top.tolist()))} of {k} codes"
    )
    return share


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
    p.add_argument("--domain-a", default="mnist", help="translation models: domain A's dataset")
    p.add_argument("--domain-b", default="digits", help="translation models: domain B's dataset")
    args = p.parse_args(argv)

    model = saving.load_model(args.model)
    if hasattr(model, "translate") and hasattr(model, "generator_ba"):
        return translation_confusion(model, args.domain_a, args.domain_b)
    if getattr(model, "latent_codes", 0):
        return code_confusion(model, args.dataset, args.per_class * model.latent_codes, args.seed)
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
    print_confusion(
        confusion, f"rows: requested class; columns: the classifier's reading (of {args.per_class})"
    )


if __name__ == "__main__":
    main()
