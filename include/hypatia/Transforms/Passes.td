//===- Passes.td - Hypatia transformation passes -----------*- tablegen -*-===//

#ifndef HYPATIA_TRANSFORMS_PASSES_TD
#define HYPATIA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseMLP : Pass<"fuse-mlp"> {
  let summary = "Fuse MLP layers by equality saturation under a roofline cost "
                "model";
  let description = [{
    For each block, the pure hypatia ops become an e-graph (their operands
    from other ops and block arguments are opaque leaves, which stay where
    they are). Rewrite rules are applied until saturation or a limit:

    - `relu/gelu/silu(linear(x, w, b))` -> `fused_linear_relu/gelu/silu`;
    - chains of (fused) linear layers -> `fused_mlp` with per-layer
      activations, and an activation after a `fused_mlp` into its last layer,
      where the chain fits one fused kernel: its weights and biases in
      shared memory (`fused-mlp-max-weight-kib`), an activation tile as wide
      as its widest layer (`fused-mlp-max-width`), at most
      `fused-mlp-max-layers` layers;
    - `relu(relu(x))` -> `relu(x)`; `dropout(x)` -> `x` (inference).

    The cheapest equivalent program is then extracted, counting a value used
    twice once (DAG cost): a linear layer whose result has another user is not
    fused into its activation when that would compute its GEMM twice, unless
    the cost model says it pays. The result is never costlier than the input.
    The block is rebuilt in a valid order; values used outside the rewritten
    ops keep working.

    The cost model is a roofline per kernel: `max(flops / peak, bytes /
    bandwidth) + launch`, with H100 figures measured on the card as defaults
    (`../shared/bench/ANCHORS.md`); dynamic batch dimensions count as
    `batch-size`. Same input, same output, byte for byte (unless the time limit
    is reached, which the statistics report).
  }];
  let options = [
    Option<"peakF32TFlops", "peak-f32-tflops", "double", "51.7",
           "Peak f32 matrix throughput in TFLOP/s (TF32 off)">,
    Option<"peakF16TFlops", "peak-f16-tflops", "double", "705.0",
           "Peak f16 matrix throughput in TFLOP/s">,
    Option<"peakBF16TFlops", "peak-bf16-tflops", "double", "705.0",
           "Peak bf16 matrix throughput in TFLOP/s">,
    Option<"bandwidthTBps", "bandwidth-tbps", "double", "3.01",
           "Device memory bandwidth in TB/s (bytes read plus written)">,
    Option<"launchMicroseconds", "launch-us", "double", "9.8",
           "Cost of one kernel launch in microseconds">,
    Option<"batchSize", "batch-size", "int64_t", "1024",
           "Size assumed for dynamic (?) batch dimensions">,
    Option<"fusedMLPMaxWidth", "fused-mlp-max-width", "int64_t", "256",
           "Widest layer (in or out features) a single fused_mlp kernel keeps "
           "on chip; 0 disables fused_mlp">,
    Option<"fusedMLPMaxLayers", "fused-mlp-max-layers", "int64_t", "16",
           "Most layers in one fused_mlp (2 to 16)">,
    Option<"fusedMLPMaxWeightKiB", "fused-mlp-max-weight-kib", "int64_t",
           "160",
           "Most weight and bias bytes (KiB) one fused_mlp kernel keeps in "
           "shared memory (H100: 228 KiB per SM, less the activation tile)">,
    Option<"maxNodes", "max-nodes", "int64_t", "100000",
           "Stop saturating a block above this many e-nodes">,
    Option<"maxIterations", "max-iterations", "int64_t", "30",
           "Stop saturating a block after this many iterations">,
    Option<"ruleMatchLimit", "rule-match-limit", "int64_t", "100000",
           "Backoff scheduler: a rule with more matches in one iteration is "
           "banned for a while (doubling each time)">,
    Option<"maxSeconds", "max-seconds", "double", "5.0",
           "Stop saturating a block after this many seconds (wall clock)">,
    Option<"report", "report", "bool", "false",
           "Emit a remark per block with the figures of the statistics (e-nodes, "
           "e-classes, iterations, stop reason, estimated cost before and "
           "after): Debian's LLVM is built without statistics, so "
           "-mlir-pass-statistics shows none there">,
    Option<"extraction", "extraction", "std::string", "\"greedy\"",
           "Extraction: greedy (DAG-aware, default) or exact (branch and "
           "bound; blocks of at most 24 e-classes, else greedy)">,
  ];
  let statistics = [
    Statistic<"numENodes", "e-nodes", "E-nodes after saturation">,
    Statistic<"numEClasses", "e-classes", "E-classes after saturation">,
    Statistic<"numIterations", "iterations", "Saturation iterations">,
    Statistic<"numSaturated", "stop-saturated",
              "Blocks whose saturation stopped because it saturated">,
    Statistic<"numIterationLimit", "stop-iteration-limit",
              "Blocks whose saturation stopped at the iteration limit">,
    Statistic<"numNodeLimit", "stop-node-limit",
              "Blocks whose saturation stopped at the node limit">,
    Statistic<"numTimeLimit", "stop-time-limit",
              "Blocks whose saturation stopped at the time limit">,
    Statistic<"costBeforeNs", "cost-before-ns",
              "Estimated run time of the input (ns)">,
    Statistic<"costAfterNs", "cost-after-ns",
              "Estimated run time of the output (ns)">,
    Statistic<"numBlocksRewritten", "blocks-rewritten",
              "Blocks rebuilt from a cheaper extraction">,
  ];
  let dependentDialects = ["::hypatia::HypatiaDialect"];
}

#endif // HYPATIA_TRANSFORMS_PASSES_TD
