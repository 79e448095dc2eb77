"""Where the time of one call through torch.compile(backend="hypatia") goes
on a small model, layer by layer of the call path (host microseconds per call,
wall clock over many calls, the device synchronized at the end; on the
small models the host is the bound).

    PYTHONPATH=python python3 bench/experiments/backend_overhead.py [--device cuda] [--dtype bf16]
        [--profile]

Layers, outermost first: the compiled model (dynamo's guards and frame),
the callable the backend gave dynamo, CompiledGraph.forward (variant
lookup, weights, contiguity), the variant's call, the prepared ctypes call;
and for reference eager PyTorch, the model through torch.compile with a
backend that runs dynamo's FX graph as it is (dynamo's own cost for this
model), an empty torch.compile'd function and single torch ops (one dispatcher round trip).
"""

import argparse
import cProfile
import pstats
import statistics
import time

import torch

import hypatia.torch
from hypatia.torch.backend import CompiledGraph

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def per_call_us(rows, calls, device, rounds=5):
    """Median host microseconds per call of each row, timed in turns
    (`rounds` loops of calls/rounds calls per row)."""
    def loop(fn, count):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(count):
            fn()
        if device == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / count * 1e6

    for fn in rows.values():
        loop(fn, 20)
    samples = {name: [] for name in rows}
    for _ in range(rounds):
        for name, fn in rows.items():
            samples[name].append(loop(fn, max(1, calls // rounds)))
    return {name: statistics.median(values) for name, values in samples.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="bf16", choices=sorted(DTYPES))
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile the compiled call")
    args = parser.parse_args()
    hypatia.torch.register()
    device, dtype = args.device, DTYPES[args.dtype]
    torch.manual_seed(0)
    # The suite's tiny model: 64 -> 128 ReLU -> 10, batch 32.
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10)).to(device, dtype).eval()
    x = torch.randn(32, 64, device=device, dtype=dtype)
    rows = {}
    with torch.inference_mode():
        rows["eager"] = lambda: model(x)
        for mode in ("default", "reduce-overhead"):
            compiled = torch.compile(model, backend="hypatia", mode=mode)
            compiled(x)
            rows[f"hypatia {mode}"] = lambda compiled=compiled: compiled(x)
        # The pieces of the default mode's call, found through the backend.
        captured = {}

        def spy(gm, example_inputs, **kwargs):
            from hypatia.torch.backend import hypatia_backend
            split = hypatia_backend(gm, example_inputs, **kwargs)
            captured["split"], captured["inputs"] = split, example_inputs
            return split

        spied = torch.compile(model, backend=spy)
        spied(x)
        split = captured["split"]
        owner = getattr(split, "split", None) or getattr(split, "__self__", split)
        pieces = [m for m in owner.modules() if isinstance(m, CompiledGraph)]
        inputs = [x if isinstance(t, torch.Tensor) and t.shape == x.shape else t
                  for t in captured["inputs"]]
        rows["backend's callable"] = lambda: captured["split"](*inputs)
        if len(pieces) == 1:
            piece = pieces[0]
            # The piece's own inputs, recorded on one call of the split module.
            recorded = {}
            forward = piece.forward
            piece.forward = lambda *a: recorded.setdefault("inputs", a) and forward(*a)
            owner(*inputs)
            del piece.forward
            piece_inputs = recorded["inputs"]
            rows["CompiledGraph.forward"] = lambda: piece.forward(*piece_inputs)
            variant = next(v for v in piece._variants.values() if v != "eager")
            arguments = [piece_inputs[s] if k == "input" else s.get()
                         for k, s in variant.signature.arguments]
            rows["variant.call"] = lambda: variant.call(arguments)
            prepared = variant.function.prepare_torch(
                [list(t.shape) for t in arguments],
                [{torch.float32: "f32", torch.bfloat16: "bf16", torch.float16: "f16"}[t.dtype]
                 for t in arguments], torch.device(device))
            rows["prepared call"] = lambda: prepared(*arguments)
            if device == "cuda":
                from hypatia.torch.backend import _GraphedCall
                graphed = _GraphedCall(prepared, arguments)
                rows["_GraphedCall"] = lambda: graphed(arguments)
                rows["graph.replay()"] = graphed.graph.replay
                buffer = torch.empty_like(x)
                rows["buffer.copy_(x)"] = lambda: buffer.copy_(x)
        plain = torch.compile(model, backend=lambda gm, ex: gm.forward)
        plain(x)
        rows["torch.compile, FX graph run"] = lambda: plain(x)
        empty = torch.compile(lambda t: t, backend=lambda gm, ex: gm.forward)
        empty(x)
        rows["torch.compile of identity"] = lambda: empty(x)
        rows["torch.empty"] = lambda: torch.empty(32, 10, device=device, dtype=dtype)
        rows["x.clone()"] = lambda: x.clone()
        if device == "cuda":
            rows["current_stream"] = lambda: torch.cuda.current_stream(x.device).cuda_stream
            rows["raw current stream"] = lambda: torch._C._cuda_getCurrentRawStream(0)
        for name, us in per_call_us(rows, args.calls, device).items():
            print(f"{name:28s} {us:8.1f} us", flush=True)
        if args.profile:
            compiled = torch.compile(model, backend="hypatia")
            compiled(x)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.calls):
                compiled(x)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
