#!/usr/bin/env python3
"""Compiles the benchmark suite's MLPs for the GPU with hypatia-compile.

    python3 bench/build_cuda_models.py --out DIR [--bin build/bin] [--lib build/lib]

For every config of ../shared/bench/suite.json (or --suite, e.g.
bench/fused-mlp-suite.json) and dtype (--dtypes, default f32,bf16): writes
the MLP as a frontend would import it from PyTorch (linear and relu ops, a
dynamic batch), and compiles it with `hypatia-compile --target=cuda` (which
fuses it with --fuse-mlp first) into DIR/<config>_<dtype>.so with the model
C ABI, next to a copy of libHypatiaRuntime.so (found through $ORIGIN).
"""

import argparse
import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def layers_of(config):
    sizes = [config["in"], config["hidden"]]
    sizes += [config["hidden"]] * (config["layers"] - 1)
    layers = [(sizes[i], sizes[i + 1], "relu") for i in range(len(sizes) - 1)]
    if config["out"] is not None:
        layers.append((config["hidden"], config["out"], "none"))
    return layers


def model_source(config, dtype):
    layers = layers_of(config)
    params = [f"%x: tensor<?x{config['in']}x{dtype}>"]
    for i, (k, n, _) in enumerate(layers):
        params += [f"%w{i}: tensor<{n}x{k}x{dtype}>", f"%b{i}: tensor<{n}x{dtype}>"]
    lines, value = [], "%x"
    for i, (k, n, activation) in enumerate(layers):
        lines.append(f"  %h{i} = hypatia.linear {value}, %w{i}, %b{i} : "
                     f"(tensor<?x{k}x{dtype}>, tensor<{n}x{k}x{dtype}>, tensor<{n}x{dtype}>)"
                     f" -> tensor<?x{n}x{dtype}>")
        value = f"%h{i}"
        if activation == "relu":
            lines.append(f"  %a{i} = hypatia.relu {value} : tensor<?x{n}x{dtype}>")
            value = f"%a{i}"
    out = layers[-1][1]
    return (f"func.func @mlp({', '.join(params)}) -> tensor<?x{out}x{dtype}>\n"
            f"    {{\n" + "\n".join(lines) +
            f"\n  return {value} : tensor<?x{out}x{dtype}>\n}}\n")


def run(command):
    subprocess.run(command, check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bin", type=Path, default=ROOT / "build" / "bin")
    parser.add_argument("--lib", type=Path, default=ROOT / "build" / "lib")
    parser.add_argument("--suite", type=Path, default=ROOT.parent / "shared" / "bench" / "suite.json")
    parser.add_argument("--dtypes", default="f32,bf16", help="comma-separated: f32, bf16, f16")
    parser.add_argument("--only", default="", help="comma-separated config names (default: all)")
    parser.add_argument("--chips", default="",
                        help="CUDA chips to build for, e.g. sm_90 (default: hypatia-compile's)")
    parser.add_argument("--target", default="",
                        help="a #hypatia.target attribute for the module instead of the default "
                             "(experiments: e.g. a bandwidth that makes every chain take wgmma)")
    parser.add_argument("--suffix", default="", help="appended to each model's name")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copy(args.lib / "libHypatiaRuntime.so", args.out)
    suite = json.loads(args.suite.read_text())
    manifest = []
    for config in suite["configs"]:
        if only and config["name"] not in only:
            continue
        for dtype in args.dtypes.split(","):
            name = f"{config['name']}_{dtype}{args.suffix}"
            stem = args.out / name
            source = model_source(config, dtype)
            if args.target:
                source = f"module attributes {{hypatia.target = {args.target}}} {{\n{source}}}\n"
            stem.with_suffix(".mlir").write_text(source)
            run([str(args.bin / "hypatia-compile"), "--target=cuda"]
                + ([f"--chip={args.chips}"] if args.chips else []) + [
                 str(stem.with_suffix(".mlir")), "-o", str(stem.with_suffix(".so"))])
            manifest.append(dict(name=name, config=config, dtype=dtype,
                                 layers=layers_of(config), chips=args.chips or "default"))
            print("built", stem.with_suffix(".so").name, flush=True)
    manifest_path = args.out / "manifest.json"
    if args.suffix and manifest_path.exists():
        # A variant joins the models already built there.
        built = [e for e in json.loads(manifest_path.read_text())
                 if e["name"] not in {m["name"] for m in manifest}]
        manifest = built + manifest
    manifest_path.write_text(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
