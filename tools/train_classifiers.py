"""Train the domain classifiers that the metrics use as feature extractors.

    python tools/train_classifiers.py                  # all of them, into keras_gan/metrics/weights/
    python tools/train_classifiers.py mnist --epochs 6

Fixed seed; the test accuracy is recorded beside the weights (the JSON file)
with the command, machine and date.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None):
    from keras_gan.metrics import extractors
    from tools.benchmark import machine

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("names", nargs="*", default=list(extractors.CLASSIFIERS))
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="directory (default: keras_gan/metrics/weights)")
    args = p.parse_args(argv)
    for name in args.names:
        t = time.time()
        model, acc = extractors.train_classifier(
            name, epochs=args.epochs, seed=args.seed, verbose=2
        )
        extra = {
            "command": "python tools/train_classifiers.py "
            + " ".join(argv if argv is not None else sys.argv[1:]),
            "machine": machine(),
            "date": time.strftime("%Y-%m-%d"),
            "train_seconds": round(time.time() - t),
            "params": model.count_params(),
        }
        path = extractors.save_classifier(model, name, acc, directory=args.out, extra=extra)
        print(f"{name}: test accuracy {acc:.4f} -> {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
