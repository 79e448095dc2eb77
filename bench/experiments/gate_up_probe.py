"""Does one GEMM over concatenated gate and up weights beat two GEMMs?

Times x @ Wg^T and x @ Wu^T (two cuBLAS calls) against x @ [Wg; Wu]^T (one)
for the gated blocks of suite-transformer.json, in a CUDA graph, timed in
turns. Run on the GPU machine: python3 bench/experiments/gate_up_probe.py
"""
import json
import sys

import torch

sys.path.insert(0, "bench")
from timing import graphed, time_interleaved  # noqa: E402


def main():
    suite = json.load(open(sys.argv[1] if len(sys.argv) > 1 else
                           "../shared/bench/suite-transformer.json"))
    torch.manual_seed(0)
    for config in suite["configs"]:
        if not config["gated"]:
            continue
        rows = 1
        for d in config["x"]:
            rows *= d
        k, n = config["in"], config["hidden"]
        for dtype in (torch.float32, torch.bfloat16):
            x = torch.randn(rows, k, device="cuda", dtype=dtype)
            wcat = torch.randn(2 * n, k, device="cuda", dtype=dtype) / k**0.5
            wg, wu = wcat[:n].clone(), wcat[n:].clone()
            contenders = {
                "two": graphed(lambda: (torch.mm(x, wg.t()), torch.mm(x, wu.t()))),
                "one": graphed(lambda: torch.mm(x, wcat.t())),
            }
            times = time_interleaved(contenders)
            print(config["name"], str(dtype).split(".")[1], rows, k, n,
                  " ".join(f"{name}={ms:.4f}" for name, ms in times.items()),
                  f"one/two={times['one'] / times['two']:.3f}", flush=True)


if __name__ == "__main__":
    main()
