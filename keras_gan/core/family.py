"""Family declarations: what each family tells the rest of the library.

A family lives in one folder, ``keras_gan/families/<name>/``, whose
``__init__.py`` declares one or more `Family` objects in ``FAMILIES``. The
registry, the command line, export, the tools and the shared tests read these
declarations; nothing outside a family branches on its name. Adding a folder
with a declaration adds a family.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


def _seed_request(n):
    return {"seed": np.arange(n, dtype=np.int64)}


def _generate_probe(model, request):
    return model.generate(seeds=request["seed"])


@dataclass(frozen=True)
class Family:
    """One family as the rest of the library sees it.

    Args:
        name: the registry name presets use (``model.family``).
        model: the `keras.Model` subclass.
        make_model: builds a tiny instance for the shared tests (seconds to train).
        make_batch: ``n -> batch`` of matching training data as `fit` receives it
            (numpy images, or a tuple such as ``(images, labels)``).
        request: ``n -> {input: numpy array}`` for the exported ``serving_default``
            signature (for a noise-to-sample family: ``{"seed": ...}``).
        probe: ``(model, request) -> numpy`` the same request answered in memory;
            export must reproduce it.
        evaluate: ``(model, data_config, num_samples, seed) -> {metric: value}``,
            the family's own evaluation; None: the image metrics (FID, KID,
            precision/recall, class coverage) against the preset's dataset.
        distributed: whether the scale checks (mixed precision in every policy,
            `tests/scale`) run for this family.
        description: one line for ``keras-gan list``.
        backends: the Keras backends it trains on.
        backend_note: why a backend is missing from ``backends``.
    """

    name: str
    model: type
    make_model: Callable
    make_batch: Callable
    request: Callable = _seed_request
    probe: Callable = _generate_probe
    evaluate: Callable | None = None
    distributed: bool = True
    description: str = ""
    extra: dict = field(default_factory=dict)
    backends: tuple = ("tensorflow", "jax", "torch")
    backend_note: str = ""


_FAMILIES: dict[str, Family] = {}
_LOADED = False


def _load():
    """Import every package under ``keras_gan/families/`` and collect its ``FAMILIES``."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    # Imported by name: the core knows no family (an import-linter contract).
    pkg = importlib.import_module("keras_gan.families")
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for fam in getattr(module, "FAMILIES", ()):
            if fam.name in _FAMILIES and _FAMILIES[fam.name] is not fam:
                raise ValueError(f"Two families are named {fam.name!r}.")
            _FAMILIES[fam.name] = fam
            fam.model.registry_name = fam.name


def families():
    """Every declared family, by name."""
    _load()
    return dict(sorted(_FAMILIES.items()))


def get_family(name):
    """The family named ``name``.

    Raises:
        ValueError: unknown name; the message lists the known ones.
    """
    known = families()
    if name not in known:
        raise ValueError(f"Unknown model family {name!r}. Known families: {', '.join(known)}.")
    return known[name]


def family_of(model):
    """The family a model instance belongs to (by its class's registry name)."""
    return get_family(getattr(type(model), "registry_name", type(model).__name__))
