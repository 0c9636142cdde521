"""The family contract on JAX: every family's contract tests (fit, the last smaller
batch, save/reload with equal continued training, error messages, XLA) in a pytest
run under ``KERAS_BACKEND=jax``. A module of its own, so that pytest-xdist runs it
beside the other backend's."""

import pytest

from .helpers import run

pytest.importorskip("jax", reason='needs pip install -e ".[jax]"')


# Slow: over 900 s on an AVX2-only 2-core CPU (429 s on an AVX-512 Xeon), where XLA's
# CPU convolutions are slow. JAX keeps six checks in the default run (tests/backends/
# test_backends.py): training without TensorFlow, .keras files both ways with export,
# the ring's 8 modes, a failed fit losing nothing, and DataParallel on two devices.
@pytest.mark.slow
def test_every_family_keeps_the_contract_on_jax():
    run(
        "jax",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        "tests/families/test_contract.py",
    )
