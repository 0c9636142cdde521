"""Run in a fresh process: split the CPU into 2 logical devices and compare a
MirroredStrategy run (global batch B) with a single-device run (batch B).

    python tests/scale/mirrored_check.py FAMILY [FAMILY ...]  ->  one JSON line each
"""

import json
import os
import sys
from contextlib import nullcontext

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan.models import CGAN, DCGAN, GAN, MMDGAN, WGAN, WGANGP  # noqa: E402

FAMILIES = {
    # batch-independent discriminators: the two runs must agree
    "gan": lambda: GAN(
        data_shape=(2,), latent_dim=2, hidden_units=(16, 16), output_activation="linear", seed=3
    ),
    "wgan": lambda: WGAN(
        data_shape=(2,), architecture="mlp", hidden_units=(16, 16), latent_dim=2, d_steps=2, seed=3
    ),
    "wgan_gp": lambda: WGANGP(
        data_shape=(2,), architecture="mlp", hidden_units=(16, 16), latent_dim=2, d_steps=2, seed=3
    ),
    "gan_ema_r1": lambda: GAN(
        data_shape=(2,),
        latent_dim=2,
        hidden_units=(16,),
        output_activation="linear",
        ema_decay=0.9,
        r1_weight=1.0,
        seed=3,
    ),
    "cgan_projection_layernorm": lambda: CGAN(
        data_shape=(8, 8, 1),
        num_classes=3,
        latent_dim=4,
        architecture="mlp",
        hidden_units=(16,),
        method="projection",
        seed=3,
    ),
    # batch statistics per replica (batch norm, MMD over the local batch): train, not equal
    "dcgan": lambda: DCGAN(image_shape=(16, 16, 1), latent_dim=4, base_filters=4, seed=3),
    "mmd": lambda: MMDGAN(
        data_shape=(2,), latent_dim=2, hidden_units=(16,), bandwidths=(1.0,), seed=3
    ),
}


def data(family, n=64):
    rng = np.random.default_rng(0)
    model = FAMILIES[family]()
    x = rng.uniform(-1, 1, (n, *model.data_shape)).astype("float32")
    if family.startswith("cgan"):
        return (x, rng.integers(0, 3, n))
    return x


def run(family, strategy):
    keras.utils.set_random_seed(0)
    scope = strategy.scope() if strategy is not None else nullcontext()
    with scope:
        model = FAMILIES[family]()
        model.compile()
    ds = tf.data.Dataset.from_tensor_slices(data(family)).batch(16)
    history = model.fit(ds, epochs=2, verbose=0, shuffle=False)
    weights = [np.asarray(w.numpy()) for w in model.weights]
    return history.history, weights, model


def main(family, strategy):
    h1, w1, _ = run(family, None)
    h2, w2, m2 = run(family, strategy)
    loss_diff = max(abs(h1[k][-1] - h2[k][-1]) for k in h1)
    weight_diff = max(float(np.max(np.abs(a - b))) if a.size else 0.0 for a, b in zip(w1, w2))
    print(
        json.dumps(
            {
                "family": family,
                "replicas": strategy.num_replicas_in_sync,
                "loss_diff": loss_diff,
                "weight_diff": weight_diff,
                "finite": bool(all(np.isfinite(v[-1]) for v in h2.values())),
                "g_steps": int(m2.g_optimizer.iterations.numpy()),
                "clip_ok": bool(
                    getattr(m2, "clip_value", None) is None
                    or all(
                        np.abs(w.numpy()).max() <= m2.clip_value + 1e-7
                        for w in m2.discriminator.trainable_weights
                    )
                ),
            }
        )
    )


if __name__ == "__main__":
    # One strategy for every family: a second one in the same process would
    # reuse the collective ops' keys.
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    for name in sys.argv[1:]:
        main(name, strategy)
