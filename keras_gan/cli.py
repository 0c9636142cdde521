"""The ``keras-gan`` command line: flags -> config -> one library call."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

# TensorFlow's C++ start-up lines (CUDA probes, oneDNN notes) are noise a user cannot
# act on: silenced unless they set TF_CPP_MIN_LOG_LEVEL themselves or ask for --verbose 2.
USER_SET_TF_LOG = "TF_CPP_MIN_LOG_LEVEL" in os.environ
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _start_quietly():
    """Import Keras and its backend with the process's stderr (fd 2) silenced.

    Some of TensorFlow's start-up lines are written by C++ before its log
    level is read, so only the file descriptor can hold them back. Python
    errors are raised after stderr is restored, so none is lost.
    """
    import warnings

    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(2)
    try:
        os.dup2(devnull, 2)
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.list_physical_devices()  # the CUDA probe, now rather than mid-run
            tf.get_logger().setLevel("ERROR")
        try:
            from absl import logging as absl_logging

            absl_logging.set_verbosity(absl_logging.ERROR)  # tensorflow-datasets' notices
        except ImportError:
            pass
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    warnings.filterwarnings("ignore", module=r"(keras|tensorflow|tensorflow_datasets)(\.|$)")


EXIT_USAGE = 2


def _parse_value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def _overrides(args):
    out = {}
    for item in args.set or []:
        if "=" not in item:
            raise ValueError(f"--set expects KEY=VALUE; got {item!r}.")
        key, value = item.split("=", 1)
        out[key.strip()] = _parse_value(value)
    for key in ("epochs", "batch_size", "steps_per_epoch", "precision"):
        value = getattr(args, key, None)
        if value is not None:
            out[key] = value
    return out


def _load_model(spec, compile=False):
    """A model from a ``.keras`` file, a preset folder or the name of a shipped preset."""
    from keras_gan import saving
    from keras_gan.core import pretrained

    path = Path(spec)
    if path.suffix == ".keras" or path.is_file():
        return saving.load_model(path, compile=compile)
    if pretrained.is_preset(spec) or spec in pretrained.recipes():
        return pretrained.load(spec, compile=compile)  # a recipe without weights: its clear error
    if path.is_dir():
        return saving.load_model(path, compile=compile)  # its "is a directory" error
    raise ValueError(
        f"{spec!r} is neither a model file nor a preset with trained weights. Pass a .keras "
        f"file, a preset folder, or one of: {', '.join(pretrained.list_pretrained())}."
    )


def _is_saved_model(spec):
    return Path(spec).is_dir() and (Path(spec) / "saved_model.pb").is_file()


def cmd_list(args):
    from keras_gan import data, losses, zoo
    from keras_gan.core import families, pretrained

    rows = []
    shipped = set(pretrained.list_pretrained())
    for name in zoo.list_presets():
        p = zoo.get_preset(name)
        rows.append(
            (
                name,
                p["model"].get("family", "?"),
                "+".join(str(p["data"][k]) for k in ("name", "domain_b") if k in p["data"]) or "?",
                "yes" if name in shipped else "no (train it)",
            )
        )
    head = ("preset", "family", "dataset", "trained weights")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print()
    print("families:")
    for name, fam in families().items():
        print(f"  {name:<12} {fam.model.__name__:<14} {fam.description}")
    print("datasets:", ", ".join(data.list_datasets()))
    print("losses:  ", ", ".join(losses.list_losses()))
    return 0


def cmd_train(args):
    from keras_gan import training, zoo

    preset = zoo.resolve(args.preset, **_overrides(args))
    out_dir = Path(args.out or Path("runs") / preset["name"])
    if args.dry_run or args.verbose == 2:
        print(json.dumps(preset, indent=2))
    if args.dry_run:
        return 0
    print(f"Training {preset['name']} into {out_dir} (configuration: {out_dir / 'config.json'})")
    result = training.train(
        preset, out_dir, strategy=args.strategy, resume=not args.no_resume, verbose=args.verbose
    )
    print(f"Model: {result['model_path']}")
    print(f"Sample grids: {out_dir / 'samples'}")
    if args.export and result.get("is_chief", True):
        from keras_gan import export

        if keras_backend() == "tensorflow":
            path = export.export(
                result["model"],
                name=preset["name"],
                base_dir=args.export_dir,
                overwrite=False,
                metadata=_run_metadata(preset),
            )
        else:  # trained on JAX / PyTorch: TensorFlow loads the saved file and exports it
            path = export.export_file(
                result["model_path"],
                name=preset["name"],
                base_dir=args.export_dir,
                metadata=_run_metadata(preset),
            )
        print(f"SavedModel: {path}")
    return 0


def cmd_sample(args):
    import numpy as np

    from keras_gan import images

    model = _load_model(args.model)
    kwargs = {}
    num, nrow = (len(args.seeds) if args.seeds else args.num), args.nrow
    if args.labels is not None:
        labels = np.asarray(args.labels, dtype=np.int64)
        if args.seeds:  # one label per seed, the labels taken in turn
            kwargs["conditions"] = np.resize(labels, num)
        else:  # one row per label: num // len(labels) samples of each
            per_label = max(1, num // len(labels))
            kwargs["conditions"] = labels.repeat(per_label)
            num = len(kwargs["conditions"])
            nrow = nrow or (per_label if len(labels) > 1 else None)
    if args.text is not None:
        kwargs["conditions"] = [args.text] * num
    if args.seeds:
        samples = model.generate(seeds=args.seeds, **kwargs)
    else:
        samples = model.generate(num, seed=args.seed, **kwargs)
    picture = images.render(samples, nrow=nrow)
    path = images.save_png(picture, args.out)
    print(f"Wrote {len(samples)} samples to {path}")
    return 0


def keras_backend():
    import keras

    return keras.backend.backend()


def _export_preset(args, name, base_dir):
    """Export a shipped preset (or a preset folder) through TensorFlow."""
    from keras_gan import export
    from keras_gan.core import pretrained

    if keras_backend() != "tensorflow":
        raise ValueError(
            "Exporting a preset runs on the TensorFlow backend; run it with "
            "KERAS_BACKEND=tensorflow (the SavedModel is a TensorFlow graph)."
        )
    model = pretrained.load(name, compile=False)
    return export.export(
        model,
        name=args.name or model.source.get("preset") or Path(name).name,
        base_dir=base_dir,
        version=args.version,
        overwrite=args.overwrite,
        max_batch_size=args.max_batch_size,
        max_request_size=args.max_request_size,
    )


def cmd_export(args):
    from keras_gan import export
    from keras_gan.core import pretrained

    if args.all:
        if args.model or args.name:
            raise ValueError("--all exports every shipped preset; give no MODEL and no --name.")
        names = pretrained.list_pretrained()
        for preset in names:
            path = _export_preset(args, preset, args.base_dir)
            print(f"SavedModel: {path}")
        config = export.write_models_config(args.base_dir, names)
        print(f"One TF Serving config for all {len(names)}: {config}")
        return 0
    if not args.model:
        raise ValueError("Give a MODEL (.keras file, preset name or folder) or --all.")
    if not Path(args.model).is_file() and (
        pretrained.is_preset(args.model) or args.model in pretrained.recipes()
    ):
        path = _export_preset(args, args.model, args.base_dir)
        print(f"SavedModel: {path}")
        print(f"Serving notes: {path.parent / 'README.md'}")
        return 0
    name = args.name or Path(args.model).resolve().parent.name
    metadata = _run_metadata(_run_config(args.model))
    if args.metadata:
        metadata.update(json.loads(Path(args.metadata).read_text()))
    # Any backend: on JAX / PyTorch the file is exported by a TensorFlow child process.
    path = export.export_file(
        args.model,
        name=name,
        base_dir=args.base_dir,
        version=args.version,
        overwrite=args.overwrite,
        max_batch_size=args.max_batch_size,
        max_request_size=args.max_request_size,
        metadata=metadata,
    )
    print(f"SavedModel: {path}")
    print(f"Serving notes: {path.parent / 'README.md'}")
    return 0


def _run_config(model_path):
    """The resolved preset of the run a model file came from (its config.json), or None."""
    cfg = Path(model_path).parent / "config.json"
    return json.loads(cfg.read_text()) if cfg.exists() else None


def _run_metadata(preset):
    """What an export records about its training run (so evaluate needs no --dataset)."""
    if not preset:
        return {}
    return {
        "preset": preset.get("name"),
        "dataset": preset["data"].get("name"),
        "data": preset["data"],
    }


def _dataset_for(model_path, given, model=None):
    if given:
        return given
    recorded = (getattr(model, "source", None) or {}).get("dataset")
    if recorded:  # a shipped preset, or a model that zoo.load built
        return recorded
    path = Path(model_path)
    run = _run_config(path)
    if run and run.get("data", {}).get("name"):
        return run["data"]["name"]
    meta_path = path / "assets.extra" / "keras_gan.json"
    if meta_path.exists():
        name = json.loads(meta_path.read_text()).get("dataset")
        if name:
            return name
    raise ValueError(
        f"Which real dataset should {model_path} be compared with? Pass --dataset "
        "(mnist, fashion_mnist, digits, digits28)."
    )


def _evaluate_family(args, evaluate, model):
    """A family's own evaluation (translation metrics, caption metrics, ...)."""
    data_cfg = (model.source or {}).get("data") or (_run_config(args.model) or {}).get("data", {})
    results = evaluate(model, data_cfg, args.num_samples, seed=args.seed)
    print("| metric | value |\n|---|---|")
    for k, v in results.items():
        print(f"| {k} | {v} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"model": str(args.model), **results}, indent=2))
        print(f"\nWrote {args.json}")
    return 0


def _evaluate_stacked_mnist(args, num_samples):
    """Stacked MNIST's protocol (VEEGAN, PacGAN): modes of 1,000 covered, KL to uniform."""
    from keras_gan import data
    from keras_gan import metrics as m
    from keras_gan.metrics.evaluation import STACKED_MNIST_SAMPLES

    n = STACKED_MNIST_SAMPLES if num_samples is None else num_samples
    print(f"Evaluating {args.model} on Stacked MNIST ({n} samples)...", flush=True)
    results = {"model": m.stacked_mnist_modes(args.source, n, seed=args.seed)}
    if not args.no_floor:
        x, _ = data.load_arrays("stacked_mnist", "test")
        x = x[:n]  # the test split holds 10,000 stacks
        results[f"real test stacks ({len(x)})"] = m.stacked_mnist_modes(
            x.astype("float32") / 127.5 - 1.0
        )
    print("\n| metric | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for k in ("modes", "kl_to_uniform"):
        print(f"| {k} | " + " | ".join(f"{r[k]:.4g}" for r in results.values()) + " |")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"path": str(args.model), "dataset": "stacked_mnist", **results}, indent=2)
        )
        print(f"\nWrote {args.json}")
    return 0


