"""Serving under load: good and hostile requests against the TF Serving emulator.

    python tools/serving_load_test.py                        # dcgan_mnist + pix2pix_mnist_edges
    python tools/serving_load_test.py --generator dcgan --translator pix2pix --requests 40
    python tools/serving_load_test.py --json zoo/benchmarks/serving_load.json \\
        --markdown zoo/benchmarks/serving_load.md

What it does: exports a generator and an image translator into a temporary
folder with `keras_gan.export.export` (``--max-batch`` items per request),
serves both from the emulator of TF Serving in
``tests/export/tf_serving_emulator.py``, started in a child process on
loopback (REST and gRPC), and sends ``--requests`` requests from
``--clients`` threads: a fixed, seeded mix of good requests and hostile ones
(decompression bombs, other image formats, requests over the size limit,
NaN or Inf latents, wrong dtypes, missing inputs). It stops by itself when
the requests are done, or after ``--max-seconds``.

A MODEL (``--generator``, ``--translator``) is a family name (that family's
tiny test model), a zoo preset name (the preset's full-size networks with
random weights: serving cost does not depend on training), a ``.keras`` file,
or an export folder (``<base>/<name>`` holding numbered versions).

Checks: every good request answers with the right number of items and
finite values in [-1, 1]; every hostile one is refused with INVALID_ARGUMENT
(HTTP 400 over REST). Exit status 1 otherwise.

Reports: requests/s over the whole run, p50 / p99 latency on the client side
(encode, call, decode) of good and hostile requests and of each kind, and the
server process's resident memory after warm-up and its peak during the load
(VmHWM from /proc, reset before the load starts). With ``--bomb-cost``, also
what refusing a 20,000 x 20,000 PNG and JPEG costs the translator in a fresh
process (`bomb_cost`: peak resident-set growth and seconds).

The figures are the emulator's (Python, REST and gRPC), not TF Serving's C++
server: what they show is that hostile requests cost the server nothing that
good ones would not, and that none of them gets through.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REFUSED = ("INVALID_ARGUMENT", 400)


# --- hostile images ---------------------------------------------------------------------


def _png_chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@functools.lru_cache(maxsize=2)
def png_bomb(width=20_000, height=20_000):
    """A valid greyscale PNG of ``width`` x ``height`` zero pixels (~389 KB for 20,000 x 20,000).

    zlib packs the 400 MB of zeros about 1,000:1, so a decoder that trusts the
    file allocates 1,000 times what it received. (Compressing takes seconds: cached.)
    """
    comp = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte 0, then the pixels
    idat = b"".join([comp.compress(row) for _ in range(height)] + [comp.flush()])
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def encode(image, fmt, **kwargs):
    """``image`` (uint8 [H, W] or [H, W, C]) encoded by Pillow as ``fmt`` (PNG, JPEG, GIF...)."""
    from PIL import Image

    arr = np.asarray(image, np.uint8)
    arr = arr[..., 0] if arr.ndim == 3 and arr.shape[-1] == 1 else arr
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **kwargs)
    return buf.getvalue()


def jpeg_bomb(width=20_000, height=20_000):
    """A 1 KB baseline JPEG whose SOF header claims ``width`` x ``height`` pixels.

    A decoder that trusts the header allocates ``width * height`` bytes before
    it finds the data too short.
    """
    data = bytearray(encode(np.zeros((16, 16), np.uint8), "JPEG"))
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            raise ValueError("not a JPEG marker; Pillow wrote an unexpected JPEG")
        marker = data[i + 1]
        if marker == 0xC0:  # SOF0: FF C0, length (2), precision (1), height (2), width (2)
            data[i + 5 : i + 9] = struct.pack(">HH", height, width)
            return bytes(data)
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    raise ValueError("no SOF0 marker in Pillow's JPEG")


# --- what a refused bomb costs -----------------------------------------------------------

BOMB_SNIPPET = r"""
import json, os, resource, sys, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from pathlib import Path
import tensorflow as tf

# [[version folder, [signatures], good image file], ...] and {label: bomb file}
exports, files = json.loads(sys.argv[1]), json.loads(sys.argv[2])


def status():
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line[:5]] = int(line.split()[1]) / 1024
    return out


def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def call(fn, data):
    try:
        fn(image_bytes=data)
        return None
    except tf.errors.InvalidArgumentError as e:
        return e.message


