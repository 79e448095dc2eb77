#!/usr/bin/env python3
"""Runs one compiled suite model a few times on fresh random inputs, for a
profiler to attach to (ncu, nsys, compute-sanitizer):

    ncu --kernel-name regex:mlp -c 1 python3 bench/profile_model.py MODELS/narrow_bf16.so

MODELS/manifest.json (bench/build_cuda_models.py) gives the layer widths.
"""

import argparse
import json
from pathlib import Path

import torch

import hypatia.model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--batch", type=int, help="rows (default: the config's batch)")
    args = parser.parse_args()
    manifest = json.loads((args.model.parent / "manifest.json").read_text())
    entry = next(e for e in manifest if e["name"] == args.model.stem)
    dtype = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}[entry["dtype"]]
    batch = args.batch if args.batch is not None else entry["config"]["batch"]
    layers = entry["layers"]
    x = (torch.rand(batch, layers[0][0], device="cuda") * 2 - 1).to(dtype)
    params = []
    for k, n, _ in layers:
        params += [((torch.rand(n, k, device="cuda") * 2 - 1) * k ** -0.5).to(dtype),
                   ((torch.rand(n, device="cuda") * 2 - 1) * k ** -0.5).to(dtype)]
    out = torch.empty(batch, layers[-1][1], device="cuda", dtype=dtype)
    call = hypatia.model.load(args.model).mlp.bind([x] + params, [out])
    for _ in range(args.calls):
        call()
    torch.cuda.synchronize()
    print(f"{args.model.name}: {args.calls} calls, out[0, :4] = {out[0, :4].tolist()}")


if __name__ == "__main__":
    main()
