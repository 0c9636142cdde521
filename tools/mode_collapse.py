"""The synthetic mode-collapse benchmark: can a GAN cover every mode?

    python tools/mode_collapse.py                     # every configuration, ring and grid, 3 seeds
    python tools/mode_collapse.py --configs wgan_gp gan_ns --datasets ring --seeds 0
    python tools/mode_collapse.py --markdown --json zoo/benchmarks/mode_collapse.json

Protocol (PacGAN, Lin et al. 2018, section 5.1): ring = 8 Gaussians on the unit
circle with sigma 0.01; grid = 25 Gaussians on {-4, -2, 0, 2, 4}^2 with sigma
0.05. After a fixed training budget each model draws 2,500 samples; a sample
is high quality within 3 sigma of its nearest mode; a mode is captured when it
is the nearest mode of at least one high-quality sample; KL is between the
high-quality samples' mode histogram and the uniform one. Mean and standard
deviation over seeds.

Every configuration uses the same networks (MLPs with three hidden layers of
``--width`` units, 2-D noise, a discriminator that standardises its input),
the same data (``--epochs`` epochs of 12,800 samples in batches of 256) and the
same optimiser (Adam(3e-4, beta_1=0.5, beta_2=0.9)), except where a
configuration's paper prescribes its own (WGAN: RMSProp(5e-5)). The budget is
counted in generator updates; WGAN and WGAN-GP make 5 critic updates per
generator update, as their papers do.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# name -> (family, model kwargs, compile kwargs)
CONFIGS = {
    "gan_minimax": ("gan", {}, {"loss": "minimax"}),
    "gan_ns": ("gan", {}, {"loss": "non_saturating"}),
    "gan_hinge": ("gan", {}, {"loss": "hinge"}),
    "gan_lsgan": ("gan", {}, {"loss": "least_squares"}),
    "gan_ns_spectral": ("gan", {"spectral_norm": True}, {"loss": "non_saturating"}),
    "gan_ns_r1": ("gan", {"r1_weight": 1.0}, {"loss": "non_saturating"}),
    "gan_ns_smooth": ("gan", {"label_smoothing": 0.1}, {"loss": "non_saturating"}),
    "gan_ns_mbstd": ("gan", {"minibatch_std": 4}, {"loss": "non_saturating"}),
    "gan_ns_ema": ("gan", {"ema_decay": 0.99}, {"loss": "non_saturating"}),
    # PacGAN (Lin et al. 2018): the discriminator judges packs of 2 / 4 samples
    "gan_ns_pac2": ("gan", {"pack": 2}, {"loss": "non_saturating"}),
    "gan_ns_pac4": ("gan", {"pack": 4}, {"loss": "non_saturating"}),
    "wgan": ("wgan", {}, {}),
    "wgan_gp": ("wgan_gp", {"gradient_penalty_weight": 0.1}, {}),
    "wgan_gp_ema": ("wgan_gp", {"gradient_penalty_weight": 0.1, "ema_decay": 0.99}, {}),
    "mmd": ("mmd", {}, {}),
}


def run_one(config, dataset, seed, epochs, width):
    import keras

    from keras_gan import data, registry
    from keras_gan.data import toy
    from keras_gan.metrics import mode_coverage

    family, model_kwargs, compile_kwargs = CONFIGS[config]
    keras.utils.set_random_seed(seed)
    cls = registry.get(family)
    kwargs = dict(
        data_shape=(2,), latent_dim=2, hidden_units=(width,) * 3, seed=seed, **model_kwargs
    )
    if family == "gan":
        kwargs.update(output_activation="linear", input_normalization=True)
    elif family in ("wgan", "wgan_gp"):
        kwargs.update(architecture="mlp", input_normalization=True)
    elif family == "mmd":
        # bandwidths in data units, from below the modes' spread to the whole layout
        kwargs.update(
            bandwidths=(0.02, 0.1, 0.5, 2.0) if dataset == "ring" else (0.1, 0.5, 2.0, 8.0)
        )
    model = cls(**kwargs)
    if family == "wgan":
        model.compile(**compile_kwargs)  # RMSprop(5e-5), as in the paper
    else:
        opt = lambda: keras.optimizers.Adam(3e-4, beta_1=0.5, beta_2=0.9)  # noqa: E731
        model.compile(g_optimizer=opt(), d_optimizer=opt(), **compile_kwargs)
    ds = data.load(dataset, batch_size=256, limit=12800, seed=seed)
    t = time.perf_counter()
    model.fit(ds, epochs=epochs, verbose=0)
    elapsed = time.perf_counter() - t
    modes = toy.ring_modes() if dataset == "ring" else toy.grid_modes()
    std = toy.RING_STD if dataset == "ring" else toy.GRID_STD
    stats = mode_coverage(model.generate(2500, seed=seed), modes, std)
    stats.pop("counts")
    return {
        "config": config,
        "dataset": dataset,
        "seed": seed,
        "train_seconds": round(elapsed, 1),
        "generator_steps": int(model.g_optimizer.iterations.numpy()),
        **stats,
    }


def summarise(results):
    rows = {}
    for r in results:
        rows.setdefault((r["config"], r["dataset"]), []).append(r)
    out = []
    for (config, dataset), rs in rows.items():

        def ms(key, rs=rs):
            vals = [r[key] for r in rs if r[key] == r[key]]  # drop NaN
            if not vals:
                return float("nan"), float("nan")
            return statistics.mean(vals), (statistics.stdev(vals) if len(vals) > 1 else 0.0)

        out.append(
            {
                "config": config,
                "dataset": dataset,
                "seeds": len(rs),
                "modes": ms("modes_captured"),
                "num_modes": rs[0]["num_modes"],
                "high_quality": ms("high_quality"),
                "kl": ms("kl_to_uniform"),
                "train_seconds": ms("train_seconds")[0],
            }
        )
    return out


def markdown(summary, meta):
    lines = [
        f"`{meta['command']}` on {meta['machine']}, {meta['date']}; "
        f"{meta['epochs']} epochs = {meta['generator_steps']} generator steps, 2,500 samples, "
        "mean +/- std over seeds.",
        "",
        "| configuration | dataset | modes captured | high-quality samples | KL to uniform | train s |",
        "|---|---|---|---|---|---|",
    ]
    for s in summary:
        m, hq, kl = s["modes"], s["high_quality"], s["kl"]
        lines.append(
            f"| {s['config']} | {s['dataset']} | {m[0]:.1f} +/- {m[1]:.1f} / {s['num_modes']} | "
            f"{100 * hq[0]:.1f}% +/- {100 * hq[1]:.1f} | {kl[0]:.2f} +/- {kl[1]:.2f} | {s['train_seconds']:.0f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    p.add_argument("--datasets", nargs="+", default=["ring", "grid"], choices=["ring", "grid"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--json")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args(argv)

    from tools.benchmark import machine  # noqa: E402  (same machine description)

    results = []
    for dataset in args.datasets:
        for config in args.configs:
            for seed in args.seeds:
                r = run_one(config, dataset, seed, args.epochs, args.width)
                results.append(r)
                print(json.dumps(r), flush=True)
    meta = {
        "command": "python tools/mode_collapse.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "epochs": args.epochs,
        "generator_steps": args.epochs * 50,
    }
    summary = summarise(results)
    if args.markdown:
        print()
        print(markdown(summary, meta))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**meta, "summary": summary, "runs": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
