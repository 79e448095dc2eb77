#!/usr/bin/env python3
"""Property test of --fuse-mlp on random DAGs of hypatia ops.

    fuse_mlp_property.py --bin BUILD/bin --seed N --count C --work DIR

For each random function (chains and shared intermediates of linear, fused
layers, fused_mlp, relu, gelu, silu and dropout, with several results), checks
that after --fuse-mlp the module verifies, computes the same outputs on the
CPU (norm-wise relative error <= 1e-5 per result, on fresh random inputs),
has an estimated cost no higher than before, and is the same byte for byte
when fused again. Prints one line per failure and a summary; exits 1 on any.
"""

import argparse
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

WIDTHS = [8, 16, 48, 64, 96]
ACTIVATIONS = ["relu", "gelu", "gelu_tanh", "silu", "dropout"]
LAYER_OPS = ["linear", "fused_linear_relu", "fused_linear_gelu", "fused_linear_silu"]


def tensor(batch, width):
    return f"tensor<{batch}x{width}xf32>"


def random_function(rng, name):
    batch = "?" if rng.random() < 0.5 else str(rng.choice([3, 7]))
    in_width = rng.choice(WIDTHS)
    args = [("%x", in_width)]
    values = [("%x", in_width)]
    lines = []
    arg_types = [tensor(batch, in_width)]
    counter = 0

    def new_arg(shape):
        nonlocal counter
        counter += 1
        arg_name = f"%p{counter}"
        arg_types.append(f"tensor<{'x'.join(map(str, shape))}xf32>")
        return arg_name

    for index in range(rng.randint(2, 9)):
        value, width = rng.choice(values[-3:]) if rng.random() < 0.8 else rng.choice(values)
        result = f"%v{index}"
        kind = rng.random()
        if kind < 0.5:
            op = rng.choice(LAYER_OPS)
            out = rng.choice(WIDTHS)
            w = new_arg([out, width])
            operands = [value, w]
            types = [tensor(batch, width), f"tensor<{out}x{width}xf32>"]
            if rng.random() < 0.6:
                operands.append(new_arg([out]))
                types.append(f"tensor<{out}xf32>")
            attrs = ""
            if op == "fused_linear_gelu" and rng.random() < 0.5:
                attrs = " {approximate = #hypatia.gelu_approximation<tanh>}"
            lines.append(f"  {result} = hypatia.{op} {', '.join(operands)}{attrs} : "
                         f"({', '.join(types)}) -> {tensor(batch, out)}")
            values.append((result, out))
        elif kind < 0.6:
            layers = rng.randint(2, 3)
            weights, biases, acts = [], [], []
            has_bias = rng.random() < 0.5
            current = width
            for _ in range(layers):
                out = rng.choice(WIDTHS)
                weights.append((new_arg([out, current]), f"tensor<{out}x{current}xf32>"))
                if has_bias:
                    biases.append((new_arg([out]), f"tensor<{out}xf32>"))
                acts.append(rng.choice(["none", "relu", "gelu_erf", "gelu_tanh", "silu"]))
                current = out
            bias_text = f" biases({', '.join(b for b, _ in biases)})" if has_bias else ""
            types = [tensor(batch, width)] + [t for _, t in weights] + [t for _, t in biases]
            lines.append(
                f"  {result} = hypatia.fused_mlp {value}, weights({', '.join(w for w, _ in weights)})"
                f"{bias_text} activations [{', '.join(acts)}] : ({', '.join(types)}) -> "
                f"{tensor(batch, current)}")
            values.append((result, current))
        else:
            act = rng.choice(ACTIVATIONS)
            if act == "gelu_tanh":
                text = f"hypatia.gelu {value} {{approximate = #hypatia.gelu_approximation<tanh>}}"
            elif act == "dropout":
                text = f"hypatia.dropout {value} {{probability = 0.25 : f64}}"
            else:
                text = f"hypatia.{act} {value}"
            lines.append(f"  {result} = {text} : {tensor(batch, width)}")
            values.append((result, width))

    # Results: the last value and, sometimes, an intermediate (shared) one.
    results = [values[-1]]
    if len(values) > 2 and rng.random() < 0.6:
        results.append(rng.choice(values[1:-1]))
    params = [f"%x: {arg_types[0]}"] + [
        f"%p{i}: {t}" for i, t in enumerate(arg_types[1:], start=1)]
    result_types = [tensor(batch, w) for _, w in results]
    body = "\n".join(lines)
    text = (f"func.func @{name}({', '.join(params)}) -> ({', '.join(result_types)}) {{\n"
            f"{body}\n  return {', '.join(v for v, _ in results)} : {', '.join(result_types)}\n}}\n")
    return text, batch == "?"


def run(command):
    return subprocess.run(command, capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", type=Path, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    opt, runner = str(args.bin / "hypatia-opt"), str(args.bin / "hypatia-run")
    rng = random.Random(args.seed)
    failures = rewritten = 0

    for case in range(args.count):
        name = f"case{case}"
        text, dynamic = random_function(rng, name)
        source = args.work / f"{name}.mlir"
        source.write_text(text)
        fused = args.work / f"{name}.fused.mlir"

        def fail(message):
            nonlocal failures
            failures += 1
            print(f"FAIL {source}: {message}")

        first = run([opt, str(source), "--fuse-mlp=report=true", "-o", str(fused)])
        if first.returncode != 0:
            fail(f"fuse-mlp failed: {first.stderr.strip()}")
            continue
        second = run([opt, str(source), "--fuse-mlp=report=true"])
        if second.stdout != fused.read_text():
            fail("not deterministic")
        costs = re.search(r"estimated cost ([0-9.]+) us .* -> ([0-9.]+) us", first.stderr)
        if not costs or float(costs.group(2)) > float(costs.group(1)):
            fail(f"cost not reported or higher: {first.stderr.strip()}")
        if "unchanged" not in first.stderr:
            rewritten += 1

        outputs = []
        for module in (source, fused):
            out_dir = args.work / f"{module.stem}.out"
            command = [runner, str(module), "-e", name, "--seed", str(args.seed + case),
                       "--output-dir", str(out_dir)]
            if dynamic:
                command += ["--dynamic-sizes", "5"]
            result = run(command)
            if result.returncode != 0:
                fail(f"hypatia-run failed on {module.name}: {result.stderr.strip()}")
                break
            outputs.append(out_dir)
        if len(outputs) != 2:
            continue
        for index in range(len(list(outputs[0].glob("result*.npy")))):
            a = np.load(outputs[0] / f"result{index}.npy").astype(np.float64)
            b = np.load(outputs[1] / f"result{index}.npy").astype(np.float64)
            norm = np.linalg.norm(a)
            error = np.linalg.norm(a - b) / norm if norm > 0 else np.linalg.norm(a - b)
            if a.shape != b.shape or not np.isfinite(error) or error > 1e-5:
                fail(f"result {index} differs after fusion: relative error {error:.3e}")

    print(f"{args.count} random functions, {rewritten} rewritten by --fuse-mlp, "
          f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
