"""Train a zoo preset for real, measure it, and record the figures in its zoo entry.

    python tools/measure_preset.py dcgan_mnist
    python tools/measure_preset.py cgan_mnist --num-samples 10000
    python tools/measure_preset.py gan_gaussian_1d --no-write

Trains with `keras_gan.training.train` into ``--out`` (default runs/zoo/PRESET;
an interrupted run resumes), then measures what fits the preset's data:

- a family that declares its own evaluation (translation, captions, ...) gets it;
- toy data (gaussian_1d, ring, grid): `keras_gan.metrics.toy_scores`;
- Stacked MNIST: the modes covered of 1,000 and the KL of their histogram to the
  uniform one (`keras_gan.metrics.stacked_mnist_modes`, 26,000 samples at least);
- images: FID, KID, precision/recall and class coverage in the dataset
  classifier's feature space (`keras_gan.metrics.evaluate`), next to the floor
  (real test images against the same real reference); conditional models also
  get conditional accuracy.

Each figure is written to ``zoo/benchmarks/recipes/PRESET.json`` under "results"
with the metric, value, the floor where there is one, the command, the machine and
the date; the preset's recipe (``zoo/PRESET.json``) is never rewritten. With
``--ship`` the trained model becomes the preset's shipped weights (``zoo/PRESET/``)
and the figures go into their ``metadata.json`` instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(model, preset, num_samples):
    """Zoo entries for a trained model: its family's evaluation, the toy-data scores,
    or the image metrics against the preset's dataset (with the floor)."""
    from keras_gan import metrics
    from keras_gan.core import family_of

    name = preset["data"]["name"]
    evaluate = family_of(model).evaluate
    if evaluate is not None:
        scores = evaluate(model, preset["data"], num_samples)
        context = {k: v for k, v in scores.items() if k.startswith("num_")}
        return [
            {"metric": k, "value": v, **context}
            for k, v in scores.items()
            if not k.startswith("num_")
        ]
    if name in metrics.TOY_DATASETS:
        return metrics.toy_scores(model, name)
    if name == "stacked_mnist":
        # Each colour channel classified by the MNIST classifier (VEEGAN / PacGAN protocol).
        from keras_gan.metrics.evaluation import STACKED_MNIST_SAMPLES

        n = max(num_samples, STACKED_MNIST_SAMPLES)
        res = metrics.stacked_mnist_modes(model, num_samples=n)
        context = {"num_samples": n, "classifier": "mnist_classifier"}
        return [
            {"metric": "stacked_mnist_modes", "value": res["modes"], "of": 1000, **context},
            {"metric": "stacked_mnist_kl", "value": round(res["kl_to_uniform"], 4), **context},
        ]
    out = []
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


def inception_entries(model, dataset, num_samples, floor=True):
    """FID, KID and precision/recall in the standard Inception-v3 features against the
    training split (Lucic et al. 2018's protocol), with the real test images' floor."""
    from keras_gan import metrics

    extractor = metrics.FeatureExtractor.inception("legacy_tf", verbose=1)
    names = ["fid", "kid", "pr"]
    res = metrics.evaluate(model, dataset, names, num_samples, extractor=extractor)
    low = metrics.evaluate_floor(dataset, names, num_samples, extractor=extractor) if floor else {}
    return [
        {
            "metric": f"inception_{key}",
            "value": round(float(res[key]), 4),
            **({"floor": round(float(low[key]), 4)} if low else {}),
            "num_samples": num_samples,
            "reference_split": "train",
            "feature_extractor": extractor.name,
        }
        for key in ("fid", "kid", "precision", "recall")
    ]


def measure_shipped_inception(args, argv, preset):
    """Add Inception-feature figures of the shipped weights to their metadata.json."""
    from keras_gan.core import pretrained
    from tools.benchmark import machine

    folder = pretrained.zoo_dir() / args.preset
    model = pretrained.load(folder, compile=False)
    stamp = {
        "command": "python tools/measure_preset.py " + shlex.join(argv),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
    }
    new = [
        {**e, **stamp}
        for e in inception_entries(
            model, preset["data"]["name"], args.num_samples, floor=not args.no_floor
        )
    ]
    kept = [
        e
        for e in pretrained.verify(folder).get("metrics", [])
        if not e["metric"].startswith("inception_")
    ]
    pretrained.update_metadata(folder, metrics=kept + new)
    print(json.dumps(new, indent=2))
    print(f"Recorded in {folder / pretrained.METADATA_FILE}")
    return 0


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


