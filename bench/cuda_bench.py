#!/usr/bin/env python3
"""The suite's MLPs compiled by Hypatia's CUDA pipeline, against PyTorch.

    python3 bench/cuda_bench.py --models DIR [--json OUT]

Runs on the GPU machine. DIR holds the shared objects that
bench/build_cuda_models.py made and its manifest. For each config and dtype:
fresh random inputs and weights; the result of the compiled model against
float64 (relative error); then ms per forward, each the median of 7 timed
loops of 20 forwards with CUDA events after warm-up, in the same process, for
Hypatia (one call of the compiled function, from Python through ctypes) and
for PyTorch eager, eager captured in a CUDA graph, and the chain of
torch._addmm_activation (cuBLASLt RELU_BIAS) plain and graphed. TF32 is off.
"""

import argparse
import ctypes
import json
from pathlib import Path

import torch

from timing import graphed, time_ms


class MemRef1(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * 1),
                ("strides", ctypes.c_int64 * 1)]


class MemRef2(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * 2),
                ("strides", ctypes.c_int64 * 2)]


def descriptor(tensor):
    assert tensor.is_contiguous()
    memref = (MemRef2 if tensor.dim() == 2 else MemRef1)()
    memref.allocated = memref.aligned = tensor.data_ptr()
    memref.offset = 0
    for d in range(tensor.dim()):
        memref.sizes[d] = tensor.shape[d]
        memref.strides[d] = tensor.stride(d)
    return memref


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    runtime = ctypes.CDLL(str(args.models / "libHypatiaRuntime.so"), mode=ctypes.RTLD_GLOBAL)
    runtime.hypatiaSetStream.argtypes = [ctypes.c_void_p]
    runtime.hypatiaFree.argtypes = [ctypes.c_void_p]
    runtime.hypatiaGetLastError.restype = ctypes.c_char_p
    manifest = json.loads((args.models / "manifest.json").read_text())
    rows = []
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"{'model':16} {'rel.err':>9} {'hypatia':>9} {'hypatia+g':>9} {'eager':>9} {'eager+g':>9} "
          f"{'addmm':>9} {'addmm+g':>9} {'vs best':>8}  (ms per forward)")
    for entry in manifest:
        config, dtype = entry["config"], {"f32": torch.float32, "bf16": torch.bfloat16}[entry["dtype"]]
        model = ctypes.CDLL(str(args.models / (entry["name"] + ".so")))
        call = model._mlir_ciface_mlp
        batch = config["batch"]
        x = (torch.rand(batch, config["in"], device="cuda") * 2 - 1).to(dtype)
        params = []
        for k, n, _ in entry["layers"]:
            bound = k ** -0.5
            params.append(((torch.rand(n, k, device="cuda") * 2 - 1) * bound).to(dtype))
            params.append(((torch.rand(n, device="cuda") * 2 - 1) * bound).to(dtype))
        activations = [a for _, _, a in entry["layers"]]
        out_features = entry["layers"][-1][1]
        # The output, poisoned with NaN so that unwritten elements show.
        out = torch.full((batch, out_features), float("nan"), device="cuda", dtype=dtype)
        keep = [descriptor(x)] + [descriptor(p) for p in params] + [descriptor(out)]
        arguments = [ctypes.byref(d) for d in keep]

        def hypatia():
            runtime.hypatiaSetStream(torch.cuda.current_stream().cuda_stream)
            call(*arguments)

        # Correctness first.
        hypatia()
        if runtime.hypatiaTakeDeviceError():
            raise RuntimeError(runtime.hypatiaGetLastError().decode())
        torch.cuda.synchronize()
        reference = x.double()
        for i, activation in enumerate(activations):
            reference = reference @ params[2 * i].double().T + params[2 * i + 1].double()
            if activation == "relu":
                reference = torch.relu(reference)
        error = ((out.double() - reference).norm() / reference.norm()).item()

        def eager():
            h = x
            for i, activation in enumerate(activations):
                h = torch.nn.functional.linear(h, params[2 * i], params[2 * i + 1])
                if activation == "relu":
                    h = torch.relu(h)
            return h

        def addmm():
            h = x
            for i, activation in enumerate(activations):
                h = torch._addmm_activation(params[2 * i + 1], h, params[2 * i].T,
                                            use_gelu=False) if activation == "relu" else \
                    torch.addmm(params[2 * i + 1], h, params[2 * i].T)
            return h

        timings = dict(hypatia=time_ms(hypatia), hypatia_graph=time_ms(graphed(hypatia)),
                       eager=time_ms(eager),
                       eager_graph=time_ms(graphed(eager)), addmm=time_ms(addmm),
                       addmm_graph=time_ms(graphed(addmm)))
        best = min(v for k, v in timings.items() if not k.startswith("hypatia"))
        ours = min(timings["hypatia"], timings["hypatia_graph"])
        rows.append(dict(model=entry["name"], relative_error=error, **timings,
                         ratio_to_best=ours / best,
                         speedup_over_eager=timings["eager"] / ours))
        print(f"{entry['name']:16} {error:9.2e} {timings['hypatia']:9.4f} "
              f"{timings['hypatia_graph']:9.4f} {timings['eager']:9.4f} "
              f"{timings['eager_graph']:9.4f} {timings['addmm']:9.4f} "
              f"{timings['addmm_graph']:9.4f} {ours / best:8.3f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(dict(device=torch.cuda.get_device_name(),
                                              torch=torch.__version__, rows=rows), indent=1))


if __name__ == "__main__":
    main()
