"""Sample quality against training time: FID (and friends) after every epoch.

    python tools/quality_curve.py dcgan_mnist --set ema_decay=0.999 --epochs 10
    python tools/quality_curve.py dcgan_mnist --json curve.json

Trains the preset (with overrides, as ``keras-gan train --set``) into a fresh
folder and, after every epoch, scores ``--num-samples`` generated images
against the dataset with `keras_gan.callbacks.EvaluateMetrics` (the dataset
classifier's features, like `tools/measure_preset.py`). The clock counts
training only: the time spent scoring is left out. Prints one JSON line per
epoch (epoch, training minutes, metrics, and the model's own epoch-mean
training metrics such as WGAN's ``w_distance``) and writes them all with
``--json``.
A model with an EMA generator is also scored through its raw generator
("raw_*"): EMA does not feed back into training, so that is the same run
without EMA, a side-by-side comparison from one training run. ``--keep-models``
keeps every epoch's model for later scoring (e.g. ``keras-gan evaluate
OUT/epochs/epoch_005.keras --features inception``). ``--resume``
continues a finished or interrupted curve in ``--out`` to more epochs; with
the same ``--json`` it keeps the rows already written and its clock goes on
from the last of them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None):
    import keras

    from keras_gan import training, zoo
    from keras_gan.callbacks import EvaluateMetrics
    from keras_gan.cli import _parse_value
    from tools.benchmark import machine

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("preset")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--epochs", type=int)
    p.add_argument("--num-samples", type=int, default=2000)
    p.add_argument("--metrics", default="fid,pr,class_coverage")
    p.add_argument("--json", help="write the curve here")
    p.add_argument("--out", help="run folder (default: a temporary one)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out to --epochs (its clock restarts at 0)",
    )
    p.add_argument(
        "--keep-models",
        action="store_true",
        help="also save the model after every epoch as OUT/epochs/epoch_NNN.keras (Keras's "
        "ModelCheckpoint), to score chosen epochs later, e.g. in Inception features",
    )
    args = p.parse_args(argv)
    if args.resume and not args.out:
        p.error("--resume continues the run in --out: give --out.")
    overrides = dict(item.split("=", 1) for item in args.set)
    overrides = {k: _parse_value(v) for k, v in overrides.items()}
    if args.epochs:
        overrides["epochs"] = args.epochs
    preset = zoo.resolve(args.preset, **overrides)

    # A resumed curve keeps the rows of the epochs it already trained, and its clock
    # goes on from the last of them.
    earlier = []
    if args.resume and args.json and Path(args.json).is_file():
        earlier = json.loads(Path(args.json).read_text()).get("curve", [])

    class Clock(keras.callbacks.Callback):
        """Training minutes so far, written into the epoch logs before scoring runs."""

        def __init__(self):
            super().__init__()
            self.total = None

        def on_epoch_begin(self, epoch, logs=None):
            if self.total is None:  # the first epoch of this call: `epoch` were done before
                done = [r for r in earlier if r["epoch"] == epoch]
                self.total = 60 * done[0].get("train_minutes", 0.0) if done else 0.0
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.total += time.perf_counter() - self.start
            logs["train_minutes"] = self.total / 60

    class RawGenerator(keras.callbacks.Callback):
        """With an EMA generator, also score the raw one: the same run without EMA."""

        def on_epoch_end(self, epoch, logs=None):
            from keras_gan.core import latent_from_seeds
            from keras_gan.metrics import evaluate as score

            model = self.model
            if getattr(model, "ema_generator", None) is None:
                return

            def raw(seeds):
                z = latent_from_seeds(seeds, model.latent_dim)
                return keras.ops.convert_to_numpy(model.generator(z, training=False))

            values = score(
                raw,
                preset["data"]["name"],
                evaluate.metrics,
                args.num_samples,
                extractor=evaluate.extractor,
            )
            logs.update({f"raw_{k}": v for k, v in values.items() if isinstance(v, (int, float))})

    rows = list(earlier)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="curve-"))

    result = {
        "command": "python tools/quality_curve.py " + " ".join(argv or sys.argv[1:]),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "preset": preset,
        "out": str(out),
        "num_samples": args.num_samples,
        "curve": rows,
    }

    def write_json():
        """The curve so far: written after every epoch, so a stopped run keeps its rows."""
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n")

    class Report(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            keep = ("train_minutes", "fid", "precision", "recall", "class_kl", "classes_covered")
            keep += ("classifier_score",)
            keep += tuple(f"raw_{k}" for k in keep[1:])
            # The model's own training metrics (epoch means), e.g. WGAN's w_distance.
            keep += tuple(m.name for m in self.model.metrics)
            row = {"epoch": epoch + 1, **{k: round(float(logs[k]), 4) for k in keep if k in logs}}
            rows[:] = [r for r in rows if r["epoch"] < row["epoch"]] + [row]
            print(json.dumps(row), flush=True)
            write_json()

    evaluate = EvaluateMetrics(
        preset["data"]["name"], args.metrics.split(","), num_samples=args.num_samples
    )
    callbacks = [Clock(), evaluate, RawGenerator(), Report()]
    if args.keep_models:
        (out / "epochs").mkdir(parents=True, exist_ok=True)
        # The clock stops before scoring and saving: neither counts as training time.
        callbacks.append(
            keras.callbacks.ModelCheckpoint(str(out / "epochs" / "epoch_{epoch:03d}.keras"))
        )
    training.train(preset, out, resume=args.resume, verbose=0, extra_callbacks=callbacks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
