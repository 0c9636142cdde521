"""The family contract on JAX: every family's contract tests (fit, the last smaller
batch, save/reload with equal continued training, stock callbacks, error messages, XLA)
in a pytest run under ``KERAS_BACKEND=jax``. A module of its own, so that pytest-xdist
runs it beside the other backend's."""

import pytest

from .helpers import run

pytest.importorskip("jax", reason='needs pip install -e ".[jax]"')

# The stock Keras callbacks: LearningRateScheduler, ReduceLROnPlateau, EarlyStopping,
# ModelCheckpoint, BackupAndRestore, CSVLogger and TensorBoard share one short fit per
# family; TerminateOnNaN has a fit of its own.
# Those five tests of every family took 118 s on one AVX-512 EPYC core shared with a
# niced training run (2026-12-07); TerminateOnNaN's fits about 100 s more there.
STOCK_CALLBACKS = (
    "learning_rate_scheduler or early_stopping or model_checkpoint "
    "or backup_and_restore or csv_logger or terminate_on_nan"
)


def _contract(*select):
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
        *select,
    )


def test_every_family_takes_the_stock_callbacks_on_jax():
    _contract("-k", STOCK_CALLBACKS)


# The rest is slow: the whole contract took over 900 s on an AVX2-only 2-core CPU
# (429 s on an AVX-512 Xeon), where XLA's CPU convolutions are slow. JAX keeps six more
# checks in the default run (tests/backends/test_backends.py): training without
# TensorFlow, .keras files both ways with export, the ring's 8 modes, a failed fit
# losing nothing, and DataParallel on two devices.
@pytest.mark.slow
def test_every_family_keeps_the_rest_of_the_contract_on_jax():
    # -m "": the child also runs the contract's own slow tests (XLA of the slow families)
    _contract("-m", "", "-k", f"not ({STOCK_CALLBACKS})")
