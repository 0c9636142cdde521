"""The shared contract, run for every declared family (nothing listed by hand)."""

import keras
import pytest

from keras_gan.core import families, get_family

from .contract_case import ContractCase, slow

# The XLA-compiled step of these families takes 25-50 s to compile and run on a
# 2-core AVX2 CPU (CI, 2026-11-29); theirs runs with `pytest -m slow`, the other
# families' (and the cgan projection variant's) in the default run.
SLOW_XLA = {"cyclegan", "pix2pix", "text2image", "wgan_gp"}


for _name in families():
    _cls = f"TestContract_{_name}"
    _fam = get_family(_name)
    _attrs = {"family_name": _name}
    if _name in SLOW_XLA:
        _xla = ContractCase.test_xla_compiled_step_runs_or_says_why_not
        _attrs[_xla.__name__] = slow(_xla)
    _case = type(_cls, (ContractCase,), _attrs)
    if keras.backend.backend() not in _fam.backends:
        _case = pytest.mark.skip(
            reason=f"{_name} is not on {keras.backend.backend()}: {_fam.backend_note}"
        )(_case)
    globals()[_cls] = _case
