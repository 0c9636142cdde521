"""Mixed precision for every family, and tf.distribute without GPUs:
MirroredStrategy on 2 logical CPU devices matches one device, and
MultiWorkerMirroredStrategy trains and checkpoints with 2 workers on localhost."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import export
from keras_gan.core import families, get_family

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


@pytest.fixture
def policy(request):
    keras.config.set_dtype_policy(request.param)
    yield request.param
    keras.config.set_dtype_policy("float32")


SCALED = sorted(name for name, fam in families().items() if fam.distributed)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
@pytest.mark.parametrize("family", SCALED)
def test_mixed_precision(policy, family, tmp_path):
    fam = get_family(family)
    model = fam.make_model()
    model.compile()
    if policy == "mixed_float16":  # one loss scale per optimizer
        assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
        assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.generator.compute_dtype == policy.split("_")[1]
    data = fam.make_batch(16)
    history = model.fit(tf.data.Dataset.from_tensor_slices(data).batch(8), epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert fam.probe(model, fam.request(2)).dtype == np.float32
    path = export.export(model, name=family, base_dir=tmp_path)
    signature = next(iter(model.serving_endpoints()))
    outputs = tf.saved_model.load(str(path)).signatures[signature].structured_outputs
    assert {v.dtype for v in outputs.values()} <= {tf.float32, tf.uint8, tf.string}  # never float16


def test_mirrored_strategy_matches_one_device():
    """Global batch 16 on 2 replicas = batch 16 on one device: same losses and weights."""
    families = ["gan", "wgan", "wgan_gp", "gan_ema_r1", "cgan_projection_layernorm", "dcgan", "mmd"]
    r = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "scale" / "mirrored_check.py"), *families],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    results = {d["family"]: d for d in map(json.loads, r.stdout.strip().splitlines())}
    for name, res in results.items():
        assert res["replicas"] == 2 and res["finite"] and res["g_steps"] == 8 and res["clip_ok"], (
            res
        )
        if name == "mmd":
            # MMD's kernel statistics come from each replica's local batch, so this
            # family trains under the strategy but is not the global-batch estimate.
            continue
        # batch norm is synchronized, the noise is drawn for the global batch, the
        # losses are scaled by the global batch: one device and two agree.
        assert res["weight_diff"] < 1e-4 and res["loss_diff"] < 1e-4, res


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_multi_worker_trains_and_checkpoints(tmp_path):
    ports = free_ports(2)
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    out = tmp_path / "run"
    procs = []
    for i in range(2):
        env = {
            **ENV,
            "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}),
        }
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "keras_gan.cli",
                    "train",
                    "gan_gaussian_1d",
                    "--strategy",
                    "multiworker",
                    "--epochs",
                    "2",
                    "--set",
                    "limit=4096",
                    "--out",
                    str(out),
                    "--verbose",
                    "2",
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (_so, se) in zip(procs, outputs):
        assert p.returncode == 0, se[-3000:]
    assert (out / "model.keras").exists()
    assert sorted(p.name for p in (out / "backup").iterdir()) == ["epoch_000001", "epoch_000002"]
    assert not list(out.glob(".worker-*"))  # the non-chief's scratch is gone
    rows = (out / "history.csv").read_text().strip().splitlines()
    assert len(rows) == 3
    # both workers saw the same (all-reduced) losses
    last = [[ln for ln in so.splitlines() if "d_loss" in ln][-1] for so, _ in outputs]
    last = [ln[ln.index("d_acc") :] for ln in last]
    assert last[0] == last[1]
