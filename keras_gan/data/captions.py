"""Captioned MNIST: sentences derived from what each digit is and what can be measured on it.

Every caption names the digit and, drawn at random, some of three attributes
measured on the pixels and bucketed into words:

- thickness: ink mass (sum of intensities) against the other images of the
  same digit: the lightest third is "thin", the heaviest third "thick";
- slant: the shear of the ink's second moments, -cov(x, y) / var(y) with y
  pointing down (positive: the top leans right); the lowest quarter of all
  digits "leans left", the highest quarter "leans right", the middle half is
  "upright";
- width: bounding-box width against the same digit's (MNIST normalises the
  height, so width is what varies): the narrowest fifth "narrow", the widest
  fifth "wide".

Thresholds come from the training split and apply to every split (and to
generated images, see `measure` and `bucket`). Captions use several templates
and synonyms per attribute; templates 0-4 write the training captions, 5-7 are
held out for evaluation ("captions written with templates not seen in
training"). Everything is seeded: a split always gets the same captions.
"""

from __future__ import annotations

import functools

import numpy as np

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
THICK = {"thin": ("thin", "light", "skinny"), "thick": ("thick", "bold", "heavy")}
STROKE = {"thin": ("thin", "light", "fine"), "thick": ("heavy", "thick", "bold")}
LEAN = {
    "left": ("leaning left", "slanted to the left", "tilted left"),
    "right": ("leaning right", "slanted to the right", "tilted right"),
    "upright": ("upright", "standing straight"),
}
SIZE = {"narrow": ("narrow", "slim"), "wide": ("wide", "broad")}
CAPTIONS_PER_IMAGE = 2
TRAIN_TEMPLATES = (0, 1, 2, 3, 4)
HELD_OUT_TEMPLATES = (5, 6, 7)


def measure(images):
    """Attributes of uint8 or [-1, 1] float images [N, 28, 28, 1]: (mass, slant, width)."""
    x = np.asarray(images, np.float64)
    x = (x + 1.0) / 2.0 if x.min() < 0 or x.max() <= 1.0 else x / 255.0
    x = np.clip(x.reshape(len(x), x.shape[1], x.shape[2]), 0.0, 1.0)
    h, w = x.shape[1:]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    mass = x.sum(axis=(1, 2))
    m = np.maximum(mass, 1e-6)
    my = (x * ys).sum(axis=(1, 2)) / m
    mx = (x * xs).sum(axis=(1, 2)) / m
    dy = ys[None] - my[:, None, None]
    dx = xs[None] - mx[:, None, None]
    cov = (x * dx * dy).sum(axis=(1, 2)) / m
    var_y = np.maximum((x * dy * dy).sum(axis=(1, 2)) / m, 1e-6)
    slant = -cov / var_y
    cols = (x > 0.25).any(axis=1)
    first = np.where(cols.any(axis=1), cols.argmax(axis=1), 0)
    last = np.where(cols.any(axis=1), w - 1 - cols[:, ::-1].argmax(axis=1), -1)
    width = (last - first + 1).astype(np.float64)
    return mass, slant, width


@functools.lru_cache(maxsize=1)
def thresholds():
    """Bucket boundaries from the MNIST training split."""
    from keras_gan.data.datasets import load_arrays

    x, y = load_arrays("mnist", "train")
    mass, slant, width = measure(x)
    return {
        "mass": np.array([np.quantile(mass[y == c], [1 / 3, 2 / 3]) for c in range(10)]),
        "slant": np.quantile(slant, [0.25, 0.75]),
        "width": np.array([np.quantile(width[y == c], [0.2, 0.8]) for c in range(10)]),
    }


def bucket(images, labels):
    """Attribute words of images of known digits: (thickness, lean, width) arrays of str."""
    t = thresholds()
    mass, slant, width = measure(images)
    labels = np.asarray(labels)
    lo, hi = t["mass"][labels].T
    thick = np.where(mass <= lo, "thin", np.where(mass >= hi, "thick", "medium"))
    lean = np.where(
        slant <= t["slant"][0], "left", np.where(slant >= t["slant"][1], "right", "upright")
    )
    w_lo, w_hi = t["width"][labels].T
    size = np.where(width <= w_lo, "narrow", np.where(width >= w_hi, "wide", "medium"))
    return thick, lean, size


def _pick(rng, words):
    return words[rng.integers(len(words))]


