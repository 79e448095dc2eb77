#!/usr/bin/env python3
"""Transformer MLP blocks (../shared/bench/suite-transformer.json) compiled by
Hypatia for the GPU, against PyTorch in the same process.

    python3 bench/transformer_bench.py build DIR [--suite JSON] [--chips sm_90a]  # here
    python3 bench/transformer_bench.py run DIR --json OUT [--max-autotune] [--only NAME,...]
    python3 bench/transformer_bench.py modules --json OUT [--variants f32,bf16,autocast]  # on the GPU
    python3 bench/transformer_bench.py report RUN.json MODULES.json --plot PNG > table.md

`build` writes each block as hypatia IR with the 3-D input torch.compile
hands over ([batch, seq, features]) and compiles it with hypatia-compile
(--fuse-mlp, CUDA target) for --chips (default sm_90a: the H200 alone, as
the torch.compile backend builds on it); DIR/manifest.json carries the suite to the GPU
machine. `run`, per block and dtype (f32 with TF32 off, bf16): fresh random
inputs and weights (nn.Linear's init range), Hypatia's result on a
NaN-poisoned output against float64 (max |error| / max |reference|), then ms
per forward (timing.py: median of 7 loops of 20, CUDA events) of
  hypatia, hypatia_graph   one prepared call through the model ABI, plain
                           and captured in a CUDA graph; a gated block's
                           gate and up weights are rows of one tensor, as
                           the torch.compile backend packs parameters (one
                           GEMM for both)
  hypatia_split_graph      gated blocks: the same call with gate and up in
                           separate tensors (two GEMMs), graphed
  eager, eager_graph       the F.linear chain, plain and graphed
  compile, compile_ro      torch.compile default and mode="reduce-overhead"
  compile_max_autotune     mode="max-autotune", bf16, with --max-autotune
and the roofline floor (timing.floor_ms); contenders are timed in turns
(timing.time_interleaved), all compiled first. `modules` runs real modules
(timm Mlp/SwiGLU/GluMlp, transformers' LlamaMLP and BERT's intermediate +
output, torchvision's ops.MLP) through torch.compile(backend="hypatia")
against eager, with the nodes left to PyTorch counted.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
SUITE = ROOT.parent / "shared/bench/suite-transformer.json"
DTYPES = ["f32", "bf16"]
ACTIVATION_OPS = {"relu": "hypatia.relu %h", "gelu": "hypatia.gelu %h",
                  "gelu_tanh": "hypatia.gelu %h {approximate = #hypatia.gelu_approximation<tanh>}",
                  "silu": "hypatia.silu %h"}


def parameters(config):
    """(name, shape) of the block's weights and biases, in argument order."""
    d, hidden, out = config["in"], config["hidden"], config["out"]
    if config["gated"]:
        names = [("w_gate", (hidden, d)), ("w_up", (hidden, d)), ("w_down", (out, hidden))]
    else:
        names = [("w1", (hidden, d)), ("w2", (out, hidden))]
    if config["bias"]:
        names += [("b" + n[1:], (shape[0],)) for n, shape in names]
    return names


def source(config, dtype):
    """The block as hypatia IR."""
    t = lambda *dims: "tensor<" + "x".join(map(str, dims)) + f"x{dtype}>"  # noqa: E731
    batch, d, hidden, out = config["x"], config["in"], config["hidden"], config["out"]
    x, h, y = t(*batch, d), t(*batch, hidden), t(*batch, out)
    params = dict(parameters(config))
    arguments = ", ".join([f"%x: {x}"] + [f"%{n}: {t(*s)}" for n, s in params.items()])

    def linear(result, source_value, source_type, weight, result_type):
        bias = "b" + weight[1:]
        operands = f"%{source_value}, %{weight}" + (f", %{bias}" if bias in params else "")
        types = f"{source_type}, {t(*params[weight])}" + (
            f", {t(*params[bias])}" if bias in params else "")
        return f"  %{result} = hypatia.linear {operands} : ({types}) -> {result_type}\n"

    body = ""
    if config["gated"]:
        body += linear("g", "x", x, "w_gate", h)
        body += f"  %a = {ACTIVATION_OPS[config['act']].replace('%h', '%g')} : {h}\n"
        body += linear("u", "x", x, "w_up", h)
        body += f"  %m = hypatia.mul %a, %u : {h}\n"
        body += linear("y", "m", h, "w_down", y)
    else:
        body += linear("h", "x", x, "w1", h)
        body += f"  %a = {ACTIVATION_OPS[config['act']]} : {h}\n"
        body += linear("y", "a", h, "w2", y)
    return f"func.func @block({arguments}) -> {y} {{\n{body}  return %y : {y}\n}}\n"


