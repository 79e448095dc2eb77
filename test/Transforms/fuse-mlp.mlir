// Unless a RUN line says otherwise, the target is the CUDA default with a
// fused_mlp kernel of width 256 (the default's is 128). Its kernel computes
// f16/bf16 only: f32 chains stay layers.
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256 --fuse-mlp --split-input-file | FileCheck %s
// The output is the same byte for byte on every run.
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256 --fuse-mlp --split-input-file > %t.first
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256 --fuse-mlp --split-input-file > %t.second
// RUN: diff %t.first %t.second
// Exact extraction (branch and bound) finds the same programs here.
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256 --fuse-mlp=extraction=exact --split-input-file | FileCheck %s
// Other targets: CUDA with no fused_mlp kernel, at most two layers
// per fused_mlp, free launches, and the CPU (whose lowering evaluates every
// activation in the GEMM's loop nest):
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=0 --fuse-mlp --split-input-file | FileCheck %s --check-prefix=NO-MLP
// A fused_mlp kernel far slower than its GEMMs (the cost model charges its
// FLOPs at fused_mlp_tflops) is never chosen either:
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256,fused_mlp_tflops=0.001 --fuse-mlp --split-input-file | FileCheck %s --check-prefix=NO-MLP
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256,fused_mlp_max_layers=2 --fuse-mlp --split-input-file | FileCheck %s --check-prefix=TWO-LAYERS
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256,launch_us=0,fused_mlp_min_us=0 --fuse-mlp --split-input-file | FileCheck %s --check-prefix=NO-LAUNCH
// RUN: hypatia-opt %s --hypatia-attach-target=kind=cpu --fuse-mlp --split-input-file | FileCheck %s --check-prefix=CPU
// RUN: hypatia-opt %s --hypatia-attach-target=chips=sm_90 --fuse-mlp --split-input-file | FileCheck %s --check-prefix=SM90
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_min_us=0 --fuse-mlp --split-input-file | FileCheck %s --check-prefix=NO-MINIMUM
// Limits and the report (statistics as remarks):
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256 --fuse-mlp=report=true --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=REPORT
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256 --fuse-mlp="max-iterations=1 report=true" --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=ITERATIONS
// RUN: hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_width=256 --fuse-mlp="max-nodes=10 report=true" --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=NODES
// A long chain of diamonds: a value shared by two users is dropped only when
// both switch away from it together (a group move of the extractor); all
// 1000 units end with 3 kernels, none with 4 (with fused_mlp_min_us=0: a
// two-layer fused_mlp of 16384 rows is then cheaper than two GEMMs; at its
// measured minimum of 14.5 us it is not, and the chain is left as it is).
// RUN: %python %S/Inputs/diamonds.py 1000 > %t.diamonds.mlir
// RUN: hypatia-opt %t.diamonds.mlir --hypatia-attach-target=overrides=fused_mlp_min_us=0 --fuse-mlp=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=DIAMONDS
// DIAMONDS: remark: fuse-mlp: {{.*}} (4000 kernels) -> {{.*}} (3000 kernels); extraction greedy (too large for branch and bound)
// RUN: hypatia-opt %t.diamonds.mlir --hypatia-attach-target=overrides=fused_mlp_min_us=0 --fuse-mlp="report=true extraction=exact" -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXACT-TOO-BIG
// EXACT-TOO-BIG: (3000 kernels); extraction greedy (exact: more than 24 e-classes reachable)
// Parts of a block that share nothing are extracted apart (each never
// costlier than its input, and proven optimal here):
// RUN: hypatia-opt %S/Inputs/two-regions.mlir --fuse-mlp=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=REGIONS
// REGIONS: (9 kernels) -> {{.*}} (6 kernels); extraction per region (2): 2 greedy, proven optimal by branch and bound
// Bad options are errors:
// RUN: not hypatia-opt %s --fuse-mlp=extraction=best 2>&1 | FileCheck %s --check-prefix=BAD-EXTRACTION
// RUN: not hypatia-opt %s --hypatia-attach-target=overrides=fused_mlp_max_layers=17 --fuse-mlp 2>&1 | FileCheck %s --check-prefix=BAD-LAYERS

