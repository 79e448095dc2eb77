#!/usr/bin/env python3
"""Checks results saved by `hypatia-run --output-dir DIR` against float64 NumPy.

    reference.py DIR EXPR [EXPR ...] [--rtol R]

Each EXPR says, in terms of the inputs `arg0`, `arg1`, ... (read from
DIR/input<i>.npy and widened to float64), what result <i> should be, e.g.
`relu(linear(arg0, arg1, arg2))`, or a gradient, `gelu_grad(arg0, arg1)`
(activation gradients by central differences, not closed forms). The reference is computed here in float64,
independently of Hypatia's lowering, and compared with DIR/result<i>.npy by the
norm-wise relative error ||out - ref|| / ||ref||. NaN must appear exactly where
the reference has NaN,
and infinities must match exactly. Prints one line per result, then PASS or FAIL (exit 1).
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np


def linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def relu(x):
    # np.maximum propagates NaN, as torch.relu does.
    return np.maximum(x, 0.0)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x, approximate="none"):
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)
        return 0.5 * x * (1.0 + np.tanh(inner))
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def gelu_tanh(x):
    return gelu(x, "tanh")


def silu(x):
    with np.errstate(over="ignore"):
        return x / (1.0 + np.exp(-x))


def dropout(x, p=0.0):
    """Inference: the identity."""
    return x


ACTIVATIONS = {"none": lambda x: x, "relu": relu, "gelu_erf": gelu,
               "gelu_tanh": gelu_tanh, "silu": silu}


def relu_grad(grad, x):
    """threshold_backward: the gradient where x > 0 (NaN passes it)."""
    return np.where(x <= 0, 0.0, grad)


def derivative(f, x):
    """f'(x) by central differences in float64, step 1e-5 * max(1, |x|):
    about 1e-10 relative for the smooth activations here, and independent
    of the closed forms Hypatia's lowering uses."""
    step = 1e-5 * np.maximum(1.0, np.abs(x))
    with np.errstate(over="ignore", invalid="ignore"):
        return (f(x + step) - f(x - step)) / (2 * step)


def gelu_grad(grad, x, approximate="none"):
    return grad * derivative(lambda v: gelu(v, approximate), x)


def silu_grad(grad, x):
    return grad * derivative(silu, x)


def round_to(x, dtype):
    """`x` rounded to the nearest bf16 or f16 value (ties to even), widened
    back to float64."""
    if dtype == "f16":
        return x.astype(np.float16).astype(np.float64)
    bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32).astype(np.float64)


def mlp(x, layers, intermediates=None):
    """layers: [(w, b or None, activation name), ...]. With `intermediates`
    ("bf16" or "f16"), each layer's output but the last is rounded to it, as
    a half-precision model stores its activations: the reference for outputs
    so few and so cancelled that those roundings alone exceed a 1% bound."""
    for i, (w, b, activation) in enumerate(layers):
        x = ACTIVATIONS[activation](linear(x, w, b))
        if intermediates and i + 1 < len(layers):
            x = round_to(x, intermediates)
    return x


def relative_error(out, ref):
    """||out - ref|| / ||ref|| over the finite reference values; NaN and
    infinities must appear in `out` exactly where they are in `ref`."""
    finite = np.isfinite(ref)
    if not np.array_equal(np.isnan(ref), np.isnan(out)):
        return math.inf
    infinite = np.isinf(ref)
    if not np.array_equal(out[infinite], ref[infinite]):
        return math.inf
    out, ref = out[finite], ref[finite]
    if not np.all(np.isfinite(out)):
        return math.inf
    norm = np.linalg.norm(ref)
    difference = np.linalg.norm(out - ref)
    return difference / norm if norm > 0 else difference


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("exprs", nargs="+")
    parser.add_argument("--rtol", type=float, default=1e-6)
    args = parser.parse_args()

    names = dict(linear=linear, relu=relu, gelu=gelu, gelu_tanh=gelu_tanh,
                 silu=silu, dropout=dropout, mlp=mlp, relu_grad=relu_grad,
                 gelu_grad=gelu_grad, silu_grad=silu_grad, np=np)
    i = 0
    while (args.dir / f"input{i}.npy").exists():
        names[f"arg{i}"] = np.load(args.dir / f"input{i}.npy").astype(np.float64)
        i += 1

    ok = True
    for index, expr in enumerate(args.exprs):
        path = args.dir / f"result{index}.npy"
        if not path.exists():
            print(f"result {index}: missing {path}")
            ok = False
            continue
        out = np.load(path).astype(np.float64)
        ref = np.asarray(eval(expr, names), dtype=np.float64)
        if out.shape != ref.shape:
            print(f"result {index}: shape {out.shape}, reference {ref.shape}")
            ok = False
            continue
        error = relative_error(out, ref)
        passed = error <= args.rtol
        ok &= passed
        print(f"result {index}: relative error {error:.3e} "
              f"(tolerance {args.rtol:.0e}) {'ok' if passed else 'TOO LARGE'}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
