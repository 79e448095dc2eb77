//===- Passes.td - Hypatia transformation passes -----------*- tablegen -*-===//

#ifndef HYPATIA_TRANSFORMS_PASSES_TD
#define HYPATIA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttachTarget : Pass<"hypatia-attach-target", "mlir::ModuleOp"> {
  let summary = "Set the module's #hypatia.target";
  let description = [{
    Sets the module's `hypatia.target` attribute (see `#hypatia.target`):
    the kind's defaults, with the chips and figures given as options. A
    module that already has a target of the same kind keeps it, with the
    chips and figures given here replacing its own (as a command line's
    `--chip` does); one of another kind is an error (a module compiled for
    CUDA must not be lowered for the CPU by mistake). The pipelines run this pass first with
    their kind, so that every later pass reads one target.

    Example: `--hypatia-attach-target="kind=cuda chips=sm_90
    overrides=launch_us=0,fused_mlp_max_width=128"` gives

    ```mlir
    module attributes {hypatia.target = #hypatia.target<cuda, chips = ["sm_90"], fused_mlp_max_width = 128, launch_us = 0>}
    ```
  }];
  let options = [
    Option<"kind", "kind", "std::string", "\"cuda\"",
           "What the module is compiled for: cpu or cuda">,
    ListOption<"chips", "chips", "std::string",
               "CUDA chips to build device code for (default: sm_80, sm_86, "
               "sm_89, sm_90)">,
    ListOption<"overrides", "overrides", "std::string",
               "Figures that differ from the kind's defaults, as name=value "
               "(the names of #hypatia.target)">,
  ];
  let dependentDialects = ["::hypatia::HypatiaDialect"];
}

def DetachTarget : Pass<"hypatia-detach-target", "mlir::ModuleOp"> {
  let summary = "Remove the module's #hypatia.target once lowering is done";
  let description = [{
    The last step of the pipelines: once the module is in the LLVM dialect,
    nothing reads the target any more, and the module then needs no hypatia
    dialect to be translated (upstream `mlir-translate` can read it).
  }];
}