def measure(fn, data):
    call(fn, data)  # once, so that the measured call finds its buffers warm
    exact = reset_peak()
    before = status()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    refused = call(fn, data)
    seconds = time.perf_counter() - t0
    if exact:
        growth = status()["VmHWM"] - before["VmRSS"]
    else:
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - peak_before
    return {"peak_rss_growth_mb": round(growth, 1), "seconds": round(seconds, 4),
            "method": "VmHWM reset" if exact else "ru_maxrss",
            "refused": refused and refused[-400:]}


rows = []
for path, signatures, good in exports:
    loaded = tf.saved_model.load(path)
    good = tf.constant([Path(good).read_bytes()])
    for sig in signatures:
        fn = loaded.signatures[sig]
        for _ in range(3):  # trace, allocate and warm every op of the path
            fn(image_bytes=good)
        for label, file in files.items():
            data = tf.constant([Path(file).read_bytes()])
            rows.append({"export": path, "signature": sig, "image": label,
                         "file_bytes": Path(file).stat().st_size, **measure(fn, data)})
print(json.dumps(rows))
"""


def bomb_cost(version_dirs, timeout=600):
    """What refusing a 20,000 x 20,000 PNG and JPEG bomb costs each ``*_bytes`` signature.

    ``version_dirs``: one export version folder or several, measured in one
    fresh process (so that its memory is the exports' alone): it loads each
    export, warms each signature taking ``image_bytes`` up with a good image
    and calls it once with each bomb, then measures a second call: the growth
    of the peak resident set (VmHWM, reset just before the call) over the
    resident set before it, and the wall time. An export from before the
    checks (no ``request_checks`` in its keras_gan.json) is measured on its
    ``*_bytes`` signatures all the same. Returns one row per (export,
    signature, bomb) with the refusal message (None where the bomb was not
    refused).
    """
    if isinstance(version_dirs, (str, Path)):
        version_dirs = [version_dirs]
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "PNG bomb 20000x20000": Path(tmp) / "bomb.png",
            "JPEG bomb 20000x20000": Path(tmp) / "bomb.jpg",
        }
        files["PNG bomb 20000x20000"].write_bytes(png_bomb())
        files["JPEG bomb 20000x20000"].write_bytes(jpeg_bomb())
        exports = []
        for i, version_dir in enumerate(version_dirs):
            meta = json.loads((Path(version_dir) / "assets.extra" / "keras_gan.json").read_text())
            checks = meta.get("request_checks")
            if checks:
                signatures = sorted(s for s, c in checks.items() if "image_bytes" in c)
                img = checks[signatures[0]]["image_bytes"] if signatures else None
                shape = img and (img["height"], img["width"], img["channels"])
            else:
                signatures = sorted(s for s in meta["signatures"] if s.endswith("_bytes"))
                shape = tuple(meta.get("source_shape") or meta["data_shape"])
            if not signatures:
                continue
            good = Path(tmp) / f"good{i}.png"
            good.write_bytes(encode(np.zeros(shape, np.uint8), "PNG"))
            exports.append([str(version_dir), signatures, str(good)])
        if not exports:
            return []
        proc = subprocess.run(
            [sys.executable, "-c", BOMB_SNIPPET, json.dumps(exports)]
            + [json.dumps({k: str(v) for k, v in files.items()})],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"The bomb measurement failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the request mix ----------------------------------------------------------------------


@dataclass
class Request:
    """One request of the mix and what its answer must be."""

    kind: str  # e.g. "generate, REST row"
    model: str
    signature: str
    protocol: str  # "rest" or "grpc"
    inputs: dict
    good: bool
    items: int = 0  # good: items the answer must hold
    refusal: str = ""  # hostile: a regex the refusal message must match
    format: str = "row"


@dataclass
class Served:
    """An export under test: its name, base folder and what keras_gan.json says of it."""

    name: str
    base: Path
    meta: dict
    signatures: list = field(default_factory=list)
    version_dir: Path | None = None


def _seeds(rng, n):
    info = np.iinfo(np.int64)
    return rng.integers(info.min, info.max, size=n, dtype=np.int64, endpoint=True)


def _conditions(served, rng, n):
    """Good values of a conditional generator's extra inputs (labels, captions)."""
    checks = served.meta["request_checks"]["generate"]
    out = {}
    for name in checks.get("same_length", [])[1:]:
        if name == "label":
            out[name] = rng.integers(0, served.meta["num_classes"], n).astype(np.int32)
        elif name == "text":
            out[name] = np.array(["a thick 7 leaning right"] * n, dtype=object)
        else:
            raise ValueError(f"{served.name}: no good values known for input {name!r}.")
    return out


def generator_requests(served, limit):
    """(good, hostile) request makers for a seed/latent generator: rng -> Request."""
    latent = served.meta["latent_dim"]
    m = served.name

    def good_seeds(protocol, fmt):
        def make(rng):
            n = int(rng.integers(1, min(8, limit) + 1))
            inputs = {"seed": _seeds(rng, n), **_conditions(served, rng, n)}
            kind = f"generate, {protocol}" + (f" {fmt}" if protocol == "rest" else "")
            return Request(kind, m, "generate", protocol, inputs, True, n, format=fmt)

        return make

    def good_latent(protocol, fmt):
        def make(rng):
            n = int(rng.integers(1, min(4, limit) + 1))
            z = rng.standard_normal((n, latent)).astype(np.float32)
            inputs = {"z": z, **_conditions(served, rng, n)}
            kind = f"from_latent, {protocol}" + (f" {fmt}" if protocol == "rest" else "")
            return Request(kind, m, "from_latent", protocol, inputs, True, n, format=fmt)

        return make

    def empty(rng):
        inputs = {"seed": np.zeros([0], np.int64), **_conditions(served, rng, 0)}
        return Request("generate, empty batch, grpc", m, "generate", "grpc", inputs, True, 0)

    too_many = rf"at most {limit} items"

    def over_limit(rng):
        n = limit + 1
        inputs = {"seed": _seeds(rng, n), **_conditions(served, rng, n)}
        kind = f"{n} seeds, rest columnar"
        return Request(
            kind, m, "generate", "rest", inputs, False, refusal=too_many, format="columnar"
        )

    def huge(rng):
        n = 100_000
        inputs = {"seed": np.arange(n, dtype=np.int64), **_conditions(served, rng, n)}
        return Request(
            "100,000 seeds, grpc", m, "generate", "grpc", inputs, False, refusal=too_many
        )

    def non_finite(value, protocol):
        def make(rng):
            z = rng.standard_normal((2, latent)).astype(np.float32)
            z[1, 0] = value
            inputs = {"z": z, **_conditions(served, rng, 2)}
            kind = f"z with {value}, {protocol}"
            fmt = "columnar"
            return Request(
                kind, m, "from_latent", protocol, inputs, False, 0, "must be finite", fmt
            )

        return make

    def float_seeds(rng):
        inputs = {"seed": np.array([1.5, 2.5]), **_conditions(served, rng, 2)}
        return Request("float seeds, rest row", m, "generate", "rest", inputs, False, 0, "int64")

    def missing(rng):
        inputs = _conditions(served, rng, 2) or {"z": np.zeros((2, latent), np.float32)}
        return Request(
            "missing seed, grpc",
            m,
            "generate",
            "grpc",
            inputs,
            False,
            0,
            r"Missing input|Unexpected",
        )

    good = [
        good_seeds("rest", "row"),
        good_seeds("grpc", "row"),
        good_latent("rest", "columnar"),
        good_latent("grpc", "row"),
        empty,
    ]
    hostile = [
        over_limit,
        huge,
        non_finite(float("nan"), "rest"),
        non_finite(float("inf"), "grpc"),
        float_seeds,
        missing,
    ]
    return good, hostile


def translator_requests(served, limit):
    """(good, hostile) request makers for an image translator: rng -> Request."""
    checks = served.meta["request_checks"]
    with_bytes = sorted(s for s, c in checks.items() if "image_bytes" in c)
    if not with_bytes:
        raise ValueError(
            f"{served.name} ({served.meta['model_class']}) has no signature taking image_bytes; "
            "--translator takes an image translator (pix2pix, cyclegan)."
        )
    sig_bytes = with_bytes[0]
    sig = sig_bytes[: -len("_bytes")]
    img = checks[sig_bytes]["image_bytes"]
    h, w, c = img["height"], img["width"], img["channels"]
    m = served.name

    def pictures(rng, n, channels=c, height=h, width=w):
        return rng.integers(0, 256, (n, height, width, channels)).astype(np.uint8)

    def good_png(rng):
        n = int(rng.integers(1, min(4, limit) + 1))
        data = np.array([encode(x, "PNG") for x in pictures(rng, n)], dtype=object)
        return Request(
            f"{sig_bytes} PNG, rest row", m, sig_bytes, "rest", {"image_bytes": data}, True, n
        )

    def good_jpeg(rng):
        n = int(rng.integers(1, min(4, limit) + 1))
        data = np.array([encode(x, "JPEG") for x in pictures(rng, n)], dtype=object)
        return Request(
            f"{sig_bytes} JPEG, grpc", m, sig_bytes, "grpc", {"image_bytes": data}, True, n
        )

    def good_uint8(protocol, fmt):
        def make(rng):
            n = int(rng.integers(1, min(4, limit) + 1))
            kind = f"{sig} uint8, {protocol}" + (f" {fmt}" if protocol == "rest" else "")
            inputs = {"images_uint8": pictures(rng, n)}
            return Request(kind, m, sig, protocol, inputs, True, n, format=fmt)

        return make

    bad_image = r"image_bytes must be"
    bomb_png, bomb_jpeg = png_bomb(), jpeg_bomb()
    small = encode(np.zeros((h, w, c), np.uint8), "PNG")
    others = {
        "PNG bomb 20000x20000": bomb_png,
        "JPEG bomb 20000x20000": bomb_jpeg,
        "GIF": encode(np.zeros((h, w), np.uint8), "GIF"),
        "BMP": encode(np.zeros((h, w), np.uint8), "BMP"),
        "truncated PNG header": small[:20],
        "PNG twice the size": encode(np.zeros((2 * h, 2 * w, c), np.uint8), "PNG"),
        "PNG, other channels": encode(np.zeros((h, w, 3 if c == 1 else 1), np.uint8), "PNG"),
    }

    def hostile_bytes(label, data, protocol, with_good=False):
        def make(rng):
            items = [small, data, small] if with_good else [data]
            inputs = {"image_bytes": np.array(items, dtype=object)}
            kind = f"{label}{' among good ones' if with_good else ''}, {protocol}"
            return Request(kind, m, sig_bytes, protocol, inputs, False, 0, bad_image)

        return make

    def over_limit(rng):
        inputs = {"images_uint8": np.zeros((limit + 1, h, w, c), np.uint8)}
        kind = f"{limit + 1} images, grpc"
        return Request(kind, m, sig, "grpc", inputs, False, 0, rf"at most {limit} items")

    good = [good_png, good_uint8("grpc", "row"), good_uint8("rest", "columnar")]
    if "JPEG" in img["formats"]:
        good.append(good_jpeg)
    hostile = [
        hostile_bytes(label, data, ("rest", "grpc")[i % 2])
        for i, (label, data) in enumerate(others.items())
    ]
    hostile += [hostile_bytes("PNG bomb 20000x20000", bomb_png, "grpc", with_good=True), over_limit]
    return good, hostile


def plan(makers, requests, hostile_share, seed):
    """The whole run's requests, in order: ``hostile_share`` of them hostile, every maker used."""
    rng = np.random.default_rng(seed)
    good = [g for gs, _ in makers for g in gs]
    bad = [b for _, bs in makers for b in bs]
    n_bad = round(requests * hostile_share)
    if requests >= len(good) + len(bad):
        n_bad = min(max(n_bad, len(bad)), requests - len(good))
    chosen = [bad[i % len(bad)] for i in range(n_bad)]
    chosen += [good[i % len(good)] for i in range(requests - n_bad)]
    order = rng.permutation(len(chosen))
    return [chosen[i](rng) for i in order]


# --- calling and checking ----------------------------------------------------------------


def check(request, outcome):
    """None when ``outcome`` (outputs dict, or the ServingError) is what ``request`` must get,
    else what went wrong."""
    from keras_gan.serving import ServingError

    if request.good:
        if isinstance(outcome, Exception):
            return f"a good request failed: {type(outcome).__name__}: {str(outcome)[:300]}"
        key = "images" if "images" in outcome else "samples"
        out = np.asarray(outcome[key], np.float32)
        if len(out) != request.items:
            return f"{len(out)} items in the answer, {request.items} asked for"
        if out.size and not (np.all(np.isfinite(out)) and np.abs(out).max() <= 1.0):
            return "the answer holds values that are not finite or outside [-1, 1]"
        return None
    if not isinstance(outcome, ServingError):
        got = "an answer" if isinstance(outcome, dict) else type(outcome).__name__
        return f"a hostile request was not refused: got {got}"
    if outcome.status not in REFUSED:
        return f"refused with {outcome.status}, not INVALID_ARGUMENT / 400: {str(outcome)[:300]}"
    if not re.search(request.refusal, str(outcome)):
        return f"the refusal does not say {request.refusal!r}: {str(outcome)[:300]}"
    return None


def call(clients, request, urls):
    """Send ``request``; returns (seconds, outputs or the exception)."""
    from keras_gan.serving import Client

    key = request.protocol
    if not hasattr(clients, key):
        setattr(clients, key, Client(urls[key], timeout=120))
    t0 = time.perf_counter()
    try:
        out = getattr(clients, key).predict(
            request.model, request.inputs, signature=request.signature, format=request.format
        )
    except Exception as e:  # judged by check()
        out = e
    return time.perf_counter() - t0, out


# --- the server process --------------------------------------------------------------------


def serve(specs):
    """Child process: serve ``NAME=BASE`` exports on loopback until stdin closes."""
    from tests.export.tf_serving_emulator import Emulator

    models = dict(s.split("=", 1) for s in specs)
    with Emulator(models) as em:
        print(json.dumps({"rest_port": em.rest_port, "grpc_port": em.grpc_port}), flush=True)
        sys.stdin.read()  # the parent closes it (or dies): stop
    return 0


def memory(pid):
    """{"rss_mb", "hwm_mb"} of process ``pid`` from /proc (Linux)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out["rss_mb" if line.startswith("VmRSS") else "hwm_mb"] = int(line.split()[1]) / 1024
    return out


def reset_peak(pid):
    """Reset the process's peak resident size (VmHWM); False where the kernel refuses."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Server:
    """The emulator in a child process (`serve`); ``with Server(models) as s: s.urls``."""

    def __init__(self, models):
        self.models = models

    def __enter__(self):
        args = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        args += [f"{name}={base}" for name, base in self.models.items()]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, cwd=ROOT
        )
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=60)
            self.log.seek(0)
            raise RuntimeError(
                f"The emulator did not start (exit {self.proc.returncode}):\n"
                + self.log.read().decode(errors="replace")[-3000:]
            )
        ports = json.loads(line)
        self.urls = {
            "rest": f"localhost:{ports['rest_port']}",
            "grpc": f"grpc://127.0.0.1:{ports['grpc_port']}",
        }
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# --- models ---------------------------------------------------------------------------------


