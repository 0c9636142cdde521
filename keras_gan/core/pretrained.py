"""Trained models as keras-hub-style preset folders.

A preset folder holds three files::

    config.json        the model's Keras config (keras.saving.serialize_keras_object),
                       with its compile config, so the model comes back compiled
    model.weights.h5   every network's weights (generator, EMA generator,
                       discriminator / critic, auxiliary networks); no optimizer state
    metadata.json      format version, Keras and keras-gan versions, parameter
                       counts, the SHA-256 of the two other files, where the
                       model came from (preset, dataset), how it was trained and
                       what was measured on exactly these weights

The zoo ships one such folder per preset beside its recipe
(``zoo/<preset>/`` beside ``zoo/<preset>.json``). `load` checks every file
against its hash before anything is deserialised, so a damaged or altered
file is an error that names it, never a silent load of wrong weights.

    model = keras_gan.from_preset("dcgan_mnist")          # the shipped weights
    model = keras_gan.models.DCGAN.from_preset("dcgan_mnist")
    model.save_to_preset("my_dcgan")                       # the same format
    model = keras_gan.from_preset("my_dcgan")              # a local folder
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from pathlib import Path

import keras

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
# Bumped when a folder written by this version cannot be read by an older one.
FORMAT_VERSION = 1


class PresetError(ValueError):
    """A preset is unknown, has no trained weights, or its folder is damaged."""


def zoo_dir() -> Path:
    """The zoo's folder: ``$KERAS_GAN_ZOO`` or the one installed with the package (in a
    checkout, ``keras_gan/presets`` links to the repository's ``zoo/``, and this is ``zoo/``)."""
    env = os.environ.get("KERAS_GAN_ZOO")
    if env:
        return Path(env)
    return (Path(__file__).resolve().parent.parent / "presets").resolve()


def recipes():
    """Names of the zoo's recipes (``zoo/<name>.json``)."""
    return sorted(p.stem for p in zoo_dir().glob("*.json"))


def list_pretrained():
    """Names of the presets that ship trained weights."""
    return sorted(p.name for p in zoo_dir().iterdir() if (p / METADATA_FILE).is_file())


def sha256(path) -> str:
    from keras_gan.data.sources import sha256_file

    return sha256_file(path)


def _is_preset_folder(path: Path):
    return path.is_dir() and (path / CONFIG_FILE).is_file()


def is_preset(name_or_folder) -> bool:
    """Whether ``name_or_folder`` names a preset folder (a zoo name or a local path)."""
    try:
        find(name_or_folder)
    except PresetError:
        return False
    return True


def find(name_or_folder) -> Path:
    """The preset folder of a zoo name or a local folder.

    Raises:
        PresetError: neither a folder with a ``config.json`` nor a zoo preset
            with trained weights; the message lists the presets that have them.
    """
    if not isinstance(name_or_folder, (str, os.PathLike)):
        raise PresetError(
            f"A preset is a zoo name or a folder; got {type(name_or_folder).__name__}."
        )
    path = Path(name_or_folder)
    if _is_preset_folder(path):
        return path
    name = str(name_or_folder)
    shipped = zoo_dir() / name
    if os.sep not in name and "/" not in name and _is_preset_folder(shipped):
        return shipped
    known = ", ".join(list_pretrained()) or "none"
    if name in recipes():
        raise PresetError(
            f"Preset {name!r} ships no trained weights yet. Train it with `keras-gan train "
            f"{name}` (it writes runs/{name}/model.keras), or build the untrained recipe with "
            f"keras_gan.zoo.load({name!r}). Presets with weights: {known}."
        )
    if path.is_dir():
        raise PresetError(
            f"{str(path)!r} is not a preset folder: it has no {CONFIG_FILE}. A preset folder "
            f"holds {CONFIG_FILE}, {WEIGHTS_FILE} and {METADATA_FILE} (model.save_to_preset "
            "writes one)."
        )
    raise PresetError(f"Unknown preset {name!r}. Presets with trained weights: {known}.")


def _restore_hint(path: Path):
    return (
        f"Restore it with `git checkout -- {path}` (a clone of the repository) or reinstall "
        "keras-gan; for a folder of your own, write it again with model.save_to_preset."
    )


def read_metadata(folder) -> dict:
    """``metadata.json`` of a preset folder, checked for format and completeness."""
    folder = Path(folder)
    path = folder / METADATA_FILE
    if not path.is_file():
        raise PresetError(f"{path} is missing. {_restore_hint(path)}")
    try:
        meta = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise PresetError(f"{path} is not valid JSON ({e}). {_restore_hint(path)}") from e
    if not isinstance(meta, dict) or not isinstance(meta.get("files"), dict):
        raise PresetError(f"{path} has no 'files' table of hashes. {_restore_hint(path)}")
    fmt = meta.get("format_version")
    if not isinstance(fmt, int) or fmt > FORMAT_VERSION:
        raise PresetError(
            f"{folder} was written by keras-gan {meta.get('keras_gan_version', '?')} in preset "
            f"format {fmt!r}; this keras-gan ({_version()}) reads format {FORMAT_VERSION} and "
            "older. Upgrade keras-gan (pip install -U keras-gan) or write the folder again "
            "with this version's model.save_to_preset."
        )
    return meta


