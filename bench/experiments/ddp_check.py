"""Training through torch.compile(backend=hypatia_backend) under
DistributedDataParallel on two GPUs, against one GPU.

    NCCL_NVLS_ENABLE=0 torchrun --nproc_per_node=2 bench/experiments/ddp_check.py

(on a machine without CUDA: two CPU processes over gloo; with one GPU,
DDP_CHECK_ONE_GPU=1 puts both ranks on it, all-reducing over gloo.)

Each of the two ranks trains a DDP-wrapped MLP (Linear-ReLU-Linear-GELU-
Linear, f32), compiled by the hypatia backend, on its half of a fixed global
batch of 256 for 20 SGD steps; PyTorch all-reduces (averages) the gradients.
Rank 0 then trains the same model on the whole batch on one GPU, compiled the
same way, and compares every parameter (max |difference| over max |value|).
The two differ only by rounding: the mean loss over two halves, averaged, is
the mean over the whole batch. Prints how many pieces Hypatia compiled.
"""

import logging
import os

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

from hypatia.torch import hypatia_backend

STEPS, BATCH = 20, 256


def make_model(device):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.GELU(),
                         nn.Linear(128, 16)).to(device)


def batch(step):
    generator = torch.Generator().manual_seed(step)
    return (torch.randn(BATCH, 64, generator=generator),
            torch.randn(BATCH, 16, generator=generator))


def train(model, parameters, rank, world, device):
    optimizer = torch.optim.SGD(parameters, lr=0.05)
    for step in range(STEPS):
        x, y = batch(step)
        rows = BATCH // world
        x = x[rank * rows:(rank + 1) * rows].to(device)
        y = y[rank * rows:(rank + 1) * rows].to(device)
        loss = ((model(x) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def main():
    cuda = torch.cuda.is_available()
    # DDP_CHECK_ONE_GPU=1: every rank on GPU 0, gradients all-reduced by gloo
    # (NCCL needs a GPU per rank), where only one GPU is at hand.
    one_gpu = cuda and os.environ.get("DDP_CHECK_ONE_GPU") == "1"
    dist.init_process_group("nccl" if cuda and not one_gpu else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = (torch.device("cuda", 0 if one_gpu else rank) if cuda
              else torch.device("cpu"))
    if cuda:
        torch.cuda.set_device(device)
    compiled_lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            if os.environ.get("DDP_CHECK_VERBOSE"):
                print(f"rank {rank} log: {record.getMessage()}", flush=True)
            if "compiled" in record.getMessage():
                compiled_lines.append(record.getMessage())

    logging.getLogger("hypatia").addHandler(Collect())
    logging.getLogger("hypatia").setLevel(logging.INFO)

    # The module compiled, then wrapped: dynamo does not trace into DDP's own
    # forward (torch 2.11 skips DistributedDataParallel._inside_ddp_forward,
    # and an nn.Sequential called from a skipped frame is not compiled: with
    # torch.compile(DDP(model)) nothing reached the backend).
    model = make_model(device)
    ddp = DistributedDataParallel(torch.compile(model, backend=hypatia_backend),
                                  device_ids=[device.index] if cuda else None)
    loss = train(ddp, ddp.parameters(), rank, world, device)
    ddp_pieces = len(compiled_lines)
    if os.environ.get("DDP_CHECK_VERBOSE"):
        from torch._dynamo.utils import counters
        print(f"rank {rank} dynamo:", dict(counters["stats"]), dict(counters["graph_break"]),
              flush=True)
    print(f"rank {rank}: final loss {loss:.6f}; Hypatia compiled {ddp_pieces} "
          f"pieces", flush=True)
    dist.barrier()
    if rank == 0:
        single = make_model(device)
        single_loss = train(torch.compile(single, backend=hypatia_backend), single.parameters(),
                            0, 1, device)
        worst = 0.0
        for (name, a), b in zip(model.named_parameters(), single.parameters()):
            error = ((a - b).abs().max() / b.abs().max()).item()
            worst = max(worst, error)
        print(f"one GPU: final loss {single_loss:.6f}; parameters after {STEPS} steps, "
              f"two GPUs (DDP) against one: max relative difference {worst:.2e}",
              flush=True)
        print("PASS" if worst <= 1e-4 and ddp_pieces else "FAIL", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
