"""Export generators as SavedModels laid out for TensorFlow Serving.

`export(model, name)` writes::

    saved_models/<name>/
        <version>/                      the SavedModel (integer versions)
            saved_model.pb, variables/
            assets.extra/tf_serving_warmup_requests   PredictionLog records
            assets.extra/keras_gan.json               what was exported
        models.config                   a model_config_list entry
        batching_parameters.txt         for --enable_batching
        README.md                       docker run, REST and gRPC calls

Only the sampling side goes in (the EMA generator when enabled): no
discriminator, no optimizer state, no XLA-compiled functions. Every input and
output is batch-major. Each sample comes from its own seed through stateless
random ops, so a seed's image does not depend on the requests TF Serving
batches it with.

The SavedModel is a TensorFlow graph, so `export` runs on the TensorFlow
backend. A model trained on JAX or PyTorch is exported from its `.keras` file
by `export_file` (and `keras-gan export`), which loads it under TensorFlow in
a child process: train anywhere, serve with TF Serving.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import keras
import numpy as np

from keras_gan.core.pretrained import replace_folder
from keras_gan.core.signatures import (  # noqa: F401
    DEFAULT_MAX_REQUEST_SIZE,
    check_max_request_size,
    generator_endpoints,
    image_outputs,
    serving_limits,
)

DEFAULT_BASE_DIR = "saved_models"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def next_version(model_dir) -> int:
    model_dir = Path(model_dir)
    if not model_dir.exists():
        return 1
    versions = [int(p.name) for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    return max(versions, default=0) + 1


def _check_writable(path: Path):
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise NotADirectoryError(f"Cannot export under {str(path)!r}: {str(probe)!r} is a file.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PermissionError(
            f"Cannot export under {str(path)!r}: {str(probe)!r} is not writable. Choose another "
            "base_dir (keras-gan export --base-dir DIR) or fix its permissions."
        )


def write_warmup(path, model_name, examples):
    """Write ``assets.extra/tf_serving_warmup_requests``: one PredictionLog per signature."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    import tensorflow as tf

    with tf.io.TFRecordWriter(str(path)) as writer:
        for signature, inputs in examples.items():
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature)
            )
            for key, value in inputs.items():
                request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())
    return path


def models_config(names, container_base="/models"):
    """A TF Serving ``--model_config_file`` serving ``names`` (one name or several)."""
    names = [names] if isinstance(names, str) else list(names)
    entries = "".join(
        "  config {\n"
        f'    name: "{name}"\n'
        f'    base_path: "{container_base}/{name}"\n'
        '    model_platform: "tensorflow"\n'
        "    model_version_policy { latest { num_versions: 1 } }\n"
        "  }\n"
        for name in names
    )
    return "model_config_list {\n" + entries + "}\n"


def write_models_config(base_dir, names, container_base="/models"):
    """Write ``base_dir/models.config``: one TF Serving config for every model in ``names``.

    Serve them all with ``docker run -p 8501:8501 -v $PWD/base_dir:/models
    tensorflow/serving --model_config_file=/models/models.config``.
    """
    names = list(names)
    for name in names:
        if not (Path(base_dir) / name).is_dir():
            raise FileNotFoundError(f"{Path(base_dir) / name} does not exist; export it first.")
    path = Path(base_dir) / "models.config"
    path.write_text(models_config(names, container_base))
    return path


def batching_parameters(max_batch_size=64):
    # Documented knobs of TF Serving's batching (tensorflow_serving/batching/README.md).
    return (
        f"max_batch_size {{ value: {int(max_batch_size)} }}\n"
        "batch_timeout_micros { value: 2000 }\n"
        "max_enqueued_batches { value: 100 }\n"
        "num_batch_threads { value: 4 }\n"
        "pad_variable_length_inputs: false\n"
    )


def _signature_doc(name, spec):
    lines = [f"### `{name}`", "", "| input | dtype | shape |", "|---|---|---|"]
    for s in spec["inputs"]:
        lines.append(f"| `{s['name']}` | {s['dtype']} | {s['shape']} |")
    lines += ["", "| output | dtype | shape |", "|---|---|---|"]
    for s in spec["outputs"]:
        lines.append(f"| `{s['name']}` | {s['dtype']} | {s['shape']} |")
    return "\n".join(lines)


def _python_inputs(example_request):
    parts = []
    for key, value in example_request[0].items():
        if isinstance(value, (int, float, str)):
            values = [row[key] for row in example_request]
            parts.append(f"{json.dumps(key)}: {json.dumps(values)}")
        else:
            parts.append(f"{json.dumps(key)}: {key}  # numpy array, see the signature below")
    return "{" + ", ".join(parts) + "}"