def ResolveDeallocations : Pass<"hypatia-resolve-deallocations",
                                "mlir::func::FuncOp"> {
  let summary = "Resolve the bufferization.dealloc ops whose aliasing is "
                "known, in linear time";
  let description = [{
    Runs after `ownership-based-buffer-deallocation`, before upstream's
    `buffer-deallocation-simplification`. In a function of one block, the
    ownership-based pass frees every buffer in one `bufferization.dealloc`
    at the end, and upstream's simplification compares its memrefs pairwise:
    quadratic (a chain of 1600 linear layers: 0.84 s, a third of the CPU
    pipeline; no upstream report found). Here a dealloc is resolved when
    every memref it may free (condition not constant false) is the base
    buffer of a distinct `memref.alloc` and every retained value is a
    `memref.alloc` result or a function argument: distinct allocations never
    alias, so the dealloc frees each allocation that is not retained (under
    its condition) and each retained value's updated ownership is the
    condition of its own allocation, or false. Memrefs with a constant false
    condition (function arguments) are neither freed nor owned. Anything
    else is left to upstream's simplification.

    Example: `bufferization.dealloc (%a_base, %b_base, %arg_base) if (%true,
    %true, %false) retain (%b)` where `%a` and `%b` are `memref.alloc`
    results becomes `memref.dealloc %a`, and its result `%true`.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

def SeparateEntryBlock : Pass<"hypatia-separate-entry-block",
                              "mlir::ModuleOp"> {
  let summary = "Move each function's operations out of its entry block";
  let description = [{
    Run right before `convert-func-to-llvm`: each function's entry block
    keeps its arguments and a `cf.br` to a new block that holds the
    operations. LLVM 22's dialect conversion replaces each converted
    argument's uses with a predicate that asks `isBeforeInBlock` of every
    use in the argument's own block, and the materializations it inserts
    there invalidate the block's operation order each time, so a function of
    N operations and M memref arguments cost O(N x M) (a chain of 1600
    linear layers with a weight argument each: 2.1 s in that pass, 52% of
    the CPU pipeline; no upstream report found). With the operations in
    another block, the predicate answers without the order. The extra branch
    is gone after LLVM's first CFG simplification.

    Example:

    ```mlir
    func.func @f(%x: memref<4xf32>) {
    ^bb0(%x: memref<4xf32>):
      cf.br ^bb1
    ^bb1:
      "use"(%x) : (memref<4xf32>) -> ()
      return
    }
    ```
  }];
  let dependentDialects = ["mlir::cf::ControlFlowDialect"];
}

def DistinctResults : Pass<"hypatia-distinct-results", "mlir::func::FuncOp"> {
  let summary = "Give every tensor a function returns its own buffer";
  let description = [{
    Run before bufferization when results become out-parameters: a value
    returned twice (`return %r, %r`, also after dropout, the identity, has
    disappeared) or a function argument returned as it is is replaced, at
    the return, by a copy (`bufferization.alloc_tensor() copy(...)`), so that
    every result is written into its own caller buffer. LLVM 22's
    `buffer-results-to-out-params` crashes on returned values that alias
    (llvm/llvm-project#219492, fixed upstream after LLVM 22).

    Example: `return %r, %r` becomes

    ```mlir
    %c = bufferization.alloc_tensor() copy(%r) : tensor<4x3xf32>
    return %r, %c : tensor<4x3xf32>, tensor<4x3xf32>
    ```
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def ApproximateMath : Pass<"hypatia-approximate-math"> {
  let summary = "f32 erf and tanh as polynomial approximations, for the "
                "vectorizer";
  let description = [{
    Rewrites `math.erf` and `math.tanh` on `f32` into MLIR's polynomial
    approximations: arithmetic the loop vectorizer turns into vector code,
    where a call of libm's `erff` or `tanhf` keeps a loop scalar (LLVM's
    table of glibc's vector math library has neither). The CPU pipeline runs
    it outside `--reference`, on elementwise loops such as GELU and its
    gradient; `f64` (the reference mode's compute type) keeps libm.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::vector::VectorDialect"];
}

def FuseElementwise : Pass<"hypatia-fuse-elementwise"> {
  let summary = "Fuse chains of elementwise linalg.generic ops, within a "
                "bound on the fused body";
  let description = [{
    Fuses an elementwise `linalg.generic` into its one consumer (upstream's
    elementwise fusion patterns) while the fused body stays within
    `max-body-ops` operations: a gated MLP's activation and product become
    one generic (one kernel, one pass over memory), and a chain of thousands
    of activations becomes generics of bounded size. Unbounded, upstream's
    `linalg-fuse-elementwise-ops` copies the growing body at every step: a
    chain of 8000 ReLUs took 207 s.

    Example: `silu` then `mul` on tensors of one shape become one generic
    computing `x * sigmoid(x) * u`, each op still rounding its result to the
    element type.
  }];
  let options = [
    Option<"maxBodyOps", "max-body-ops", "int64_t", "64",
           "The most operations the body of a fused generic may have">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

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
      where the target has a fused_mlp kernel and the chain fits it: its
      weights and biases in shared memory (`fused_mlp_max_weight_kib`), an
      activation tile as wide as its widest layer (`fused_mlp_max_width`), at
      most `fused_mlp_max_layers` layers;
    - `relu(relu(x))` -> `relu(x)`; `dropout(x)` -> `x` (inference).

    The cheapest equivalent program is then extracted, counting a value used
    twice once (DAG cost): a linear layer whose result has another user is not
    fused into its activation when that would compute its GEMM twice, unless
    the cost model says it pays. The result is never costlier than the input.
    The block is rebuilt in a valid order; values used outside the rewritten
    ops keep working.

    The cost model is a roofline per kernel: `max(flops / peak, bytes /
    bandwidth) + launch`, over the figures of the enclosing
    `#hypatia.target` (the CUDA defaults, an H200, without one); dynamic
    batch dimensions count as `batch-size`. A layer whose activation the
    target's GEMM library cannot apply in its epilogue (cuBLASLt: erf-GELU,
    SiLU, and tanh-GELU in f32) costs a GEMM plus an elementwise kernel, as it
    will run: fusing it into a GEMM whose result has another user would
    compute that GEMM twice for nothing, and is not chosen. Same input, same
    output, byte for byte (unless the time limit is reached, which the
    statistics report).
  }];
  let options = [
    Option<"batchSize", "batch-size", "int64_t", "1024",
           "Size assumed for dynamic (?) batch dimensions">,
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
           "Extraction: greedy (DAG-aware, default, per connected region of "
           "the block; then branch and bound seeded with its result on "
           "regions of at most 128 e-classes, within 1,000,000 steps for "
           "the whole block and max-seconds: it proves the result optimal "
           "or finds the optimum; on regions of up to 256 e-classes it "
           "cannot finish, windows of 16 program classes re-decided by it "
           "with the rest fixed) or exact (branch and bound alone; blocks of "
           "at most 24 e-classes within 10,000,000 steps, else greedy)">,
    Option<"dumpEGraph", "dump-egraph", "std::string", "\"\"",
           "Write each block's saturated e-graph (the classes reachable from "
           "its results, each node's cost) and the costs of the input and "
           "result programs to this JSON file, for checking extraction "
           "against an exact solver (bench/extraction_quality.py)">,
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
