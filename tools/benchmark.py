"""Training speed of zoo presets: steps/s, images/s, peak memory, data-wait share.

Each configuration runs in its own process (so peak memory is its own):

    python tools/benchmark.py                       # dcgan_mnist, XLA on and off, + keras.io loop
    python tools/benchmark.py --presets dcgan_mnist gan_mnist --steps 50 --repeats 5
    python tools/benchmark.py --json bench.json --markdown
    python tools/benchmark.py --backends tensorflow jax torch --xla off --no-keras-io --rounds 5

Method: build the preset's model and data with `keras_gan.zoo.load`, run
``--warmup`` steps (tracing, XLA compilation), then time ``--repeats`` fits of
``--steps`` steps each. steps/s is the steady step: the time from the first
batch start inside a fit to the end of its last step (a callback's clock that
waits for the last step, since JAX dispatches steps asynchronously), so fit's
set-up and tear-down are not counted; "fit_steps_per_s_runs" has the whole
fit() for comparison. With ``--rounds N`` every configuration runs N times,
alternating (A B A B ...), each in a fresh process; the table gives the
median over rounds and the spread (max / min). "data wait" is the share of
step time that goes away when the pipeline (on TensorFlow the resumable stream
that ``keras-gan train`` reads) is replaced by one cached batch:
1 - t(cached batch) / t(real pipeline), the two timed in turn in one process. Peak memory is the process's maximum
resident set size (ru_maxrss). "keras.io loop" runs the train_step of the
keras.io DCGAN example (real and fake in one discriminator call, noisy labels,
binary cross-entropy) on the same networks and batch, for comparison: as
written (``--keras-io literal``; under Keras 3 its networks run without
``training=True``, so batch norm stays in inference mode) and with
``training=True`` (``--keras-io train``, the like-for-like baseline).
``--variants`` alternates preset overrides of our own loop, e.g.
``default model.reuse_fake_batch=true``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def keras_io_model(model, training=None):
    """The keras.io "DCGAN overriding train_step" loop around `model`'s networks.

    `model` needs `discriminator`, `generator` and `latent_dim`: a preset's model
    here, the keras.io example's own networks in `tools/keras_io_race.py`.

    The tutorial calls its networks without ``training`` (its networks have no
    batch norm). Under Keras 3 that leaves batch norm in inference mode (no
    batch statistics, never-updated moving averages): less work, and not the
    training our networks need. ``training=True`` runs the same loop with the
    networks in training mode, the like-for-like baseline for our step.
    """
    import keras
    import tensorflow as tf

    class KerasIOGAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.seed_generator = keras.random.SeedGenerator(1337)

        def compile(self, d_optimizer, g_optimizer, loss_fn, **kwargs):
            super().compile(**kwargs)
            self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

        def train_step(self, real_images):
            batch_size = tf.shape(real_images)[0]
            z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            generated = self.generator(z, training=training)
            combined = tf.concat([generated, real_images], axis=0)
            labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
            labels += 0.05 * tf.random.uniform(tf.shape(labels))
            with tf.GradientTape() as tape:
                d_loss = self.loss_fn(labels, self.discriminator(combined, training=training))
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
            z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            with tf.GradientTape() as tape:
                fake = self.generator(z, training=training)
                g_loss = self.loss_fn(
                    tf.zeros((batch_size, 1)), self.discriminator(fake, training=training)
                )
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            return {"d_loss": d_loss, "g_loss": g_loss}

    return KerasIOGAN(model.discriminator, model.generator, model.latent_dim)


def measure_one(
    preset,
    jit,
    steps,
    repeats,
    warmup,
    batch_size,
    keras_io=False,
    mixed=None,
    inter_op=None,
    backend="tensorflow",
    variant="default",
):
    import keras

    from keras_gan import data, zoo
    from keras_gan.callbacks import StepClock

    assert keras.backend.backend() == backend, (keras.backend.backend(), backend)
    if inter_op:
        import tensorflow as tf

        tf.config.threading.set_inter_op_parallelism_threads(int(inter_op))

    if mixed:
        keras.config.set_dtype_policy(mixed)
    overrides = {"batch_size": batch_size} if batch_size else {}
    overrides.update(parse_variant(variant))
    # TensorFlow: the resumable stream that `keras-gan train` trains on (batched,
    # then gathered and scaled per batch), so "data wait" is that pipeline's.
    loaded = zoo.load(preset, stream=backend == "tensorflow", **overrides)
    model, dataset = loaded.model, loaded.dataset
    bs = int(loaded.preset["train"]["batch_size"])
    if keras_io:
        model = keras_io_model(model, training=True if keras_io == "train" else None)
        model.compile(
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.losses.BinaryCrossentropy(from_logits=True),
            jit_compile=jit,
        )
    else:
        model.compile(
            g_optimizer=model.g_optimizer,
            d_optimizer=model.d_optimizer,
            loss=model.loss_name,
            jit_compile=jit,
        )
    if backend == "tensorflow":
        real = dataset.repeat()
        cached = real.take(1).cache().repeat()
    else:  # ArrayBatches (a PyDataset over numpy arrays)
        real = dataset
        first = dataset[0]
        x, y = first if isinstance(first, tuple) else (first, None)
        cached = data.ArrayBatches(x, y, batch_size=bs, shuffle=False, scale=False, repeat=True)

    clock = StepClock()

    def timed(ds):
        t = time.perf_counter()
        model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False, callbacks=[clock])
        wall = time.perf_counter() - t
        steady = clock.steady_seconds
        return steady, wall

    model.fit(real, steps_per_epoch=warmup, epochs=1, verbose=0)
    # Real pipeline and cached batch alternate (R C R C ...), so a process that is
    # still warming up (allocator, thread pools) does not count against either.
    timings, cached_runs = [], []
    for _ in range(repeats):
        timings.append(timed(real))
        cached_runs.append(timed(cached)[0])
    runs = [s for s, _ in timings]
    walls = [w for _, w in timings]
    t_real, t_cached = statistics.median(runs), statistics.median(cached_runs)
    return {
        "preset": preset,
        "backend": backend,
        "loop": {False: "keras-gan", "literal": "keras.io", "train": "keras.io training=True"}[
            keras_io
        ],
        "variant": variant,
        "xla": bool(jit),
        "policy": mixed or "float32",
        "inter_op": inter_op or "default",
        "batch_size": bs,
        "steps_per_s": round(1 / t_real, 2),
        "images_per_s": round(bs / t_real, 1),
        "steps_per_s_runs": [round(1 / r, 2) for r in runs],
        # fit() as a whole, set-up and tear-down included (see the data layer's note
        # on the tf.data autotuner's tear-down stall)
        "fit_steps_per_s_runs": [round(steps / w, 2) for w in walls],
        "data_wait_share": round(max(0.0, 1.0 - t_cached / t_real), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def measure_pipeline(preset, batches, batch_size=None, backend="tensorflow"):
    """Batches per second of the preset's training pipeline alone, no model.

    The pipeline shares the CPU with the step, so steps/s divided by this rate
    bounds the share of the step's time that making batches can cost.
    """
    from keras_gan import zoo

    overrides = {"batch_size": batch_size} if batch_size else {}
    preset_dict = zoo.resolve(preset, **overrides)
    dataset, _ = zoo.build_dataset(preset_dict, stream=backend == "tensorflow")
    if backend == "tensorflow":
        it = iter(dataset.repeat())
    else:  # ArrayBatches (JAX, PyTorch)
        it = (dataset[i % len(dataset)] for i in range(10**9))
    take = lambda: next(it)  # noqa: E731
    for _ in range(5):
        take()
    t = time.perf_counter()
    for _ in range(batches):
        take()
    rate = batches / (time.perf_counter() - t)
    return {
        "preset": preset,
        "backend": backend,
        "batch_size": int(preset_dict["train"]["batch_size"]),
        "pipeline_batches_per_s": round(rate, 1),
    }


def parse_variant(text):
    """ "default" or "KEY=VALUE,KEY=VALUE" (preset overrides, as keras-gan train --set) -> dict."""
    from keras_gan.cli import _parse_value

    if text in (None, "default"):
        return {}
    items = (item.partition("=") for item in text.split(","))
    return {key.strip(): _parse_value(value) for key, _, value in items}


def machine():
    gpus = []
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
    except ImportError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
        flags = next(
            (line.split(":", 1)[1].split() for line in info if line.startswith("flags")), []
        )
        # what sets the speed of these convolutions: the widest vector unit
        widest = (
            "AMX"
            if "amx_tile" in flags
            else "AVX-512"
            if "avx512f" in flags
            else "AVX2"
            if "avx2" in flags
            else ""
        )
        cpu = f"{cpu} ({widest})" if widest else cpu
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} x {cpu}" + (f", {len(gpus)} GPU" if gpus else ", no GPU")


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--presets", nargs="+", default=["dcgan_mnist"])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--xla", choices=["both", "on", "off"], default="both")
    p.add_argument("--no-keras-io", action="store_true", help="skip the keras.io loop comparison")
    p.add_argument(
        "--keras-io",
        nargs="+",
        default=["literal", "train"],
        choices=["literal", "train"],
        help="keras.io loop as written (literal: batch norm left in inference mode) and/or "
        "with training=True",
    )
    p.add_argument(
        "--variants",
        nargs="+",
        default=["default"],
        help="preset overrides to compare, each 'default' or KEY=VALUE[,KEY=VALUE] "
        "(e.g. model.reuse_fake_batch=true); alternated like the rest",
    )
    p.add_argument(
        "--mixed",
        nargs="+",
        default=[None],
        help="dtype policies to compare, e.g. float32 mixed_bfloat16 (alternated like the rest)",
    )
    p.add_argument(
        "--inter-op",
        nargs="+",
        default=[None],
        help="TensorFlow inter-op thread counts to compare (e.g. default 1)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every configuration this many times, alternating (A B A B ...), "
        "each in a fresh process; report the median and the spread (max/min)",
    )
    p.add_argument(
        "--backends",
        nargs="+",
        default=["tensorflow"],
        choices=["tensorflow", "jax", "torch"],
        help="Keras backends to compare (KERAS_BACKEND of each run; alternated like the rest)",
    )
    p.add_argument(
        "--pipeline",
        action="store_true",
        help="time each preset's training pipeline alone (batches/s, no model), "
        "alternating presets over --rounds; its share of a step is steps/s over this rate",
    )
    p.add_argument("--json", help="write the results here")
    p.add_argument("--markdown", action="store_true", help="print a markdown table")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one configuration as JSON
    args = p.parse_args(argv)

    if args.one:
        cfg = json.loads(args.one)
        fn = measure_pipeline if cfg.pop("pipeline", False) else measure_one
        print("RESULT " + json.dumps(fn(**cfg)), flush=True)
        return 0
    if args.pipeline:
        return pipeline_main(args, argv)

    jits = {"both": [False, True], "on": [True], "off": [False]}[args.xla]
    inter_ops = [None if v in (None, "default") else int(v) for v in args.inter_op]
    policies = [None if v in (None, "float32") else v for v in args.mixed]
    configs = []
    for preset in args.presets:
        for mixed in policies:
            for inter_op in inter_ops:
                for backend in args.backends:
                    common = dict(preset=preset, inter_op=inter_op, mixed=mixed, backend=backend)
                    # JAX always runs XLA-compiled steps; jit_compile does not apply.
                    for jit in jits if backend != "jax" else [True]:
                        for variant in args.variants:
                            configs.append(dict(common, jit=jit, keras_io=False, variant=variant))
                    if not args.no_keras_io and preset.startswith("dcgan"):
                        for jit in jits if backend == "tensorflow" else []:
                            for mode in args.keras_io:
                                configs.append(dict(common, jit=jit, keras_io=mode))
    for cfg in configs:
        cfg.update(
            steps=args.steps,
            repeats=args.repeats,
            warmup=args.warmup,
            batch_size=args.batch_size,
        )
    runs = run_alternating(configs, args.rounds)
    results = []
    for i in range(len(configs)):
        if not runs[i]:
            continue
        speeds = [r["steps_per_s"] for r in runs[i]]
        res = dict(runs[i][0])
        res.update(
            steps_per_s=round(statistics.median(speeds), 2),
            images_per_s=round(statistics.median(r["images_per_s"] for r in runs[i]), 1),
            data_wait_share=round(statistics.median(r["data_wait_share"] for r in runs[i]), 3),
            peak_rss_mb=max(r["peak_rss_mb"] for r in runs[i]),
            steps_per_s_runs=speeds,
            spread=round(max(speeds) / min(speeds), 2),
        )
        results.append(res)
    meta = run_meta(argv)
    if args.markdown:
        print(f"\n{meta['command']}  ({meta['machine']}, {meta['date']})\n")
        print(
            "| preset | backend | loop | variant | XLA | policy | inter-op | batch | "
            "steps/s (median) | spread | runs | images/s | data wait | peak RSS MB |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in results:
            print(
                f"| {r['preset']} | {r['backend']} | {r['loop']} | {r.get('variant', '-')} | "
                f"{'on' if r['xla'] else 'off'} | "
                f"{r['policy']} | "
                f"{r['inter_op']} | {r['batch_size']} | {r['steps_per_s']} | {r['spread']} | "
                f"{', '.join(map(str, r['steps_per_s_runs']))} | {r['images_per_s']} | "
                f"{100 * r['data_wait_share']:.1f}% | {r['peak_rss_mb']} |"
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**meta, "results": results}, f, indent=2)
    return 0


def run_meta(argv):
    """The command line, machine and date that every figure names."""
    return {
        "command": "python tools/benchmark.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
    }


def run_alternating(configs, rounds):
    """Run every configuration ``rounds`` times, alternating (A B A B ...), each in a
    fresh process under its own KERAS_BACKEND; {index: [results]}."""
    runs = {i: [] for i in range(len(configs))}
    for _ in range(rounds):
        for i, cfg in enumerate(configs):
            out = subprocess.run(
                [sys.executable, __file__, "--one", json.dumps(cfg)],
                capture_output=True,
                text=True,
                env={**os.environ, "KERAS_BACKEND": cfg["backend"]},
            )
            line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
            if line is None:
                print(f"FAILED {cfg}: {out.stderr[-2000:]}", file=sys.stderr)
                continue
            res = json.loads(line[len("RESULT ") :])
            runs[i].append(res)
            print(json.dumps(res), flush=True)
    return runs


def pipeline_main(args, argv):
    """--pipeline: every preset's pipeline alone, alternating, a fresh process each."""
    batches = max(50, args.steps * args.repeats * 5)
    configs = [
        dict(preset=p, backend=b, batch_size=args.batch_size, pipeline=True, batches=batches)
        for p in args.presets
        for b in args.backends
    ]
    runs = run_alternating(configs, args.rounds)
    results = []
    for i in range(len(configs)):
        if not runs[i]:
            continue
        rates = [r["pipeline_batches_per_s"] for r in runs[i]]
        res = dict(runs[i][0])
        res.update(
            pipeline_batches_per_s=round(statistics.median(rates), 1),
            runs=rates,
            spread=round(max(rates) / min(rates), 2),
        )
        results.append(res)
    meta = run_meta(argv)
    if args.markdown:
        print(f"\n{meta['command']}  ({meta['machine']}, {meta['date']})\n")
        print("| preset | backend | batch | pipeline batches/s (median) | spread | runs |")
        print("|---|---|---|---|---|---|")
        for r in results:
            print(
                f"| {r['preset']} | {r['backend']} | {r['batch_size']} | "
                f"{r['pipeline_batches_per_s']} | {r['spread']} | {', '.join(map(str, r['runs']))} |"
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**meta, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
