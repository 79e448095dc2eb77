#!/usr/bin/env python3
"""Profiles where Hypatia is slower than the best peer: GPU kernels per
forward (name, count, mean duration) for Hypatia and for the hand-chained
torch._addmm_activation peer, and the CUDA API time around them, from
torch.profiler (CUPTI). Runs on the GPU machine like cuda_bench.py.

    python3 bench/profile_gaps.py --models DIR --only kernel784_bf16,medium_bf16
"""

import argparse
import collections
import json
from pathlib import Path

import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

import hypatia.model  # noqa: E402


def kernels(fn, forwards=50):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(forwards):
            fn()
        torch.cuda.synchronize()
    stats = collections.defaultdict(lambda: [0, 0.0])
    for event in prof.events():
        if event.device_type == torch.autograd.DeviceType.CUDA:
            stats[event.name][0] += 1
            stats[event.name][1] += event.device_time
    return {name: (count / forwards, total / count)
            for name, (count, total) in stats.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--only", required=True)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    manifest = json.loads((args.models / "manifest.json").read_text())
    for entry in manifest:
        if entry["name"] not in args.only.split(","):
            continue
        layers = entry["layers"]
        dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[entry["dtype"]]
        batch = entry["config"]["batch"]
        x = (torch.rand(batch, entry["config"]["in"], device="cuda") * 2 - 1).to(dtype)
        params = []
        for k, n, _ in layers:
            params.append(((torch.rand(n, k, device="cuda") * 2 - 1) * k ** -0.5).to(dtype))
            params.append(((torch.rand(n, device="cuda") * 2 - 1) * k ** -0.5).to(dtype))
        out = torch.empty(batch, layers[-1][1], device="cuda", dtype=dtype)
        call = hypatia.model.load(args.models / (entry["name"] + ".so")).mlp.bind(
            [x] + params, [out])

        def addmm():
            h = x
            for i, (_, _, activation) in enumerate(layers):
                h = (torch._addmm_activation if activation == "relu" else torch.addmm)(
                    params[2 * i + 1], h, params[2 * i].T)
            return h

        for label, fn in (("hypatia", call), ("addmm", addmm)):
            print(f"{entry['name']} {label}: kernels per forward (count, mean us)")
            total = 0.0
            for name, (count, mean) in sorted(kernels(fn).items(), key=lambda kv: -kv[1][1]):
                total += count * mean
                print(f"  {count:5.1f} x {mean:8.2f} us  {name[:150]}")
            print(f"  GPU time per forward: {total:.2f} us")


if __name__ == "__main__":
    main()
