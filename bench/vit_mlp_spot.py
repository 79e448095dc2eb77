#!/usr/bin/env python3
"""Spot check of a transformer MLP through the CUDA path: ViT-B's MLP
(x 6304x768 -> 3072 erf-GELU -> 768, with biases), the case issue 11 measured
at 12.98 ms (f32) and 11.75 ms (bf16) before the redesign. Compiled here, run
on the GPU against float64 and eager PyTorch in the same process.

    python3 bench/vit_mlp_spot.py build DIR
    python3 bench/vit_mlp_spot.py run DIR
"""

import itertools
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


# x as the 2-D [?, 768] of a flattened batch, and as the 3-D [32, 197, 768]
# that torch.compile hands over for a ViT-B block.
BATCHES = {"2d": ("?",), "3d": (32, 197)}


def source(dtype, batch):
    t = lambda *dims: "tensor<" + "x".join(map(str, dims)) + f"x{dtype}>"  # noqa: E731
    x, h = t(*batch, 768), t(*batch, 3072)
    return (f"func.func @mlp(%x: {x}, %w1: {t(3072, 768)}, %b1: {t(3072)}, "
            f"%w2: {t(768, 3072)}, %b2: {t(768)}) -> {x} {{\n"
            f"  %h = hypatia.linear %x, %w1, %b1 : ({x}, {t(3072, 768)}, {t(3072)}) -> {h}\n"
            f"  %a = hypatia.gelu %h : {h}\n"
            f"  %y = hypatia.linear %a, %w2, %b2 : ({h}, {t(768, 3072)}, {t(768)}) -> {x}\n"
            f"  return %y : {x}\n}}\n")


def build(out):
    out.mkdir(parents=True, exist_ok=True)
    for dtype in ("f32", "bf16"):
        for label, batch in BATCHES.items():
            stem = out / f"vit_{label}_{dtype}"
            stem.with_suffix(".mlir").write_text(source(dtype, batch))
            subprocess.run([str(ROOT / "build/bin/hypatia-compile"), "--target=cuda",
                            str(stem.with_suffix(".mlir")), "-o", str(stem.with_suffix(".so"))],
                           check=True)


def run(models):
    import torch
    import torch.nn.functional as F

    import hypatia.model
    from timing import time_ms

    for (dtype, name), (label, batch) in itertools.product(
            ((torch.float32, "f32"), (torch.bfloat16, "bf16")), BATCHES.items()):
        mlp = hypatia.model.load(models / f"vit_{label}_{name}.so").mlp
        x = torch.randn(*((6304,) if label == "2d" else batch), 768, device="cuda").to(dtype)
        w1 = (torch.randn(3072, 768, device="cuda") / 28).to(dtype)
        b1 = torch.randn(3072, device="cuda").to(dtype)
        w2 = (torch.randn(768, 3072, device="cuda") / 55).to(dtype)
        b2 = torch.randn(768, device="cuda").to(dtype)
        args = [x, w1, b1, w2, b2]
        y = mlp(*args)[0]
        reference = F.linear(F.gelu(F.linear(x.double(), w1.double(), b1.double())),
                             w2.double(), b2.double())
        error = ((y.double() - reference).abs().max() / reference.abs().max()).item()
        out = torch.empty_like(y)
        call = mlp.bind(args, [out])
        eager = lambda: F.linear(F.gelu(F.linear(x, w1, b1)), w2, b2)  # noqa: E731
        hypatia_ms = time_ms(call, repeats=1, inner=20)
        eager_ms = time_ms(eager, repeats=1, inner=20)
        print(f"vit_b_mlp {label} {name}: rel. error {error:.2e}  hypatia {hypatia_ms:.4f} ms  "
              f"eager {eager_ms:.4f} ms", flush=True)


if __name__ == "__main__":
    mode, directory = sys.argv[1], Path(sys.argv[2])
    build(directory) if mode == "build" else run(directory)