def verify(folder) -> dict:
    """Check every file of a preset folder against the SHA-256 in its metadata.

    Returns:
        the metadata.

    Raises:
        PresetError: a file is missing, truncated or altered (the message names
            it and how to restore it).
    """
    folder = Path(folder)
    meta = read_metadata(folder)
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if name not in meta["files"]:
            raise PresetError(f"{folder / METADATA_FILE} lists no hash for {name}.")
    for name, expected in meta["files"].items():
        path = folder / name
        if not path.is_file():
            raise PresetError(f"{path} is missing. {_restore_hint(path)}")
        digest = sha256(path)
        if digest != expected.get("sha256"):
            size = path.stat().st_size
            how = (
                "truncated"
                if size < expected.get("bytes", 0)
                else "altered (its SHA-256 does not match metadata.json)"
            )
            raise PresetError(
                f"{path} is {how}: {size} bytes, SHA-256 {digest[:16]}..., expected "
                f"{expected.get('bytes')} bytes, {str(expected.get('sha256'))[:16]}.... "
                f"{_restore_hint(path)}"
            )
    return meta


def _version():
    import keras_gan

    return keras_gan.__version__


def _model_class(config, folder):
    from keras_gan.core.family import families

    families()  # every family's classes are registered for deserialisation
    registered = config.get("registered_name") or config.get("class_name")
    cls = keras.saving.get_registered_object(registered)
    if cls is None:
        raise PresetError(
            f"{folder / CONFIG_FILE} names the model class {registered!r}, which this keras-gan "
            f"({_version()}) does not have. Use the keras-gan version that wrote it."
        )
    return cls


def load(name_or_folder, cls=None, compile=True):
    """The trained model of a preset (a zoo name or a local folder).

    Args:
        name_or_folder: a name from `list_pretrained()` or a folder written by
            `save_to_preset`.
        cls: the class the caller expects (``DCGAN.from_preset`` passes DCGAN);
            None accepts any family.
        compile: compile the model with the optimizers and loss it was
            trained with (fresh optimizer state), ready to keep training.

    Raises:
        PresetError: unknown name, damaged folder, wrong class or a folder
            this version cannot read.
    """
    folder = find(name_or_folder)
    meta = verify(folder)
    try:
        config = json.loads((folder / CONFIG_FILE).read_text())
    except ValueError as e:
        raise PresetError(f"{folder / CONFIG_FILE} is not valid JSON: {e}") from e
    found = _model_class(config, folder)
    if cls is not None and not issubclass(found, cls):
        raise PresetError(
            f"Preset {str(name_or_folder)!r} holds a {found.__name__}, not a {cls.__name__}. "
            f"Use keras_gan.models.{found.__name__}.from_preset({str(name_or_folder)!r}) or "
            f"keras_gan.from_preset({str(name_or_folder)!r})."
        )
    compile_config = config.pop("compile_config", None)
    try:
        model = keras.saving.deserialize_keras_object(config)
        model.load_weights(folder / WEIGHTS_FILE)
    except Exception as e:
        raise PresetError(
            f"{folder} (written by keras-gan {meta.get('keras_gan_version', '?')}, Keras "
            f"{meta.get('keras_version', '?')}) does not load in keras-gan {_version()} with "
            f"Keras {keras.__version__}: {type(e).__name__}: {e}"
        ) from e
    if compile and compile_config is not None:
        model.compile_from_config(compile_config)
    model.source = dict(meta.get("source") or {})
    model.source.setdefault("preset_folder", str(folder))
    return model


def parameter_counts(model) -> dict:
    counts = {}
    for key in model.network_keys + ("ema_generator",):
        net = getattr(model, key, None)
        if net is not None and key not in counts:
            counts[key] = int(net.count_params())
    counts["total"] = sum(counts.values())
    return counts


def _file_entry(path):
    return {"sha256": sha256(path), "bytes": path.stat().st_size}


def save(model, folder, metadata=None, overwrite=True):
    """Write ``model`` as a preset folder (what `load` reads).

    Args:
        model: a keras-gan model.
        folder: where to write; written under a temporary name and renamed, so
            an interrupted save leaves any previous folder whole.
        metadata: extra JSON-able facts for ``metadata.json`` (training
            command, budget, machine, measured metrics).
        overwrite: replace an existing folder.

    Returns:
        the folder's path.
    """
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise FileExistsError(f"{folder} exists; pass overwrite=True to replace it.")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        config = keras.saving.serialize_keras_object(model)
        config.pop("build_config", None)
        (tmp / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
        # An uncompiled twin carries the same network variables and no optimizer state.
        twin_config = {k: v for k, v in config.items() if k != "compile_config"}
        twin = keras.saving.deserialize_keras_object(twin_config)
        twin.set_weights(model.get_weights())
        twin.save_weights(tmp / WEIGHTS_FILE)
        meta = {
            "format_version": FORMAT_VERSION,
            "class_name": type(model).__name__,
            "family": getattr(type(model), "registry_name", None),
            "keras_version": keras.__version__,
            "keras_gan_version": _version(),
            "backend": keras.backend.backend(),
            "date_saved": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "parameter_count": parameter_counts(model),
            "source": dict(getattr(model, "source", None) or {}),
            **(metadata or {}),
        }
        meta["source"].pop("preset_folder", None)
        meta["files"] = {n: _file_entry(tmp / n) for n in (CONFIG_FILE, WEIGHTS_FILE)}
        (tmp / METADATA_FILE).write_text(json.dumps(meta, indent=2) + "\n")
        replace_folder(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def replace_folder(tmp, final):
    """Move the finished folder ``tmp`` to ``final``, replacing any folder there.

    Renames only, so a crash leaves either the old folder or the new one whole.
    """
    tmp, final = Path(tmp), Path(final)
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


def update_metadata(folder, **fields):
    """Merge ``fields`` into a preset folder's ``metadata.json`` (hashes unchanged)."""
    folder = Path(folder)
    meta = verify(folder)
    meta.update(fields)
    path = folder / METADATA_FILE
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(tmp, path)
    return meta