def _limits_doc(limits, example_input="seed"):
    """The README section on what a request may carry and what a refused one gets back.

    ``limits``: ``{"max_request_size": N, "max_batch_size": M, "request_checks":
    {signature: fn.serving_checks}}`` as `export` records it; ``example_input``: the
    input named in the example refusal.
    """
    n = limits["max_request_size"]
    checks = limits.get("request_checks") or {}
    lines = [
        "## Limits: what one request may carry",
        "",
        "The graph checks every request before the expensive work, so a hostile or careless "
        "request cannot make the server allocate or compute much:",
        "",
        f"- **At most {n:,} items per request** in every signature (seeds, latent vectors or "
        "images), set at export (`max_request_size=`, `keras-gan export --max-batch N`). "
        "Send more in several requests.",
    ]
    if any(len(c.get("same_length", ())) > 1 for c in checks.values()):
        lines.append(
            "- The inputs of one request hold the same number of items (one label or caption "
            "per seed or latent vector); conditions keep their own checks (a label outside "
            "[0, num_classes), an empty caption)."
        )
    if any("seed" in c.get("same_length", ()) for c in checks.values()):
        lines.append("- Any int64 is a valid `seed`, negative or huge: it only names a sample.")
    finite = sorted(s for s, c in checks.items() if c.get("finite_inputs"))
    if finite:
        lines.append(
            f"- `{'`, `'.join(finite)}`: `z` must be finite; NaN or Inf is refused. A sample "
            "holding NaN or Inf (what an enormous `z` can produce) is refused rather than "
            "returned."
        )
    for sig, c in sorted(checks.items()):
        img = c.get("image_bytes")
        if not img:
            continue
        formats = " or ".join(img["formats"])
        lines.append(
            f"- `{sig}`: `image_bytes` must be {img['width']}x{img['height']} (width x height) "
            f"{formats} images with {img['channels']} channel(s). The size and channels are "
            "read from the header (PNG IHDR chunk, JPEG SOF marker) *before* anything is "
            "decoded, so a small file that claims a huge picture (a decompression bomb) is "
            "refused at no cost, and so are other formats (GIF, BMP, WebP, ...) and malformed "
            "headers. An image whose header passes but whose data is corrupt fails in the "
            "decoder with its own INVALID_ARGUMENT message ('Invalid PNG data', 'Invalid JPEG "
            "data')."
        )
    lines += [
        "- An empty batch (columnar REST or gRPC) answers an empty result; REST's row format "
        "needs at least one instance.",
        "",
        "A refused request gets INVALID_ARGUMENT and a message that says what the model takes:",
        "",
        '- REST: HTTP 400 with `{"error": "<message>"}`, e.g. `{"error": "assertion failed: '
        f"[A request takes at most {n} items (max_request_size, set at export: keras-gan "
        f"export --max-batch N); {example_input} has] [{n + 1}] [items. Send them in smaller "
        'requests.]"}` for a request too large;',
        "- gRPC: status `INVALID_ARGUMENT`, the message in its details;",
        "- `keras_gan.serving.Client` raises `ServingError` with the message (`.status` is 400 "
        'or `"INVALID_ARGUMENT"`).',
    ]
    if limits.get("max_batch_size"):
        lines += [
            "",
            "With `--enable_batching` the server merges requests into batches of at most "
            f"`max_batch_size` ({limits['max_batch_size']}, `batching_parameters.txt`), which "
            "export keeps at or below the per-request limit so that merged good requests "
            "always pass; TF Serving's batcher itself refuses a single request larger than "
            "`max_batch_size` unless large-batch splitting is enabled.",
        ]
    return "\n".join(lines)


def write_readme(model_dir, name, signatures, example_request, limits=None):
    """Write ``<model_dir>/README.md``: how to serve and call the export, its signatures and,
    given ``limits`` (what `export` records), the limits every request is held to."""
    first = next(iter(signatures))
    inputs = [s["name"] for s in signatures[first]["inputs"]]
    example_input = "seed" if "seed" in inputs else inputs[0]
    limits_doc = f"\n{_limits_doc(limits, example_input)}\n" if limits else ""
    text = f"""# {name}: a keras-gan generator for TensorFlow Serving

Exported by keras-gan. Each numbered folder is one version of the model.

## Serve it on a GPU

```
docker run --gpus all -p 8500:8500 -p 8501:8501 \\
  -v "$PWD/{name}:/models/{name}" -e MODEL_NAME={name} \\
  tensorflow/serving:latest-gpu \\
  --enable_batching --batching_parameters_file=/models/{name}/batching_parameters.txt
```

(run it from the folder that holds `{name}/`; drop `--gpus all` and `-gpu` for CPU.)
To serve several models, mount their parent folder at `/models` and pass
`--model_config_file=/models/{name}/models.config` (edit it to list them all).
The version folder carries warm-up requests in `assets.extra/`.

## Call it

REST (row format; outputs ending in `_bytes` come back base64-encoded):

```
curl -s -X POST http://localhost:8501/v1/models/{name}:predict \\
  -d '{json.dumps({"signature_name": first, "instances": example_request})}'
```

Python (REST or gRPC):

```
from keras_gan.serving import Client
client = Client("localhost:8501")            # or Client("grpc://localhost:8500")
out = client.predict("{name}", {_python_inputs(example_request)}, signature="{first}")
images = out["images_uint8"]                 # numpy uint8 [N, H, W, C]
```
{limits_doc}
## Signatures

{(chr(10) * 2).join(_signature_doc(k, v) for k, v in signatures.items())}
"""
    (Path(model_dir) / "README.md").write_text(text)


