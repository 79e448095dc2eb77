#!/usr/bin/env python3
"""Checks that a CUDA model's call captured in a CUDA graph (Function.graph)
replays correctly on new inputs: the first function of MODEL.so taking
(x, w0, b0, ...) as an MLP of linear layers with ReLU between them, against
float64 PyTorch, the output poisoned with NaN before every replay.

    check_graph_replay.py MODEL.so --seed N --batch B --rtol R [--expect-above E]
"""

import argparse
import sys

import torch

import hypatia.model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rtol", type=float, required=True)
    parser.add_argument("--expect-above", type=float, default=0.0,
                        help="fail unless the error exceeds this (to see that "
                             "TF32 was really used)")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model = hypatia.model.load(args.model)
    function = next(iter(model.functions.values()))
    dtypes = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
    tensors = [torch.empty(tuple(args.batch if d is None else d for d in t.shape),
                           dtype=dtypes[t.dtype], device="cuda") for t in function.inputs]
    for tensor in tensors:
        tensor.uniform_(-1, 1)
    shape = function.result_shapes([tuple(t.shape) for t in tensors])[0]
    out = torch.empty(shape, dtype=dtypes[function.results[0].dtype], device="cuda")
    replay = function.graph(tensors, [out])
    worst = 0.0
    for _ in range(3):
        tensors[0].uniform_(-1, 1)  # new inputs, same buffers
        out.fill_(float("nan"))
        replay()
        torch.cuda.synchronize()
        h = tensors[0].double()
        layers = (len(tensors) - 1) // 2
        for i in range(layers):
            h = h @ tensors[1 + 2 * i].double().T + tensors[2 + 2 * i].double()
            if i + 1 < layers:
                h = torch.relu(h)
        error = ((out.double() - h).norm() / h.norm()).item()
        worst = max(worst, error if error == error else float("inf"))
    print(f"graph replay: worst relative error {worst:.3e} (rtol {args.rtol:g})")
    ok = args.expect_above < worst <= args.rtol
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
