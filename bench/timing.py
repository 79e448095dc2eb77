"""Timing helpers shared by the GPU benchmarks (run on the GPU machine)."""

import statistics

import torch


def time_ms(fn, repeats=7, inner=20):
    """Median ms per call of `fn`: 7 loops of 20 calls timed with CUDA events,
    after warm-up."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        torch.cuda.synchronize()
        samples.append(start.elapsed_time(end) / inner)
    return statistics.median(samples)


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
