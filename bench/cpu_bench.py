#!/usr/bin/env python3
"""MLPs through torch.compile(backend="hypatia") on the CPU, against eager
PyTorch and torch.compile (Inductor, default mode) in the same process.

    python3 bench/cpu_bench.py [--json OUT] [--reference] [--one-row] [--suite]
                               [--dtype f32|bf16] [--train]

Runs on the CPU machine (PYTHONPATH=python, a built tree). For each model, f32,
fresh random inputs and nn.Linear's own initialisation: each contender's
result against the model in float64 (norm-wise relative error), then seconds
per forward, the median of 7 rounds that time each contender in turn (after
warm-up). `--reference` compiles Hypatia's models in its float64-accurate
reference mode instead (loop nests, no GEMM library): the CPU path before
one. `--suite` adds the configs of ../shared/bench/suite.json up to xlarge
(the suite's MLPs as torch_backend_bench.py builds them; issue 13's bar).
`--dtype bf16` runs the models in bf16 (weights and inputs rounded; the
float64 reference computes with the rounded values). `--train` times training
steps instead (forward and backward of the output's mean square, gradients
set to None first, no optimizer; each contender on its own copy of the
model), with the largest norm-wise error over the input's and the
parameters' gradients against float64 autograd.
"""

import copy

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
import torch.nn as nn

import hypatia.torch
from torch_backend_bench import make_model
from training_bench import gradients, largest_error

SUITE = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "suite.json"

MODELS = {
    # The MLP of issue 13 (1.72 s through the backend vs 0.134 s eager).
    "mlp_512_1024_256": (lambda: nn.Sequential(
        nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
        nn.Linear(1024, 256)), (1024, 512)),
    # timm's ViT-B MLP block (erf-GELU), 8 images of 197 tokens.
    "vit_b_mlp": (lambda: nn.Sequential(
        nn.Linear(768, 3072), nn.GELU(), nn.Linear(3072, 768)), (8, 197, 768)),
    # A SiLU MLP on 256 rows.
    "silu_mlp": (lambda: nn.Sequential(
        nn.Linear(1024, 4096), nn.SiLU(), nn.Linear(4096, 1024)), (256, 1024)),
}


def suite_models(last="xlarge"):
    """The suite's configs in its order, up to `last`."""
    models = {}
    for config in json.loads(SUITE.read_text())["configs"]:
        models[config["name"]] = ((lambda config=config: make_model(config)),
                                  (config["batch"], config["in"]))
        if config["name"] == last:
            break
    return models


def time_interleaved(contenders, rounds=7):
    """Median seconds per call of each contender, timed in turns."""
    for fn in contenders.values():
        fn()
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def forward_row(model, x, dtype, options):
    """Errors and seconds per forward of Hypatia, eager and Inductor."""
    with torch.no_grad():
        reference = model.double()(x.double())
        model.to(dtype)
        torch._dynamo.reset()
        ours = torch.compile(model, backend="hypatia", options=options)
        inductor = torch.compile(model)
        errors = {}
        for label, fn in (("hypatia", ours), ("inductor", inductor)):
            result = fn(x).double()
            errors[label] = ((result - reference).norm() / reference.norm()).item()
        seconds = time_interleaved({"hypatia": lambda: ours(x), "eager": lambda: model(x),
                                    "inductor": lambda: inductor(x)})
    return errors, seconds


def train_row(model, x, options):
    """Errors and seconds per training step of Hypatia, eager and Inductor."""
    reference = gradients(copy.deepcopy(model).double(), x.double())
    torch._dynamo.reset()
    copies = {label: copy.deepcopy(model) for label in ("hypatia", "eager", "inductor")}
    functions = {"hypatia": torch.compile(copies["hypatia"], backend="hypatia",
                                          options=options),
                 "eager": copies["eager"], "inductor": torch.compile(copies["inductor"])}
    errors = {label: largest_error(gradients(fn, x), reference)
              for label, fn in functions.items()}

    def step(label):
        fn, owner = functions[label], copies[label]

        def run():
            owner.zero_grad(set_to_none=True)
            fn(x).float().square().mean().backward()
        return run
    seconds = time_interleaved({label: step(label) for label in functions})
    return errors, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--one-row", action="store_true",
                        help="inputs of one row (1 x features): matrix-vector products")
    parser.add_argument("--suite", action="store_true",
                        help="also the suite's configs up to xlarge")
    parser.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    parser.add_argument("--train", action="store_true",
                        help="training steps (forward + backward) instead of forwards")
    args = parser.parse_args()
    dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[args.dtype]
    models = dict(MODELS, **(suite_models() if args.suite else {}))
    hypatia.torch.register()
    torch.manual_seed(0)
    options = {"reference": True} if args.reference else {}
    rows = []
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.dtype}"
          f"{', training steps' if args.train else ''}")
    print(f"{'model':18} {'err hyp':>8} {'err ind':>8} {'hypatia':>9} {'eager':>9} "
          f"{'inductor':>9} {'vs eager':>8} {'vs best':>8}")
    for name, (make, shape) in models.items():
        model = make().eval().to(dtype)
        if args.one_row:
            shape = (1, shape[-1])
        x = (torch.rand(shape) * 2 - 1).to(dtype)
        if args.train:
            errors, seconds = train_row(model.train(), x, options)
        else:
            errors, seconds = forward_row(model, x, dtype, options)
        best = min(seconds["eager"], seconds["inductor"])
        row = dict(model=name, input=list(shape), error_hypatia=errors["hypatia"],
                   error_inductor=errors["inductor"], error_eager=errors.get("eager"),
                   **seconds,
                   ratio_to_eager=seconds["hypatia"] / seconds["eager"],
                   ratio_to_best=seconds["hypatia"] / best)
        rows.append(row)
        print(f"{name:18} {errors['hypatia']:8.1e} {errors['inductor']:8.1e} "
              f"{seconds['hypatia']:9.4f} {seconds['eager']:9.4f} {seconds['inductor']:9.4f} "
              f"{row['ratio_to_eager']:8.3f} {row['ratio_to_best']:8.3f}", flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(dict(torch=torch.__version__, threads=torch.get_num_threads(),
                           dtype=args.dtype, train=args.train,
                           reference=args.reference, rows=rows), out, indent=1)


if __name__ == "__main__":
    main()
