"""Train a zoo preset for real, measure it, and record the figures in its zoo entry.

    python tools/measure_preset.py dcgan_mnist
    python tools/measure_preset.py cgan_mnist --num-samples 10000
    python tools/measure_preset.py gan_gaussian_1d --no-write

Trains with `keras_gan.training.train` into ``--out`` (default runs/zoo/PRESET;
an interrupted run resumes), then measures what fits the preset's data:

- images: FID, KID, precision/recall and class coverage in the dataset
  classifier's feature space (`keras_gan.metrics.evaluate`), next to the floor
  (real test images against the same real reference); conditional models also
  get conditional accuracy;
- gaussian_1d: the generated mean and standard deviation;
- ring / grid: mode coverage (the PacGAN protocol, 2,500 samples).

Each figure is written to ``zoo/PRESET.json`` under "results" with the metric,
value, the floor where there is one, the command, the machine and the date.
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


def measure(model, preset, num_samples):

    from keras_gan import metrics
    from keras_gan.data import toy

    name = preset["data"]["name"]
    out = []
    if name == "gaussian_1d":
        x = model.generate(10000, seed=0)
        out += [
            {
                "metric": "mean",
                "value": round(float(x.mean()), 4),
                "target": toy.GAUSSIAN_1D_MEAN,
                "num_samples": 10000,
            },
            {
                "metric": "std",
                "value": round(float(x.std()), 4),
                "target": toy.GAUSSIAN_1D_STD,
                "num_samples": 10000,
            },
        ]
    elif name in ("ring", "grid"):
        modes = toy.ring_modes() if name == "ring" else toy.grid_modes()
        std = toy.RING_STD if name == "ring" else toy.GRID_STD
        stats = metrics.mode_coverage(model.generate(2500, seed=0), modes, std)
        out += [
            {
                "metric": "modes_captured",
                "value": stats["modes_captured"],
                "of": stats["num_modes"],
                "num_samples": 2500,
            },
            {
                "metric": "high_quality",
                "value": round(stats["high_quality"], 4),
                "num_samples": 2500,
            },
            {
                "metric": "kl_to_uniform",
                "value": round(stats["kl_to_uniform"], 4),
                "num_samples": 2500,
            },
        ]
    elif preset["model"]["family"] == "cyclegan":
        from keras_gan.metrics.translation import translation_scores

        scores = translation_scores(
            model, preset["data"]["name"], preset["data"]["domain_b"], limit=2000
        )
        out += [
            {"metric": k, "value": v, "split": "test", "num_images": scores["num_images_a"]}
            for k, v in scores.items()
            if not k.startswith("num_")
        ]
    elif preset["model"]["family"] == "text2image":
        from keras_gan.metrics.text import text_to_image_scores

        scores = text_to_image_scores(model, num_per_class=max(1, num_samples // 10))
        out += [
            {"metric": k, "value": v, "num_captions": scores["num_captions"]}
            for k, v in scores.items()
            if k != "num_captions"
        ]
    else:
        names = ["fid", "kid", "pr", "class_coverage"]
        res = metrics.evaluate(model, name, names, num_samples)
        floor = metrics.evaluate_floor(name, names, num_samples)
        for key in ("fid", "kid", "precision", "recall", "classes_covered"):
            out.append(
                {
                    "metric": key,
                    "value": round(float(res[key]), 4),
                    "floor": round(float(floor[key]), 4),
                    "num_samples": num_samples,
                    "feature_extractor": f"{name}_classifier",
                }
            )
        if getattr(model, "num_classes", None):
            acc = metrics.conditional_accuracy(
                model, name, num_per_class=max(1, num_samples // model.num_classes)
            )
            out.append(
                {
                    "metric": "conditional_accuracy",
                    "value": round(acc["accuracy"], 4),
                    "per_class": acc["per_class"],
                    "classes_covered": acc["classes_covered"],
                    "num_samples": num_samples,
                    "classifier": f"{name}_classifier",
                }
            )
    return out


def seed_sweep(preset, seeds, out_dir):
    """Train the 1-D preset once per seed; how often do mean and std land within 10%?"""
    from keras_gan import training
    from keras_gan.data import toy

    runs = []
    for seed in seeds:
        r = training.train(
            preset,
            out_dir.parent / f"{out_dir.name}_seed{seed}",
            verbose=0,
            **{"model.seed": seed, "data.seed": seed},
        )
        x = r["model"].generate(10000, seed=0)
        runs.append(
            {"seed": seed, "mean": round(float(x.mean()), 4), "std": round(float(x.std()), 4)}
        )
    ok = [
        abs(r["mean"] - toy.GAUSSIAN_1D_MEAN) / toy.GAUSSIAN_1D_MEAN < 0.1
        and abs(r["std"] - toy.GAUSSIAN_1D_STD) / toy.GAUSSIAN_1D_STD < 0.1
        for r in runs
    ]
    return {"metric": "seeds_within_10_percent", "value": f"{sum(ok)}/{len(ok)}", "runs": runs}


def main(argv=None):
    from keras_gan import training, zoo
    from tools.benchmark import machine

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("preset")
    p.add_argument("--out", help="run folder (default runs/zoo/PRESET)")
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument("--no-write", action="store_true", help="print, do not update zoo/PRESET.json")
    p.add_argument("--verbose", type=int, default=2)
    p.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        help="gaussian_1d: also train with these model/data seeds and record how many land within 10%%",
    )
    args = p.parse_args(argv)
    argv = argv if argv is not None else sys.argv[1:]

    preset = zoo.get_preset(args.preset)
    out_dir = Path(args.out or ROOT / "runs" / "zoo" / args.preset)
    result = training.train(preset, out_dir, verbose=args.verbose)
    entries = measure(result["model"], preset, args.num_samples)
    stamp = {
        "command": "python tools/measure_preset.py " + " ".join(argv),
        "hardware": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "epochs": preset["train"]["epochs"],
    }
    if args.seeds and preset["data"]["name"] == "gaussian_1d":
        entries.append(seed_sweep(preset, args.seeds, out_dir))
    entries = [{**e, **stamp} for e in entries]
    print(json.dumps(entries, indent=2))
    if not args.no_write:
        path = zoo.preset_dir() / f"{args.preset}.json"
        data = json.loads(path.read_text())
        data["results"] = entries
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"Recorded in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
