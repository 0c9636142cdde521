"""Datasets as `tf.data` pipelines (TensorFlow) or `ArrayBatches` (JAX, PyTorch), fetched
through an ordered chain of sources."""

from keras_gan.data.datasets import (
    ArrayBatches,
    DatasetInfo,
    UnpairedBatches,
    get_info,
    list_datasets,
    load,
    load_arrays,
    load_unpaired,
    make_dataset,
    register_dataset,
    resize_images,
    to_float,
    to_uint8,
)
from keras_gan.data.sources import DatasetUnavailableError, cache_dir

__all__ = [
    "ArrayBatches",
    "UnpairedBatches",
    "DatasetInfo",
    "DatasetUnavailableError",
    "cache_dir",
    "get_info",
    "list_datasets",
    "load",
    "load_arrays",
    "load_unpaired",
    "make_dataset",
    "register_dataset",
    "resize_images",
    "to_float",
    "to_uint8",
]