// REPORT: fuse-mlp.mlir:[[@LINE+12]]:1: remark: fuse-mlp: 10 e-nodes, 8 e-classes, 2 iterations, stopped: saturated; estimated cost 97.441 us (3 kernels) -> 84.485 us (2 kernels); extraction greedy, proven optimal by branch and bound
// ITERATIONS: remark: fuse-mlp: {{.*}} 1 iterations, stopped: iteration limit
// NODES: remark: fuse-mlp: {{.*}} stopped: node limit
// BAD-EXTRACTION: error: fuse-mlp: unknown extraction 'best': expected greedy or exact
// BAD-LAYERS: error: hypatia-attach-target: target figure 'fused_mlp_max_layers' must be an integer in [2, 16]

// relu(linear) becomes fused_linear_relu; the dropout disappears.
// CHECK-LABEL: func.func @linear_relu
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W1:.*]]: tensor<2048x784xf32>, %[[B1:.*]]: tensor<2048xf32>, %[[W2:.*]]: tensor<10x2048xf32>, %[[B2:.*]]: tensor<10xf32>)
// CHECK-NEXT: %[[H:.*]] = hypatia.fused_linear_relu %[[X]], %[[W1]], %[[B1]]
// CHECK-NEXT: %[[Y:.*]] = hypatia.linear %[[H]], %[[W2]], %[[B2]]
// CHECK-NEXT: return %[[Y]]
func.func @linear_relu(%x: tensor<?x784xf32>, %w1: tensor<2048x784xf32>, %b1: tensor<2048xf32>, %w2: tensor<10x2048xf32>, %b2: tensor<10xf32>) -> tensor<?x10xf32> {
  %h = hypatia.linear %x, %w1, %b1 : (tensor<?x784xf32>, tensor<2048x784xf32>, tensor<2048xf32>) -> tensor<?x2048xf32>
  %a = hypatia.relu %h : tensor<?x2048xf32>
  %d = hypatia.dropout %a {probability = 0.1 : f64} : tensor<?x2048xf32>
  %y = hypatia.linear %d, %w2, %b2 : (tensor<?x2048xf32>, tensor<10x2048xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

// Each activation fuses into the layer before it (wide layers: no fused_mlp).
// CHECK-LABEL: func.func @activations
// CHECK: %[[G:.*]] = hypatia.fused_linear_gelu %{{.*}}, %{{.*}} : (tensor<8x512xbf16>
// CHECK: %[[T:.*]] = hypatia.fused_linear_gelu %[[G]], %{{.*}} {approximate = #hypatia.gelu_approximation<tanh>}
// CHECK: %[[S:.*]] = hypatia.fused_linear_silu %[[T]], %{{.*}}, %{{.*}}
// CHECK-NOT: hypatia.gelu
// CHECK-NOT: hypatia.silu
// CHECK: return %[[S]]
func.func @activations(%x: tensor<8x512xbf16>, %w: tensor<512x512xbf16>, %b: tensor<512xbf16>) -> tensor<8x512xbf16> {
  %0 = hypatia.linear %x, %w : (tensor<8x512xbf16>, tensor<512x512xbf16>) -> tensor<8x512xbf16>
  %1 = hypatia.gelu %0 : tensor<8x512xbf16>
  %2 = hypatia.linear %1, %w : (tensor<8x512xbf16>, tensor<512x512xbf16>) -> tensor<8x512xbf16>
  %3 = hypatia.gelu %2 {approximate = #hypatia.gelu_approximation<tanh>} : tensor<8x512xbf16>
  %4 = hypatia.linear %3, %w, %b : (tensor<8x512xbf16>, tensor<512x512xbf16>, tensor<512xbf16>) -> tensor<8x512xbf16>
  %5 = hypatia.silu %4 : tensor<8x512xbf16>
  return %5 : tensor<8x512xbf16>
}

// -----

// A linear whose result has another user stays unfused: fusing would compute
// its GEMM twice, which costs more than the separate relu.
// CHECK-LABEL: func.func @shared_intermediate
// CHECK-NEXT: %[[H:.*]] = hypatia.linear
// CHECK-NEXT: %[[A:.*]] = hypatia.relu %[[H]]
// CHECK-NEXT: return %[[A]], %[[H]]
func.func @shared_intermediate(%x: tensor<?x512xf32>, %w: tensor<512x512xf32>, %b: tensor<512xf32>) -> (tensor<?x512xf32>, tensor<?x512xf32>) {
  %h = hypatia.linear %x, %w, %b : (tensor<?x512xf32>, tensor<512x512xf32>, tensor<512xf32>) -> tensor<?x512xf32>
  %a = hypatia.relu %h : tensor<?x512xf32>
  return %a, %h : tensor<?x512xf32>, tensor<?x512xf32>
}

// -----

// Computing a small GEMM twice pays when it saves launches: two layers with
// their activations in cuBLASLt's epilogue (2 kernels) are cheaper than one
// GEMM and two elementwise kernels (3).
// CHECK-LABEL: func.func @small_gemm_duplicated
// CHECK-DAG: %[[G:.*]] = hypatia.fused_linear_gelu {{.*}}tanh
// CHECK-DAG: %[[R:.*]] = hypatia.fused_linear_relu
// CHECK-NOT: hypatia.linear
// CHECK: return %[[R]], %[[G]]
// Without launch costs, the GEMM is computed once.
// NO-LAUNCH-LABEL: func.func @small_gemm_duplicated
// NO-LAUNCH-NEXT: %[[H:.*]] = hypatia.linear
// NO-LAUNCH-NEXT: hypatia.relu %[[H]]
// NO-LAUNCH-NEXT: hypatia.gelu %[[H]]
func.func @small_gemm_duplicated(%x: tensor<64x512xbf16>, %w: tensor<512x512xbf16>) -> (tensor<64x512xbf16>, tensor<64x512xbf16>) {
  %h = hypatia.linear %x, %w : (tensor<64x512xbf16>, tensor<512x512xbf16>) -> tensor<64x512xbf16>
  %a = hypatia.relu %h : tensor<64x512xbf16>
  %g = hypatia.gelu %h {approximate = #hypatia.gelu_approximation<tanh>} : tensor<64x512xbf16>
  return %a, %g : tensor<64x512xbf16>, tensor<64x512xbf16>
}

// -----

// A layer whose result is returned and also fed to an activation cuBLASLt
// cannot apply (SiLU): fusing would compute the GEMM twice and still run an
// elementwise kernel, so the program is left as it is.
// CHECK-LABEL: func.func @gemm_returned_and_silu
// CHECK-NEXT: %[[H:.*]] = hypatia.linear
// CHECK-NEXT: %[[S:.*]] = hypatia.silu %[[H]]
// CHECK-NEXT: return %[[H]], %[[S]]
// NO-MLP-LABEL: func.func @gemm_returned_and_silu
// NO-MLP-NOT: fused_linear
// NO-MLP: return
func.func @gemm_returned_and_silu(%x: tensor<4096x8xf32>, %w: tensor<4096x8xf32>) -> (tensor<4096x4096xf32>, tensor<4096x4096xf32>) {
  %h = hypatia.linear %x, %w : (tensor<4096x8xf32>, tensor<4096x8xf32>) -> tensor<4096x4096xf32>
  %s = hypatia.silu %h : tensor<4096x4096xf32>
  return %h, %s : tensor<4096x4096xf32>, tensor<4096x4096xf32>
}

// -----

// A large GEMM (2.7 ms at the f32 peak) is computed once, its two
// activations separately (44 us each).
// CHECK-LABEL: func.func @large_gemm_shared
// CHECK-COUNT-1: hypatia.linear
// CHECK-NOT: hypatia.fused_linear
// CHECK-DAG: hypatia.relu
// CHECK-DAG: hypatia.silu
func.func @large_gemm_shared(%x: tensor<4096x4096xf32>, %w: tensor<4096x4096xf32>) -> (tensor<4096x4096xf32>, tensor<4096x4096xf32>) {
  %h = hypatia.linear %x, %w : (tensor<4096x4096xf32>, tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %a = hypatia.relu %h : tensor<4096x4096xf32>
  %s = hypatia.silu %h : tensor<4096x4096xf32>
  return %a, %s : tensor<4096x4096xf32>, tensor<4096x4096xf32>
}

// -----

// relu(relu(x)) is relu(x), also through a fused layer.
// CHECK-LABEL: func.func @relu_idempotent
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>
// CHECK-NEXT: %[[R:.*]] = hypatia.relu %[[X]]
// CHECK-NEXT: %[[L:.*]] = hypatia.fused_linear_relu %[[R]]
// CHECK-NEXT: return %[[L]]
func.func @relu_idempotent(%x: tensor<4x8xf32>, %w: tensor<300x8xf32>) -> tensor<4x300xf32> {
  %0 = hypatia.relu %x : tensor<4x8xf32>
  %1 = hypatia.relu %0 : tensor<4x8xf32>
  %2 = hypatia.linear %1, %w : (tensor<4x8xf32>, tensor<300x8xf32>) -> tensor<4x300xf32>
  %3 = hypatia.relu %2 : tensor<4x300xf32>
  %4 = hypatia.relu %3 : tensor<4x300xf32>
  return %4 : tensor<4x300xf32>
}

// -----

// Narrow chains become one fused_mlp with per-layer activations, including an
// activation applied after the last layer.
// CHECK-LABEL: func.func @narrow_chain
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xbf16>, %[[W1:.*]]: tensor<64x64xbf16>, %[[B1:.*]]: tensor<64xbf16>, %[[W2:.*]]: tensor<64x64xbf16>, %[[B2:.*]]: tensor<64xbf16>, %[[W3:.*]]: tensor<16x64xbf16>, %[[B3:.*]]: tensor<16xbf16>)
// CHECK-NEXT: %[[Y:.*]] = hypatia.fused_mlp %[[X]], weights(%[[W1]], %[[W2]], %[[W3]]) biases(%[[B1]], %[[B2]], %[[B3]]) activations [relu, gelu_tanh, silu]
// CHECK-NEXT: return %[[Y]]
// NO-MLP-LABEL: func.func @narrow_chain
// NO-MLP-NEXT: hypatia.fused_linear_relu
// NO-MLP-NEXT: hypatia.fused_linear_gelu
// NO-MLP-NEXT: hypatia.fused_linear_silu
// NO-MLP-NEXT: return
// TWO-LAYERS-LABEL: func.func @narrow_chain
// TWO-LAYERS-NEXT: %[[L:.*]] = hypatia.fused_linear_relu
// TWO-LAYERS-NEXT: hypatia.fused_mlp %[[L]], weights(%{{.*}}, %{{.*}}) biases(%{{.*}}, %{{.*}}) activations [gelu_tanh, silu]
// NO-LAUNCH-LABEL: func.func @narrow_chain
// NO-LAUNCH-NEXT: hypatia.fused_mlp
func.func @narrow_chain(%x: tensor<?x64xbf16>, %w1: tensor<64x64xbf16>, %b1: tensor<64xbf16>, %w2: tensor<64x64xbf16>, %b2: tensor<64xbf16>, %w3: tensor<16x64xbf16>, %b3: tensor<16xbf16>) -> tensor<?x16xbf16> {
  %0 = hypatia.linear %x, %w1, %b1 : (tensor<?x64xbf16>, tensor<64x64xbf16>, tensor<64xbf16>) -> tensor<?x64xbf16>
  %1 = hypatia.relu %0 : tensor<?x64xbf16>
  %2 = hypatia.fused_linear_gelu %1, %w2, %b2 {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<?x64xbf16>, tensor<64x64xbf16>, tensor<64xbf16>) -> tensor<?x64xbf16>
  %3 = hypatia.linear %2, %w3, %b3 : (tensor<?x64xbf16>, tensor<16x64xbf16>, tensor<16xbf16>) -> tensor<?x16xbf16>
  %4 = hypatia.silu %3 : tensor<?x16xbf16>
  return %4 : tensor<?x16xbf16>
}

// -----

// A chain mixing layers with and without bias cannot be one fused_mlp (a
// fused_mlp has biases on all layers or none).
// CHECK-LABEL: func.func @mixed_bias
// CHECK-NEXT: hypatia.fused_linear_relu
// CHECK-NEXT: hypatia.linear
// CHECK-NEXT: return
func.func @mixed_bias(%x: tensor<?x64xbf16>, %w1: tensor<64x64xbf16>, %b1: tensor<64xbf16>, %w2: tensor<16x64xbf16>) -> tensor<?x16xbf16> {
  %0 = hypatia.fused_linear_relu %x, %w1, %b1 : (tensor<?x64xbf16>, tensor<64x64xbf16>, tensor<64xbf16>) -> tensor<?x64xbf16>
  %1 = hypatia.linear %0, %w2 : (tensor<?x64xbf16>, tensor<16x64xbf16>) -> tensor<?x16xbf16>
  return %1 : tensor<?x16xbf16>
}

// -----

// Foreign ops stay where they are; their hypatia operands and users keep
// working, and the hypatia ops after them are placed after them.
// CHECK-LABEL: func.func @foreign_ops
// CHECK-SAME: (%[[X:.*]]: tensor<8x512xf32>, %[[W:.*]]: tensor<512x512xf32>)
// CHECK-NEXT: %[[A:.*]] = hypatia.fused_linear_relu %[[X]], %[[W]]
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[A]], %[[X]]
// CHECK-NEXT: %[[B:.*]] = hypatia.fused_linear_relu %[[S]], %[[W]]
// CHECK-NEXT: return %[[B]]
func.func @foreign_ops(%x: tensor<8x512xf32>, %w: tensor<512x512xf32>) -> tensor<8x512xf32> {
  %0 = hypatia.linear %x, %w : (tensor<8x512xf32>, tensor<512x512xf32>) -> tensor<8x512xf32>
  %1 = hypatia.relu %0 : tensor<8x512xf32>
  %s = arith.addf %1, %x : tensor<8x512xf32>
  %2 = hypatia.linear %s, %w : (tensor<8x512xf32>, tensor<512x512xf32>) -> tensor<8x512xf32>
  %3 = hypatia.relu %2 : tensor<8x512xf32>
  return %3 : tensor<8x512xf32>
}

// -----

// Blocks of nested regions are rewritten too, each on its own. cuBLASLt
// cannot apply SiLU, so on CUDA linear + silu and fused_linear_silu cost the
// same and the input stays; the CPU lowering evaluates it in the GEMM's loop
// nest, so there it fuses.
// CHECK-LABEL: func.func @nested_region
// CHECK: scf.if
// CHECK-NEXT: hypatia.fused_linear_relu
// CHECK: else
// CHECK-NEXT: hypatia.linear
// CHECK-NEXT: hypatia.silu
// CPU-LABEL: func.func @nested_region
// CPU: scf.if
// CPU-NEXT: hypatia.fused_linear_relu
// CPU: else
// CPU-NEXT: hypatia.fused_linear_silu
func.func @nested_region(%c: i1, %x: tensor<8x512xf32>, %w: tensor<512x512xf32>) -> tensor<8x512xf32> {
  %r = scf.if %c -> tensor<8x512xf32> {
    %0 = hypatia.linear %x, %w : (tensor<8x512xf32>, tensor<512x512xf32>) -> tensor<8x512xf32>
    %1 = hypatia.relu %0 : tensor<8x512xf32>
    scf.yield %1 : tensor<8x512xf32>
  } else {
    %0 = hypatia.linear %x, %w : (tensor<8x512xf32>, tensor<512x512xf32>) -> tensor<8x512xf32>
    %1 = hypatia.silu %0 : tensor<8x512xf32>
    scf.yield %1 : tensor<8x512xf32>
  }
  return %r : tensor<8x512xf32>
}

// -----

// Several batch dimensions, dynamic and static, keep their types.
// CHECK-LABEL: func.func @batch_dims
// CHECK: hypatia.fused_linear_relu %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x?x512xf16>, tensor<512x512xf16>, tensor<512xf16>) -> tensor<2x?x512xf16>
func.func @batch_dims(%x: tensor<2x?x512xf16>, %w: tensor<512x512xf16>, %b: tensor<512xf16>) -> tensor<2x?x512xf16> {
  %0 = hypatia.linear %x, %w, %b : (tensor<2x?x512xf16>, tensor<512x512xf16>, tensor<512xf16>) -> tensor<2x?x512xf16>
  %1 = hypatia.relu %0 : tensor<2x?x512xf16>
  return %1 : tensor<2x?x512xf16>
}

// -----

// Nothing to gain: the block is left exactly as it was.
// CHECK-LABEL: func.func @already_optimal
// CHECK-NEXT: %[[L:.*]] = hypatia.fused_linear_relu
// CHECK-NEXT: return %[[L]]
func.func @already_optimal(%x: tensor<8x512xf32>, %w: tensor<512x512xf32>) -> tensor<8x512xf32> {
  %0 = hypatia.fused_linear_relu %x, %w : (tensor<8x512xf32>, tensor<512x512xf32>) -> tensor<8x512xf32>
  return %0 : tensor<8x512xf32>
}

// -----

// A gated MLP: the gate's layer with its activation and the up layer of
// the same input, multiplied, become one hypatia.gated_linear (one GEMM for
// both projections, one pass for the activation and the product), on
// either target.
// CHECK-LABEL: func.func @gated
// CHECK: %[[H:.*]] = hypatia.gated_linear %arg0, %arg1, %arg2 {activation = #hypatia.activation<silu>}
// CHECK-NEXT: hypatia.linear %[[H]], %arg3
// CPU-LABEL: func.func @gated
// CPU: %[[H:.*]] = hypatia.gated_linear %arg0, %arg1, %arg2 {activation = #hypatia.activation<silu>}
// CPU-NEXT: hypatia.linear %[[H]], %arg3
func.func @gated(%x: tensor<4x16x64xbf16>, %wg: tensor<128x64xbf16>, %wu: tensor<128x64xbf16>, %wd: tensor<64x128xbf16>) -> tensor<4x16x64xbf16> {
  %g = hypatia.linear %x, %wg : (tensor<4x16x64xbf16>, tensor<128x64xbf16>) -> tensor<4x16x128xbf16>
  %a = hypatia.silu %g : tensor<4x16x128xbf16>
  %u = hypatia.linear %x, %wu : (tensor<4x16x64xbf16>, tensor<128x64xbf16>) -> tensor<4x16x128xbf16>
  %h = hypatia.mul %a, %u : tensor<4x16x128xbf16>
  %y = hypatia.linear %h, %wd : (tensor<4x16x128xbf16>, tensor<64x128xbf16>) -> tensor<4x16x64xbf16>
  return %y : tensor<4x16x64xbf16>
}

// -----

// GeGLU with biases, the gate on the right of the product (timm's GluMlp
// order): the gate is the operand with the activation, wherever it stands.
// CHECK-LABEL: func.func @geglu_gate_second
// CHECK: hypatia.gated_linear %arg0, %arg3, %arg1 biases(%arg4, %arg2) {activation = #hypatia.activation<gelu_erf>}
func.func @geglu_gate_second(%x: tensor<?x64xf16>, %wu: tensor<96x64xf16>, %bu: tensor<96xf16>, %wg: tensor<96x64xf16>, %bg: tensor<96xf16>) -> tensor<?x96xf16> {
  %u = hypatia.linear %x, %wu, %bu : (tensor<?x64xf16>, tensor<96x64xf16>, tensor<96xf16>) -> tensor<?x96xf16>
  %g = hypatia.linear %x, %wg, %bg : (tensor<?x64xf16>, tensor<96x64xf16>, tensor<96xf16>) -> tensor<?x96xf16>
  %a = hypatia.gelu %g : tensor<?x96xf16>
  %h = hypatia.mul %u, %a : tensor<?x96xf16>
  return %h : tensor<?x96xf16>
}

// -----

// Not gates: projections of different inputs, one layer with a bias and one
// without, and a product of two activated layers.
// CHECK-LABEL: func.func @not_gated
// CHECK-NOT: hypatia.gated_linear
// CHECK: return
func.func @not_gated(%x: tensor<8x64xf32>, %z: tensor<8x64xf32>, %w1: tensor<32x64xf32>, %w2: tensor<32x64xf32>, %b: tensor<32xf32>) -> (tensor<8x32xf32>, tensor<8x32xf32>, tensor<8x32xf32>) {
  %g = hypatia.fused_linear_silu %x, %w1 : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  %u = hypatia.linear %z, %w2 : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  %h1 = hypatia.mul %g, %u : tensor<8x32xf32>
  %ub = hypatia.linear %x, %w2, %b : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  %h2 = hypatia.mul %g, %ub : tensor<8x32xf32>
  %r = hypatia.fused_linear_relu %x, %w2 : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  %h3 = hypatia.mul %g, %r : tensor<8x32xf32>
  return %h1, %h2, %h3 : tensor<8x32xf32>, tensor<8x32xf32>, tensor<8x32xf32>
}

// -----

// Ops the e-graph language does not describe (a library call of a later
// stage) are left as they are; their results are leaves.
// CHECK-LABEL: func.func @library_call_result
// CHECK: %[[L:.*]] = hypatia.library_linear
// CHECK: hypatia.fused_linear_relu %[[L]], %arg1
func.func @library_call_result(%x: tensor<8x64xf32>, %w: tensor<64x64xf32>, %init: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %l = hypatia.library_linear %x, %w into %init {epilogue = #hypatia.activation<none>} : tensor<8x64xf32>, tensor<64x64xf32> into tensor<8x64xf32> -> tensor<8x64xf32>
  %y = hypatia.linear %l, %w : (tensor<8x64xf32>, tensor<64x64xf32>) -> tensor<8x64xf32>
  %r = hypatia.relu %y : tensor<8x64xf32>
  return %r : tensor<8x64xf32>
}

// -----

// The fused kernel runs on tensor cores in f16/bf16: an f32 chain (which
// would need TF32) stays layers.
// CHECK-LABEL: func.func @f32_chain_stays_layers
// CHECK-NOT: hypatia.fused_mlp
// CHECK: return
func.func @f32_chain_stays_layers(%x: tensor<?x64xf32>, %w1: tensor<64x64xf32>, %w2: tensor<16x64xf32>) -> tensor<?x16xf32> {
  %0 = hypatia.fused_linear_relu %x, %w1 : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %1 = hypatia.linear %0, %w2 : (tensor<?x64xf32>, tensor<16x64xf32>) -> tensor<?x16xf32>
  return %1 : tensor<?x16xf32>
}

// -----

// The fused kernel's weights live in shared memory, as much as every chip
// built for allows a block: four 128-wide bf16 layers take 110 KiB, more than
// sm_86/sm_89's 99 (the default chips: two kernels) but within sm_90's 227
// (one). Widths that are no multiple of 16 (3 in, 1 out) are padded in the
// kernel.
// CHECK-LABEL: func.func @wide_chain
// CHECK: hypatia.fused_mlp {{.*}} activations [relu, relu, relu]
// CHECK: hypatia.fused_mlp {{.*}} activations [relu, none]
// SM90-LABEL: func.func @wide_chain
// SM90: hypatia.fused_mlp {{.*}} activations [relu, relu, relu, relu, none]
func.func @wide_chain(%x: tensor<262144x3xbf16>, %w1: tensor<128x3xbf16>, %w2: tensor<128x128xbf16>,
                      %w3: tensor<128x128xbf16>, %w4: tensor<128x128xbf16>, %w5: tensor<1x128xbf16>) -> tensor<262144x1xbf16> {
  %0 = hypatia.fused_linear_relu %x, %w1 : (tensor<262144x3xbf16>, tensor<128x3xbf16>) -> tensor<262144x128xbf16>
  %1 = hypatia.fused_linear_relu %0, %w2 : (tensor<262144x128xbf16>, tensor<128x128xbf16>) -> tensor<262144x128xbf16>
  %2 = hypatia.fused_linear_relu %1, %w3 : (tensor<262144x128xbf16>, tensor<128x128xbf16>) -> tensor<262144x128xbf16>
  %3 = hypatia.fused_linear_relu %2, %w4 : (tensor<262144x128xbf16>, tensor<128x128xbf16>) -> tensor<262144x128xbf16>
  %4 = hypatia.linear %3, %w5 : (tensor<262144x128xbf16>, tensor<1x128xbf16>) -> tensor<262144x1xbf16>
  return %4 : tensor<262144x1xbf16>
}

// -----

// A fused_mlp kernel takes at least fused_mlp_min_us (14.5 us measured on
// the H200: staging and one pass through its code), however few its rows: on
// the suite's tiny (32 rows) two library GEMMs are faster, and are kept.
// CHECK-LABEL: func.func @tiny_stays_layers
// CHECK-NOT: hypatia.fused_mlp
// CHECK: return
// NO-MINIMUM-LABEL: func.func @tiny_stays_layers
// NO-MINIMUM: hypatia.fused_mlp
func.func @tiny_stays_layers(%x: tensor<32x64xbf16>, %w1: tensor<128x64xbf16>, %b1: tensor<128xbf16>,
                             %w2: tensor<10x128xbf16>, %b2: tensor<10xbf16>) -> tensor<32x10xbf16> {
  %0 = hypatia.fused_linear_relu %x, %w1, %b1 : (tensor<32x64xbf16>, tensor<128x64xbf16>, tensor<128xbf16>) -> tensor<32x128xbf16>
  %1 = hypatia.linear %0, %w2, %b2 : (tensor<32x128xbf16>, tensor<10x128xbf16>, tensor<10xbf16>) -> tensor<32x10xbf16>
  return %1 : tensor<32x10xbf16>
}
