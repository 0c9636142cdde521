"""One package per model family; each declares ``FAMILIES`` in its ``__init__``.

`keras_gan.core.families()` imports every package here and collects the
declarations, so a new folder with a declaration is a new family.
"""