def build(out, suite, chips):
    out.mkdir(parents=True, exist_ok=True)
    configs = json.loads(suite.read_text())["configs"]
    for config in configs:
        for dtype in DTYPES:
            path = out / f"{config['name']}_{dtype}.mlir"
            path.write_text(source(config, dtype))
            subprocess.run([str(ROOT / "build/bin/hypatia-compile"), "--target=cuda",
                            f"--chip={chips}", str(path),
                            "-o", str(path.with_suffix(".so"))], check=True)
            print("built", path.stem, flush=True)
    (out / "manifest.json").write_text(json.dumps(configs, indent=1) + "\n")


def block_flops_and_bytes(config, size):
    rows = 1
    for dim in config["x"]:
        rows *= dim
    params = parameters(config)
    flops = sum(2 * rows * shape[0] * shape[1] for _, shape in params if len(shape) == 2)
    elements = rows * (config["in"] + config["out"])
    elements += sum(shape[0] * (shape[1] if len(shape) == 2 else 1) for _, shape in params)
    return flops, elements * size


def run(models, json_path, max_autotune, only):
    import torch
    import torch.nn.functional as F

    import hypatia.model
    import timing
    from timing import graphed, time_interleaved

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    activations = {"relu": torch.relu, "gelu": F.gelu, "silu": F.silu,
                   "gelu_tanh": lambda v: F.gelu(v, approximate="tanh")}
    dtypes = {"f32": torch.float32, "bf16": torch.bfloat16}
    rows = []
    peers = ["eager", "eager_graph", "compile", "compile_ro"] + (
        ["compile_max_autotune"] if max_autotune else [])
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"{'block':22} {'rel.err':>8} {'floor':>8} {'hyp':>8} {'hyp+g':>8} "
          + " ".join(f"{p[:10]:>10}" for p in peers) + f" {'vs best':>7} {'vs floor':>8}")
    for config in json.loads((models / "manifest.json").read_text()):
        if only and config["name"] not in only:
            continue
        act = activations[config["act"]]
        for dtype in DTYPES:
            torch.manual_seed(0)
            function = hypatia.model.load(models / f"{config['name']}_{dtype}.so").block
            x = (torch.rand(*config["x"], config["in"], device="cuda") * 2 - 1).to(dtypes[dtype])
            params = {}
            fan_in = {}
            for name, shape in parameters(config):
                # A bias takes its weight's fan-in, as nn.Linear's init does.
                fan_in[name] = shape[1] if len(shape) == 2 else fan_in["w" + name[1:]]
                params[name] = ((torch.rand(shape, device="cuda") * 2 - 1)
                                * fan_in[name] ** -0.5).to(dtypes[dtype])
            values = list(params.values())
            split_values = None
            if config["gated"]:
                # As the torch.compile backend places them (pack_weights):
                # the up projection's rows (and bias) right after the gate's,
                # one GEMM for both. `split` keeps separate copies: two GEMMs.
                split_values = [v.clone() for v in values]
                for first, second in (("w_gate", "w_up"), ("b_gate", "b_up")):
                    if first in params:
                        both = torch.cat([params[first], params[second]])
                        params[first] = both[:params[first].shape[0]]
                        params[second] = both[params[first].shape[0]:]
                values = list(params.values())

            def forward(x, p):
                if config["gated"]:
                    h = act(F.linear(x, p["w_gate"], p.get("b_gate"))) * \
                        F.linear(x, p["w_up"], p.get("b_up"))
                    return F.linear(h, p["w_down"], p.get("b_down"))
                return F.linear(act(F.linear(x, p["w1"], p.get("b1"))), p["w2"], p.get("b2"))

            out = torch.full((*config["x"], config["out"]), float("nan"), device="cuda",
                             dtype=dtypes[dtype])
            call = function.bind([x] + values, [out])
            call()
            torch.cuda.synchronize()
            reference = forward(x.double(), {k: v.double() for k, v in params.items()})
            error = ((out.double() - reference).abs().max() / reference.abs().max()).item()

            eager = lambda: forward(x, params)  # noqa: E731
            torch._dynamo.reset()
            contenders = dict(hypatia=call, hypatia_graph=graphed(call), eager=eager,
                              eager_graph=graphed(eager), compile=torch.compile(eager),
                              compile_ro=torch.compile(eager, mode="reduce-overhead"))
            if split_values is not None:
                split_out = torch.empty_like(out)
                split_call = function.bind([x] + split_values, [split_out])
                split_out.fill_(float("nan"))
                split_call()
                torch.cuda.synchronize()
                error = max(error, ((split_out.double() - reference).abs().max()
                                    / reference.abs().max()).item())
                contenders["hypatia_split_graph"] = graphed(split_call)
            if max_autotune and dtype == "bf16":
                contenders["compile_max_autotune"] = torch.compile(eager, mode="max-autotune")
            # Every contender is built (and compiled) before any is timed.
            for fn in contenders.values():
                fn()
            timings = time_interleaved(contenders)
            present = [p for p in peers if timings.get(p) == timings.get(p)]
            best_peer = min(present, key=lambda p: timings[p])
            ours = min(timings["hypatia"], timings["hypatia_graph"])
            floor = timing.floor_ms(*block_flops_and_bytes(config, x.element_size()), dtype)
            row = dict(block=config["name"], dtype=dtype, relative_error=error, floor=floor,
                       **timings, best_peer=best_peer, ratio_to_best=ours / timings[best_peer],
                       ratio_to_floor=ours / floor, best_peer_to_floor=timings[best_peer] / floor)
            rows.append(row)
            print(f"{config['name'] + '/' + dtype:22} {error:8.1e} {floor:8.4f} "
                  f"{timings['hypatia']:8.4f} {timings['hypatia_graph']:8.4f} "
                  + " ".join(f"{timings.get(p, float('nan')):10.4f}" for p in peers)
                  + f" {row['ratio_to_best']:7.3f} {row['ratio_to_floor']:8.3f}"
                  + (f"  split (two GEMMs) graph {timings['hypatia_split_graph']:.4f}"
                     if "hypatia_split_graph" in timings else ""), flush=True)
            del call, function
    if json_path:
        json_path.write_text(json.dumps(dict(device=torch.cuda.get_device_name(),
                                             torch=torch.__version__, rows=rows), indent=1) + "\n")


