"""A whole MLP as one hand-written Triton kernel: the peer a user with one
small kernel would have (ANCHORS.md), for bench/cuda_bench.py --triton.

Each program takes a block of rows of x, carries it through every layer with
`tl.dot` (f32 accumulation), bias and activation in registers, and writes y
once. The block size and warps are autotuned per MLP and batch, as a user of
Triton would. Widths that are not powers of two of at least 16 (what
`tl.arange` and `tl.dot` take) are padded in registers with masked loads.
"""

import torch
import triton
import triton.language as tl


@triton.jit
def _layer(h, w_ptr, b_ptr, K: tl.constexpr, N: tl.constexpr, KP: tl.constexpr,
           NP: tl.constexpr, RELU: tl.constexpr):
    k = tl.arange(0, KP)
    n = tl.arange(0, NP)
    # The weight is [N, K] row-major: read as its transpose [K, N].
    w = tl.load(w_ptr + n[None, :] * K + k[:, None], mask=(n[None, :] < N) & (k[:, None] < K),
                other=0.0)
    acc = tl.dot(h, w) + tl.load(b_ptr + n, mask=n < N, other=0.0)[None, :].to(tl.float32)
    if RELU:
        acc = tl.maximum(acc, 0.0)
    return acc


@triton.autotune(
    configs=[triton.Config({"BLOCK_M": m}, num_warps=w, num_stages=s)
             for m in (64, 128, 256) for w in (4, 8) for s in (1, 2)],
    key=["M"])
@triton.jit
def _fused_mlp(x_ptr, w_first, b_first, w_hidden, b_hidden, w_last, b_last, y_ptr, M,
               IN: tl.constexpr, HIDDEN: tl.constexpr, OUT: tl.constexpr,
               IN_P: tl.constexpr, HIDDEN_P: tl.constexpr, OUT_P: tl.constexpr,
               HIDDEN_LAYERS: tl.constexpr, BLOCK_M: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    mask = rows < M
    columns = tl.arange(0, IN_P)
    x = tl.load(x_ptr + rows[:, None] * IN + columns[None, :],
                mask=mask[:, None] & (columns[None, :] < IN), other=0.0)
    h = _layer(x, w_first, b_first, IN, HIDDEN, IN_P, HIDDEN_P, True).to(x.dtype)
    for layer in tl.static_range(HIDDEN_LAYERS - 1):
        h = _layer(h, w_hidden + layer * HIDDEN * HIDDEN, b_hidden + layer * HIDDEN,
                   HIDDEN, HIDDEN, HIDDEN_P, HIDDEN_P, True).to(x.dtype)
    y = _layer(h, w_last, b_last, HIDDEN, OUT, HIDDEN_P, OUT_P, False)
    columns = tl.arange(0, OUT_P)
    tl.store(y_ptr + rows[:, None] * OUT + columns[None, :], y.to(x.dtype),
             mask=mask[:, None] & (columns[None, :] < OUT))


def fused_mlp(x, params, out):
    """Returns a call that computes the suite's MLP (in -> hidden (ReLU) x
    layers -> out) of `params` ([w0, b0, w1, b1, ...]) on `x` into `out`."""
    weights, biases = params[0::2], params[1::2]
    hidden_layers = len(weights) - 1
    if hidden_layers < 1:
        raise ValueError("the Triton peer needs a hidden layer and an output layer")
    hidden = weights[0].shape[0]
    # Hidden-to-hidden layers stacked once (a user would keep them so).
    w_hidden = (torch.stack(weights[1:-1]) if hidden_layers > 1
                else torch.empty(1, device=x.device, dtype=x.dtype))
    b_hidden = (torch.stack(biases[1:-1]) if hidden_layers > 1
                else torch.empty(1, device=x.device, dtype=x.dtype))
    batch = x.shape[0]

    def padded(width):
        return max(16, triton.next_power_of_2(width))

    def call():
        grid = lambda meta: (triton.cdiv(batch, meta["BLOCK_M"]),)  # noqa: E731
        _fused_mlp[grid](x, weights[0], biases[0], w_hidden, b_hidden, weights[-1],
                         biases[-1], out, batch, IN=x.shape[1], HIDDEN=hidden,
                         OUT=out.shape[1], IN_P=padded(x.shape[1]), HIDDEN_P=padded(hidden),
                         OUT_P=padded(out.shape[1]), HIDDEN_LAYERS=hidden_layers)
        return out

    return call
