#!/usr/bin/env python3
"""Compile-time benchmark of --fuse-mlp (a benchmark, not a timed test).

    python3 bench/compile_time.py [--bin build/bin] [--out bench/results]

Generates MLPs of 10, 100, 1000 and 10000 hidden layers (linear + relu, with
a dropout every 4 layers, weights of their own) in f32 at widths 512 and 64
(only fused_linear_* apply: the fused kernel is for half types) and in bf16
at width 64, where fused_mlp chains (up to 16 layers) are explored too; wide
DAGs: N branches (linear, relu, linear, weights of their own) fanning out
of one input; and chains of diamonds (test/Transforms/Inputs/diamonds.py).
All for the CUDA target (--hypatia-attach-target=kind=cuda). For each,
reports the pass's wall time from -mlir-timing (median of 3 runs), the peak
resident memory of hypatia-opt with the pass and without it (parse and print
only), e-nodes, iterations and stop reason. Writes compile_time.json and, when
matplotlib is present, compile_time.png.
"""

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

LAYERS = [10, 100, 1000, 10000]
FANOUT = [10, 100, 1000]
DIAMONDS = [10, 100, 1000, 10000]


def chain(layers, width, dtype="f32"):
    t = f"tensor<?x{width}x{dtype}>"
    w = f"tensor<{width}x{width}x{dtype}>"
    b = f"tensor<{width}x{dtype}>"
    params = ", ".join(f"%w{i}: {w}, %b{i}: {b}" for i in range(layers))
    lines = [f"func.func @mlp(%x: {t}, {params}) -> {t} {{"]
    value = "%x"
    for i in range(layers):
        lines.append(f"  %l{i} = hypatia.linear {value}, %w{i}, %b{i} : ({t}, {w}, {b}) -> {t}")
        lines.append(f"  %r{i} = hypatia.relu %l{i} : {t}")
        value = f"%r{i}"
        if i % 4 == 3:
            lines.append(f"  %d{i} = hypatia.dropout {value} {{probability = 0.1 : f64}} : {t}")
            value = f"%d{i}"
    lines.append(f"  return {value} : {t}\n}}")
    return "\n".join(lines) + "\n"


def fanout(branches, width=256):
    t = f"tensor<?x{width}xf32>"
    w = f"tensor<{width}x{width}xf32>"
    params = ", ".join(f"%u{i}: {w}, %v{i}: {w}" for i in range(branches))
    lines = [f"func.func @dag(%x: {t}, {params}) -> ({', '.join([t] * branches)}) {{"]
    results = []
    for i in range(branches):
        lines.append(f"  %a{i} = hypatia.linear %x, %u{i} : ({t}, {w}) -> {t}")
        lines.append(f"  %r{i} = hypatia.relu %a{i} : {t}")
        lines.append(f"  %o{i} = hypatia.linear %r{i}, %v{i} : ({t}, {w}) -> {t}")
        results.append(f"%o{i}")
    lines.append(f"  return {', '.join(results)} : {', '.join([t] * branches)}\n}}")
    return "\n".join(lines) + "\n"


def diamonds(units):
    """test/Transforms/Inputs/diamonds.py's chain: per unit h = x W, relu(h),
    g = h V, x' = relu(h) * g (bf16, 16384 x 64)."""
    script = Path(__file__).resolve().parent.parent / "test/Transforms/Inputs/diamonds.py"
    return subprocess.run([sys.executable, str(script), str(units)], capture_output=True,
                          text=True, check=True).stdout


