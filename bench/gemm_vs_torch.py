#!/usr/bin/env python3
"""hypatiaLinear (cuBLASLt with a fused epilogue) against PyTorch, one layer.

    python3 bench/gemm_vs_torch.py --runtime path/to/libHypatiaRuntime.so

Runs on the GPU machine (torch with CUDA). For layer shapes of the suite
(../shared/bench/suite.json), in fp32 (TF32 off) and bf16: checks the result
against float64 on fresh random inputs, then times y = relu(x @ w^T + b) as
one hypatiaLinear call, as F.linear + relu (eager), and as
torch._addmm_activation (cuBLASLt RELU_BIAS), each the median of repeated
timed loops with CUDA events after warm-up. Prints a table; --json writes it.
"""

import argparse
import ctypes
import json

import torch

from timing import time_ms

SHAPES = [  # (name, M = batch, K = in features, N = out features)
    ("kernel784", 1024, 784, 2048),
    ("medium", 512, 1024, 1024),
    ("xlarge", 1024, 2048, 2048),
    ("large", 4096, 4096, 4096),
    ("ffn-up", 2048, 4096, 16384),
    ("ffn-down", 2048, 16384, 4096),
    ("narrow", 262144, 64, 64),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", required=True)
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    lib = ctypes.CDLL(args.runtime)
    lib.hypatiaLinear.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int64, ctypes.c_int64,
                                  ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p,
                                  ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    lib.hypatiaGetLastError.restype = ctypes.c_char_p
    codes = {torch.float32: 0, torch.bfloat16: 2}
    rows = []
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"{'shape':10} {'dtype':9} {'rel.err':>9} {'hypatia ms':>11} {'eager ms':>9} "
          f"{'addmm_act ms':>12} {'vs best':>8}")
    for name, m, k, n in SHAPES:
        for dtype in (torch.float32, torch.bfloat16):
            x = torch.rand(m, k, device="cuda", dtype=dtype) * 2 - 1
            w = torch.rand(n, k, device="cuda", dtype=dtype) * 2 - 1
            b = torch.rand(n, device="cuda", dtype=dtype) * 2 - 1
            y = torch.full((m, n), float("nan"), device="cuda", dtype=dtype)
            stream = torch.cuda.current_stream().cuda_stream

            def hypatia():
                status = lib.hypatiaLinear(stream, codes[dtype], m, n, k, x.data_ptr(),
                                           w.data_ptr(), b.data_ptr(), y.data_ptr(), 1, 0)
                if status:
                    raise RuntimeError(lib.hypatiaGetLastError().decode())

            hypatia()
            torch.cuda.synchronize()
            reference = torch.relu(x.double() @ w.double().T + b.double())
            error = ((y.double() - reference).norm() / reference.norm()).item()
            ours = time_ms(hypatia)
            eager = time_ms(lambda: torch.relu(torch.nn.functional.linear(x, w, b)))
            fused = time_ms(lambda: torch._addmm_activation(b, x, w.T))
            best = min(eager, fused)
            rows.append(dict(shape=name, m=m, k=k, n=n, dtype=str(dtype).split(".")[1],
                             relative_error=error, hypatia_ms=ours, eager_ms=eager,
                             addmm_activation_ms=fused, ratio_to_best=ours / best))
            print(f"{name:10} {rows[-1]['dtype']:9} {error:9.2e} {ours:11.4f} {eager:9.4f} "
                  f"{fused:12.4f} {ours / best:8.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=torch.cuda.get_device_name(), torch=torch.__version__,
                           rows=rows), f, indent=1)


if __name__ == "__main__":
    main()
