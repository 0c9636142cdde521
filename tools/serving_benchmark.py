"""Export figures: SavedModel size, load time in a fresh process, per-request latency.

    python tools/serving_benchmark.py                      # dcgan_mnist (trained run if present)
    python tools/serving_benchmark.py --model runs/zoo/cgan_mnist/model.keras --name cgan_mnist
    python tools/serving_benchmark.py --markdown --json zoo/benchmarks/serving_cpu.json

For each model: export it with `keras_gan.export.export` into a temporary
folder, then

- size: bytes of the version folder (variables + graph + assets);
- load: wall time of ``tf.saved_model.load`` plus the first call of the
  default signature, in a fresh Python process (what a server pays per
  version), median of ``--loads`` processes; TensorFlow's import is excluded;
- latency: the default signature called in-process with batch 1 and batch 64
  (median and 95th percentile of ``--requests`` calls after 5 warm-up calls).
  This is the model's own compute as TF Serving runs it, without the HTTP /
  gRPC hop (not measurable here: the server ships as a Docker image).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOAD_SNIPPET = """
import os, sys, time, json
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
t0 = time.perf_counter()
m = tf.saved_model.load(sys.argv[1])
fn = m.signatures["serving_default"]
inputs = json.loads(sys.argv[2])
fn(**{k: tf.constant(np.asarray(v, dtype=fn.structured_input_signature[1][k].dtype.as_numpy_dtype)
      if fn.structured_input_signature[1][k].dtype != tf.string else v)
      for k, v in inputs.items()})
print(time.perf_counter() - t0)
"""


def _folder_bytes(path):
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _batch_inputs(spec, n):
    import numpy as np
    import tensorflow as tf

    out = {}
    for key, s in spec.items():
        if key == "seed":
            out[key] = np.arange(n, dtype=np.int64)
        elif s.dtype == tf.string:
            out[key] = ["a thick 7 leaning right"] * n
        elif key == "label":
            out[key] = (np.arange(n) % 10).astype(s.dtype.as_numpy_dtype)
        else:
            shape = [n] + [int(d) for d in s.shape[1:]]
            out[key] = np.zeros(shape, s.dtype.as_numpy_dtype)
    return out


def measure(model_path, name, requests=50, loads=3):
    import numpy as np
    import tensorflow as tf

    from keras_gan import export, saving

    model = saving.load_model(model_path, compile=False)
    with tempfile.TemporaryDirectory() as tmp:
        version = export.export(model, name, base_dir=tmp)
        size = _folder_bytes(version)
        loaded = tf.saved_model.load(str(version))
        fn = loaded.signatures["serving_default"]
        spec = fn.structured_input_signature[1]
        one = _batch_inputs(spec, 1)
        load_times = []
        for _ in range(loads):
            jsonable = {k: np.asarray(v).tolist() for k, v in one.items()}
            out = subprocess.run(
                [sys.executable, "-c", LOAD_SNIPPET, str(version), json.dumps(jsonable)],
                capture_output=True,
                text=True,
                check=True,
            )
            load_times.append(float(out.stdout.strip().splitlines()[-1]))
        result = {
            "model": name,
            "signature": "serving_default",
            "inputs": sorted(spec),
            "size_mb": round(size / 2**20, 2),
            "load_s": round(statistics.median(load_times), 3),
        }
        for n in (1, 64):
            args = {k: tf.constant(v) for k, v in _batch_inputs(spec, n).items()}
            for _ in range(5):
                fn(**args)
            times = []
            for _ in range(requests):
                t0 = time.perf_counter()
                [v.numpy() for v in fn(**args).values()]
                times.append(time.perf_counter() - t0)
            times.sort()
            result[f"batch{n}_ms_median"] = round(1000 * statistics.median(times), 2)
            result[f"batch{n}_ms_p95"] = round(1000 * times[int(0.95 * (len(times) - 1))], 2)
        result["batch64_images_per_s"] = round(64 / (result["batch64_ms_median"] / 1000), 1)
    return result


def main(argv=None):
    from tools.benchmark import machine

    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--model", nargs="+", default=None, help=".keras files (default: zoo runs)")
    p.add_argument("--requests", type=int, default=50)
    p.add_argument("--loads", type=int, default=3)
    p.add_argument("--json")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args(argv)
    paths = args.model or [
        str(f)
        for f in sorted((ROOT / "runs" / "zoo").glob("*/model.keras"))
        if "_seed" not in f.parent.name
    ]
    if not paths:
        p.error("no models: train one (keras-gan train dcgan_mnist) or pass --model")
    rows = []
    for path in paths:
        name = Path(path).resolve().parent.name
        row = measure(path, name, args.requests, args.loads)
        print(json.dumps(row), flush=True)
        rows.append(row)
    command = "python tools/serving_benchmark.py " + " ".join(argv if argv else sys.argv[1:])
    stamp = f"{command.strip()}  ({machine()}, {time.strftime('%Y-%m-%d')})"
    if args.json:
        Path(args.json).write_text(json.dumps({"command": stamp, "results": rows}, indent=2) + "\n")
    if args.markdown:
        print(f"\n{stamp}\n")
        print(
            "| model | inputs | size MB | load s | batch 1 ms (p95) | batch 64 ms (p95) | images/s |"
        )
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['model']} | {', '.join(r['inputs'])} | {r['size_mb']} | {r['load_s']} | "
                f"{r['batch1_ms_median']} ({r['batch1_ms_p95']}) | {r['batch64_ms_median']} "
                f"({r['batch64_ms_p95']}) | {r['batch64_images_per_s']} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
