"""Precision: the preset's train.precision and the native-bfloat16 check behind "auto"."""

import keras
import pytest

from keras_gan import backend, zoo


def _cpuinfo(tmp_path, flags):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 avx2 {flags}\n\n")
    return str(path)


def test_native_bfloat16_reads_the_cpu_flags(tmp_path):
    # This test process runs on a CPU (no GPU in CI), so the flags decide.
    assert backend.native_bfloat16(_cpuinfo(tmp_path, "avx512f avx512_bf16"))
    assert backend.native_bfloat16(_cpuinfo(tmp_path, "amx_tile amx_bf16"))
    assert not backend.native_bfloat16(_cpuinfo(tmp_path, "avx512f"))
    assert not backend.native_bfloat16(str(tmp_path / "missing"))


def test_auto_precision_follows_the_hardware(monkeypatch):
    monkeypatch.setattr(backend, "native_bfloat16", lambda: True)
    assert backend.resolve_precision("auto") == "mixed_bfloat16"
    monkeypatch.setattr(backend, "native_bfloat16", lambda: False)
    assert backend.resolve_precision("auto") == "float32"
    with pytest.raises(ValueError, match="precision must be one of"):
        backend.resolve_precision("bf16")


def test_preset_precision_builds_the_model_in_that_policy_and_leaves_the_global_one():
    preset = zoo.resolve("dcgan_mnist", precision="mixed_bfloat16", base_filters=4)
    model = zoo.build_model(preset)
    assert model.generator.dtype_policy.name == "mixed_bfloat16"
    assert model.generator.layers[-1].dtype_policy.name == "float32"  # tanh output
    assert keras.config.dtype_policy().name == "float32"
    assert zoo.resolve("dcgan_mnist")["train"]["precision"] == "float32"