def write_caption(rng, template, digit, thick=None, lean=None, size=None):
    """One caption from a template; attributes that are None (or medium) are left out."""
    thick = thick if thick in THICK else None
    size = size if size in SIZE else None
    lean = lean if lean in LEAN else None
    d = str(digit) if rng.random() < 0.5 else DIGIT_NAMES[digit]
    name = DIGIT_NAMES[digit]
    adj = _pick(rng, THICK[thick]) if thick else None
    tilt = _pick(rng, LEAN[lean]) if lean else None
    sz = _pick(rng, SIZE[size]) if size else None
    if template == 0:  # "a thick 7 leaning right"
        words = ["a", sz, adj, d, tilt]
    elif template == 1:  # "the digit seven, written with a heavy stroke and slanted to the right"
        words = [f"the digit {name}"]
        extra = []
        if thick:
            extra.append(f"written with a {_pick(rng, STROKE[thick])} stroke")
        if tilt:
            extra.append(tilt)
        if extra:
            words[0] += ","
            words.append(" and ".join(extra))
    elif template == 2:  # "7, bold, tilted right"
        return ", ".join(w for w in (d, sz, adj, tilt) if w)
    elif template == 3:  # "a wide handwritten seven, tilted left"
        words = ["a", sz, adj, "handwritten", d]
        if tilt:
            words[-1] += ","
            words.append(tilt)
    elif template == 4:  # "number 7, heavy, upright"
        return ", ".join(w for w in (f"number {d}", sz, adj, tilt) if w)
    elif template == 5:  # held out: "a picture of the number seven that is thick and tilted left"
        attrs = [w for w in (sz, adj, tilt) if w]
        words = [f"a picture of the number {name}"]
        if attrs:
            words.append("that is " + " and ".join(attrs))
    elif template == 6:  # held out: "bold seven tilted right"
        words = [sz, adj, name, tilt]
    elif template == 7:  # held out: "handwritten 7 (thick, leaning left)"
        attrs = [w for w in (sz, adj, tilt) if w]
        words = [f"handwritten {d}"] + ([f"({', '.join(attrs)})"] if attrs else [])
    else:
        raise ValueError(f"Unknown caption template {template}.")
    return " ".join(w for w in words if w)


def caption_images(images, labels, seed, per_image=CAPTIONS_PER_IMAGE, templates=TRAIN_TEMPLATES):
    """``per_image`` captions for each image: (image index, caption) arrays.

    Each caption keeps each measured attribute with probability 0.6, so the
    model sees the digit alone as well as fully described.
    """
    thick, lean, size = bucket(images, labels)
    rng = np.random.default_rng(seed)
    index, captions = [], []
    for i in range(len(images)):
        for _ in range(per_image):
            keep = rng.random(3) < 0.6
            captions.append(
                write_caption(
                    rng,
                    int(templates[rng.integers(len(templates))]),
                    int(labels[i]),
                    thick[i] if keep[0] else None,
                    lean[i] if keep[1] else None,
                    size[i] if keep[2] else None,
                )
            )
            index.append(i)
    return np.asarray(index), np.asarray(captions)


@functools.lru_cache(maxsize=2)
def _captioned(split):
    from keras_gan.data.datasets import load_arrays

    x, y = load_arrays("mnist", split)
    idx, captions = caption_images(x, y, seed={"train": 20, "test": 21}[split])
    return x, y, idx, captions


def mnist_captions_arrays(split):
    """(images [N*2, 28, 28, 1] uint8, captions [N*2] str) for the dataset registry."""
    x, _, idx, captions = _captioned(split)
    return x[idx], captions


def caption_labels(split):
    """The digit of every (image, caption) pair of `mnist_captions_arrays`."""
    _, y, idx, _ = _captioned(split)
    return y[idx]


def evaluation_captions(num_per_class=100, seed=0, templates=HELD_OUT_TEMPLATES):
    """Captions with held-out templates and random attributes, for evaluation.

    Returns:
        dict of arrays: "caption", "digit", "thick" (thin/thick/None), "lean"
        (left/right/upright/None).
    """
    rng = np.random.default_rng(1000 + seed)
    out = {"caption": [], "digit": [], "thick": [], "lean": []}
    for digit in range(10):
        for _ in range(num_per_class):
            thick = [None, "thin", "thick"][rng.integers(3)]
            lean = [None, "left", "right", "upright"][rng.integers(4)]
            t = int(templates[rng.integers(len(templates))])
            out["caption"].append(write_caption(rng, t, digit, thick, lean))
            out["digit"].append(digit)
            out["thick"].append(thick)
            out["lean"].append(lean)
    return {
        k: np.asarray(v, dtype=object if k in ("thick", "lean") else None) for k, v in out.items()
    }
