"""Print the measured results of every zoo preset as a markdown table (for README.md).

    python tools/zoo_table.py            # print it
    python tools/zoo_table.py --write    # replace the table in README.md

One row per preset with results; each row names the command, machine and
date that produced its figures (as recorded in ``zoo/PRESET.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# metric -> short label; the order is the column order inside a row
# Figures on the standard FID Inception features get their own column.
INCEPTION = ("inception_fid", "inception_kid")

LABELS = {
    "inception_fid": "FID",
    "inception_kid": "KID",
    "fid": "FID",
    "kid": "KID",
    "precision": "precision",
    "recall": "recall",
    "classes_covered": "classes",
    "conditional_accuracy": "cond. acc.",
    "mean": "mean",
    "std": "std",
    "seeds_within_10_percent": "seeds within 10%",
    "modes_captured": "modes",
    "high_quality": "HQ",
    "kl_to_uniform": "KL",
    "stacked_mnist_modes": "Stacked MNIST modes",
    "stacked_mnist_kl": "KL",
    "label_preservation_a_to_b": "labels A->B",
    "label_preservation_b_to_a": "labels B->A",
    "untranslated_baseline_a_to_b": "untranslated A->B",
    "untranslated_baseline_b_to_a": "untranslated B->A",
    "cycle_mae_a": "cycle MAE A",
    "cycle_mae_b": "cycle MAE B",
    "realism_a_to_b": "realism A->B",
    "realism_b_to_a": "realism B->A",
    "caption_accuracy": "caption acc.",
    "thickness_agreement": "thickness",
    "thickness_chance": "(chance)",
    "slant_agreement": "slant",
    "slant_chance": "(chance)",
    "style_spread_ratio": "style spread",
    "r_precision": "R-precision",
    "r_precision_real": "(real)",
    "parzen_ll": "Parzen LL",
    "l1": "held-out L1",
    "l1_blank_baseline": "(blank)",
    "digit_accuracy": "digit acc.",
    "digit_accuracy_real": "(real)",
    "digit_accuracy_edges": "(edges)",
}


def fmt(r):
    v = r["value"]
    text = f"{v:.4g}" if isinstance(v, float) else str(v)
    if "stderr" in r:
        text += f" +/- {r['stderr']:.2g}"
    if "of" in r:
        text += f"/{r['of']}"
    if "floor" in r:
        text += f" (floor {r['floor']:.3g})"
    if "through" in r:  # a check of the same model another way
        text += f" (via {r['through']}" + (f", seed {r['seed']}" if "seed" in r else "") + ")"
    return text


def main():
    rows = []
    for path in sorted((ROOT / "zoo").glob("*.json")):
        preset = json.loads(path.read_text())
        results = preset.get("results") or []
        if not results:
            continue
        cells = [
            f"{LABELS[r['metric']]} {fmt(r)}"
            for r in results
            if r["metric"] in LABELS and r["metric"] not in INCEPTION
        ]
        inception = [
            f"{LABELS[r['metric']]} {fmt(r)} ({r['num_samples'] // 1000}k vs {r['reference']}, "
            f"{r['resize']})"
            for r in results
            if r["metric"] in INCEPTION
        ]
        first = results[0]
        budget = f"{first.get('epochs', '')} epochs"
        if first.get("steps_per_epoch"):
            budget += f" x {first['steps_per_epoch']} steps"
        if first.get("train_cpu_minutes") is not None:
            budget += f"; {first['train_cpu_minutes']} CPU min ({first['train_wall_minutes']} wall)"
        elif first.get("train_gpu_minutes") is not None:
            budget += f"; {first['train_gpu_minutes']} min on one GPU"
        elif preset.get("budget", {}).get("cpu_minutes") is not None:
            # a resumed run: the entry's "budget" says how its cost was put together
            budget += f"; about {preset['budget']['cpu_minutes']} CPU min (see its entry)"
        commands = list(dict.fromkeys(r["command"] for r in results))
        rows.append(
            f"| `{preset['name']}` | {budget} | {'; '.join(cells)} | "
            f"{'; '.join(inception) or '-'} | "
            + "<br>".join(f"`{c}`" for c in commands)
            + " | "
            + "<br>".join(dict.fromkeys(f"{r['hardware']}, {r['date']}" for r in results))
            + " |"
        )
    table = "\n".join(
        [
            "| preset | budget | measured | Inception features | command | machine, date |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    if "--write" in sys.argv[1:]:
        readme = ROOT / "README.md"
        text = readme.read_text()
        start, end = "<!-- ZOO_TABLE:start -->\n", "<!-- ZOO_TABLE:end -->"
        a, b = text.index(start) + len(start), text.index(end)
        readme.write_text(text[:a] + table + "\n" + text[b:])
        print(f"Wrote the table into {readme}")
    else:
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
