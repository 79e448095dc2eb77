"""Timing helpers shared by the GPU benchmarks (run on the GPU machine)."""

import statistics

import torch

# The H200's ceilings, measured on the card (../shared/bench/ANCHORS.md):
# GEMM TFLOP/s of an 8192^3 product per dtype (f32 with TF32 off) and the
# copy bandwidth of a 1 GiB device copy (bytes read + written).
PEAK_TFLOPS = {"f32": 51.0, "bf16": 688.0, "f16": 688.0}
BANDWIDTH_TBPS = 4.24


def floor_ms(flops, bytes_moved, dtype):
    """The roofline floor: max(FLOPs / GEMM peak, bytes / copy bandwidth)."""
    return max(flops / (PEAK_TFLOPS[dtype] * 1e12), bytes_moved / (BANDWIDTH_TBPS * 1e12)) * 1e3


def _loop_ms(fn, inner):
    """ms per call of one loop of `inner` calls of `fn`, timed with CUDA
    events."""
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(inner):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / inner


def time_ms(fn, repeats=7, inner=20):
    """Median ms per call of `fn`: 7 loops of 20 calls timed with CUDA events,
    after warm-up."""
    return time_interleaved({"fn": fn}, repeats, inner)["fn"]


def time_interleaved(contenders, rounds=7, inner=20):
    """Median ms per call of each of `contenders` (name -> fn), timed in turns:
    each round times one loop of `inner` calls of every contender, so that all
    of them see the card in the same state (clocks drop under sustained GEMM
    load and recover while it idles, e.g. during a torch.compile; timing one
    contender after the other favoured whoever came after a pause)."""
    for fn in contenders.values():
        for _ in range(3):
            fn()
    torch.cuda.synchronize()
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            samples[name].append(_loop_ms(fn, inner))
    return {name: statistics.median(values) for name, values in samples.items()}


def graphed(fn):
    """`fn` captured in a CUDA graph (after warm-up on a side stream); returns
    the replay."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        fn()
    return graph.replay