def training_record(preset, overrides, out_dir):
    """How the run in ``out_dir`` was trained: its command, budget and cost, per session."""
    from tools.benchmark import machine

    train = preset["train"]
    sessions_file = out_dir / "sessions.jsonl"
    sessions = (
        [json.loads(line) for line in sessions_file.read_text().splitlines() if line.strip()]
        if sessions_file.exists()
        else []
    )
    # Quoted for a shell: a JSON value (an optimizer with a schedule) pastes as one argument.
    sets = " ".join(
        "--set " + shlex.quote(f"{k}={json.dumps(v, separators=(',', ':'))}")
        for k, v in overrides.items()
    )
    return {
        "command": f"keras-gan train {preset['name']} {sets}".strip(),
        "epochs": train["epochs"],
        "steps_per_epoch": train.get("steps_per_epoch"),
        "batch_size": train["batch_size"],
        **({"overrides": overrides} if overrides else {}),
        "device": "CPU" if "no GPU" in machine() else "GPU",
        "machine": machine(),
        "cpu_minutes": round(sum(s["cpu_minutes"] for s in sessions), 1) if sessions else None,
        "wall_minutes": round(sum(s["wall_minutes"] for s in sessions), 1) if sessions else None,
        "sessions": sessions,
        "date": time.strftime("%Y-%m-%d"),
    }


def ship(args, argv, preset, overrides, out_dir, model):
    """Write ``model`` as the preset's shipped weights, then measure exactly those weights."""
    from keras_gan.core import pretrained
    from tools.benchmark import machine

    folder = pretrained.zoo_dir() / args.preset
    meta = {"training": training_record(preset, overrides, out_dir)}
    if args.machine_note:
        meta["training"]["note"] = args.machine_note
    model.save_to_preset(folder, metadata=meta)
    shipped = pretrained.load(folder, compile=False)
    stamp = {
        "command": "python tools/measure_preset.py " + shlex.join(argv),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
    }
    entries = [{**e, **stamp} for e in measure(shipped, preset, args.num_samples)]
    pretrained.update_metadata(folder, metrics=entries)
    print(json.dumps(entries, indent=2))
    print(f"Shipped {folder}")
    return 0


def main(argv=None):
    from keras_gan import training, zoo
    from keras_gan.cli import _overrides
    from tools.benchmark import machine

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("preset")
    p.add_argument("--out", help="run folder (default runs/zoo/PRESET)")
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument(
        "--no-write",
        action="store_true",
        help="print, do not record in zoo/benchmarks/recipes/PRESET.json",
    )
    p.add_argument(
        "--ship",
        action="store_true",
        help="write the trained model as the preset's shipped weights (zoo/PRESET/: config, "
        "weights, metadata with the training budget and the figures measured on exactly "
        "those weights) instead of recording figures in zoo/benchmarks/recipes/PRESET.json",
    )
    p.add_argument("--verbose", type=int, default=2)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a preset setting (as keras-gan train --set); the figures are then "
        "printed, never recorded in the zoo entry",
    )
    p.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        help="gaussian_1d: also train with these model/data seeds and record how many land within 10%%",
    )
    p.add_argument("--machine-note", help="with --ship: what else ran on the machine meanwhile")
    p.add_argument(
        "--inception",
        action="store_true",
        help="no training: measure the preset's shipped weights in Inception-v3 features "
        "(FID, KID, precision/recall against the training split, legacy_tf resize) and add "
        "the figures to zoo/PRESET/metadata.json",
    )
    p.add_argument("--no-floor", action="store_true", help="with --inception: skip the floor")
    args = p.parse_args(argv)
    argv = argv if argv is not None else sys.argv[1:]

    overrides = _overrides(args)
    preset = zoo.resolve(args.preset, **overrides)
    if args.inception:
        if overrides or args.no_write or args.ship:
            p.error(
                "--inception measures the shipped weights as they are: no --set, --no-write or --ship"
            )
        if preset["data"]["name"] not in ("mnist", "fashion_mnist"):
            p.error(
                f"--inception scores image presets of mnist or fashion_mnist; "
                f"{args.preset} uses {preset['data']['name']}"
            )
        return measure_shipped_inception(args, argv, preset)
    out_dir = Path(args.out or ROOT / "runs" / "zoo" / args.preset)
    wall, cpu = time.time(), time.process_time()
    result = training.train(preset, out_dir, verbose=args.verbose)
    # The training cost, when this command trained the whole budget (not a resumed run).
    budget = (
        {
            "train_wall_minutes": round((time.time() - wall) / 60, 1),
            "train_cpu_minutes": round((time.process_time() - cpu) / 60, 1),
        }
        if result["initial_epoch"] == 0
        else {}
    )
    if args.ship:
        return ship(args, argv, preset, overrides, out_dir, result["model"])
    entries = measure(result["model"], preset, args.num_samples)
    stamp = {
        "command": "python tools/measure_preset.py " + shlex.join(argv),
        "hardware": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "epochs": preset["train"]["epochs"],
        "steps_per_epoch": preset["train"].get("steps_per_epoch"),
        "batch_size": preset["train"]["batch_size"],
        **({"overrides": overrides} if overrides else {}),
        **budget,
    }
    if args.seeds and preset["data"]["name"] == "gaussian_1d":
        entries.append(seed_sweep(preset, args.seeds, out_dir))
    entries = [{**e, **stamp} for e in entries]
    print(json.dumps(entries, indent=2))
    if not args.no_write and not overrides:
        # figures measured by training a recipe: benchmarks, not package data
        from keras_gan.core import pretrained

        path = pretrained.zoo_dir() / "benchmarks" / "recipes" / f"{args.preset}.json"
        data = json.loads(path.read_text()) if path.exists() else {"preset": args.preset}
        data["results"] = entries
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"Recorded in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
