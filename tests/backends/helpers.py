"""Child processes under another Keras backend, for the backend matrix tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("worker.py")
BACKENDS = ["jax", "torch"]


def child_env(backend, base=None):
    """Environment of a child process on ``backend``.

    Under pytest-xdist both cores already run a test each: a PyTorch child then
    gets one OpenMP thread, since two processes of spinning OpenMP threads on two
    cores ran the same test 3x slower (327 s against 108 s, the ring test).
    """
    env = {**(os.environ if base is None else base), "KERAS_BACKEND": backend}
    if backend == "torch" and os.environ.get("PYTEST_XDIST_WORKER"):
        env.setdefault("OMP_NUM_THREADS", "1")
    return env


def run(backend, *args, timeout=1200, env=None):
    env = {**child_env(backend), "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
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
