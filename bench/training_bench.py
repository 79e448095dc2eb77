#!/usr/bin/env python3
"""Training steps through torch.compile(backend="hypatia") on the GPU, against
eager PyTorch and Inductor (default and max-autotune), in one process.

    python3 bench/training_bench.py [--json OUT] [--only NAME,...] [--dtypes f32,bf16]

For each config of ../shared/bench/suite.json (the suite's MLPs: nn.Linear +
nn.ReLU, torch_backend_bench.make_model) and dtype: first the gradients of
every contender against float64 autograd (norm-wise relative error of the
input gradient and of every parameter's, the largest reported), then ms per
training step, forward + backward (loss: the output's mean square; gradients
set to None before each step; the optimizer excluded), median of 7 rounds of
10 steps timed with CUDA events, contenders in turns (timing.py):
  hypatia          torch.compile(model, backend="hypatia")
  inductor         torch.compile(model)
  inductor_max     torch.compile(model, mode="max-autotune-no-cudagraphs")
                   (only for the configs of --max-autotune: its autotuning
                   takes minutes per config)
  eager            the model itself
Each contender trains its own copy of the model. TF32 is off everywhere.
"""

import argparse
import copy
import json
import logging
from pathlib import Path

import torch

import hypatia.torch
from timing import time_interleaved
from torch_backend_bench import make_model

ROOT = Path(__file__).resolve().parent.parent
DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}
CONTENDERS = ["hypatia", "inductor", "inductor_max", "eager"]


def compile_contender(name, model):
    if name == "hypatia":
        return torch.compile(model, backend="hypatia")
    if name == "inductor":
        return torch.compile(model)
    if name == "inductor_max":
        return torch.compile(model, mode="max-autotune-no-cudagraphs")
    return model


def gradients(model, x):
    """The gradients of the input and of every parameter for the loss of a
    step (the output's mean square), gradients set to None first. Shared
    with cpu_bench.py."""
    x = x.detach().clone().requires_grad_(True)
    model.zero_grad(set_to_none=True)
    model(x).float().square().mean().backward()
    return [x.grad] + [p.grad for p in model.parameters()]


def largest_error(got, expected):
    """The largest norm-wise relative error over pairs of gradients."""
    return max(((g.double() - e.double()).norm() / e.double().norm().clamp_min(1e-300)).item()
               for g, e in zip(got, expected))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", default="")
    parser.add_argument("--dtypes", default="f32,bf16")
    parser.add_argument("--max-autotune", default="", help="configs to also run "
                        "Inductor's max-autotune on (comma-separated)")
    parser.add_argument("--suite", type=Path, default=ROOT.parent / "shared" / "bench" / "suite.json")
    args = parser.parse_args()
    logging.getLogger("hypatia").setLevel(logging.ERROR)
    hypatia.torch.register()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    suite = json.loads(args.suite.read_text())["configs"]
    only = set(filter(None, args.only.split(",")))
    max_autotune = set(filter(None, args.max_autotune.split(",")))
    rows = []
    for config in suite:
        if only and config["name"] not in only:
            continue
        for dtype_name in args.dtypes.split(","):
            dtype = DTYPES[dtype_name]
            torch.manual_seed(0)
            base = make_model(config).to("cuda", dtype)
            x = (torch.rand(config["batch"], config["in"], device="cuda") * 2 - 1).to(dtype)
            reference = gradients(copy.deepcopy(base).double(), x.double())
            row = {"config": config["name"], "dtype": dtype_name, "batch": config["batch"],
                   "errors": {}, "ms": {}}
            steps = {}
            contenders = [name for name in CONTENDERS
                          if name != "inductor_max" or config["name"] in max_autotune]
            for name in contenders:
                torch._dynamo.reset()
                model = copy.deepcopy(base)
                fn = compile_contender(name, model)
                got = gradients(fn, x)
                row["errors"][name] = largest_error(got, reference)

                def step(fn=fn, model=model):
                    model.zero_grad(set_to_none=True)
                    fn(x).float().square().mean().backward()
                steps[name] = step
            row["ms"] = time_interleaved(steps, rounds=7, inner=10)
            best_peer = min(row["ms"][name] for name in contenders if name != "hypatia")
            row["hypatia_vs_best_peer"] = row["ms"]["hypatia"] / best_peer
            row["hypatia_vs_inductor"] = row["ms"]["hypatia"] / row["ms"]["inductor"]
            rows.append(row)
            print(f"{config['name']:10s} {dtype_name:5s} " +
                  "  ".join(f"{name} {row['ms'][name]:.4f}" for name in contenders) +
                  f"  hypatia/best {row['hypatia_vs_best_peer']:.2f}"
                  f"  max grad error {row['errors']['hypatia']:.1e}"
                  f" (eager {row['errors']['eager']:.1e})", flush=True)
    if args.json:
        meta = {"device": torch.cuda.get_device_name(), "torch": torch.__version__}
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
