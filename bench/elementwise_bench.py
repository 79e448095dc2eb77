#!/usr/bin/env python3
"""Hypatia's generated elementwise kernels against PyTorch's own kernel for
the same op, in the same process: effective bandwidth (bytes read plus
written per second) and its ratio to the card's copy bandwidth.

    python3 bench/elementwise_bench.py build DIR     # here: compiles the models
    python3 bench/elementwise_bench.py run DIR --json out.json   # on the GPU

Shapes: 2-D and N-D, large and small (>= 8 MB), odd sizes; dtypes f32 and
bf16; ops relu, gelu (erf), gelu_tanh, silu, mul, silu_mul (the gate of a
gated MLP, one kernel) and gate_halves (the same on the two column blocks of
one [rows, 2 x columns] tensor, as a hypatia.gated_linear's one-GEMM product
leaves them: rows read by row and column). Each model is checked against a
float64 reference on fresh random inputs before it is timed.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
SHAPES = {"6304x3072": (6304, 3072), "32x197x3072": (32, 197, 3072),
          "4099x3071": (4099, 3071), "1024x2049": (1024, 2049)}
DTYPES = ["f32", "bf16"]
# Each op: its inputs, then its body (lines ending in `: T`, the last
# defining %y). silu_mul is a gated MLP's gate: one kernel after fusion.
OPS = {"relu": (["x"], ["%y = hypatia.relu %x"]),
       "gelu": (["x"], ["%y = hypatia.gelu %x"]),
       "gelu_tanh": (["x"], ["%y = hypatia.gelu %x {approximate = #hypatia.gelu_approximation<tanh>}"]),
       "silu": (["x"], ["%y = hypatia.silu %x"]),
       "mul": (["x", "u"], ["%y = hypatia.mul %x, %u"]),
       "silu_mul": (["x", "u"], ["%a = hypatia.silu %x", "%y = hypatia.mul %a, %u"])}


def gate_halves_source(shape, dtype):
    """silu(h[:, :C]) * h[:, C:] for h [rows, 2C], rows the product of the
    leading dimensions of `shape` (a gated_linear collapses them)."""
    rows, columns = 1, shape[-1]
    for dim in shape[:-1]:
        rows *= dim
    t = lambda *dims: "tensor<" + "x".join(map(str, dims)) + f"x{dtype}>"  # noqa: E731
    half, whole = t(rows, columns), t(rows, 2 * columns)
    return (f"func.func @gate_halves(%h: {whole}) -> {half} {{\n"
            f"  %g = tensor.extract_slice %h[0, 0] [{rows}, {columns}] [1, 1] : {whole} to {half}\n"
            f"  %u = tensor.extract_slice %h[0, {columns}] [{rows}, {columns}] [1, 1] : "
            f"{whole} to {half}\n"
            f"  %a = hypatia.silu %g : {half}\n"
            f"  %y = hypatia.mul %a, %u : {half}\n"
            f"  return %y : {half}\n}}\n")


def source(shape, dtype):
    t = "tensor<" + "x".join(map(str, shape)) + f"x{dtype}>"
    functions = [gate_halves_source(shape, dtype)]
    for name, (inputs, body) in OPS.items():
        arguments = ", ".join(f"%{i}: {t}" for i in inputs)
        lines = "".join(f"  {line} : {t}\n" for line in body)
        functions.append(f"func.func @{name}({arguments}) -> {t} {{\n{lines}"
                         f"  return %y : {t}\n}}")
    return "\n".join(functions) + "\n"


def build(out):
    out.mkdir(parents=True, exist_ok=True)
    for label, shape in SHAPES.items():
        for dtype in DTYPES:
            path = out / f"{label}_{dtype}.mlir"
            path.write_text(source(shape, dtype))
            subprocess.run([str(ROOT / "build/bin/hypatia-compile"), "--target=cuda",
                            str(path), "-o", str(out / f"{label}_{dtype}.so")], check=True)
            print("built", path.stem)


def run(models, json_path):
    import torch
    import torch.nn.functional as F

    import hypatia.model
    from timing import BANDWIDTH_TBPS, time_ms

    # PyTorch's eager kernels for the same ops (two for silu_mul).
    peers = {"relu": torch.relu, "gelu": F.gelu,
             "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu,
             "mul": torch.mul, "silu_mul": lambda x, u: F.silu(x) * u,
             "gate_halves": lambda h: F.silu(h[:, :h.shape[1] // 2]) * h[:, h.shape[1] // 2:]}
    dtypes = {"f32": torch.float32, "bf16": torch.bfloat16}

    rows = []
    print(f"{'shape':12s} {'dtype':5s} {'op':9s} {'MB':>7s} {'hyp ms':>8s} {'torch ms':>8s} "
          f"{'hyp TB/s':>8s} {'of copy':>7s} {'vs torch':>8s} {'rel.err':>8s}")
    for label, shape in SHAPES.items():
        for dtype in DTYPES:
            model = hypatia.model.load(models / f"{label}_{dtype}.so")
            x = (torch.randn(shape, device="cuda") * 3).to(dtypes[dtype])
            u = (torch.randn(shape, device="cuda") * 3).to(dtypes[dtype])
            # gate_halves' input: both halves side by side in each row.
            h = torch.cat([x.reshape(-1, shape[-1]), u.reshape(-1, shape[-1])], dim=1)
            for name, peer in peers.items():
                function = getattr(model, name)
                inputs = [h] if name == "gate_halves" else [x, u][:len(OPS[name][0])]
                y = function(*inputs)[0]
                reference = peer(*[t.double() for t in inputs])
                error = ((y.double() - reference).abs().max()
                         / reference.abs().max()).item()
                out = torch.empty_like(y)
                call = function.bind(inputs, [out])
                hyp = time_ms(call, repeats=5, inner=50)
                torch_ms = time_ms(lambda: peer(*inputs), repeats=5, inner=50)
                # Bytes that must move: each input read once, the output written.
                nbytes = (sum(t.numel() for t in inputs) + y.numel()) * x.element_size()
                row = {"shape": label, "dtype": dtype, "op": name, "bytes": nbytes,
                       "hypatia_ms": hyp, "torch_ms": torch_ms,
                       "hypatia_tbps": nbytes / hyp / 1e9,
                       "fraction_of_copy": nbytes / hyp / 1e9 / BANDWIDTH_TBPS,
                       "ratio_to_torch": hyp / torch_ms, "relative_error": error}
                rows.append(row)
                print(f"{label:12s} {dtype:5s} {name:9s} {nbytes / 1e6:7.1f} {hyp:8.4f} "
                      f"{torch_ms:8.4f} {row['hypatia_tbps']:8.2f} "
                      f"{row['fraction_of_copy']:7.2f} {row['ratio_to_torch']:8.3f} {error:8.1e}",
                      flush=True)
    if json_path:
        json_path.write_text(json.dumps({"device": torch.cuda.get_device_name(),
                                         "torch": torch.__version__, "rows": rows},
                                        indent=1) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["build", "run"])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    build(args.dir) if args.mode == "build" else run(args.dir, args.json)


if __name__ == "__main__":
    main()
