"""keras-gan: generative adversarial networks for Keras 3.

The subpackages load on first use, so ``import keras_gan`` is cheap and
``keras_gan.zoo.load(...)``, ``keras_gan.data.load(...)`` and the others
work without importing them one by one.
"""

import importlib

__version__ = "0.1.0"

# The public face: what the README uses.
SUBMODULES = (
    "callbacks",
    "core",
    "data",
    "export",
    "families",
    "images",
    "losses",
    "metrics",
    "models",
    "networks",
    "penalties",
    "registry",
    "saving",
    "serving",
    "training",
    "zoo",
)
__all__ = [*SUBMODULES, "__version__", "from_preset"]


def from_preset(preset, compile=True):
    """The trained model of a preset, whatever its family.

    ``preset`` is a zoo name (``keras-gan list`` shows which ship weights) or a
    folder written by ``model.save_to_preset``. See
    `keras_gan.core.GANModel.from_preset`.

    Example:
        >>> model = keras_gan.from_preset("dcgan_mnist")
        >>> model.generate(seeds=[1, 2, 3]).shape
        (3, 28, 28, 1)
    """
    from keras_gan.core import pretrained

    return pretrained.load(preset, compile=compile)


def __getattr__(name):
    if name in SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'keras_gan' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
