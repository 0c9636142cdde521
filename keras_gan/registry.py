"""Model registry: family name -> model class.

The families declare themselves (``FAMILIES`` in ``keras_gan/families/<name>/``);
this module is the name lookup presets and the command line use.
"""

from __future__ import annotations

from keras_gan.core.family import families, get_family


def list_models():
    """Registered family names."""
    return list(families())


def get(name):
    """The model class registered under ``name``.

    Raises:
        ValueError: unknown name; the message lists the known ones.
    """
    return get_family(name).model
