"""Every family's model class in one namespace: ``from keras_gan.models import DCGAN``.

The classes live in their families (``keras_gan/families/<name>/``); this
module collects them from the family declarations, so a new family appears
here without being listed.
"""

from keras_gan.core import BaseGAN, GANModel, latent_from_seeds  # noqa: F401
from keras_gan.core.family import families as _families


def _collect():
    out = {}
    for fam in _families().values():
        module = __import__(fam.model.__module__.rsplit(".", 1)[0], fromlist=["__all__"])
        for name in getattr(module, "__all__", (fam.model.__name__,)):
            out[name] = getattr(module, name)
    return out


_CLASSES = _collect()
globals().update(_CLASSES)
__all__ = sorted(["BaseGAN", "GANModel", "latent_from_seeds", *_CLASSES])
