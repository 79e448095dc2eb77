#!/usr/bin/env python3
"""Tables and a plot of bench/training_bench.py's results.

    python3 bench/report_training.py RESULTS.txt [...] --out bench/results/training-h200

Reads the lines training_bench.py prints (one per config and dtype: ms per
training step of each contender, the ratio to the best peer, the largest
gradient error of Hypatia and of eager against float64), from one or more
runs; writes OUT.json (the rows), OUT.md (the table) and, with matplotlib,
OUT.png (Hypatia's time over Inductor's and over the best peer's).
"""

import argparse
import json
import re
from pathlib import Path

LINE = re.compile(r"^(?P<config>\S+)\s+(?P<dtype>f32|bf16)\s+(?P<times>.*?)\s+hypatia/best "
                  r"(?P<best>[0-9.]+)\s+max grad error (?P<error>\S+) \(eager (?P<eager>\S+)\)$")


def parse(path):
    rows = []
    for line in Path(path).read_text().splitlines():
        match = LINE.match(line.strip())
        if not match:
            continue
        parts = match["times"].split()
        ms = {name: float(value) for name, value in zip(parts[::2], parts[1::2])}
        rows.append({"config": match["config"], "dtype": match["dtype"], "ms": ms,
                     "hypatia_vs_inductor": ms["hypatia"] / ms["inductor"],
                     "hypatia_vs_best_peer": ms["hypatia"] / min(
                         v for k, v in ms.items() if k != "hypatia"),
                     "grad_error": float(match["error"]),
                     "eager_grad_error": float(match["eager"]),
                     "source": Path(path).name})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results", nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = [row for path in args.results for row in parse(path)]
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1) + "\n")
    table = ["| config | dtype | hypatia ms | inductor ms | inductor max-autotune ms | eager ms "
             "| hypatia / inductor | hypatia / best peer | max grad error: hypatia (eager) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        ms = row["ms"]
        autotuned = f"{ms['inductor_max']:.3f}" if "inductor_max" in ms else "-"
        table.append(f"| {row['config']} | {row['dtype']} | {ms['hypatia']:.3f} | "
                     f"{ms['inductor']:.3f} | {autotuned} | {ms['eager']:.3f} | "
                     f"{row['hypatia_vs_inductor']:.2f} | {row['hypatia_vs_best_peer']:.2f} | "
                     f"{row['grad_error']:.1e} ({row['eager_grad_error']:.1e}) |")
    args.out.with_suffix(".md").write_text("\n".join(table) + "\n")
    print("\n".join(table))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    labels = [f"{row['config']}\n{row['dtype']}" for row in rows]
    positions = range(len(rows))
    figure, axis = plt.subplots(figsize=(12, 4))
    axis.bar([p - 0.2 for p in positions], [row["hypatia_vs_inductor"] for row in rows],
             width=0.4, label="Hypatia / Inductor")
    axis.bar([p + 0.2 for p in positions], [row["hypatia_vs_best_peer"] for row in rows],
             width=0.4, label="Hypatia / best peer")
    axis.axhline(1.0, color="black", linewidth=0.8)
    axis.set_xticks(list(positions), labels, fontsize=8)
    axis.set_ylabel("time per training step, ratio (lower is better)")
    axis.set_title("Training step (forward + backward), H200")
    axis.legend()
    figure.tight_layout()
    figure.savefig(args.out.with_suffix(".png"), dpi=110)


if __name__ == "__main__":
    main()
