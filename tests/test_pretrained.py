"""The zoo's shipped weights: every preset folder verifies, loads and generates;
damage to any of its files is a clear error that names the file."""

import json
import shutil

import numpy as np
import pytest

import keras_gan
from keras_gan import zoo
from keras_gan.core import family_of, pretrained
from keras_gan.core.pretrained import PresetError

SHIPPED = pretrained.list_pretrained()
# Recipes whose weights are still being trained (resumable runs across sessions): none
# now, every recipe ships. A new recipe may wait here while its weights train.
PENDING = set()
# The repository stays light (the pretrained-zoo issue's limits).
MAX_PRESET_BYTES = 25 * 2**20
MAX_ZOO_BYTES = 150 * 2**20


def test_every_recipe_ships_weights_or_is_pending():
    recipes = set(zoo.list_presets())
    assert set(SHIPPED) <= recipes, "a weights folder without a recipe"
    assert recipes - set(SHIPPED) == PENDING - set(SHIPPED), "PENDING is out of date"
    assert not PENDING & set(SHIPPED), (
        f"ships weights now, drop from PENDING: {PENDING & set(SHIPPED)}"
    )


def test_shipped_weights_stay_within_the_size_limits():
    sizes = {
        name: sum(f.stat().st_size for f in (pretrained.zoo_dir() / name).iterdir())
        for name in SHIPPED
    }
    assert all(v <= MAX_PRESET_BYTES for v in sizes.values()), sizes
    assert sum(sizes.values()) <= MAX_ZOO_BYTES


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_preset_verifies_loads_and_generates(name):
    meta = pretrained.verify(pretrained.find(name))
    # what the zoo promises about every shipped model
    for key in ("training", "metrics", "parameter_count", "keras_version", "source"):
        assert meta.get(key), f"{name}: metadata.json has no {key!r}"
    assert meta["training"]["command"] and meta["training"]["machine"]
    assert all(m.get("command") and m.get("date") for m in meta["metrics"])
    model = keras_gan.from_preset(name)
    assert model.source["preset"] == name
    assert model.g_optimizer is not None  # compiled, ready to keep training
    family = family_of(model)
    out = family.probe(model, shipped_request(model, 2))
    assert out.shape == (2, *model.data_shape)
    assert np.isfinite(out).all()
    if len(model.data_shape) == 3:  # images in [-1, 1]
        assert np.abs(out).max() <= 1.0 + 1e-6


def shipped_request(model, n):
    """A serving_default request that fits this model (its export's own warm-up example)."""
    endpoints = model.serving_endpoints()
    example = endpoints[next(iter(endpoints))][2]
    return {k: np.asarray(v)[:n] for k, v in example.items()}


@pytest.fixture
def copied(tmp_path):
    """A copy of a shipped preset folder, to damage."""
    folder = tmp_path / SHIPPED[0]
    shutil.copytree(pretrained.find(SHIPPED[0]), folder)
    return folder


def test_truncated_weights_are_named(copied):
    weights = copied / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(PresetError, match=r"model\.weights\.h5 is truncated.*git checkout --"):
        keras_gan.from_preset(copied)


def test_altered_weights_are_named(copied):
    weights = copied / "model.weights.h5"
    raw = bytearray(weights.read_bytes())
    raw[-100] ^= 0xFF
    weights.write_bytes(bytes(raw))
    with pytest.raises(PresetError, match=r"model\.weights\.h5 is altered"):
        keras_gan.from_preset(copied)


def test_missing_file_is_named(copied):
    (copied / "config.json").unlink()
    (copied / "config.json").mkdir()  # still a folder, but the config is gone
    with pytest.raises(PresetError, match="config.json is missing"):
        pretrained.verify(copied)


def test_missing_metadata_is_named(copied):
    (copied / "metadata.json").unlink()
    with pytest.raises(PresetError, match="metadata.json is missing"):
        keras_gan.from_preset(copied)


