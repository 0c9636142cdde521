"""FID against training minutes: a zoo preset side by side with the keras.io DCGAN recipe.

    python tools/keras_io_race.py --minutes 30 --every 2.5 --json race.json --markdown
    python tools/keras_io_race.py --preset dcgan_mnist --minutes 2 --every 1   # a quick look

The keras.io recipe is the MNIST version of the "GAN overriding
`Model.train_step`" example (keras-io ``examples/generative/
dcgan_overriding_train_step.py``, 2020-04-29), rebuilt here as it is written:

- discriminator: Conv2D(64, 3, stride 2) -> LeakyReLU(0.2) -> Conv2D(128, 3,
  stride 2) -> LeakyReLU(0.2) -> GlobalMaxPooling2D -> Dense(1);
- generator: Dense(7*7*128) -> LeakyReLU(0.2) -> two Conv2DTranspose(128, 4,
  stride 2) with LeakyReLU(0.2) -> Conv2D(1, 7, sigmoid); 128-D normal noise;
- one discriminator call on real and fake together with noisy labels
  (+0.05 * uniform), binary cross-entropy on logits, Adam(3e-4) for both,
  batches of 64, images scaled to [0, 1].

The one change: it trains on the MNIST training split that the preset trains
on (the example also adds the test split), so both arms see the same data.

Both arms run at once, each in its own process pinned to its own core
(``--cores``) with TensorFlow limited to one thread, so they share the
machine's noise. Each arm's clock counts training only (a preset's own
checkpoints and sample grids included); every ``--every`` minutes of it the
arm stops, scores ``--num-samples`` samples with the project's metric
(`keras_gan.metrics.evaluate`: the MNIST classifier's features, against the
training split, seed 0) and goes on. The answer printed at the end: the
keras.io recipe's FID at the end of its budget, and the first training
minute at which the preset's FID is at or below it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KERAS_IO = "keras_io"
METRICS = ("fid", "pr", "class_coverage")


def keras_io_gan():
    """The keras.io MNIST DCGAN (networks, loss, optimizers, train_step) as written."""
    from types import SimpleNamespace

    import keras
    from keras import layers

    from tools.benchmark import keras_io_model

    latent_dim = 128
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )
    generator = keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(7 * 7 * 128),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, 128)),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )

    # The keras.io train_step, as written (networks called without `training`).
    gan = keras_io_model(
        SimpleNamespace(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    return gan


def timed_scores(arm, sampler, every, minutes, num_samples, rows, grids=None):
    """A callback: score every ``every`` training minutes; stop after ``minutes``.

    With ``grids``, also writes 64 samples from fixed seeds at every mark there.
    """
    import keras

    from keras_gan.images import render, save_png
    from keras_gan.metrics import FeatureExtractor, evaluate
    from keras_gan.metrics.evaluation import generate_images

    extractor = FeatureExtractor.for_dataset("mnist")

    class TimedScores(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start, self.scoring, self.next = time.perf_counter(), 0.0, every
            self.steps = 0

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            trained = (time.perf_counter() - self.start - self.scoring) / 60
            if trained < self.next:
                return
            t0 = time.perf_counter()
            values = evaluate(
                sampler(self.model), "mnist", METRICS, num_samples, extractor=extractor
            )
            keep = ("fid", "precision", "recall", "class_kl")
            row = {"train_minutes": round(trained, 2), "steps": self.steps}
            row.update({k: round(values[k], 4) for k in keep})
            rows.append(row)
            if grids:
                images = generate_images(sampler(self.model), 64)
                save_png(render(images, nrow=8), Path(grids) / f"{arm}_{len(rows):02d}.png")
            print(json.dumps({"arm": arm, **row}), flush=True)
            self.scoring += time.perf_counter() - t0
            self.next += every
            if trained >= minutes:
                self.model.stop_training = True

    return TimedScores()


def run_arm(arm, minutes, every, num_samples, out, grids=None):
    """Train one arm until ``minutes`` of training; returns its score rows."""
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_gan import data, training, zoo
    from keras_gan.core import latent_from_seeds

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    rows = []
    if arm == KERAS_IO:
        keras.utils.set_random_seed(0)
        images, _ = data.load_arrays("mnist", "train")
        x = images.astype(np.float32) / 255.0
        ds = tf.data.Dataset.from_tensor_slices(x).shuffle(1024, seed=0).batch(64).prefetch(32)
        gan = keras_io_gan()

        def sampler(model):
            def sample(seeds):
                z = latent_from_seeds(seeds, model.latent_dim)
                return keras.ops.convert_to_numpy(model.generator(z)) * 2.0 - 1.0

            return sample

        cb = timed_scores(arm, sampler, every, minutes, num_samples, rows, grids)
        gan.fit(ds, epochs=10_000, verbose=0, callbacks=[cb])
        return rows, {"recipe": "keras.io dcgan_overriding_train_step (MNIST, 2020-04-29)"}
    preset = zoo.resolve(arm, epochs=10_000)
    cb = timed_scores(arm, lambda model: model, every, minutes, num_samples, rows, grids)
    training.train(preset, out, resume=False, verbose=0, extra_callbacks=[cb])
    return rows, {"preset": zoo.resolve(arm)}


def first_at_or_below(rows, target):
    return next((r["train_minutes"] for r in rows if r["fid"] <= target), None)


def markdown(result):
    arms = result["arms"]
    names = list(arms)
    lines = [
        f"`{result['command']}` ({result['machine']}, {result['date']})",
        "",
        "| mark | "
        + " | ".join(f"{n}: min, steps, FID, precision, recall, class KL" for n in names)
        + " |",
        "|---|" + "---|" * len(names),
    ]
    for i in range(max(len(arms[n]["curve"]) for n in names)):
        cells = []
        for n in names:
            curve = arms[n]["curve"]
            if i < len(curve):
                r = curve[i]
                cells.append(
                    f"{r['train_minutes']}, {r.get('steps', '-')}, {r['fid']:.2f}, "
                    f"{r['precision']:.3f}, "
                    f"{r['recall']:.3f}, {r['class_kl']:.3f}"
                )
            else:
                cells.append("-")
        lines.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    s = result["summary"]
    lines += ["", json.dumps(s)]
    return "\n".join(lines)


def main(argv=None):
    from tools.benchmark import machine

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--preset", default="dcgan_mnist")
    p.add_argument("--minutes", type=float, default=30.0, help="training minutes per arm")
    p.add_argument("--every", type=float, default=2.5, help="score every this many minutes")
    p.add_argument("--num-samples", type=int, default=2000)
    p.add_argument("--cores", type=int, nargs=2, default=[0, 1], help="one core per arm")
    p.add_argument("--json", help="write both curves here")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--grids", help="write each arm's samples at every mark into this folder")
    p.add_argument("--arm", help=argparse.SUPPRESS)  # internal: run one arm
    p.add_argument("--arm-json", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.arm:
        out = Path(tempfile.mkdtemp(prefix="race-"))
        rows, meta = run_arm(args.arm, args.minutes, args.every, args.num_samples, out, args.grids)
        Path(args.arm_json).write_text(json.dumps({"curve": rows, **meta}))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="race-"))
    procs = {}
    for arm, core in zip((KERAS_IO, args.preset), args.cores):
        cmd = [sys.executable, __file__, "--arm", arm, "--arm-json", str(tmp / f"{arm}.json")]
        cmd += ["--minutes", str(args.minutes), "--every", str(args.every)]
        cmd += ["--num-samples", str(args.num_samples)]
        cmd += ["--grids", str(Path(args.grids).resolve())] if args.grids else []
        procs[arm] = subprocess.Popen(["taskset", "-c", str(core), *cmd])
    failed = {arm: p.wait() for arm, p in procs.items()}
    if any(failed.values()):
        print(f"an arm failed: {failed}", file=sys.stderr)
        return 1
    arms = {arm: json.loads((tmp / f"{arm}.json").read_text()) for arm in procs}
    baseline = arms[KERAS_IO]["curve"][-1]
    reached = first_at_or_below(arms[args.preset]["curve"], baseline["fid"])
    summary = {
        "keras_io_minutes": baseline["train_minutes"],
        "keras_io_fid": baseline["fid"],
        f"{args.preset}_minutes_to_that_fid": reached,
        "ratio": None if reached is None else round(reached / baseline["train_minutes"], 3),
    }
    result = {
        "command": "python tools/keras_io_race.py " + " ".join(argv or sys.argv[1:]),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "num_samples": args.num_samples,
        "arms": arms,
        "summary": summary,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result) if args.markdown else json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
