"""A longer PacGAN run on the ring or grid, scored as it trains.

    python tools/pacgan_long_run.py --pack 4 --steps 12500 --evals 5 --steps-per-execution 20
    python tools/pacgan_long_run.py --pack 4 --lr 5e-4 --beta1 0.5 --ema 0.999 --steps 12500 --evals 5

PacGAN's networks for the synthetic mixtures (Lin et al. 2018, their code's
2-D grid and ring configuration): a generator of 4 hidden layers of 400 ReLU
units with batch norm from 2-D noise, and a discriminator of 3 hidden layers
of 200 units that judges ``--pack`` samples at once (LeakyReLU here, maxout in
the paper). Adam(1e-4, beta_1=0.8), batches of 100 packs. Their schedule is 400
epochs of 100,000 samples. This tool runs ``--steps`` generator steps and
prints the mode statistics of 2,500 samples (`keras_gan.metrics.mode_coverage`)
``--evals`` times along the way, one JSON line each.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--dataset", default="grid", choices=["ring", "grid"])
    p.add_argument("--pack", type=int, default=4)
    p.add_argument("--steps", type=int, default=12500)
    p.add_argument("--evals", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--beta1", type=float, default=0.8)
    p.add_argument("--packs-per-batch", type=int, default=100)
    p.add_argument("--ema", type=float, default=None)
    p.add_argument("--steps-per-execution", type=int, default=1)
    args = p.parse_args(argv)

    import keras

    from keras_gan import data
    from keras_gan.data import toy
    from keras_gan.metrics import mode_coverage
    from keras_gan.models import GAN
    from keras_gan.networks import mlp_discriminator, mlp_generator

    keras.utils.set_random_seed(args.seed)
    generator = mlp_generator(2, (2,), (400,) * 4, output_activation="linear", batch_norm=True)
    discriminator = mlp_discriminator((2,), (200,) * 3, input_normalization=True, pack=args.pack)
    model = GAN(
        generator=generator, discriminator=discriminator, ema_decay=args.ema, seed=args.seed
    )

    def adam():
        return keras.optimizers.Adam(args.lr, beta_1=args.beta1)

    model.compile(
        g_optimizer=adam(),
        d_optimizer=adam(),
        loss="non_saturating",
        steps_per_execution=args.steps_per_execution,
    )
    batch = args.packs_per_batch * args.pack
    ds = data.load(args.dataset, batch_size=batch, limit=100_000 // batch * batch, seed=args.seed)
    ds = ds.repeat()
    modes = toy.ring_modes() if args.dataset == "ring" else toy.grid_modes()
    std = toy.RING_STD if args.dataset == "ring" else toy.GRID_STD
    per = args.steps // args.evals
    start = time.perf_counter()
    for e in range(args.evals):
        model.fit(ds, epochs=e + 1, initial_epoch=e, steps_per_epoch=per, verbose=0)
        stats = mode_coverage(model.generate(2500, seed=args.seed), modes, std)
        stats.pop("counts")
        line = {**vars(args), "step": per * (e + 1), "seconds": round(time.perf_counter() - start)}
        print(json.dumps({**line, **stats}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
