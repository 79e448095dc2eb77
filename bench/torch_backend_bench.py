#!/usr/bin/env python3
"""torch.compile(backend="hypatia") on the GPU for the benchmark suite,
against eager PyTorch and torch.compile's default backend (Inductor), in one
process.

    python3 bench/torch_backend_bench.py [--json OUT] [--only NAME,...]

Runs on the GPU machine with the `hypatia` package importable and its
native libraries found (pip install, or HYPATIA_LIBRARY_DIR; HYPATIA_LINKER
names the C compiler that links models where clang-22 is absent). For each
config of ../shared/bench/suite.json and dtype (f32, bf16): the suite's MLP as
an nn.Sequential of nn.Linear and nn.ReLU (nn.Linear's init) in eval mode
under torch.inference_mode(); the backend's result against float64
(norm-wise relative error, and max relative error as strict mode measures
it); then ms per forward (median of 7 rounds of 20 forwards, CUDA events,
after warm-up, contenders timed in turns: timing.py) for
  hypatia          torch.compile(model, backend="hypatia")
  hypatia_ro       torch.compile(model, backend="hypatia", mode="reduce-overhead")
                   (each call replays a captured CUDA graph)
  inductor         torch.compile(model)                  (default backend)
  inductor_ro      torch.compile(model, mode="reduce-overhead")
  eager            model(x)
  eager_graph      model(x) captured in a CUDA graph, replayed
Compile times (first call) are reported too. TF32 is off everywhere.
"""

import argparse
import json
import logging
import time
from pathlib import Path

import torch
import torch.nn as nn

import hypatia.torch
from timing import graphed, time_interleaved

ROOT = Path(__file__).resolve().parent.parent
OURS = ["hypatia", "hypatia_ro"]
PEERS = ["inductor", "inductor_ro", "eager", "eager_graph"]


def make_model(config):
    sizes = [config["in"]] + [config["hidden"]] * config["layers"]
    layers = []
    for k, n in zip(sizes, sizes[1:]):
        layers += [nn.Linear(k, n), nn.ReLU()]
    if config.get("out"):
        layers.append(nn.Linear(config["hidden"], config["out"]))
    return nn.Sequential(*layers)


def first_call_seconds(fn, x):
    torch.cuda.synchronize()
    start = time.perf_counter()
    y = fn(x)
    torch.cuda.synchronize()
    return time.perf_counter() - start, y


class CountCompiles(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.compiled, self.warnings = 0, []

    def emit(self, record):
        if "compiled graph.fused_" in record.getMessage():
            self.compiled += 1
        if record.levelno >= logging.WARNING:
            self.warnings.append(record.getMessage())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--suite", type=Path, default=ROOT.parent / "shared" / "bench" / "suite.json")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    hypatia.torch.register()
    counter = CountCompiles()
    log = logging.getLogger("hypatia")
    log.setLevel(logging.INFO)
    log.addHandler(counter)
    only = set(filter(None, args.only.split(",")))
    suite = json.loads(args.suite.read_text())
    rows = []
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"{'model':15} {'norm.err':>8} {'max.err':>8} "
          + " ".join(f"{p:>11}" for p in OURS + PEERS)
          + f" {'vs induct':>9} {'vs best':>7} {'compile s (hyp/ind)':>20}")
    for config in suite["configs"]:
        if only and config["name"] not in only:
            continue
        for dtype_name, dtype in (("f32", torch.float32), ("bf16", torch.bfloat16)):
            torch._dynamo.reset()
            counter.compiled, counter.warnings = 0, []
            model = make_model(config).to("cuda", dtype).eval()
            x = (torch.rand(config["batch"], config["in"], device="cuda") * 2 - 1).to(dtype)
            with torch.inference_mode():
                ours = torch.compile(model, backend="hypatia")
                ours_ro = torch.compile(model, backend="hypatia", mode="reduce-overhead")
                inductor = torch.compile(model)
                inductor_ro = torch.compile(model, mode="reduce-overhead")
                hypatia_compile_s, y = first_call_seconds(ours, x)
                y_ro = ours_ro(x).clone()
                inductor_compile_s, _ = first_call_seconds(inductor, x)
                reference = x.double()
                for layer in model:
                    if isinstance(layer, nn.Linear):
                        reference = reference @ layer.weight.double().T + layer.bias.double()
                    else:
                        reference = torch.relu(reference)
                difference = y.double() - reference
                norm_error = (difference.norm() / reference.norm()).item()
                max_error = (difference.abs().max() / reference.abs().max()).item()
                if not torch.equal(y_ro, y):
                    raise SystemExit(f"{config['name']}: the CUDA graph's result differs")
                timings = time_interleaved(dict(
                    hypatia=lambda: ours(x), hypatia_ro=lambda: ours_ro(x),
                    inductor=lambda: inductor(x), inductor_ro=lambda: inductor_ro(x),
                    eager=lambda: model(x), eager_graph=graphed(lambda: model(x))))
            best = min(PEERS, key=lambda p: timings[p])
            mine = min(OURS, key=lambda p: timings[p])
            name = f"{config['name']}/{dtype_name}"
            row = dict(model=name, config=config["name"], dtype=dtype_name,
                       relative_error=norm_error, max_relative_error=max_error,
                       pieces_compiled=counter.compiled, warnings=counter.warnings,
                       compile_seconds=dict(hypatia=hypatia_compile_s,
                                            inductor=inductor_compile_s),
                       **timings, best_peer=best,
                       ratio_to_inductor=timings["hypatia"] / timings["inductor"],
                       ratio_to_best=timings["hypatia"] / timings[best],
                       best_mode=mine, best_mode_to_best=timings[mine] / timings[best])
            rows.append(row)
            print(f"{name:15} {norm_error:8.1e} {max_error:8.1e} "
                  + " ".join(f"{timings[p]:11.4f}" for p in OURS + PEERS)
                  + f" {row['ratio_to_inductor']:9.3f} {row['best_mode_to_best']:7.3f}"
                  f" {hypatia_compile_s:9.2f}/{inductor_compile_s:<9.2f}"
                  + (f"  pieces={counter.compiled}" if counter.compiled != len(OURS) else "")
                  + (f"  WARN {counter.warnings}" if counter.warnings else ""), flush=True)
            if args.json:
                args.json.write_text(json.dumps(dict(
                    device=torch.cuda.get_device_name(), torch=torch.__version__,
                    rows=rows), indent=1))


if __name__ == "__main__":
    main()
