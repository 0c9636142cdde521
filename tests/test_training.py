"""Runs that are killed resume with nothing lost; the guard stops or rolls back divergence."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import training
from keras_gan.callbacks import TrainingGuard
from keras_gan.models import GAN
from keras_gan.saving import load_model
from tests.backends.helpers import child_env

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
RUN = [
    "train",
    "dcgan_mnist",
    "--epochs",
    "6",
    "--batch-size",
    "32",
    "--verbose",
    "0",
    "--set",
    "latent_dim=8",
    "--set",
    "base_filters=8",
    "--set",
    "limit=1600",
    "--set",
    "sample_every=1",
]


def cli(*args, backend="tensorflow", **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "keras_gan.cli", *args],
        env=child_env(backend, ENV),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _backends():
    import importlib.util

    # JAX and PyTorch: in the slow run (`pytest -m slow`), to keep the default run under 30 min
    return ["tensorflow"] + [
        pytest.param(b, marks=pytest.mark.slow)
        for b in ("jax", "torch")
        if importlib.util.find_spec(b)
    ]


@pytest.mark.parametrize("backend", _backends())
def test_killed_run_resumes_to_the_same_weights(tmp_path, backend):
    """SIGKILL a training process partway; the restarted run finishes with exactly the
    weights of an uninterrupted run (networks, optimizers, noise and data order restored),
    on every backend. The files are compared here, under TensorFlow."""
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    p = cli(*RUN, "--out", str(straight), backend=backend)
    victim = cli(*RUN, "--out", str(killed), backend=backend)
    # kill once the second epoch's checkpoint is on disk
    deadline = time.time() + 300
    while not (killed / "backup" / "epoch_000002" / "meta.json").exists():
        assert victim.poll() is None, victim.stderr.read()[-2000:]
        assert time.time() < deadline
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert not (killed / "model.keras").exists()
    done_epochs = json.loads(sorted((killed / "backup").glob("epoch_*/meta.json"))[-1].read_text())[
        "epoch"
    ]
    assert 2 <= done_epochs < 6
    resumed = cli(*RUN, "--out", str(killed), backend=backend)
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()[-2000:]
    assert p.wait(timeout=600) == 0, p.stderr.read()[-2000:]

    a, b = load_model(straight / "model.keras"), load_model(killed / "model.keras")
    for va, vb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(va.numpy(), vb.numpy(), err_msg=va.path)
    for oa, ob in ((a.g_optimizer, b.g_optimizer), (a.d_optimizer, b.d_optimizer)):
        assert int(oa.iterations.numpy()) == int(ob.iterations.numpy()) == 6 * 50
        for va, vb in zip(oa.variables, ob.variables):
            np.testing.assert_array_equal(va.numpy(), vb.numpy())
    np.testing.assert_array_equal(a.seed_generator.state.numpy(), b.seed_generator.state.numpy())
    # the grids and the log continue: one grid and one CSV row per epoch
    assert sorted(p.name for p in (killed / "samples").glob("epoch_*.png")) == [
        f"epoch_{i:04d}.png" for i in range(1, 7)
    ]
    rows = (killed / "history.csv").read_text().strip().splitlines()[1:]
    assert [int(r.split(",")[0]) for r in rows][-3:] == [3, 4, 5]
    assert len(list((killed / "backup").glob("epoch_*"))) == 2  # the newest two are kept
    # the killed session still recorded the epochs it trained; the resumed one adds its own
    first, second = (
        json.loads(line) for line in (killed / "sessions.jsonl").read_text().splitlines()
    )
    assert first["epochs"][0] == 0 and first["epochs"][1] >= done_epochs
    assert second["epochs"] == [done_epochs, 6]
    (whole,) = (json.loads(line) for line in (straight / "sessions.jsonl").read_text().splitlines())
    assert whole["epochs"] == [0, 6]


def test_damaged_checkpoint_falls_back_to_the_previous_one(tmp_path):
    out = tmp_path / "run"
    kwargs = dict(epochs=3, batch_size=32, latent_dim=8, base_filters=4, limit=256, verbose=0)
    training.train("dcgan_mnist", out, **kwargs)
    ckpts = sorted((out / "backup").glob("epoch_*"))
    assert [c.name for c in ckpts] == ["epoch_000002", "epoch_000003"]
    # an interrupted write leaves a temp folder; a damaged state file fails to load
    (out / "backup" / ".tmp-epoch_000004-1").mkdir()
    (ckpts[-1] / "state.weights.h5").write_bytes(b"garbage")
    backup = training.ResumableBackup(out / "backup")
    model = load_model(out / "model.keras")
    backup.set_model(model)
    backup.on_train_begin()
    assert backup.restored_epoch == 2
    # with no loadable checkpoint at all, resuming is refused with a way out
    (ckpts[0] / "state.weights.h5").write_bytes(b"garbage")
    backup2 = training.ResumableBackup(out / "backup")
    backup2.set_model(model)
    with pytest.raises(
        RuntimeError, match="No checkpoint .* could be loaded. Move the folder aside"
    ):
        backup2.on_train_begin()


def test_resume_refuses_a_different_model(tmp_path):
    out = tmp_path / "run"
    training.train(
        "dcgan_mnist",
        out,
        epochs=1,
        batch_size=32,
        latent_dim=8,
        base_filters=4,
        limit=64,
        verbose=0,
    )
    with pytest.raises(ValueError, match="different model configuration"):
        training.train(
            "dcgan_mnist",
            out,
            epochs=2,
            batch_size=32,
            latent_dim=16,
            base_filters=4,
            limit=64,
            verbose=0,
        )


def test_resume_with_a_new_optimizer_says_its_state_restarts(tmp_path, caplog):
    out = tmp_path / "run"
    small = dict(batch_size=32, latent_dim=8, base_filters=4, limit=64, verbose=0)
    training.train("dcgan_mnist", out, epochs=1, **small)
    schedule = {
        "class_name": "Adam",
        "config": {
            "learning_rate": {
                "module": "keras.optimizers.schedules",
                "class_name": "CosineDecay",
                "config": {"initial_learning_rate": 2e-4, "decay_steps": 4},
            },
            "beta_1": 0.5,
        },
    }
    with caplog.at_level("WARNING", logger="keras_gan"):
        result = training.train("dcgan_mnist", out, epochs=2, g_optimizer=schedule, **small)
    assert "different compile section" in caplog.text
    assert "moments and step count restart" in caplog.text
    # the resumed run went on from epoch 1 with the new optimizer
    assert result["initial_epoch"] == 1
    history = (out / "history.csv").read_text().strip().splitlines()
    assert len(history) == 3  # header + epochs 1 and 2


def nan_dataset(n=64, bad_batch=3):
    x = np.random.default_rng(0).uniform(-1, 1, (n, 4)).astype("float32")
    x[bad_batch * 8 : bad_batch * 8 + 8] = np.nan  # slips past the data layer, as user data can
    return tf.data.Dataset.from_tensor_slices(x).batch(8)


def toy_model():
    model = GAN(data_shape=(4,), latent_dim=2, hidden_units=(8,), output_activation="linear")
    model.compile()
    return model


def test_guard_stops_on_nan_with_the_evidence(tmp_path):
    model = toy_model()
    guard = TrainingGuard(on_nan="stop", log_path=tmp_path / "guard.log")
    model.fit(nan_dataset(), epochs=3, callbacks=[guard], verbose=0)
    assert int(model.g_optimizer.iterations.numpy()) == 0  # stopped, the epoch-start state put back
    (event,) = [e for e in guard.events if e["kind"] == "stopped"]
    assert (
        "non-finite" in event["message"]
        and "batch 4" in event["message"]
        and "NaN" in event["message"]
    )
    assert "stopped" in (tmp_path / "guard.log").read_text()
    assert all(np.isfinite(w.numpy()).all() for w in model.weights)  # the good state is back


def test_guard_rolls_back_and_keeps_training():
    model = toy_model()
    lr0 = float(model.g_optimizer.learning_rate.numpy())
    guard = TrainingGuard(on_nan="rollback", max_rollbacks=2)
    model.fit(nan_dataset(), epochs=3, callbacks=[guard], verbose=0)
    kinds = [e["kind"] for e in guard.events]
    assert kinds.count("rollback") == 2 and kinds[-1] == "stopped"  # bad data every epoch: gives up
    assert float(model.g_optimizer.learning_rate.numpy()) == pytest.approx(lr0 * 0.25)
    assert all(np.isfinite(w.numpy()).all() for w in model.weights)


def test_guard_warns_on_collapse():
    model = toy_model()
    guard = TrainingGuard(diversity_drop=0.5, acc_pinned=0.5, patience=1)
    guard.set_model(model)
    guard.on_epoch_end(0, {"d_acc": 0.2, "g_loss": 1.0})
    # the generator now maps everything to one point: diversity falls to zero
    for w in model.generator.weights:
        w.assign(np.zeros(w.shape, "float32"))
    guard.on_epoch_end(1, {"d_acc": 1.0, "g_loss": 50.0})
    kinds = {e["kind"] for e in guard.events}
    assert kinds == {"d_acc_pinned", "g_loss_diverging", "diversity_falling"}


def test_guard_does_not_read_a_wasserstein_generator_loss_as_diverging():
    """-E[D(G(z))] moves with the critic's offset (a WGAN-GP run on the ring went from
    0.33 to 4.5 while it learned all 8 modes): no warning from its size."""
    model = toy_model()
    model.loss_name = "wasserstein"
    guard = TrainingGuard()
    guard.set_model(model)
    guard.on_epoch_end(0, {"g_loss": 0.33})
    guard.on_epoch_end(1, {"g_loss": 4.5})
    assert not [e for e in guard.events if e["kind"] == "g_loss_diverging"]


def test_resume_after_a_damaged_newest_checkpoint_matches_an_uninterrupted_run(tmp_path):
    """The resume epoch is decided once: by the checkpoint that loads (issue 14's bug)."""
    kw = dict(limit=2048, verbose=0)
    straight = training.train("gan_gaussian_1d", tmp_path / "a", epochs=3, **kw)["model"]
    training.train("gan_gaussian_1d", tmp_path / "b", epochs=2, **kw)
    newest = tmp_path / "b" / "backup" / "epoch_000002" / "state.weights.h5"
    newest.write_bytes(newest.read_bytes()[:100])  # truncated, as by a full disk
    resumed = training.train("gan_gaussian_1d", tmp_path / "b", epochs=3, **kw)["model"]
    for a, b in zip(straight.generator.weights, resumed.generator.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6, err_msg=a.path)