def describe_signatures(loaded):
    """{signature: {"inputs": [...], "outputs": [...]}} of a loaded SavedModel."""
    out = {}
    for key, fn in loaded.signatures.items():
        _, kwargs = fn.structured_input_signature
        outputs = fn.structured_outputs
        out[key] = {
            "inputs": [
                {"name": k, "dtype": v.dtype.name, "shape": str(v.shape.as_list())}
                for k, v in sorted(kwargs.items())
            ],
            "outputs": [
                {"name": k, "dtype": v.dtype.name, "shape": str(v.shape.as_list())}
                for k, v in sorted(outputs.items())
            ],
        }
    return dict(sorted(out.items(), key=lambda kv: (kv[0] != "serving_default", kv[0])))


def export(
    model,
    name=None,
    base_dir=DEFAULT_BASE_DIR,
    version=None,
    overwrite=False,
    max_batch_size=64,
    warmup=True,
    metadata=None,
    max_request_size=DEFAULT_MAX_REQUEST_SIZE,
):
    """Export ``model``'s sampling side as ``<base_dir>/<name>/<version>/``.

    Args:
        model: a keras-gan model (any family).
        name: the served model's name (default: the model's name).
        base_dir: folder that holds one sub-folder per served model.
        version: integer version; default: the next free one.
        overwrite: replace an existing version instead of refusing.
        max_batch_size: written to the batching parameters file (the most items TF
            Serving's batcher merges into one call); at most ``max_request_size``.
        warmup: write warm-up requests for every signature.
        metadata: extra JSON-able facts to store in ``assets.extra/keras_gan.json``.
        max_request_size: the most items (seeds, latent vectors, images) one request
            may carry; every signature refuses a larger request with INVALID_ARGUMENT
            before doing any work. Recorded in ``keras_gan.json`` and the README.

    Returns:
        Path of the version folder.

    Raises:
        FileExistsError: the version exists and ``overwrite`` is False.
        PermissionError: ``base_dir`` is not writable.
        ValueError: a bad name, version, ``max_request_size`` or ``max_batch_size``.
    """
    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            "A SavedModel for TF Serving is written on the TensorFlow backend (this process "
            f"runs {keras.backend.backend()!r}). Save the model and export the file: "
            "keras_gan.export.export_file('model.keras', ...) or `keras-gan export model.keras`, "
            "which load it under TensorFlow."
        )
    import tensorflow as tf

    max_request_size = check_max_request_size(max_request_size)
    if isinstance(max_batch_size, bool) or int(max_batch_size) < 1:
        raise ValueError(f"max_batch_size must be a positive integer; got {max_batch_size!r}.")
    if int(max_batch_size) > max_request_size:
        raise ValueError(
            f"max_batch_size ({max_batch_size}) must not exceed max_request_size "
            f"({max_request_size}): with --enable_batching TF Serving merges requests into "
            "batches of up to max_batch_size, and the graph would refuse a merged batch of good "
            "requests. Lower max_batch_size (--max-batch-size) or raise max_request_size "
            "(--max-batch)."
        )
    name = name or model.name
    if not _NAME_RE.match(name):
        raise ValueError(f"Model name {name!r} must be letters, digits, '_', '.' or '-'.")
    model_dir = Path(base_dir) / name
    _check_writable(model_dir)
    if version is None:
        version = next_version(model_dir)
    if isinstance(version, bool) or int(version) < 1:
        raise ValueError(f"version must be a positive integer; got {version!r}.")
    version = int(version)
    final = model_dir / str(version)
    if final.exists() and not overwrite:
        raise FileExistsError(
            f"{str(final)!r} already exists. Pass overwrite=True (keras-gan export --overwrite) "
            f"to replace it, or version={next_version(model_dir)} for a new version."
        )
    model_dir.mkdir(parents=True, exist_ok=True)

    # The families build their signatures in serving_endpoints(), which takes no
    # arguments: the limits reach them through this context (keras_gan.core.signatures).
    with serving_limits(max_request_size=max_request_size):
        endpoints = model.serving_endpoints()
        archive = keras.export.ExportArchive()
        for net in model.export_networks():
            archive.track(net)
        for ep_name, (fn, signature, _) in endpoints.items():
            archive.add_endpoint(ep_name, fn, input_signature=signature)
    limits = {
        "max_request_size": max_request_size,
        "max_batch_size": int(max_batch_size),
        "request_checks": {
            k: fn.serving_checks
            for k, (fn, _, _) in endpoints.items()
            if getattr(fn, "serving_checks", None)
        },
    }

    tmp = model_dir / f".tmp-{version}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        archive.write_out(str(tmp), verbose=False)
        if warmup:
            examples = {k: ex for k, (_, _, ex) in endpoints.items()}
            write_warmup(tmp / "assets.extra" / "tf_serving_warmup_requests", name, examples)
        meta = {
            "model_class": type(model).__name__,
            "model_name": model.name,
            "signatures": list(endpoints),
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "keras_version": keras.__version__,
            "tensorflow_version": tf.__version__,
            "max_request_size": max_request_size,
            "request_checks": limits["request_checks"],
            **model.export_metadata(),
            # where the model came from (zoo.load / from_preset), so evaluate needs no --dataset
            **dict(getattr(model, "source", None) or {}),
            **(metadata or {}),
        }
        (tmp / "assets.extra").mkdir(exist_ok=True)
        (tmp / "assets.extra" / "keras_gan.json").write_text(
            json.dumps(meta, indent=2, default=str)
        )
        replace_folder(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)

    (model_dir / "models.config").write_text(models_config(name))
    (model_dir / "batching_parameters.txt").write_text(batching_parameters(max_batch_size))
    loaded = tf.saved_model.load(str(final))
    first_inputs = endpoints[next(iter(endpoints))][2]

    def jsonable(value):
        value = value.tolist() if hasattr(value, "tolist") else value
        return value.decode("utf-8") if isinstance(value, bytes) else value

    example_request = [
        {k: jsonable(np.asarray(v)[i]) for k, v in first_inputs.items()} for i in range(2)
    ]
    write_readme(model_dir, name, describe_signatures(loaded), example_request, limits)
    return final