def cmd_evaluate(args):
    from keras_gan import metrics as m
    from keras_gan.metrics.evaluation import check_metric_names

    # None: the protocol's own count (Stacked MNIST: 26,000), else 10,000
    given_num_samples = args.num_samples
    args.num_samples = 10000 if given_num_samples is None else given_num_samples
    from keras_gan.core import pretrained

    source = args.model  # a SavedModel version folder is read as such (and checked there)
    saved_model = _is_saved_model(args.model) or (
        Path(args.model).is_dir() and not pretrained.is_preset(args.model)
    )
    if not saved_model:
        from keras_gan.core import family_of

        source = _load_model(args.model)
        evaluate = family_of(source).evaluate
        if evaluate is not None:
            return _evaluate_family(args, evaluate, source)
    inception = args.features == "inception"
    default = "fid,kid,pr" if inception else "fid,kid,pr,class_coverage"
    requested = [n.strip() for n in (args.metrics or default).split(",") if n.strip()]
    parzen = "parzen" in requested
    names = check_metric_names(",".join(n for n in requested if n != "parzen") or "fid")
    if inception:
        needs_logits = [n for n in names if n in ("classifier_score", "class_coverage")]
        if needs_logits:
            raise ValueError(
                f"{', '.join(needs_logits)} need class probabilities, which Inception pool "
                "features do not give; drop them or use --features classifier."
            )
    dataset = _dataset_for(args.model, args.dataset, source)
    if dataset == "stacked_mnist" and not inception:
        args.source = source
        return _evaluate_stacked_mnist(args, given_num_samples)
    if parzen and dataset != "mnist":
        raise ValueError("The Parzen protocol (Goodfellow et al. 2014) is defined on mnist only.")
    extractor = m.FeatureExtractor.inception(args.resize, verbose=1) if inception else None
    features = extractor.name if inception else f"{dataset} classifier"
    print(
        f"Evaluating {args.model} against {dataset} ({args.num_samples} samples, "
        f"{features} features)...",
        flush=True,
    )
    results = {
        "model": m.evaluate(
            source, dataset, names, args.num_samples, seed=args.seed, extractor=extractor
        )
    }
    if not args.no_floor:
        results["floor (real test vs train)"] = m.evaluate_floor(
            dataset, names, args.num_samples, seed=args.seed, extractor=extractor
        )
    if parzen:
        # Parzen log-likelihood of the test set; the "floor" column scores real training images
        ll = m.parzen_mnist(source, args.num_samples, seed=args.seed)
        results["model"]["parzen_ll"] = ll["log_likelihood"]
        results["model"]["parzen_stderr"] = ll["stderr"]
        if not args.no_floor:
            real = m.parzen_mnist("real", args.num_samples, seed=args.seed)
            results["floor (real test vs train)"]["parzen_ll"] = real["log_likelihood"]
            results["floor (real test vs train)"]["parzen_stderr"] = real["stderr"]
    rows = [k for k, v in results["model"].items() if not isinstance(v, list)]
    cols = list(results)
    print()
    print("| metric | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for k in rows:
        print(
            f"| {k} | " + " | ".join(f"{results[c].get(k, float('nan')):.4g}" for c in cols) + " |"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "model": str(args.model),
                    "dataset": dataset,
                    "num_samples": args.num_samples,
                    "features": features,
                    "reference_split": "train",
                    **results,
                },
                indent=2,
            )
        )
        print(f"\nWrote {args.json}")
    return 0