def build(spec):
    """A keras-gan model from a family name, a zoo preset name or a .keras file."""
    from keras_gan import saving, zoo
    from keras_gan.core import families, get_family

    path = Path(spec)
    if path.exists():
        return saving.load_model(path, compile=False)
    if spec in families():
        return get_family(spec).make_model()
    if spec in zoo.list_presets():
        return zoo.build_model(zoo.resolve(spec))
    raise ValueError(f"{spec!r} is not a file, a family ({', '.join(families())}) or a zoo preset.")


def export_folder(spec):
    """``(name, base)`` when ``spec`` is an export folder (numbered versions inside), else None."""
    path = Path(spec)
    if path.is_dir() and any((p / "saved_model.pb").exists() for p in path.iterdir()):
        return path.name, path
    return None


def prepare(spec, role, base_dir, limit):
    """Export (or find) the model ``spec`` serves as ``role``; returns a `Served`."""
    from keras_gan import export

    found = export_folder(spec)
    if found:
        name, base = found
    else:
        name, base = role, Path(base_dir) / role
        export.export(
            build(spec),
            name=name,
            base_dir=base_dir,
            max_request_size=limit,
            max_batch_size=min(64, limit),
        )
    version = max(int(p.name) for p in base.iterdir() if p.name.isdigit())
    meta = json.loads((base / str(version) / "assets.extra" / "keras_gan.json").read_text())
    if "request_checks" not in meta:
        raise ValueError(
            f"{base} was exported before the request limits existed; re-export it with "
            "keras-gan export."
        )
    return Served(name, base, meta, meta["signatures"], base / str(version))


