#!/usr/bin/env python3
"""Time to a callable model through hypatia.compile, with the compile cache
cold (an empty cache directory) and warm (a new process, same module and
options), for the suite's MLPs on the CPU target.

    python3 bench/compile_cache.py --json bench/results/compile_cache.json

Each measurement runs in a fresh interpreter, so the warm case is what a
second run of a program (or a second torch.compile variant with the same
shapes in a new process) pays.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from build_cuda_models import model_source  # noqa: E402

CHILD = r"""
import sys, time
start = time.perf_counter()
import hypatia
module = hypatia.Module.parse(open(sys.argv[1]).read())
compiled = hypatia.compile(module, "cpu", cache_dir=sys.argv[2])
print(time.perf_counter() - start, compiled.cached)
"""


def measure(path, cache):
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(cache)],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), out[1] == "True"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    suite = json.loads((ROOT.parent / "shared" / "bench" / "suite.json").read_text())
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for config in suite["configs"]:
            path = Path(scratch) / f"{config['name']}.mlir"
            path.write_text(model_source(config, "f32"))
            cold, warm = [], []
            for repeat in range(args.repeats):
                cache = Path(scratch) / f"cache-{config['name']}-{repeat}"
                seconds, cached = measure(path, cache)
                assert not cached
                cold.append(seconds)
                seconds, cached = measure(path, cache)
                assert cached
                warm.append(seconds)
            row = {"model": config["name"], "cold_s": statistics.median(cold),
                   "warm_s": statistics.median(warm)}
            rows.append(row)
            print(f"{row['model']:10s} cold {row['cold_s']:.3f} s  warm {row['warm_s']:.3f} s  "
                  f"({row['cold_s'] / row['warm_s']:.1f}x)", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"target": "cpu", "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