def test_folder_from_a_newer_format_says_so(copied):
    meta = json.loads((copied / "metadata.json").read_text())
    meta["format_version"] = pretrained.FORMAT_VERSION + 1
    (copied / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(PresetError, match="Upgrade keras-gan"):
        keras_gan.from_preset(copied)


def test_unknown_name_lists_the_shipped_presets():
    with pytest.raises(PresetError, match=f"Unknown preset 'nope'.*{SHIPPED[0]}"):
        keras_gan.from_preset("nope")


def test_recipe_without_weights_says_how_to_train_it(monkeypatch, tmp_path):
    (tmp_path / "toy_recipe.json").write_text(json.dumps({"model": {}, "data": {}}))
    monkeypatch.setenv("KERAS_GAN_ZOO", str(tmp_path))
    with pytest.raises(
        PresetError, match="ships no trained weights yet.*keras-gan train toy_recipe"
    ):
        keras_gan.from_preset("toy_recipe")


def test_wrong_class_names_the_right_one():
    from keras_gan.models import CycleGAN

    model = keras_gan.from_preset(SHIPPED[0])
    cls = type(model).__name__
    with pytest.raises(
        PresetError, match=f"holds a {cls}, not a CycleGAN.*models.{cls}.from_preset"
    ):
        CycleGAN.from_preset(SHIPPED[0])


def test_zoo_load_still_returns_the_untrained_recipe():
    name = SHIPPED[0]
    model, _ = zoo.load(name)
    assert model.source["preset"] == name
    trained = keras_gan.from_preset(name, compile=False)
    a = np.concatenate([np.ravel(w) for w in model.generator.get_weights()])
    b = np.concatenate([np.ravel(w) for w in trained.generator.get_weights()])
    assert not np.allclose(a, b)


@pytest.fixture(scope="module")
def zoo_serving(tmp_path_factory):
    """``keras-gan export --all``: every shipped model and one models.config."""
    from keras_gan.cli import main

    base = tmp_path_factory.mktemp("zoo_serving")
    assert main(["export", "--all", "--base-dir", str(base)]) == 0
    return base


def test_export_all_writes_one_config_for_the_whole_zoo(zoo_serving):
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    config = text_format.Parse(
        (zoo_serving / "models.config").read_text(), model_server_config_pb2.ModelServerConfig()
    )
    entries = {c.name: c.base_path for c in config.model_config_list.config}
    assert entries == {name: f"/models/{name}" for name in SHIPPED}
    for name in SHIPPED:
        assert (zoo_serving / name / "1" / "saved_model.pb").is_file()
        meta = json.loads(
            (zoo_serving / name / "1" / "assets.extra" / "keras_gan.json").read_text()
        )
        assert meta["preset"] == name  # the export records where it came from


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
def test_one_server_answers_for_every_shipped_model(zoo_serving, protocol):
    """The zoo folder served as TF Serving would (the emulator): each model's default
    signature answers its family's request as the in-memory model does."""
    from keras_gan.serving import Client
    from tests.export.tf_serving_emulator import Emulator

    with Emulator({name: zoo_serving / name for name in SHIPPED}) as em:
        url = (
            f"localhost:{em.rest_port}"
            if protocol == "rest"
            else f"grpc://127.0.0.1:{em.grpc_port}"
        )
        client = Client(url)
        for name in SHIPPED:
            model = keras_gan.from_preset(name, compile=False)
            family = family_of(model)
            request = shipped_request(model, 2)
            out = client.predict(name, request)
            key = "images" if "images" in out else "samples"
            np.testing.assert_allclose(out[key], family.probe(model, request), atol=1e-4)


def test_export_records_a_zoo_models_dataset(tmp_path):
    """A model from zoo.load carries its preset and dataset into its export, so
    evaluate needs no --dataset."""
    from keras_gan import export
    from keras_gan.cli import _dataset_for

    model = zoo.load(SHIPPED[0]).model
    path = export.export(model, name="d", base_dir=tmp_path)
    meta = json.loads((path / "assets.extra" / "keras_gan.json").read_text())
    assert (
        meta["preset"] == SHIPPED[0]
        and meta["dataset"] == zoo.get_preset(SHIPPED[0])["data"]["name"]
    )
    assert _dataset_for(path, None) == meta["dataset"]


def test_readme_zoo_table_is_generated_from_the_shipped_metadata():
    from tools import zoo_table

    assert zoo_table.main(["--check"]) == 0, "run python tools/zoo_table.py --write"


def test_a_built_wheel_carries_the_weights_and_not_the_benchmarks(tmp_path):
    """`pip install .` (not only an editable install) finds the shipped weights."""
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    pytest.importorskip("setuptools", reason="builds the wheel without build isolation")
    root = Path(__file__).resolve().parent.parent
    src = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    src.mkdir()
    for item in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(root / item, src / item)
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(root / "keras_gan", src / "keras_gan", symlinks=True, ignore=skip)
    shutil.copytree(root / "zoo", src / "zoo", ignore=skip)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation"]
        + ["-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("keras_gan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in SHIPPED:
        for file in ("config.json", "model.weights.h5", "metadata.json"):
            assert f"keras_gan/presets/{name}/{file}" in names
    assert {f"keras_gan/presets/{n}.json" for n in zoo.list_presets()} <= names
    assert not [n for n in names if "/benchmarks/" in n]


def test_cli_samples_a_shipped_conditional_model_one_row_per_label(tmp_path, capsys):
    if "cgan_mnist" not in SHIPPED:
        pytest.skip("cgan_mnist ships no weights yet")
    from PIL import Image

    from keras_gan import cli

    out = tmp_path / "grid.png"
    assert cli.main(["sample", "cgan_mnist", "--labels", "0", "1", "2", "--out", str(out)]) == 0
    assert "Wrote 63 samples" in capsys.readouterr().out  # 64 // 3 of each label
    width, height = Image.open(out).size
    assert 6 * height < width < 8 * height  # 3 rows of 21