def real_modules():
    """name -> (constructor, input shape): the MLPs of libraries users run."""
    import timm.layers
    import torch.nn as nn
    import torchvision
    import transformers
    from transformers.models.bert import modeling_bert
    from transformers.models.llama import modeling_llama

    class BertFFN(nn.Module):
        """BERT's feed-forward: intermediate (dense + GELU), then output
        (dense, dropout, LayerNorm of the residual sum)."""

        def __init__(self):
            super().__init__()
            config = transformers.BertConfig(hidden_size=768, intermediate_size=3072)
            self.intermediate = modeling_bert.BertIntermediate(config)
            self.output = modeling_bert.BertOutput(config)

        def forward(self, x):
            return self.output(self.intermediate(x), x)

    llama = transformers.LlamaConfig(hidden_size=1024, intermediate_size=2816)
    shape = (8, 256)
    return {
        "timm Mlp (ViT-B)": (lambda: timm.layers.Mlp(768, 3072), (*shape, 768)),
        "timm SwiGLU": (lambda: timm.layers.SwiGLU(768, 2048), (*shape, 768)),
        "timm GluMlp (SiLU)": (lambda: timm.layers.GluMlp(768, 4096, act_layer=nn.SiLU),
                               (*shape, 768)),
        "transformers LlamaMLP": (lambda: modeling_llama.LlamaMLP(llama), (*shape, 1024)),
        "transformers BERT FFN": (BertFFN, (*shape, 768)),
        "torchvision ops.MLP": (lambda: torchvision.ops.MLP(768, [3072, 768]), (*shape, 768)),
    }


