"""Presets and the registry."""

import json

import pytest

from keras_gan import registry, zoo
from keras_gan.models import DCGAN, GAN

# figures measured by training each recipe (tools/measure_preset.py)
RECIPE_RESULTS = zoo.preset_dir() / "benchmarks" / "recipes"
REQUIRED = {"gan_mnist", "dcgan_mnist", "dcgan_fashion_mnist", "gan_gaussian_1d"}


def test_required_presets_exist():
    assert REQUIRED <= set(zoo.list_presets())


@pytest.mark.parametrize("name", sorted(zoo.list_presets()))
def test_every_preset_builds_a_compiled_model(name):
    preset = zoo.get_preset(name)
    model = zoo.build_model(zoo.resolve(name))
    assert model.g_optimizer is not None and model.loss_name == preset["compile"].get(
        "loss", model.default_loss
    )
    assert type(model) is registry.get(preset["model"]["family"])
    # a preset file is a recipe: measured figures live elsewhere
    assert set(preset) <= {"name", "description", "paper", *zoo.SECTIONS}, set(preset)


@pytest.mark.parametrize("path", sorted(RECIPE_RESULTS.glob("*.json")), ids=lambda p: p.stem)
def test_recipe_figures_name_how_where_and_when(path):
    record = json.loads(path.read_text())
    assert record["preset"] in zoo.list_presets()
    for result in record["results"]:
        assert {"metric", "value", "command", "hardware", "date"} <= set(result), result


def test_load_returns_model_and_dataset():
    model, ds = zoo.load("dcgan_mnist", limit=256, batch_size=32)
    assert isinstance(model, DCGAN)
    assert tuple(ds.element_spec.shape) == (None, 28, 28, 1)
    loaded = zoo.load("gan_gaussian_1d", limit=100)
    assert isinstance(loaded.model, GAN) and loaded.preset["data"]["limit"] == 100


def test_overrides_reach_the_model():
    model, _ = zoo.load("dcgan_mnist", latent_dim=16, base_filters=8, limit=64)
    assert model.latent_dim == 16
    preset = zoo.resolve("dcgan_mnist", **{"model.d_steps": 2})
    assert preset["model"]["d_steps"] == 2


def test_unknown_preset_lists_known():
    with pytest.raises(
        ValueError, match="Unknown preset 'dcgan_cifar99'. Known presets: .*dcgan_mnist"
    ):
        zoo.load("dcgan_cifar99")


def test_unknown_override():
    with pytest.raises(ValueError, match="matches no setting"):
        zoo.resolve("dcgan_mnist", learning_rate_typo=1)


def test_unknown_model_family():
    with pytest.raises(ValueError, match="Unknown model family 'gan9'. Known families: .*dcgan"):
        registry.get("gan9")


def test_malformed_preset_file(tmp_path, monkeypatch):
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "nomodel.json").write_text(json.dumps({"data": {"name": "mnist"}}))
    monkeypatch.setenv("KERAS_GAN_ZOO", str(tmp_path))
    with pytest.raises(ValueError, match="not valid JSON"):
        zoo.get_preset("broken")
    with pytest.raises(ValueError, match="no 'model' section"):
        zoo.get_preset("nomodel")


def test_a_setting_in_the_wrong_section_is_an_error_not_dropped():
    preset = zoo.get_preset("dcgan_mnist")
    preset["data"]["batch_size"] = 7
    with pytest.raises(ValueError, match="'batch_size' is a 'train' setting but is set in 'data'"):
        zoo.resolve(preset)


def test_the_package_exposes_its_subpackages():
    """`import keras_gan; keras_gan.zoo.load(...)` works without importing zoo first."""
    import subprocess
    import sys

    code = "import keras_gan; print(keras_gan.zoo.list_presets()[:1], keras_gan.data.list_datasets()[:1])"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "acgan_mnist" in r.stdout


def test_an_override_to_null_is_applied_not_dropped():
    # `--set d_norm=null` once left the preset's "batch" in place without a word.
    assert zoo.resolve("dcgan_mnist", d_norm=None)["model"]["d_norm"] is None
    assert zoo.resolve("dcgan_mnist", **{"model.d_norm": None})["model"]["d_norm"] is None
