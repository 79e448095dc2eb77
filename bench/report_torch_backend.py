#!/usr/bin/env python3
"""Table and plot of bench/torch_backend_bench.py's JSON.

    python3 bench/report_torch_backend.py bench/results/torch-backend-h200.json

Writes <json>.txt (the table) and <json>.png (ms per forward of each
contender relative to torch.compile's default backend, per model).
"""

import json
import sys
from pathlib import Path

CONTENDERS = ["hypatia", "hypatia_ro", "inductor", "inductor_ro", "eager", "eager_graph"]


def main():
    path = Path(sys.argv[1])
    data = json.loads(path.read_text())
    rows = data["rows"]
    lines = [f"{data['device']}, torch {data['torch']}; ms per forward (median), "
             "relative errors against float64",
             f"{'model':15} {'norm.err':>8} {'max.err':>8} "
             + " ".join(f"{c:>11}" for c in CONTENDERS)
             + f" {'hyp/induct':>10} {'ours/best':>9} {'compile s hyp':>13} {'ind':>6}"]
    for row in rows:
        lines.append(f"{row['model']:15} {row['relative_error']:8.1e} "
                     f"{row['max_relative_error']:8.1e} "
                     + " ".join(f"{row[c]:11.4f}" for c in CONTENDERS)
                     + f" {row['ratio_to_inductor']:10.3f} {row['best_mode_to_best']:9.3f}"
                     f" {row['compile_seconds']['hypatia']:13.2f}"
                     f" {row['compile_seconds']['inductor']:6.2f}")
    faster = sum(r["ratio_to_inductor"] < 1 for r in rows)
    best = sum(r["best_mode_to_best"] <= 1 for r in rows)
    lines.append(f"hypatia (default mode) faster than torch.compile (default): {faster} of "
                 f"{len(rows)}; hypatia's better mode at or below every peer: {best} of {len(rows)} "
                 "(ours/best: hypatia's better mode over the best peer)")
    path.with_suffix(".txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(12, 4.5))
    width = 0.8 / len(CONTENDERS)
    for i, contender in enumerate(CONTENDERS):
        axis.bar([x + (i - (len(CONTENDERS) - 1) / 2) * width for x in range(len(rows))],
                 [r[contender] / r["inductor"] for r in rows], width, label=contender)
    axis.axhline(1.0, color="black", linewidth=0.8)
    axis.set_xticks(range(len(rows)))
    axis.set_xticklabels([r["model"] for r in rows], rotation=45, ha="right")
    axis.set_ylabel("time / torch.compile default (lower is better)")
    axis.set_ylim(0, 3)
    axis.set_title(f"torch.compile backends on {data['device']}")
    axis.legend(ncol=len(CONTENDERS))
    figure.tight_layout()
    figure.savefig(path.with_suffix(".png"), dpi=120)


if __name__ == "__main__":
    main()
