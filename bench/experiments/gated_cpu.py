"""A LLaMA-style gated MLP (transformers LlamaMLP shape, d 1024, hidden 2816,
x 4 x 64 x 1024, f32) through torch.compile(backend=hypatia) on the CPU:
gate and up packed into one block (pack_weights, the default: one oneDNN
matmul for both) against pack_weights=False (two), and eager; results checked
against float64 first. ms per forward, median of 5 loops of 30.

    HYPATIA_LIBRARY_DIR=build/lib PYTHONPATH=python python3 bench/experiments/gated_cpu.py
"""
import copy
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from hypatia.torch import hypatia_backend
torch.manual_seed(0)
class LlamaMLP(nn.Module):
    def __init__(s, d=1024, h=2816):
        super().__init__(); s.gate_proj=nn.Linear(d,h,bias=False); s.up_proj=nn.Linear(d,h,bias=False); s.down_proj=nn.Linear(h,d,bias=False)
    def forward(s, x): return s.down_proj(F.silu(s.gate_proj(x))*s.up_proj(x))
x = torch.randn(4, 64, 1024)
def bench(f, n=30):
    for _ in range(5): f(x)
    ts=[]
    for _ in range(5):
        t=time.perf_counter()
        for _ in range(n): f(x)
        ts.append((time.perf_counter()-t)/n*1e3)
    return sorted(ts)[2]
with torch.inference_mode():
    m = LlamaMLP().eval()
    packed = torch.compile(copy.deepcopy(m), backend=hypatia_backend)
    split = torch.compile(copy.deepcopy(m), backend=hypatia_backend, options={"pack_weights": False})
    ref = m.double()(x.double()); m.float()
    for name, f in (("packed", packed), ("split", split)):
        y = f(x); print(name, "err", ((y.double()-ref).abs().max()/ref.abs().max()).item())
    for _ in range(2):
        print("ms: eager %.3f packed %.3f split %.3f" % (bench(m), bench(packed), bench(split)))
