"""The family contract on PyTorch: every family's contract tests (fit, the last smaller
batch, save/reload with equal continued training, error messages, XLA) in a pytest
run under ``KERAS_BACKEND=torch``. A module of its own, so that pytest-xdist runs it
beside the other backend's."""

import pytest

from .helpers import run

pytest.importorskip("torch", reason='needs pip install -e ".[torch]"')


def test_every_family_keeps_the_contract_on_torch():
    run(
        "torch",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        "tests/families/test_contract.py",
    )