# --- the run -------------------------------------------------------------------------------


def percentiles(seconds):
    if not seconds:
        return {"count": 0}
    ms = 1000 * np.asarray(seconds)
    return {
        "count": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }


def run(args):
    """Export, serve, load; returns the report (a JSON-able dict)."""
    tmp = tempfile.TemporaryDirectory(prefix="serving-load-")
    with tmp as base_dir:
        t0 = time.perf_counter()
        gen = prepare(args.generator, "generator", base_dir, args.max_batch)
        tr = prepare(args.translator, "translator", base_dir, args.max_batch)
        export_s = time.perf_counter() - t0
        makers = [
            generator_requests(gen, gen.meta["max_request_size"]),
            translator_requests(tr, tr.meta["max_request_size"]),
        ]
        requests = plan(makers, args.requests, args.hostile_share, args.seed)
        warm = [m(np.random.default_rng(0)) for gs, bs in makers for m in (*gs, *bs)]
        with Server({gen.name: gen.base, tr.name: tr.base}) as server:
            pid = server.proc.pid
            clients = threading.local()  # each thread its own REST and gRPC clients
            for r in warm:  # trace and warm every path once
                call(clients, r, server.urls)
            after_warmup = memory(pid)
            peak_reset = reset_peak(pid)
            sampled = [after_warmup["rss_mb"]]
            done = threading.Event()

            def sample():
                while not done.wait(0.02):
                    try:
                        sampled.append(memory(pid)["rss_mb"])
                    except OSError:
                        return

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            deadline = time.perf_counter() + args.max_seconds
            results = [None] * len(requests)

            def work(i):
                if time.perf_counter() < deadline:
                    results[i] = call(clients, requests[i], server.urls)

            start = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(work, range(len(requests))))
            wall = time.perf_counter() - start
            done.set()
            sampler.join()
            end = memory(pid)
        bombs = bomb_cost(tr.version_dir) if args.bomb_cost else None
    sent = [(r, res) for r, res in zip(requests, results) if res is not None]
    failures, kinds = [], {}
    for r, (seconds, outcome) in sent:
        problem = check(r, outcome)
        k = kinds.setdefault(r.kind, {"good": r.good, "seconds": [], "wrong": 0})
        k["seconds"].append(seconds)
        if problem:
            k["wrong"] += 1
            failures.append((r.good, f"{r.kind}: {problem}"))
    good = [s for r, (s, _) in sent if r.good]
    bad = [s for r, (s, _) in sent if not r.good]
    report = {
        "models": {
            "generator": {"spec": args.generator, "class": gen.meta["model_class"]},
            "translator": {"spec": args.translator, "class": tr.meta["model_class"]},
        },
        "max_request_size": gen.meta["max_request_size"],
        "clients": args.clients,
        "requests_planned": len(requests),
        "requests_sent": len(sent),
        "stopped_by_deadline": len(sent) < len(requests),
        "export_s": round(export_s, 1),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(sent) / wall, 1) if wall else None,
        "latency_ms": percentiles([s for _, (s, _) in sent]),
        "good": {**percentiles(good), "failed": sum(1 for g, _ in failures if g)},
        "hostile": {**percentiles(bad), "not_refused": sum(1 for g, _ in failures if not g)},
        "server_memory_mb": {
            "rss_after_warmup": round(after_warmup["rss_mb"], 1),
            "peak_after_warmup": round(after_warmup["hwm_mb"], 1),
            "peak_during_load": round(end["hwm_mb"], 1) if peak_reset else None,
            "peak_during_load_sampled": round(max(sampled), 1),
            "rss_at_end": round(end["rss_mb"], 1),
        },
        "kinds": {
            name: {"good": k["good"], "wrong": k["wrong"], **percentiles(k["seconds"])}
            for name, k in sorted(kinds.items(), key=lambda kv: (not kv[1]["good"], kv[0]))
        },
        "failures": [f for _, f in failures[:20]],
    }
    if bombs is not None:
        report["bomb_cost"] = [
            {k: v for k, v in row.items() if k != "export"} | {"refused": bool(row["refused"])}
            for row in bombs
        ]
    if bombs is not None and not all(row["refused"] for row in bombs):
        report["failures"].append("a decompression bomb was not refused")
    report["ok"] = not report["failures"] and not report["stopped_by_deadline"]
    return report


