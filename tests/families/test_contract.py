"""The shared contract, run for every declared family (nothing listed by hand)."""

import keras
import pytest

from keras_gan.core import families, get_family

from .contract_case import ContractCase

for _name in families():
    _cls = f"TestContract_{_name}"
    _fam = get_family(_name)
    _case = type(_cls, (ContractCase,), {"family_name": _name})
    if keras.backend.backend() not in _fam.backends:
        _case = pytest.mark.skip(
            reason=f"{_name} is not on {keras.backend.backend()}: {_fam.backend_note}"
        )(_case)
    globals()[_cls] = _case
