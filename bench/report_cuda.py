#!/usr/bin/env python3
"""Turns cuda_bench.py's JSON into the table of docs/benchmarks/cuda.md (to
stdout) and a plot (PNG): per config and dtype, each contender's time over
the best peer's.

    python3 bench/report_cuda.py bench/results/cuda-h100.json --plot bench/results/cuda-h100.png
"""

import argparse
import json
from pathlib import Path

COLUMNS = ["floor", "hypatia", "hypatia_graph", "eager", "eager_graph", "compile",
           "compile_ro", "addmm", "addmm_graph"]
# Contenders of cuda_bench.py --max-autotune and --triton.
OPTIONAL = ["compile_ma", "triton"]


def columns_of(data):
    """The contenders of a run: the suite's, then the optional ones it has."""
    return COLUMNS + [c for c in OPTIONAL if c in data["rows"][0]]


def table(data):
    columns = columns_of(data)
    triton = "triton" in columns
    lines = [f"Device: {data['device']}, torch {data['torch']}; ms per forward "
             "(median of 7 rounds of 20 calls, contenders timed in turns, CUDA events); "
             "`vs best` = Hypatia's better mode over the best PyTorch peer; `vs floor` over "
             "the roofline floor" + ("; `vs triton` over the hand-written fused Triton "
                                     "kernel" if triton else "") + ".", "",
             "| model | rel. error | " + " | ".join(columns) +
             " | best peer | vs best | vs floor | vs eager |" + (" vs triton |" if triton else ""),
             "|---|---:|" + "---:|" * len(columns) + "---|---:|---:|---:|"
             + ("---:|" if triton else "")]
    for row in data["rows"]:
        cells = [f"{row[c]:.4f}" for c in columns]
        mark = "" if row["ratio_to_best"] <= 1.0 else " (miss)"
        line = (f"| {row['model']} | {row['relative_error']:.1e} | " + " | ".join(cells)
                + f" | {row['best_peer']} | {row['ratio_to_best']:.3f}{mark} | "
                f"{row['ratio_to_floor']:.3f} | {row['speedup_over_eager']:.2f}x |")
        if triton:
            line += f" {row['ratio_to_triton']:.3f} |"
        lines.append(line)
    return "\n".join(lines)


def plot(data, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = data["rows"]
    names = [r["model"] for r in rows]
    series = {"Hypatia (best mode)": [min(r["hypatia"], r["hypatia_graph"]) for r in rows],
              "eager": [r["eager"] for r in rows], "eager+graph": [r["eager_graph"] for r in rows],
              "torch.compile": [r["compile"] for r in rows],
              "torch.compile RO": [r["compile_ro"] for r in rows],
              "addmm_act+graph": [r["addmm_graph"] for r in rows]}
    labels = {"compile_ma": "torch.compile max-autotune", "triton": "fused Triton (by hand)"}
    for column in columns_of(data)[len(COLUMNS):]:
        series[labels[column]] = [r[column] for r in rows]
    best = [r[r["best_peer"]] for r in rows]
    fig, ax = plt.subplots(figsize=(13, 5))
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(rows))], [v / b for v, b in zip(values, best)],
               width, label=label)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(rows))], names, rotation=45,
                  ha="right")
    ax.set_ylabel("time / best peer (lower is better)")
    ax.set_ylim(0, 3)
    ax.set_title(f"{args_title(data)} on {data['device']}: time relative to the best PyTorch peer")
    ax.legend(ncol=3, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def args_title(data):
    return data.get("title", "Suite MLPs")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("json", type=Path)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--title", help="the plot's subject (default: Suite MLPs)")
    args = parser.parse_args()
    data = json.loads(args.json.read_text())
    if args.title:
        data["title"] = args.title
    print(table(data))
    if args.plot:
        plot(data, args.plot)


if __name__ == "__main__":
    main()