def export_file(model_path, name=None, base_dir=DEFAULT_BASE_DIR, **kwargs):
    """Export a `.keras` file, whatever backend it was trained on; returns the version folder.

    On the TensorFlow backend this loads the file and calls `export`. On JAX or
    PyTorch it runs ``keras-gan export`` in a child process with
    ``KERAS_BACKEND=tensorflow`` (TensorFlow must be installed there), which
    loads the weights into the TensorFlow model and writes the same signatures.

    Args:
        model_path: a `.keras` file saved by any backend.
        name, base_dir, **kwargs: as for `export` (``version``, ``overwrite``,
            ``max_batch_size``, ``metadata``, ``max_request_size``).
    """
    if keras.backend.backend() == "tensorflow":
        from keras_gan import saving

        model = saving.load_model(model_path, compile=False)
        return export(model, name=name, base_dir=base_dir, **kwargs)
    import subprocess
    import sys
    import tempfile

    unknown = set(kwargs) - {
        "version",
        "overwrite",
        "max_batch_size",
        "metadata",
        "max_request_size",
    }
    if unknown:
        raise TypeError(f"export_file got unexpected arguments: {', '.join(sorted(unknown))}.")
    args = [sys.executable, "-m", "keras_gan.cli", "export", str(model_path)]
    args += ["--base-dir", str(base_dir)]
    if name:
        args += ["--name", name]
    if kwargs.get("version") is not None:
        args += ["--version", str(int(kwargs["version"]))]
    if kwargs.get("overwrite"):
        args += ["--overwrite"]
    if kwargs.get("max_batch_size") is not None:
        args += ["--max-batch-size", str(int(kwargs["max_batch_size"]))]
    if kwargs.get("max_request_size") is not None:
        args += ["--max-batch", str(check_max_request_size(kwargs["max_request_size"]))]
    with tempfile.TemporaryDirectory() as tmp:
        if kwargs.get("metadata"):
            meta = Path(tmp) / "metadata.json"
            meta.write_text(json.dumps(kwargs["metadata"]))
            args += ["--metadata", str(meta)]
        env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
        proc = subprocess.run(args, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"Exporting {model_path} under TensorFlow failed (exit {proc.returncode}):\n"
            + (proc.stderr or proc.stdout)[-3000:]
        )
    for line in proc.stdout.splitlines():
        if line.startswith("SavedModel: "):
            return Path(line[len("SavedModel: ") :])
    raise RuntimeError(f"keras-gan export printed no SavedModel path:\n{proc.stdout[-2000:]}")