def modules(json_path, variants):
    import contextlib
    import copy
    import logging

    import torch

    import hypatia.torch
    from timing import time_interleaved

    torch.backends.cuda.matmul.allow_tf32 = False
    hypatia.torch.register()
    fallbacks = []

    class Collect(logging.Handler):
        def emit(self, record):
            if "in PyTorch" in record.getMessage():
                fallbacks.append(record.getMessage())

    logging.getLogger("hypatia").addHandler(Collect())
    rows = []
    print(f"{'module':24} {'dtype':5} {'rel.err':>8} {'hypatia':>8} {'hyp+RO':>8} {'eager':>8} "
          f"{'compile':>8} {'vs eager':>8}  left to PyTorch")
    # autocast: the float32 module under torch.autocast("cuda", bfloat16),
    # compiled, run and timed inside it.
    dtypes = {"f32": torch.float32, "bf16": torch.bfloat16, "autocast": torch.float32}
    for name, (make, shape) in real_modules().items():
        for short in variants:
            dtype = dtypes[short]
            torch.manual_seed(0)
            model = make().to("cuda", dtype).eval()
            x = (torch.rand(shape, device="cuda") * 2 - 1).to(dtype)
            torch._dynamo.reset()
            del fallbacks[:]
            autocast = torch.autocast("cuda", dtype=torch.bfloat16) if short == "autocast" \
                else contextlib.nullcontext()
            with torch.inference_mode(), autocast:
                compiled = torch.compile(model, backend="hypatia")
                result = compiled(x)
                with torch.autocast("cuda", enabled=False):
                    reference = copy.deepcopy(model).double()(x.double())
                error = ((result.double() - reference).abs().max()
                         / reference.abs().max()).item()
                left = sorted(set(fallbacks))
                graphed = torch.compile(model, backend="hypatia", mode="reduce-overhead")
                graph_error = ((graphed(x).double() - reference).abs().max()
                               / reference.abs().max()).item()
                inductor_model = torch.compile(model, backend="inductor")
                times = time_interleaved(dict(hypatia=lambda: compiled(x),
                                              hypatia_graphs=lambda: graphed(x),
                                              eager=lambda: model(x),
                                              compile=lambda: inductor_model(x)))
                hyp, eager, inductor = times["hypatia"], times["eager"], times["compile"]
                hyp_graphs = times["hypatia_graphs"]
            rows.append(dict(module=name, dtype=short, relative_error=error,
                             graphs_relative_error=graph_error, hypatia=hyp,
                             hypatia_graphs=hyp_graphs, eager=eager, compile=inductor,
                             ratio_to_eager=min(hyp, hyp_graphs) / eager,
                             left_to_pytorch=left))
            print(f"{name:24} {short:5} {error:8.1e} {hyp:8.4f} {hyp_graphs:8.4f} {eager:8.4f} "
                  f"{inductor:8.4f} {min(hyp, hyp_graphs) / eager:8.3f}  {len(left)} "
                  f"({'; '.join(left)[:150]})", flush=True)
    if json_path:
        json_path.write_text(json.dumps(dict(device=torch.cuda.get_device_name(),
                                             torch=torch.__version__, rows=rows), indent=1) + "\n")


