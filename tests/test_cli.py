"""The keras-gan command line, end to end in subprocesses."""

import json
import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "keras_gan.cli", *args],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=cwd,
        timeout=600,
    )


def test_list():
    r = run("list")
    assert r.returncode == 0, r.stderr
    for name in ("dcgan_mnist", "gan_gaussian_1d", "gan_mnist", "dcgan_fashion_mnist"):
        assert name in r.stdout
    assert "families:" in r.stdout and "non_saturating" in r.stdout


def test_train_sample_export(tmp_path):
    out = tmp_path / "run"
    r = run(
        "train",
        "dcgan_mnist",
        "--out",
        str(out),
        "--epochs",
        "2",
        "--steps-per-epoch",
        "3",
        "--set",
        "latent_dim=8",
        "--set",
        "base_filters=4",
        "--batch-size",
        "16",
        "--verbose",
        "0",
        "--export",
        "--export-dir",
        str(tmp_path / "sm"),
    )
    assert r.returncode == 0, r.stderr[-3000:]
    config = json.loads((out / "config.json").read_text())
    assert config["train"]["epochs"] == 2 and config["model"]["latent_dim"] == 8
    assert str(out / "config.json") in r.stdout  # where the resolved config went, not a dump
    assert sorted(p.name for p in (out / "samples").iterdir()) == [
        "epoch_0001.png",
        "epoch_0002.png",
        "samples.gif",
    ]
    assert (out / "model.keras").exists() and (out / "history.csv").exists()
    assert (tmp_path / "sm" / "dcgan_mnist" / "1" / "saved_model.pb").exists()
    # the export records its dataset: evaluate needs no --dataset (issue 14's bug)
    exported = tmp_path / "sm" / "dcgan_mnist" / "1"
    meta = json.loads((exported / "assets.extra" / "keras_gan.json").read_text())
    assert meta["dataset"] == "mnist" and meta["preset"] == "dcgan_mnist"
    r = run("evaluate", str(exported), "--metrics", "fid", "--num-samples", "200", "--no-floor")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "against mnist" in r.stdout and "| fid |" in r.stdout

    r = run("sample", str(out / "model.keras"), "-n", "16", "--out", str(tmp_path / "g.png"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "g.png").stat().st_size > 200

    r = run("export", str(out / "model.keras"), "--name", "m", "--base-dir", str(tmp_path / "sm"))
    assert r.returncode == 0, r.stderr[-2000:]
    r = run(
        "export",
        str(out / "model.keras"),
        "--name",
        "m",
        "--base-dir",
        str(tmp_path / "sm"),
        "--version",
        "1",
    )
    assert r.returncode == 2 and "already exists" in r.stderr and "--overwrite" in r.stderr


def test_dry_run_prints_config(tmp_path):
    r = run("train", "gan_mnist", "--dry-run", "--epochs", "3", "--out", str(tmp_path / "x"))
    assert r.returncode == 0 and '"epochs": 3' in r.stdout
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (("train", "dcgan_cifar99"), "Unknown preset 'dcgan_cifar99'. Known presets:"),
        (("train", "dcgan_mnist", "--set", "loss=wgan", "--dry-run"), None),
        (("train", "dcgan_mnist", "--set", "bogus=1"), "matches no setting"),
        (("sample", "missing.keras"), "No model file at"),
    ],
)
def test_bad_input_is_one_clear_line(args, message, tmp_path):
    r = run(*args, cwd=tmp_path)
    if message is None:  # a dry run does not build the model
        assert r.returncode == 0
        return
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr and "Traceback" not in r.stderr


def test_unknown_loss_from_cli(tmp_path):
    r = run(
        "train",
        "dcgan_mnist",
        "--set",
        "loss=wgan",
        "--out",
        str(tmp_path / "r"),
        "--set",
        "limit=64",
    )
    assert r.returncode == 2 and "Unknown loss 'wgan'" in r.stderr


def test_corrupt_model_file(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"PK\x03\x04 this is not a whole zip")
    r = run("sample", str(bad))
    assert r.returncode == 2 and "truncated or corrupt" in r.stderr


def test_evaluate_a_stacked_mnist_model_counts_its_modes(tmp_path, capsys):
    """Stacked MNIST has no classifier of its own: each channel goes to the MNIST one.
    Known answer: 500 draws from 1,000 equally likely modes cover 1000 * (1 - e^-0.5)
    = 393 of them on average; an untrained generator, which draws nearly the same
    image every time, very few."""
    from keras_gan import cli, saving
    from keras_gan.models import DCGAN

    model = DCGAN(image_shape=(28, 28, 3), latent_dim=8, base_filters=4, pack=2, seed=0)
    path = saving.save_model(model, tmp_path / "m.keras")
    out = tmp_path / "scores.json"
    argv = ["evaluate", str(path), "--dataset", "stacked_mnist", "--num-samples", "500"]
    assert cli.main([*argv, "--json", str(out)]) == 0
    assert "| modes |" in capsys.readouterr().out
    scores = json.loads(out.read_text())
    real, fake = scores["real test stacks (500)"], scores["model"]
    assert 350 < real["modes"] < 430 and real["kl_to_uniform"] < 1.5, real
    assert fake["modes"] < real["modes"] // 2 and fake["kl_to_uniform"] > 3.0, fake


def test_train_is_quiet_by_default(tmp_path):
    """No JSON dump of the preset and no TensorFlow C++ start-up lines: where the
    configuration went, a progress line per epoch, and where the outputs are."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    out = tmp_path / "run"
    args = ["gan_gaussian_1d", "--epochs", "1", "--out", str(out), "--verbose", "0"]
    r = subprocess.run(
        [sys.executable, "-m", "keras_gan.cli", "train", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    text = r.stdout + r.stderr
    assert '"model"' not in text and "{" not in text  # no configuration dump
    for noise in ("I0000", "E0000", "cuda", "oneDNN", "absl"):
        assert noise not in text, (noise, text)
    assert f"configuration: {out / 'config.json'}" in r.stdout
    assert f"Model: {out / 'model.keras'}" in r.stdout