def markdown(report):
    mem = report["server_memory_mb"]
    peak = mem["peak_during_load"] or mem["peak_during_load_sampled"]
    lines = [
        "# Serving under load: good and hostile requests",
        "",
        f"`{report['command']}`",
        "",
        f"{report['machine']}, {report['date']}; {report['cpus_allowed']} CPU(s) allowed for "
        f"server and clients together, load average {report['load_average_at_start']} at the "
        "start. The emulator of TF Serving "
        "(tests/export/tf_serving_emulator.py, REST and gRPC on loopback) in a child "
        f"process; {report['clients']} client threads in this process. Generator: "
        f"{report['models']['generator']['class']} ({report['models']['generator']['spec']}); "
        f"translator: {report['models']['translator']['class']} "
        f"({report['models']['translator']['spec']}); at most {report['max_request_size']:,} "
        "items per request.",
        "",
        f"- {report['requests_sent']:,} requests in {report['wall_s']} s: "
        f"**{report['requests_per_s']} requests/s**; latency p50 "
        f"{report['latency_ms'].get('p50_ms')} ms, p99 {report['latency_ms'].get('p99_ms')} ms.",
        f"- good: {report['good']['count']:,}, failed {report['good']['failed']} "
        f"(p50 {report['good'].get('p50_ms')} ms, p99 {report['good'].get('p99_ms')} ms); "
        f"hostile: {report['hostile']['count']:,}, not refused {report['hostile']['not_refused']} "
        f"(p50 {report['hostile'].get('p50_ms')} ms, p99 {report['hostile'].get('p99_ms')} ms).",
        f"- server RSS: {mem['rss_after_warmup']} MB after warm-up, **peak {peak} MB during the "
        f"load** (peak {mem['peak_after_warmup']} MB from start-up through warm-up).",
        "",
        "| request | good? | count | wrong | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, k in report["kinds"].items():
        lines.append(
            f"| {name} | {'good' if k['good'] else 'hostile'} | {k['count']} | {k['wrong']} | "
            f"{k.get('p50_ms')} | {k.get('p99_ms')} |"
        )
    if report.get("bomb_cost"):
        lines += [
            "",
            "What refusing a decompression bomb costs the translator (`--bomb-cost`: a fresh "
            "process loads the export, warms each signature up, then one call per bomb; the "
            "growth of the peak resident set over the resident set before the call):",
            "",
            "| signature | image | file bytes | refused | peak RSS growth MB | seconds |",
            "|---|---|---|---|---|---|",
        ]
        for r in report["bomb_cost"]:
            lines.append(
                f"| {r['signature']} | {r['image']} | {r['file_bytes']:,} | {r['refused']} | "
                f"{r['peak_rss_growth_mb']} | {r['seconds']} |"
            )
    if report["failures"]:
        lines += ["", "Failures:", ""] + [f"- {f}" for f in report["failures"]]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--generator", default="dcgan_mnist", metavar="MODEL")
    p.add_argument("--translator", default="pix2pix_mnist_edges", metavar="MODEL")
    p.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    p.add_argument("--requests", type=int, default=2000, help="requests in all")
    p.add_argument("--hostile-share", type=float, default=0.3)
    p.add_argument("--max-batch", type=int, default=1024, help="export's max_request_size")
    p.add_argument("--max-seconds", type=float, default=600, help="stop sending after this")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--bomb-cost",
        action="store_true",
        help="also measure what refusing a PNG and a JPEG bomb costs the translator (bomb_cost)",
    )
    p.add_argument("--json", help="write the report here")
    p.add_argument("--markdown", help="write the report as Markdown here")
    p.add_argument("--serve", nargs="+", metavar="NAME=BASE", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve:
        return serve(args.serve)
    if args.clients < 1 or args.requests < 1:
        p.error("--clients and --requests must be at least 1")
    from tools.benchmark import machine

    load_before = os.getloadavg()[0]
    report = run(args)
    command = "python tools/serving_load_test.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    report = {
        "command": command.strip(),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        # the CPUs this run (server and clients) could use, and how busy the machine was
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "load_average_at_start": round(load_before, 2),
        **report,
    }
    print(json.dumps({k: v for k, v in report.items() if k != "kinds"}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(markdown(report))
    if not report["ok"]:
        print("FAILED: " + "; ".join(report["failures"][:5]), file=sys.stderr)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