def report(run_json, modules_json, plot_path):
    data = json.loads(run_json.read_text())
    peers = [p for p in ["eager", "eager_graph", "compile", "compile_ro", "compile_max_autotune"]
             if any(p in r for r in data["rows"])]
    split = ["hypatia_split_graph"] if any("hypatia_split_graph" in r
                                            for r in data["rows"]) else []
    columns = ["floor", "hypatia", "hypatia_graph"] + split + peers
    lines = [f"Device: {data['device']}, torch {data['torch']}; ms per forward (median of 7 "
             "loops of 20, CUDA events); `vs best` = Hypatia's better mode over the best peer; "
             "`vs floor` over the roofline floor; `peer/floor` the best peer over the floor"
             + ("; `hypatia_split_graph`: gated blocks with gate and up in separate tensors "
                "(two GEMMs), graphed" if split else "") + ".", "",
             "| block/dtype | rel. error | " + " | ".join(columns)
             + " | best peer | vs best | vs floor | peer/floor |",
             "|---|---:|" + "---:|" * len(columns) + "---|---:|---:|---:|"]
    for r in data["rows"]:
        cells = [f"{r[c]:.4f}" if r.get(c) == r.get(c) and c in r else "-" for c in columns]
        mark = "" if r["ratio_to_best"] <= 1.0 else " (miss)"
        lines.append(f"| {r['block']}/{r['dtype']} | {r['relative_error']:.1e} | "
                     + " | ".join(cells) + f" | {r['best_peer']} | {r['ratio_to_best']:.3f}{mark}"
                     f" | {r['ratio_to_floor']:.3f} | {r['best_peer_to_floor']:.3f} |")
    if modules_json:
        mods = json.loads(modules_json.read_text())
        lines += ["", "Real modules through `torch.compile(backend=\"hypatia\")` (ms per forward; "
                  "`hypatia RO` = mode=\"reduce-overhead\": CUDA graph replay; `compile` = "
                  "torch.compile default; `vs eager` = Hypatia's better mode):", "",
                  "| module | dtype | rel. error | hypatia | hypatia RO | eager | compile | "
                  "vs eager | left to PyTorch |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        for r in mods["rows"]:
            left = "; ".join(r["left_to_pytorch"]) or "nothing"
            graphs = r.get("hypatia_graphs")
            lines.append(f"| {r['module']} | {r['dtype']} | {r['relative_error']:.1e} | "
                         f"{r['hypatia']:.4f} | {graphs if graphs is None else f'{graphs:.4f}'} | "
                         f"{r['eager']:.4f} | {r['compile']:.4f} | "
                         f"{r['ratio_to_eager']:.3f} | {left} |")
    print("\n".join(lines))
    if plot_path:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        rows = data["rows"]
        names = [f"{r['block']}/{r['dtype']}" for r in rows]
        series = {"Hypatia (best mode)": [min(r["hypatia"], r["hypatia_graph"]) for r in rows]}
        series.update({p: [r.get(p, float("nan")) for r in rows] for p in peers})
        figure, axis = plt.subplots(figsize=(12, 4.5))
        width = 0.8 / len(series)
        for i, (label, values) in enumerate(series.items()):
            axis.bar([j + i * width for j in range(len(rows))],
                     [v / r["floor"] for v, r in zip(values, rows)], width, label=label)
        axis.axhline(1.0, color="black", linewidth=0.8)
        axis.set_xticks([j + 0.4 - width / 2 for j in range(len(rows))], names, rotation=45,
                        ha="right", fontsize=8)
        axis.set_ylabel("time / roofline floor (lower is better)")
        axis.set_title(f"Transformer MLP blocks, {data['device']}")
        axis.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(plot_path, dpi=110)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["build", "run", "modules", "report"])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--max-autotune", action="store_true")
    parser.add_argument("--variants", default="f32,bf16,autocast",
                        help="modules mode: f32, bf16, autocast (f32 under bf16 autocast)")
    parser.add_argument("--chips", default="sm_90a",
                        help="CUDA chips to build for (build mode)")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    if args.mode == "build":
        build(args.paths[0], args.suite, args.chips)
    elif args.mode == "run":
        run(args.paths[0], args.json, args.max_autotune, set(filter(None, args.only.split(","))))
    elif args.mode == "modules":
        modules(args.json, args.variants.split(","))
    else:
        report(args.paths[0], args.paths[1] if len(args.paths) > 1 else None, args.plot)


if __name__ == "__main__":
    main()