def cmd_predict(args):
    import numpy as np

    from keras_gan import images, serving

    client = serving.Client(args.url, timeout=args.timeout)
    inputs = {"seed": np.asarray(args.seed, dtype=np.int64)}
    if args.label is not None:
        labels = np.asarray(args.label, dtype=np.int32)
        inputs["label"] = np.resize(labels, len(args.seed))
    if args.text is not None:
        inputs["text"] = np.asarray([args.text] * len(args.seed), dtype=object)
    out = client.predict(
        args.model, inputs, signature=args.signature, version=args.version, format=args.format
    )
    if "images_uint8" in out:
        grid = images.make_grid(np.asarray(out["images_uint8"]), nrow=args.nrow)
    else:
        grid = images.render(np.asarray(out["samples"]))
    path = images.save_png(grid, args.out)
    print(f"{len(args.seed)} samples from {args.url} ({args.model}) -> {path}")
    return 0


def build_parser():
    p = argparse.ArgumentParser(prog="keras-gan", description="A model zoo of GANs for Keras 3.")
    p.add_argument("--log-level", default="INFO", help="keras_gan log level (default INFO)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("list", help="list presets, families, datasets and losses")
    s.set_defaults(fn=cmd_list)

    s = sub.add_parser("train", help="train a preset (resumes from --out if it holds a run)")
    s.add_argument("preset")
    s.add_argument("--out", help="run folder (default runs/PRESET)")
    s.add_argument("--epochs", type=int)
    s.add_argument("--batch-size", type=int, dest="batch_size")
    s.add_argument("--steps-per-epoch", type=int, dest="steps_per_epoch")
    s.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a preset setting (JSON values)",
    )
    s.add_argument(
        "--strategy",
        choices=["default", "mirrored", "multiworker", "tpu", "data_parallel"],
        default=None,
    )
    s.add_argument(
        "--precision",
        # keras_gan.backend.PRECISIONS, written out: the parser imports no Keras
        choices=["float32", "mixed_bfloat16", "mixed_float16", "auto"],
        default=None,
        help="dtype policy of the model (the preset's train.precision, default float32); "
        "auto: mixed_bfloat16 where the GPU/CPU computes bfloat16 natively, else float32",
    )
    s.add_argument(
        "--no-resume", action="store_true", help="start afresh even if --out holds checkpoints"
    )
    s.add_argument("--export", action="store_true", help="export a SavedModel when done")
    s.add_argument("--export-dir", default="saved_models")
    s.add_argument(
        "--dry-run", action="store_true", help="print the resolved configuration and stop"
    )
    s.add_argument("--verbose", type=int, default=1, choices=[0, 1, 2])
    s.set_defaults(fn=cmd_train)

    s = sub.add_parser("sample", help="write a grid of samples from a model or a shipped preset")
    s.add_argument("model", help="a .keras file, a preset name (keras-gan list) or a preset folder")
    s.add_argument("-n", "--num", type=int, default=64)
    s.add_argument("--out", default="samples.png")
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--seeds", type=int, nargs="+")
    s.add_argument(
        "--labels",
        type=int,
        nargs="+",
        help="class labels (conditional models): N // len(labels) samples of each (at least "
        "one), one row per label",
    )
    s.add_argument("--text", help="a caption (text-to-image models)")
    s.add_argument("--nrow", type=int, default=None, help="images per row")
    s.set_defaults(fn=cmd_sample)

    s = sub.add_parser("evaluate", help="score a .keras model or an exported SavedModel")
    s.add_argument(
        "model", help="a .keras file, a preset name or folder, or a SavedModel version folder"
    )
    s.add_argument(
        "--metrics",
        default=None,
        help="comma-separated: fid, kid, pr, dc, classifier_score, class_coverage, parzen (mnist); "
        "default fid,kid,pr,class_coverage (fid,kid,pr with --features inception)",
    )
    s.add_argument(
        "--features",
        choices=("classifier", "inception"),
        default="classifier",
        help="feature space: the dataset's own classifier (default) or the standard FID "
        'Inception-v3 (needs pip install -e ".[inception]"; about 0.1 s per image on 2 CPU cores)',
    )
    s.add_argument(
        "--resize",
        choices=("legacy_tf", "clean"),
        default="legacy_tf",
        help="how images reach 299x299 for Inception: the original TensorFlow FID's bilinear "
        "(legacy_tf, default) or clean-fid's PIL bicubic (clean)",
    )
    s.add_argument(
        "--num-samples",
        type=int,
        dest="num_samples",
        help="generated samples (default 10,000; Stacked MNIST: 26,000, its protocol's count)",
    )
    s.add_argument(
        "--dataset", help="real data to compare with (default: from the run's config.json)"
    )
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--json", help="also write the results here")
    s.add_argument("--no-floor", action="store_true", help="skip the real-data floor")
    s.set_defaults(fn=cmd_evaluate)

    s = sub.add_parser("predict", help="ask a TF Serving endpoint for samples and write a grid")
    s.add_argument("--url", required=True, help="host:port (REST) or grpc://host:port")
    s.add_argument("--model", required=True, help="the served model's name")
    s.add_argument("--seed", type=int, nargs="+", required=True)
    s.add_argument("--label", type=int, nargs="+", help="class labels (conditional models)")
    s.add_argument("--text", help="a caption (text-to-image models)")
    s.add_argument("--signature", default="serving_default")
    s.add_argument("--version", type=int)
    s.add_argument("--format", choices=["row", "columnar"], default="row")
    s.add_argument("--timeout", type=float, default=30.0)
    s.add_argument("--nrow", type=int)
    s.add_argument("--out", default="predicted.png")
    s.set_defaults(fn=cmd_predict)

    s = sub.add_parser(
        "export", help="export a .keras model or a shipped preset as a SavedModel for TF Serving"
    )
    s.add_argument("model", nargs="?", help="a .keras file, a preset name or a preset folder")
    s.add_argument(
        "--all",
        action="store_true",
        help="export every preset that ships weights into BASE_DIR/<preset>/ and write one "
        "BASE_DIR/models.config that serves them all",
    )
    s.add_argument("--name", help="served model name (default: the run folder's name)")
    s.add_argument("--base-dir", default="saved_models")
    s.add_argument("--version", type=int)
    s.add_argument("--overwrite", action="store_true")
    s.add_argument(
        "--max-batch-size",
        type=int,
        default=64,
        help="TF Serving's batching max_batch_size (batching_parameters.txt; default 64)",
    )
    s.add_argument(
        "--max-batch",
        "--max-request-size",
        dest="max_request_size",
        type=int,
        default=1024,
        metavar="N",
        help="the most items (seeds, latents, images) one request may carry; every signature "
        "refuses a larger request with INVALID_ARGUMENT (default 1024)",
    )
    s.add_argument("--metadata", help="a JSON file of extra facts for assets.extra/keras_gan.json")
    s.set_defaults(fn=cmd_export)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("keras_gan").setLevel(args.log_level.upper())
    if not USER_SET_TF_LOG and getattr(args, "verbose", 1) != 2:
        _start_quietly()
    try:
        return args.fn(args)
    except (
        ValueError,
        TypeError,
        FileNotFoundError,
        FileExistsError,
        PermissionError,
        NotADirectoryError,
    ) as e:
        # Bad input: one clear line, no traceback.
        print(f"keras-gan {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as e:
        from keras_gan.data import DatasetUnavailableError
        from keras_gan.metrics.inception import MissingExtraError
        from keras_gan.serving import ServingError

        if isinstance(e, (DatasetUnavailableError, ServingError, MissingExtraError)):
            print(f"keras-gan {args.command}: error: {e}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
