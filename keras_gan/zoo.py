"""Presets: recipes stored as data in ``zoo/`` (one JSON file per preset).

A preset names a model family, its constructor arguments, the optimizers and
loss for `compile`, the dataset and the training budget: a recipe, with no
measured results (those live with the shipped weights' ``metadata.json`` and in
``zoo/benchmarks/``). `load` turns one into a compiled, ready-to-fit model
and its dataset::

    model, dataset = keras_gan.zoo.load("dcgan_mnist")
    model.fit(dataset, epochs=5)

Overrides are plain keyword arguments that name a key of the preset's
``model``, ``compile``, ``data`` or ``train`` section, e.g.
``load("dcgan_mnist", latent_dim=64, batch_size=32, epochs=1)``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import keras

SECTIONS = ("model", "compile", "data", "train")
# Settings every preset has, so that they can always be overridden.
DEFAULTS = {
    "data": {"split": "train", "limit": None},
    "train": {
        "epochs": 1,
        "batch_size": 64,
        "steps_per_epoch": None,
        "sample_every": 1,
        "num_samples": 64,
        # the dtype policy the model is built with (see build_model)
        "precision": "float32",
    },
}


def preset_dir() -> Path:
    """Directory of the preset files: ``$KERAS_GAN_ZOO`` or the packaged ``zoo/``."""
    from keras_gan.core.pretrained import zoo_dir

    return zoo_dir()


def list_presets():
    """Names of every preset."""
    return sorted(p.stem for p in preset_dir().glob("*.json"))


def get_preset(name) -> dict:
    """The preset ``name`` as a dict (a fresh copy).

    Raises:
        ValueError: unknown name (the message lists the known ones) or a
            malformed preset file.
    """
    path = preset_dir() / f"{name}.json"
    if not isinstance(name, str) or not path.is_file():
        raise ValueError(f"Unknown preset {name!r}. Known presets: {', '.join(list_presets())}.")
    try:
        preset = json.loads(path.read_text())
    except ValueError as e:
        raise ValueError(f"Preset file {path} is not valid JSON: {e}") from e
    for section in ("model", "data"):
        if section not in preset:
            raise ValueError(f"Preset file {path} has no {section!r} section.")
    _check_homes(preset, str(path))
    preset.setdefault("name", name)
    for section in SECTIONS:
        preset.setdefault(section, {})
        for key, value in DEFAULTS.get(section, {}).items():
            preset[section].setdefault(key, value)
    return copy.deepcopy(preset)


# Settings with one home: the section they must be written in.
HOMES = {"batch_size": "train", "epochs": "train", "steps_per_epoch": "train", "precision": "train"}


def _check_homes(preset, where):
    for key, home in HOMES.items():
        for section in SECTIONS:
            if section != home and key in preset.get(section, {}):
                raise ValueError(
                    f"{where}: {key!r} is a {home!r} setting but is set in {section!r}; move it "
                    f"to the {home!r} section (or override it as {home}.{key})."
                )


def resolve(name_or_preset, **overrides) -> dict:
    """Apply keyword overrides to a preset and return the resolved preset.

    Each override key must name exactly one key of a section (``model``,
    ``compile``, ``data``, ``train``); ``section.key`` picks a section
    explicitly and may add a key that the preset does not set.
    """
    preset = (
        get_preset(name_or_preset)
        if isinstance(name_or_preset, str)
        else copy.deepcopy(name_or_preset)
    )
    # None is a value like any other (`--set d_norm=null` sets the preset's d_norm to null).
    for key, value in overrides.items():
        if "." in key:
            section, sub = key.split(".", 1)
            if section not in SECTIONS:
                raise ValueError(
                    f"Unknown preset section {section!r} in override {key!r}; sections: {', '.join(SECTIONS)}."
                )
            preset[section][sub] = value
            continue
        hits = [s for s in SECTIONS if key in preset[s]]
        if not hits:
            known = sorted({k for s in SECTIONS for k in preset[s]})
            raise ValueError(
                f"Override {key!r} matches no setting of preset {preset['name']!r}. Settings: "
                f"{', '.join(known)}. Use 'section.key' (sections: {', '.join(SECTIONS)}) to add one."
            )
        if len(hits) > 1:
            raise ValueError(
                f"Override {key!r} is ambiguous ({', '.join(hits)}); write 'section.{key}'."
            )
        preset[hits[0]][key] = value
    _check_homes(preset, f"preset {preset['name']!r}")
    return preset


def build_model(preset: dict, strategy=None):
    """Build and compile the model a resolved preset describes (in ``strategy``'s scope).

    ``train.precision`` (default "float32") is the Keras dtype policy its layers
    are built with: "mixed_bfloat16", "mixed_float16", or "auto" (bfloat16
    where the hardware computes it natively, else float32; see
    `keras_gan.backend.native_bfloat16`). The global policy is left as it was.
    """
    from keras_gan import backend

    if strategy is not None:
        with strategy.scope():
            return build_model(preset)
    policy = backend.resolve_precision(preset.get("train", {}).get("precision", "float32"))
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        return _build_model(preset)
    finally:
        keras.config.set_dtype_policy(previous)


def _build_model(preset):
    from keras_gan import registry

    model_cfg = dict(preset["model"])
    family = model_cfg.pop("family", None)
    if family is None:
        raise ValueError(f"Preset {preset.get('name')!r} has no model.family.")
    cls = registry.get(family)
    if model_cfg.get("seed") is not None:
        # The preset's seed fixes the initial weights as well as the training noise.
        keras.utils.set_random_seed(int(model_cfg["seed"]))
    model = cls(**model_cfg)
    compile_cfg = dict(preset["compile"])
    for key in ("g_optimizer", "d_optimizer"):
        if isinstance(compile_cfg.get(key), dict):
            config = _fill_schedule(copy.deepcopy(compile_cfg[key]), preset["train"])
            compile_cfg[key] = keras.optimizers.deserialize(config)
    model.compile(**compile_cfg)
    model.source = source_of(preset)
    return model


def _fill_schedule(optimizer_config, train):
    """A learning-rate schedule's null ``epochs`` / ``steps_per_epoch`` take the run's budget.

    So a recipe's schedule (CycleGAN's linear decay) follows ``--epochs`` and
    ``--steps-per-epoch`` overrides instead of repeating the numbers.
    """
    schedule = optimizer_config.get("config", {}).get("learning_rate")
    if isinstance(schedule, dict):
        settings = schedule.get("config", {})
        for key in ("epochs", "steps_per_epoch"):
            if key in settings and settings[key] is None:
                if train.get(key) is None:
                    raise ValueError(
                        f"The learning-rate schedule takes {key} from the preset's train "
                        f"section, which does not set it; set train.{key}."
                    )
                settings[key] = int(train[key])
    return optimizer_config


def source_of(preset) -> dict:
    """What a model records about the preset it was built from (export writes it down)."""
    return {
        "preset": preset.get("name"),
        "dataset": preset["data"].get("name"),
        "data": dict(preset["data"]),
    }


def build_dataset(preset: dict, stream=False, initial_epoch=0):
    """The training data of a resolved preset: ``(dataset, steps_per_epoch)``.

    By default a dataset that `fit` re-iterates every epoch (steps_per_epoch is
    None). With ``stream=True``, one resumable stream for epochs
    ``initial_epoch .. train.epochs - 1`` (see `keras_gan.data.make_dataset`).
    """
    from keras_gan import data, registry

    family = preset.get("model", {}).get("family")
    if family is not None:
        registry.get(family)  # an unknown family fails here, before any data is read
    cfg = dict(preset["data"])
    loader = cfg.pop("loader", "load")
    name = cfg.pop("name")
    batch_size = int(preset["train"]["batch_size"])
    fn = data.load if loader == "load" else getattr(data, loader, None)
    if fn is None:
        raise ValueError(f"Preset data.loader {loader!r} is not a function of keras_gan.data.")
    if not stream:
        if loader == "load_unpaired" and preset["train"].get("steps_per_epoch"):
            # an unpaired dataset has no natural epoch; it takes the preset's
            cfg["steps_per_epoch"] = preset["train"]["steps_per_epoch"]
        return fn(name, batch_size=batch_size, **cfg), None
    epochs = int(preset["train"]["epochs"])
    ds = fn(
        name,
        batch_size=batch_size,
        epochs=epochs,
        initial_epoch=initial_epoch,
        steps_per_epoch=preset["train"].get("steps_per_epoch"),
        **cfg,
    )
    remaining = epochs - int(initial_epoch)
    if remaining <= 0:
        return ds, None
    if isinstance(ds, data.ArrayBatches):  # JAX / PyTorch: batches per epoch
        return ds, len(ds)
    return ds, int(ds.cardinality()) // remaining


@dataclass
class Loaded:
    """What `load` returns: unpacks as ``model, dataset``."""

    model: object
    dataset: object
    preset: dict
    steps_per_epoch: int | None = None

    def __iter__(self):
        return iter((self.model, self.dataset))


def load(name, strategy=None, stream=False, initial_epoch=0, **overrides) -> Loaded:
    """Build the compiled model and the dataset of preset ``name``.

    Args:
        name: a preset name (`list_presets()`) or a preset dict that `resolve` returned.
        strategy: an optional `tf.distribute.Strategy`; the model is built and
            compiled in its scope.
        stream, initial_epoch: see `build_dataset` (used by `keras_gan.training`).
        **overrides: settings that replace the preset's (see `resolve`).

    Returns:
        ``Loaded(model, dataset, preset, steps_per_epoch)``; unpack it as
        ``model, dataset``.
    """
    preset = resolve(name, **overrides) if isinstance(name, str) or overrides else name
    # The model first: a bad setting fails before any data is fetched.
    model = build_model(preset, strategy=strategy)
    dataset, steps = build_dataset(preset, stream=stream, initial_epoch=initial_epoch)
    return Loaded(model, dataset, preset, steps)
