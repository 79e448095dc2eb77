"""Times compiled fused-MLP models at several batch sizes (one process, CUDA
events): the slope is the kernel's cost per row, the intercept its fixed cost
(launch, weight staging, the tail). An experiment, not a benchmark."""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import hypatia.model  # noqa: E402
from timing import time_ms  # noqa: E402

models = Path(sys.argv[1])
names = sys.argv[2].split(",")
batches = [int(b) for b in (sys.argv[3] if len(sys.argv) > 3 else "16384,65536,262144,1048576").split(",")]
manifest = {entry["name"]: entry for entry in json.loads((models / "manifest.json").read_text())}
for name in names:
    entry = manifest[name]
    dtype = {"bf16": torch.bfloat16, "f16": torch.float16}[entry["dtype"]]
    function = hypatia.model.load(models / (name + ".so")).mlp
    times = []
    for batch in batches:
        x = (torch.rand(batch, entry["config"]["in"], device="cuda") * 2 - 1).to(dtype)
        params = []
        for k, n, _ in entry["layers"]:
            params.append(((torch.rand(n, k, device="cuda") * 2 - 1) * k ** -0.5).to(dtype))
            params.append(((torch.rand(n, device="cuda") * 2 - 1) * k ** -0.5).to(dtype))
        out = torch.empty(batch, entry["layers"][-1][1], device="cuda", dtype=dtype)
        call = function.bind([x] + params, [out])
        times.append(time_ms(call))
    slope = (times[-1] - times[0]) / (batches[-1] - batches[0])
    print(f"{name}: " + " ".join(f"{b}:{t:.4f}" for b, t in zip(batches, times))
          + f"  per 2^18 rows {slope * 262144:.4f} ms, fixed {times[0] - slope * batches[0]:.4f} ms")
