"""Saving and loading `.keras` files with clear errors and atomic writes."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import keras


class ModelFileError(ValueError):
    """A `.keras` file is missing, truncated, corrupt or not a keras-gan model."""


def save_model(model, path):
    """``model.save(path)`` through a temporary file and a rename.

    A crash while writing leaves any previous file at ``path`` intact.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"Model files end in .keras; got {str(path)!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.keras")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def load_model(path, compile=True):
    """``keras.models.load_model`` with an error that says what is wrong.

    Raises:
        FileNotFoundError: no file at ``path``.
        ModelFileError: the file is not a complete `.keras` archive, or does
            not hold a model keras-gan can rebuild.
    """
    import keras_gan.models  # noqa: F401  (registers the classes for deserialisation)

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"No model file at {str(path)!r}. Train one with `keras-gan train PRESET --out DIR` "
            "(it writes DIR/model.keras) or pass the path of a saved .keras file."
        )
    if path.is_dir():
        raise ModelFileError(
            f"{str(path)!r} is a directory. For a SavedModel export use "
            "tf.saved_model.load; for a Keras model pass its .keras file."
        )
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            f"{str(path)!r} is not a .keras file: a .keras file is a zip archive, and this "
            "one is truncated or corrupt (or another format). Re-save the model or use an "
            "earlier checkpoint."
        )
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError) as e:
        raise ModelFileError(f"{str(path)!r} is a damaged zip archive: {e}") from e
    if bad is not None:
        raise ModelFileError(f"{str(path)!r} is corrupt: member {bad!r} fails its CRC check.")
    if "config.json" not in names:
        raise ModelFileError(f"{str(path)!r} has no config.json; it is not a .keras model file.")
    try:
        return keras.models.load_model(path, compile=compile)
    except Exception as e:
        raise ModelFileError(
            f"Could not rebuild the model in {str(path)!r}: {type(e).__name__}: {e}"
        ) from e
