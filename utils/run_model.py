#!/usr/bin/env python3
"""Runs a function of a model built by hypatia-compile, as hypatia-run does.

    run_model.py MODEL.so -e FUNC [--seed N] [--dynamic-sizes N] [--output-dir DIR]

Inputs are uniform in [-1, 1) from NumPy's generator seeded with --seed (every
dynamic size set to --dynamic-sizes), rounded to the argument's dtype. The
call goes through the `hypatia` package's ctypes loader: NumPy arrays for CPU
models with f32/f16 arguments, torch tensors otherwise (on the GPU for CUDA
models, on torch's current stream). Results are poisoned with NaN before the
call, so that elements the model does not write show. --output-dir saves
input<i>.npy and result<i>.npy (bf16 widened exactly to float32) for
utils/reference.py.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

import hypatia.model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("-e", dest="function", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dynamic-sizes", type=int, default=1)
    parser.add_argument("--output-dir", type=Path)
    args = parser.parse_args()

    model = hypatia.model.load(args.model)
    function = model[args.function]
    rng = np.random.default_rng(args.seed)
    shapes = [tuple(args.dynamic_sizes if d is None else d for d in t.shape)
              for t in function.inputs]
    values = [rng.uniform(-1, 1, shape) for shape in shapes]
    use_torch = model.target == "cuda" or any(
        t.dtype == "bf16" for t in function.inputs + function.results)

    if use_torch:
        import torch
        dtypes = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
        device = "cuda" if model.target == "cuda" else "cpu"
        inputs = [torch.tensor(v, dtype=dtypes[t.dtype], device=device)
                  for v, t in zip(values, function.inputs)]
        results = [torch.full(s, float("nan"), dtype=dtypes[t.dtype], device=device)
                   for s, t in zip(function.result_shapes(shapes), function.results)]
        function(*inputs, out=results)
        if device == "cuda":
            torch.cuda.synchronize()
        to_numpy = lambda t: t.float().cpu().numpy()
    else:
        dtypes = {"f32": np.float32, "f16": np.float16}
        inputs = [v.astype(dtypes[t.dtype]) for v, t in zip(values, function.inputs)]
        results = [np.full(s, np.nan, dtypes[t.dtype])
                   for s, t in zip(function.result_shapes(shapes), function.results)]
        function(*inputs, out=results)
        to_numpy = lambda a: a

    for index, result in enumerate(results):
        array = to_numpy(result)
        print(f"result {index}: {function.results[index].dtype}{list(array.shape)}")
    if args.output_dir:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        for index, tensor in enumerate(inputs):
            np.save(args.output_dir / f"input{index}.npy", to_numpy(tensor))
        for index, tensor in enumerate(results):
            np.save(args.output_dir / f"result{index}.npy", to_numpy(tensor))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except hypatia.model.HypatiaError as error:
        print(f"run_model.py: error: {error}", file=sys.stderr)
        sys.exit(1)
