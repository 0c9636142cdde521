"""Model registry: family name -> model class.

Families register themselves with `register`; presets in ``zoo/`` name a family
by its registry name.
"""

from __future__ import annotations

_MODELS: dict[str, type] = {}


def register(name):
    """Class decorator: make a model family available under ``name``."""

    def wrap(cls):
        if name in _MODELS and _MODELS[name] is not cls:
            raise ValueError(f"A model family named {name!r} is already registered.")
        _MODELS[name] = cls
        cls.registry_name = name
        return cls

    return wrap


def _ensure_loaded():
    import keras_gan.models  # noqa: F401  (importing registers the families)


def list_models():
    """Registered family names."""
    _ensure_loaded()
    return sorted(_MODELS)


def get(name):
    """The model class registered under ``name``.

    Raises:
        ValueError: unknown name; the message lists the known ones.
    """
    _ensure_loaded()
    if name not in _MODELS:
        raise ValueError(f"Unknown model {name!r}. Known models: {', '.join(sorted(_MODELS))}.")
    return _MODELS[name]
