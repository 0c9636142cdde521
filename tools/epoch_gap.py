"""How long fit() spends between epochs and after the last one (iterator tear-down).

    python tools/epoch_gap.py --rounds 3

Trains ``dcgan_mnist`` on 3,840 MNIST images (30 steps of 128 per epoch) for
``--epochs`` epochs with a finite dataset, the way ``model.fit(dataset,
epochs=N)`` is used: Keras makes a new tf.data iterator every epoch and
destroys the old one. Runs each configuration in a fresh process,
alternating: "autotune" (tf.data's autotuner on, as before issue 18) and
"fixed" (the data layer's pipeline). Prints, per run, the seconds between
one epoch's end and the next epoch's start and after the last epoch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def one(mode, epochs):
    import keras
    import tensorflow as tf

    from keras_gan import zoo

    model, ds = zoo.load("dcgan_mnist", limit=3840, batch_size=128)
    opts = tf.data.Options()
    opts.autotune.enabled = mode == "autotune"
    ds = ds.with_options(opts)
    marks = []

    class Marks(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            marks.append(("begin", time.perf_counter()))

        def on_epoch_end(self, epoch, logs=None):
            marks.append(("end", time.perf_counter()))

    model.fit(ds, epochs=epochs, verbose=0, callbacks=[Marks()])
    done = time.perf_counter()
    gaps = [
        round(b[1] - a[1], 2) for a, b in zip(marks, marks[1:]) if a[0] == "end" and b[0] == "begin"
    ]
    gaps.append(round(done - marks[-1][1], 2))
    return {"mode": mode, "gaps_s": gaps}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--one", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(one(args.one, args.epochs)), flush=True)
        return 0
    gaps = {"autotune": [], "fixed": []}
    for _ in range(args.rounds):
        for mode in gaps:
            out = subprocess.run(
                [sys.executable, __file__, "--one", mode, "--epochs", str(args.epochs)],
                capture_output=True,
                text=True,
            )
            line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT "))
            res = json.loads(line[len("RESULT ") :])
            gaps[mode] += res["gaps_s"]
            print(json.dumps(res), flush=True)
    for mode, values in gaps.items():
        print(
            f"{mode}: {len(values)} tear-downs, median {statistics.median(values):.2f} s, "
            f"max {max(values):.2f} s, {sum(v > 1 for v in values)} over 1 s, "
            f"total {sum(values):.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
