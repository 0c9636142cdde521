"""The family contract on JAX: every family's contract tests (fit, the last smaller
batch, save/reload with equal continued training, error messages, XLA) in a pytest
run under ``KERAS_BACKEND=jax``. A module of its own, so that pytest-xdist runs it
beside the other backend's."""

import pytest

from .helpers import run

pytest.importorskip("jax", reason='needs pip install -e ".[jax]"')


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