def measure(opt, path, with_pass):
    # The CUDA target: where fused_mlp chains (bf16, up to 16 layers of 64)
    # are explored.
    command = ["/usr/bin/time", "-f", "MAXRSS %M", opt, str(path), "-o", "/dev/null"]
    if with_pass:
        command[4:4] = ["--hypatia-attach-target=kind=cuda",
                        "--fuse-mlp=report=true max-nodes=1000000",
                        "--mlir-timing", "--mlir-timing-display=list"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"hypatia-opt failed on {path}:\n{result.stderr}")
    rss = int(re.search(r"MAXRSS (\d+)", result.stderr).group(1)) / 1024
    if not with_pass:
        return None, rss, None
    seconds = float(re.search(r"([0-9.]+) \([ 0-9.]+%\)\s+FuseMLP", result.stderr).group(1))
    report = re.search(r"fuse-mlp: (\d+) e-nodes, (\d+) e-classes, (\d+) iterations, "
                       r"stopped: ([a-z ]+);", result.stderr)
    return seconds, rss, report.groups()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", type=Path, default=Path("build/bin"))
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    opt = str(args.bin / "hypatia-opt")
    cases = [(f"chain-w512-{n}", "chain, width 512", n, chain(n, 512)) for n in LAYERS]
    cases += [(f"chain-w64-{n}", "chain, width 64", n, chain(n, 64)) for n in LAYERS]
    cases += [(f"chain-w64-bf16-{n}", "chain, width 64, bf16 (fused_mlp)", n,
               chain(n, 64, "bf16")) for n in LAYERS]
    cases += [(f"fanout-{n}", "fan-out DAG, width 256", n, fanout(n)) for n in FANOUT]
    cases += [(f"diamonds-{n}", "diamonds, width 64, bf16", n, diamonds(n)) for n in DIAMONDS]

    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name, family, size, text in cases:
            path = Path(work) / f"{name}.mlir"
            path.write_text(text)
            runs = [measure(opt, path, True) for _ in range(3)]
            seconds = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            _, baseline_rss, _ = measure(opt, path, False)
            nodes, classes, iterations, stop = runs[0][2]
            row = dict(name=name, family=family, size=size, ops=text.count("hypatia."),
                       pass_ms=seconds * 1e3, peak_rss_mb=rss,
                       baseline_rss_mb=baseline_rss, e_nodes=int(nodes),
                       e_classes=int(classes), iterations=int(iterations), stop=stop)
            rows.append(row)
            print(f"{name:18} {row['ops']:6} ops  {row['pass_ms']:9.2f} ms  "
                  f"peak {rss:7.1f} MB (parse+print only {baseline_rss:6.1f} MB)  "
                  f"{nodes:>7} e-nodes  {iterations:>2} it  {stop}", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    meta = dict(machine=platform.processor() or platform.machine(),
                cpu=subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo"],
                                   capture_output=True, text=True).stdout.split(":")[-1].strip(),
                note="pass wall time from -mlir-timing, median of 3; peak RSS of the "
                     "whole hypatia-opt process")
    (args.out / "compile_time.json").write_text(json.dumps(dict(meta=meta, rows=rows), indent=1) + "\n")
    table = ["| case | hypatia ops | --fuse-mlp (ms) | peak RSS (MB) | parse+print only (MB) | e-nodes | iterations | stop |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        table.append(f"| {r['name']} | {r['ops']} | {r['pass_ms']:.1f} | {r['peak_rss_mb']:.1f} | "
                     f"{r['baseline_rss_mb']:.1f} | {r['e_nodes']} | {r['iterations']} | {r['stop']} |")
    (args.out / "compile_time.md").write_text("\n".join(table) + "\n")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for family in dict.fromkeys(r["family"] for r in rows):
        data = [r for r in rows if r["family"] == family]
        left.loglog([r["ops"] for r in data], [r["pass_ms"] for r in data], "o-", label=family)
        right.loglog([r["ops"] for r in data], [r["peak_rss_mb"] for r in data], "o-", label=family)
    ops = [r["ops"] for r in rows]
    left.loglog([min(ops), max(ops)], [r * 0.01 for r in (min(ops), max(ops))], "k:", label="linear growth")
    left.axhline(50, color="grey", ls="--", lw=0.8)
    left.set(xlabel="hypatia ops in the block", ylabel="--fuse-mlp wall time (ms)",
             title="pass time (target: 1000 layers < 50 ms)")
    right.axhline(200, color="grey", ls="--", lw=0.8)
    right.set(xlabel="hypatia ops in the block", ylabel="peak RSS of hypatia-opt (MB)",
              title="peak memory (target: < 200 MB at 10000 layers)")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(args.out / "compile_time.png", dpi=110)
    print(f"wrote {args.out / 'compile_time.json'} and compile_time.png")


if __name__ == "__main__":
    main()
