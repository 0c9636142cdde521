"""The dataset catalogue does not depend on import order: a fresh process that imports
only keras_gan knows every dataset, families imported or not."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_gan import data, registry
from keras_gan.data import edges

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


# One fresh interpreter for the tests below: it imports only keras_gan, loads
# mnist_edges and lists the datasets, then imports every family and lists them again.
CHILD = """
import json, sys
import numpy as np
import keras_gan

def families():
    return sorted(m for m in sys.modules if m.startswith("keras_gan.families"))

ds = keras_gan.data.load("mnist_edges", split="test", batch_size=8, limit=16, shuffle=False)
source, target = ds[0] if hasattr(ds, "__getitem__") else next(iter(ds))
source, target = np.asarray(source), np.asarray(target)
out = {
    "shapes": [list(source.shape), list(target.shape)],
    "dtypes": [str(source.dtype), str(target.dtype)],
    "range": [float(min(source.min(), target.min())), float(max(source.max(), target.max()))],
    "overlap": bool(np.any((source > 0) & (target > 0))),
    "before": keras_gan.data.list_datasets(),
    "families_before": families(),
}
keras_gan.registry.list_models()  # imports every family package
out.update(after=keras_gan.data.list_datasets(), families_after=families())
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def child():
    """What the fresh interpreter printed (the JSON on its last line of stdout)."""
    r = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=600, env=ENV
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_mnist_edges_loads_in_a_fresh_process_without_families(child):
    assert child["shapes"] == [[8, 28, 28, 1], [8, 28, 28, 1]]
    assert child["dtypes"] == ["float32", "float32"]
    assert -1.0 <= child["range"][0] and child["range"][1] <= 1.0
    assert not child["overlap"]  # an outline never overlaps its own ink
    assert child["families_before"] == []  # the dataset came from the data layer alone


def test_every_dataset_is_known_before_any_family_is_imported(child):
    assert child["families_before"] == [] and child["families_after"]  # the families did load
    assert child["before"] == child["after"], (
        "a family registers a dataset when it is imported; register it in keras_gan.data"
    )
    assert "mnist_edges" in child["before"]
    # and every dataset this process knows, all families imported, is one of them
    registry.list_models()
    own = {"tiny", "nowhere"}  # registered by tests in test_datasets.py
    assert set(data.list_datasets()) - own <= set(child["before"])


def test_mnist_edges_pairs_outlines_with_their_digits():
    source, target = data.load_arrays("mnist_edges", "test[:100]")
    digits, _ = data.load_arrays("mnist", "test[:100]")
    np.testing.assert_array_equal(target, digits)
    np.testing.assert_array_equal(source, edges.edge_map(digits))
    assert source.dtype == np.uint8 and set(np.unique(source)) <= {0, 255}
    assert data.get_info("mnist_edges").kind == "image_pair"


def test_edge_map_is_the_ring_just_outside_the_ink():
    img = np.zeros((1, 8, 8, 1), np.uint8)
    img[0, 3:5, 3:5, 0] = 255  # a 2x2 square of ink
    ring = edges.edge_map(img)[0, ..., 0] > 0
    want = np.zeros((8, 8), bool)
    want[2:6, 2:6] = True
    want[3:5, 3:5] = False  # the ink itself is not an edge
    np.testing.assert_array_equal(ring, want)
    with pytest.raises(ValueError, match="uint8 grey images"):
        edges.edge_map(np.zeros((8, 8), np.float32))
