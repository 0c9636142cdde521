"""Do the shipped models' samples keep their class for classifiers they never trained against?

    python tools/independent_classifiers.py
    python tools/independent_classifiers.py cycada_mnist_digits pix2pix_mnist_edges
    python tools/independent_classifiers.py --write   # zoo/benchmarks/independent_classifiers.json

The project's own figures (conditional accuracy, digit accuracy, label
preservation) read samples with the project's CNN classifiers, the same
architecture as the classifiers CyCADA trains against. This reads the same
samples of the **shipped** weights (`keras_gan.from_preset`) with three
scikit-learn classifiers of other kinds, trained here on the target dataset's
training split (28x28 pixels in [-1, 1]):

- ``knn``: 5 nearest neighbours in pixel space (20,000 training images at most);
- ``svc``: an RBF support-vector machine on 50 principal components (10,000);
- ``forest``: a random forest of 200 trees on the pixels (20,000).

Beside each figure, ``real_test_accuracy``: the same classifier (the project's
CNN included) on that dataset's real test images, what real data scores. Samples
can score above it (a clear, prototypical digit is easier than the average real
one). What is read, per preset family:

- class-conditional (CGAN, AC-GAN): ``--per-class`` samples per class from
  fixed seeds, the label asked for;
- pix2pix: held-out MNIST test digits' outlines, the digit outlined;
- CycleGAN / CyCADA: held-out test images of each domain (2,000 at most),
  translated; the source image's label.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PRESETS = [
    "cgan_mnist",
    "acgan_mnist",
    "cgan_fashion_mnist",
    "pix2pix_mnist_edges",
    "cyclegan_mnist_digits",
    "cycada_mnist_digits",
]
CLASSIFIERS = ("knn", "svc", "forest")
OUT = ROOT / "zoo" / "benchmarks" / "independent_classifiers.json"


def _pixels(images):
    import numpy as np

    return np.asarray(images, dtype="float32").reshape(len(images), -1)


@functools.cache  # loaded once a dataset, not once a reading
def project_classifier(dataset):
    from keras_gan.metrics import FeatureExtractor

    return FeatureExtractor.for_dataset({"digits": "digits28"}.get(dataset, dataset))


def train_classifiers(dataset, size=(28, 28), seed=0):
    """The three classifiers, fit on ``dataset``'s training split, and the accuracy of each
    (and of the project's classifier) on its real test split."""
    from sklearn.decomposition import PCA
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    from keras_gan.families.cyclegan.evaluation import _domain

    x, y = _domain(dataset, "train", size, None)
    xt, yt = _domain(dataset, "test", size, None)
    x, xt = _pixels(x), _pixels(xt)
    classifiers = {
        "knn": (KNeighborsClassifier(n_neighbors=5), 20000),
        "svc": (make_pipeline(PCA(50, random_state=seed), SVC(gamma="scale")), 10000),
        "forest": (RandomForestClassifier(200, random_state=seed, n_jobs=1), 20000),
    }
    fitted, real = {}, {}
    for name, (clf, limit) in classifiers.items():
        clf.fit(x[:limit], y[:limit])
        fitted[name] = clf
        real[name] = round(float((clf.predict(xt) == yt).mean()), 4)
    probs = project_classifier(dataset)(xt.reshape(len(xt), *size, 1))[1]
    real["project_classifier"] = round(float((probs.argmax(axis=1) == yt).mean()), 4)
    return fitted, real


def score(images, labels, dataset, fitted, real):
    """The share of ``images`` each classifier reads as ``labels``, the project's included."""
    project = project_classifier(dataset)
    row = {
        "dataset": dataset,
        "num_images": len(images),
        "project_classifier": round(float((project(images)[1].argmax(axis=1) == labels).mean()), 4),
    }
    flat = _pixels(images)
    for name, clf in fitted.items():
        row[name] = round(float((clf.predict(flat) == labels).mean()), 4)
    row["real_test_accuracy"] = real
    return row


def readings(model, preset, per_class, seed=0, family=None):
    """[(what, target dataset, images, labels)] for one shipped model (``family``: its
    family's name, by default `family_of` the model)."""
    import numpy as np

    from keras_gan import data
    from keras_gan.core import family_of
    from keras_gan.data.edges import edge_map
    from keras_gan.families.cyclegan.evaluation import _domain

    family = family or family_of(model).name
    if family == "pix2pix":
        x, labels = data.load_arrays("mnist", "test")
        return [("edges_to_digits", "mnist", model.translate(edge_map(x)), labels)]
    if family == "cyclegan":
        a, b = preset["data"]["name"], preset["data"]["domain_b"]
        size = model.image_shape[:2]
        out = []
        for src, dst, direction in ((a, b, "a_to_b"), (b, a, "b_to_a")):
            x, y = _domain(src, "test", size, 2000)
            out.append((direction, dst, model.translate(x, direction), y))
        return out
    if family == "cgan":
        labels = np.repeat(np.arange(model.num_classes), per_class)
        seeds = np.arange(len(labels), dtype=np.int64) + 7_000_003 * (seed + 1)
        images = np.concatenate(
            [
                model.generate(seeds=seeds[i : i + 1000], labels=labels[i : i + 1000])
                for i in range(0, len(labels), 1000)
            ]
        )
        return [("samples", preset["data"]["name"], images, labels)]
    raise ValueError(
        f"{preset['name']} ({family}) has no labelled samples to read: this tool reads "
        f"class-conditional, pix2pix and CycleGAN presets ({', '.join(DEFAULT_PRESETS)})."
    )


def main(argv=None):
    import keras_gan
    from keras_gan import zoo
    from tools.benchmark import machine

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("presets", nargs="*", default=DEFAULT_PRESETS)
    p.add_argument("--per-class", type=int, default=500)
    p.add_argument("--write", action="store_true", help=f"record the figures in {OUT}")
    args = p.parse_args(argv)

    stamp = {
        "command": "python tools/independent_classifiers.py "
        + shlex.join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
    }
    trained, results = {}, {}
    for name in args.presets:
        preset = zoo.get_preset(name)
        model = keras_gan.from_preset(name)
        results[name] = {**stamp}
        for what, dataset, images, labels in readings(model, preset, args.per_class):
            if dataset not in trained:
                trained[dataset] = train_classifiers(dataset)
            row = score(images, labels, dataset, *trained[dataset])
            results[name][what] = row
            print(
                f"{name:24s} {what:16s} project {row['project_classifier']:.3f} "
                f"(real {row['real_test_accuracy']['project_classifier']:.3f})  "
                + "  ".join(
                    f"{c} {row[c]:.3f} (real {row['real_test_accuracy'][c]:.3f})"
                    for c in CLASSIFIERS
                ),
                flush=True,
            )
        del model
    record = {
        "what": "the shipped weights' samples read by classifiers the models never trained "
        "against (tools/independent_classifiers.py docstring); 'real_test_accuracy' is "
        "each classifier's accuracy on the real test images of that dataset",
        "results": results,
    }
    if args.write:
        if OUT.exists():  # keep the other presets' figures
            record["results"] = {**json.loads(OUT.read_text())["results"], **results}
        OUT.write_text(json.dumps(record, indent=2) + "\n")
        print(f"Wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
