"""Inception FID against training time, from a run of `tools/quality_curve.py --keep-models`.

    python tools/quality_curve.py dcgan_mnist --epochs 20 --keep-models --out runs/curve \\
        --json runs/curve.json
    python tools/inception_curve.py runs/curve.json --epochs 1,2,3,5,10,20 \\
        --json zoo/benchmarks/inception_curve_dcgan_mnist.json

For each chosen epoch it loads ``OUT/epochs/epoch_NNN.keras`` (the model as
`fit` left it after that epoch) and scores it in the standard FID Inception-v3
features (`keras_gan.metrics.evaluate` with ``FeatureExtractor.inception``):
``--num-samples`` generated images against as many training images, the
protocol of Lucic et al. 2018 at 10,000. The training minutes come from the
curve's own clock (training only, scoring left out). Prints one JSON line per
epoch and, with ``--json``, writes them all with the command, machine and date.
Epochs already in the ``--json`` file with the same sample count are kept, so
a long curve can be filled in over several calls.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None):
    from keras_gan import metrics as m
    from keras_gan import saving
    from tools.benchmark import machine

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("curve", help="the --json file of tools/quality_curve.py --keep-models")
    p.add_argument("--epochs", required=True, help="comma-separated epochs to score")
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--metrics", default="fid,pr")
    p.add_argument("--json", help="write (or extend) the Inception curve here")
    p.add_argument("--note", help="what else shared the machine, and the like")
    args = p.parse_args(argv)

    curve_path = Path(args.curve)
    if not curve_path.is_file():
        p.error(f"{curve_path} does not exist: give the --json file of tools/quality_curve.py.")
    curve = json.loads(curve_path.read_text())
    out_dir = Path(curve.get("out") or curve_path.with_suffix(""))
    minutes = {row["epoch"]: row.get("train_minutes") for row in curve["curve"]}
    wanted = [int(e) for e in args.epochs.split(",") if e.strip()]
    missing = [e for e in wanted if not (out_dir / "epochs" / f"epoch_{e:03d}.keras").is_file()]
    if missing:
        p.error(
            f"no saved model for epochs {missing} under {out_dir / 'epochs'}: train the curve "
            "with --keep-models (and to that many epochs) first."
        )

    result = {"rows": []}
    if args.json and Path(args.json).is_file():
        result = json.loads(Path(args.json).read_text())
    others = [r for r in result.get("rows", []) if r.get("num_samples") != args.num_samples]
    kept = {
        r["epoch"]: r for r in result.get("rows", []) if r.get("num_samples") == args.num_samples
    }
    extractor = m.FeatureExtractor.inception("legacy_tf")
    dataset = curve["preset"]["data"]["name"]
    for epoch in wanted:
        if epoch in kept:
            continue
        model = saving.load_model(out_dir / "epochs" / f"epoch_{epoch:03d}.keras", compile=False)
        start = time.perf_counter()
        values = m.evaluate(
            model,
            dataset,
            args.metrics.split(","),
            args.num_samples,
            seed=args.seed,
            extractor=extractor,
        )
        row = {
            "epoch": epoch,
            "train_minutes": minutes.get(epoch),
            "num_samples": args.num_samples,
            **{k: round(float(v), 4) for k, v in values.items() if isinstance(v, (int, float))},
            "scoring_minutes": round((time.perf_counter() - start) / 60, 2),
        }
        kept[epoch] = row
        print(json.dumps(row), flush=True)
        if args.json:
            result.update(
                {
                    "command": "python tools/inception_curve.py " + " ".join(argv or sys.argv[1:]),
                    "machine": machine(),
                    "date": time.strftime("%Y-%m-%d"),
                    "note": args.note or result.get("note"),
                    "features": extractor.name,
                    "reference": f"{args.num_samples} training images (seed {args.seed})",
                    "training_command": curve.get("command"),
                    "training_machine": curve.get("machine"),
                    "preset": curve["preset"],
                    "rows": sorted(
                        others + list(kept.values()), key=lambda r: (r["num_samples"], r["epoch"])
                    ),
                }
            )
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
