"""The shared contract, run for every declared family (nothing listed by hand)."""

from keras_gan.core import families

from .contract_case import ContractCase

for _name in families():
    _cls = f"TestContract_{_name}"
    globals()[_cls] = type(_cls, (ContractCase,), {"family_name": _name})
