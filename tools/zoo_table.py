"""The README's zoo table: one row per preset, one headline figure of its shipped weights.

    python tools/zoo_table.py            # print it
    python tools/zoo_table.py --write    # replace the table in README.md
    python tools/zoo_table.py --check    # exit 1 if README.md's table is out of date

Figures come from each preset's ``zoo/<preset>/metadata.json`` (measured on
exactly the shipped weights; the command, machine and date of each are there
and in the documentation's zoo page). A recipe without shipped weights says so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- ZOO_TABLE:start -->\n", "<!-- ZOO_TABLE:end -->"

# The figure a user reads first, per kind of model: (metric, label[, companion metric, label]).
HEADLINES = [
    ("inception_fid", "Inception FID"),
    ("conditional_accuracy", "cond. acc.", "fid", "FID (classifier)"),
    ("caption_accuracy", "caption acc.", "style_spread_ratio", "style spread"),
    ("label_preservation_a_to_b", "labels A->B", "label_preservation_b_to_a", "B->A"),
    ("digit_accuracy", "digit acc."),
    ("stacked_mnist_modes", "modes", "stacked_mnist_kl", "KL"),
    ("modes_captured", "modes", "high_quality", "high quality"),
    ("fid", "FID (classifier)", "precision", "precision"),
    ("mean", "mean", "std", "std"),
]


def fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.4g}"
    return str(value)


def headline(metrics):
    by_name = {m["metric"]: m for m in metrics}
    for spec in HEADLINES:
        if spec[0] in by_name:
            parts = [f"{spec[1]} {fmt(by_name[spec[0]]['value'])}"]
            if len(spec) > 2 and spec[2] in by_name:
                parts.append(f"{spec[3]} {fmt(by_name[spec[2]]['value'])}")
            return ", ".join(parts)
    return "; ".join(f"{m['metric']} {fmt(m['value'])}" for m in metrics[:2]) or "-"


def rows():
    zoo = ROOT / "zoo"
    out = []
    for path in sorted(zoo.glob("*.json")):
        recipe = json.loads(path.read_text())
        name = path.stem
        meta_path = zoo / name / "metadata.json"
        family = recipe["model"].get("family", "?")
        data = "+".join(str(recipe["data"][k]) for k in ("name", "domain_b") if k in recipe["data"])
        if meta_path.exists():
            meta = json.loads(meta_path.read_text())
            train = meta.get("training", {})
            budget = f"{train.get('epochs')} epochs"
            if train.get("cpu_minutes") is not None:
                budget += f", {train['cpu_minutes']} {train.get('device', 'CPU')} min"
            figure = headline(meta.get("metrics", []))
            link = f"[details](docs/zoo.md#{name.replace('_', '-')})"
            out.append(f"| `{name}` | {family} | {data} | {budget} | {figure} | {link} |")
        else:
            out.append(
                f"| `{name}` | {family} | {data} | - | not shipped yet: "
                f"`keras-gan train {name}` | - |"
            )
    return out


def table():
    return "\n".join(
        [
            "| preset | family | data | shipped weights trained for | headline figure | |",
            "|---|---|---|---|---|---|",
            *rows(),
        ]
    )


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    readme = ROOT / "README.md"
    text = readme.read_text()
    a, b = text.index(START) + len(START), text.index(END)
    new = text[:a] + table() + "\n" + text[b:]
    if "--check" in argv:
        if new != text:
            print("README.md's zoo table is out of date: run python tools/zoo_table.py --write")
            return 1
        return 0
    if "--write" in argv:
        readme.write_text(new)
        print(f"Wrote the table into {readme}")
    else:
        print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
