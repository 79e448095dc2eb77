#!/usr/bin/env python3
"""The suite's MLPs compiled by Hypatia for the GPU, against PyTorch.

    python3 bench/cuda_bench.py --models DIR [--json OUT] [--only NAME,...]

Runs on the GPU machine, with the `hypatia` package importable (python/).
DIR holds what bench/build_cuda_models.py made. For each config and dtype,
in one process: fresh random inputs and weights (nn.Linear's init range);
Hypatia's result against float64 (norm-wise relative error) with the output
poisoned with NaN first; then ms per forward, the median of 7 timed loops of
20 forwards with CUDA events after warm-up (timing.py), for
  hypatia        one prepared call through the model's C ABI (ctypes)
  hypatia_graph  the same captured in a CUDA graph and replayed
and the peers
  eager, eager_graph               F.linear/relu chain, plain and graphed
  compile, compile_ro              torch.compile default / mode="reduce-overhead"
  addmm, addmm_graph               torch._addmm_activation chain (cuBLASLt
                                   RELU_BIAS), plain and graphed
  compile_ma                       torch.compile mode="max-autotune" (--max-autotune)
and, with --triton, a whole-MLP Triton kernel written by hand (triton_mlp.py;
`vs triton` is Hypatia's time over it; it is not a PyTorch peer),
and the roofline floor: max(FLOPs / GEMM peak, bytes that must move / copy
bandwidth) with the ceilings measured in ../shared/bench/ANCHORS.md.
TF32 is off everywhere. Hypatia takes cuBLASLt's first heuristic choice
(HYPATIA_GEMM_AUTOTUNE unset): timing candidates at first use picked slower
kernels in a forward than the heuristic did (bench/profile_gaps.py).
"""

import argparse
import json
import os
from pathlib import Path

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import hypatia.model  # noqa: E402
import timing  # noqa: E402
from timing import graphed, time_interleaved  # noqa: E402

PEERS = ["eager", "eager_graph", "compile", "compile_ro", "addmm", "addmm_graph"]


def floor_ms(config, layers, dtype):
    batch = config["batch"]
    flops = sum(2 * batch * k * n for k, n, _ in layers)
    elements = batch * layers[0][0] + batch * layers[-1][1]
    elements += sum(n * k + n for k, n, _ in layers)
    size = 4 if dtype == "f32" else 2
    return timing.floor_ms(flops, elements * size, dtype)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", default="")
    parser.add_argument("--triton", action="store_true",
                        help="time the hand-written fused Triton kernel too")
    parser.add_argument("--max-autotune", action="store_true",
                        help="time torch.compile(mode='max-autotune') too (slow to compile)")
    args = parser.parse_args()
    peers = PEERS + (["compile_ma"] if args.max_autotune else [])
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    manifest = json.loads((args.models / "manifest.json").read_text())
    only = set(filter(None, args.only.split(",")))
    rows = []
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    others = ["triton"] if args.triton else []
    print(f"{'model':15} {'rel.err':>8} {'floor':>8} {'hyp':>8} {'hyp+g':>8} "
          + " ".join(f"{p:>8}" for p in peers + others) + f" {'vs best':>7} {'vs floor':>8}")
    for entry in manifest:
        if only and entry["name"] not in only and entry["config"]["name"] not in only:
            continue
        config, layers = entry["config"], entry["layers"]
        dtype = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}[entry["dtype"]]
        function = hypatia.model.load(args.models / (entry["name"] + ".so")).mlp
        batch = config["batch"]
        x = (torch.rand(batch, config["in"], device="cuda") * 2 - 1).to(dtype)
        params = []
        for k, n, _ in layers:
            bound = k ** -0.5
            params.append(((torch.rand(n, k, device="cuda") * 2 - 1) * bound).to(dtype))
            params.append(((torch.rand(n, device="cuda") * 2 - 1) * bound).to(dtype))
        activations = [a for _, _, a in layers]
        out = torch.full((batch, layers[-1][1]), float("nan"), device="cuda", dtype=dtype)
        hypatia_call = function.bind([x] + params, [out])

        # Correctness first, on the poisoned output.
        hypatia_call()
        torch.cuda.synchronize()
        reference = x.double()
        for i, activation in enumerate(activations):
            reference = reference @ params[2 * i].double().T + params[2 * i + 1].double()
            if activation == "relu":
                reference = torch.relu(reference)
        def relative_error(result):
            return ((result.double() - reference).norm() / reference.norm()).item()

        error = relative_error(out)

        def eager():
            h = x
            for i, activation in enumerate(activations):
                h = F.linear(h, params[2 * i], params[2 * i + 1])
                if activation == "relu":
                    h = torch.relu(h)
            return h

        def addmm():
            h = x
            for i, activation in enumerate(activations):
                if activation == "relu":
                    h = torch._addmm_activation(params[2 * i + 1], h, params[2 * i].T)
                else:
                    h = torch.addmm(params[2 * i + 1], h, params[2 * i].T)
            return h

        torch._dynamo.reset()
        compiled = torch.compile(eager)
        compiled_ro = torch.compile(eager, mode="reduce-overhead")
        contenders = dict(hypatia=hypatia_call, hypatia_graph=graphed(hypatia_call),
                          eager=eager, eager_graph=graphed(eager), compile=compiled,
                          compile_ro=compiled_ro, addmm=addmm, addmm_graph=graphed(addmm))
        if args.max_autotune:
            contenders["compile_ma"] = torch.compile(eager, mode="max-autotune")
        extra = {}
        if args.triton:
            import triton_mlp
            triton_out = torch.full_like(out, float("nan"))
            contenders["triton"] = triton_mlp.fused_mlp(x, params, triton_out)
            contenders["triton"]()
            extra["triton_error"] = relative_error(triton_out)
        timings = time_interleaved(contenders)
        best_peer = min(peers, key=lambda p: timings[p])
        ours = min(timings["hypatia"], timings["hypatia_graph"])
        floor = floor_ms(config, layers, entry["dtype"])
        row = dict(model=entry["name"], config=config["name"], dtype=entry["dtype"],
                   relative_error=error, floor=floor, **timings, best_peer=best_peer,
                   ratio_to_best=ours / timings[best_peer], ratio_to_floor=ours / floor,
                   speedup_over_eager=timings["eager"] / ours, **extra)
        if args.triton:
            row["ratio_to_triton"] = ours / timings["triton"]
        rows.append(row)
        print(f"{entry['name']:15} {error:8.1e} {floor:8.4f} {timings['hypatia']:8.4f} "
              f"{timings['hypatia_graph']:8.4f} "
              + " ".join(f"{timings[p]:8.4f}" for p in peers + others)
              + f" {row['ratio_to_best']:7.3f} {row['ratio_to_floor']:8.3f}", flush=True)
        if args.json:
            args.json.write_text(json.dumps(dict(
                device=torch.cuda.get_device_name(), torch=torch.__version__,
                autotune=os.environ.get("HYPATIA_GEMM_AUTOTUNE", "0"), rows=rows), indent=1))


if __name__ == "__main__":
    main()
