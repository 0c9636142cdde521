"""Child processes under another Keras backend, for the backend matrix tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("worker.py")
BACKENDS = ["jax", "torch"]

# A JAX child's time in these tests is XLA compiling tiny models that run a few
# steps. Skipping LLVM's costly optimisations cut it by about a third on a 2-core
# AVX2 CPU (the train worker 153 s -> 100 s, the MNIST no-TensorFlow run 93 s ->
# 50 s; the ring, 2,000 steps, 44 s -> 50 s). Results are checked against
# tolerances or known answers, never against another build's bits.
JAX_TEST_FLAGS = ("--xla_backend_optimization_level=0", "--xla_llvm_disable_expensive_passes=true")


def child_env(backend, base=None):
    """Environment of a child process on ``backend``.

    Under pytest-xdist both cores already run a test each: a PyTorch child then
    gets one OpenMP thread, since two processes of spinning OpenMP threads on two
    cores ran the same test 3x slower (327 s against 108 s, the ring test).
    """
    env = {**(os.environ if base is None else base), "KERAS_BACKEND": backend}
    if backend == "torch" and os.environ.get("PYTEST_XDIST_WORKER"):
        env.setdefault("OMP_NUM_THREADS", "1")
    if backend == "jax":
        env["XLA_FLAGS"] = " ".join(filter(None, [env.get("XLA_FLAGS"), *JAX_TEST_FLAGS]))
        # One persistent compilation cache for the session's JAX children, made by
        # conftest.py: a `load` child runs the train steps a `train` child compiled
        # (the load worker 73 s -> 52 s).
        if os.environ.get("KERAS_GAN_TEST_JAX_CACHE"):
            env.setdefault("JAX_COMPILATION_CACHE_DIR", os.environ["KERAS_GAN_TEST_JAX_CACHE"])
    return env


def run(backend, *args, timeout=1200, env=None):
    env = {**child_env(backend, {**os.environ, **(env or {})}), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("PYTEST_XDIST_WORKER", None)
    proc = subprocess.run(
        [sys.executable, *map(str, args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    return proc


def worker(backend, *args, env=None):
    return json.loads(run(backend, WORKER, *args, env=env).stdout.strip().splitlines()[-1])
