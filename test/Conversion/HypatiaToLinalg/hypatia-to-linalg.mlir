// RUN: hypatia-opt %s --hypatia-to-linalg --split-input-file | FileCheck %s
// RUN: hypatia-opt %s --hypatia-to-linalg=compute-f32-in-f64 --split-input-file \
// RUN:   | FileCheck %s --check-prefix=F64

// A linear layer with bias: zero-filled f32 accumulator, a matmul reading the
// weight transposed, and one epilogue adding the bias.
// CHECK-DAG: #[[MK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[NK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @linear_bias
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<32x64xf32>, %[[B:.*]]: tensor<32xf32>)
// CHECK: %[[M:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x64xf32>
// CHECK: %[[INIT:.*]] = tensor.empty(%[[M]]) : tensor<?x32xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[INIT]] : tensor<?x32xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#[[MK]], #[[NK]], #[[MN]]] ins(%[[X]], %[[W]] : tensor<?x64xf32>, tensor<32x64xf32>) outs(%[[ACC]] : tensor<?x32xf32>)
// CHECK: %[[OUT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[MM]], %[[B]] : tensor<?x32xf32>, tensor<32xf32>)
// CHECK:   %[[SUM:.*]] = arith.addf
// CHECK:   linalg.yield %[[SUM]] : f32
// CHECK: return %[[OUT]]
func.func @linear_bias(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>, %b: tensor<32xf32>) -> tensor<?x32xf32> {
  %0 = hypatia.linear %x, %w, %b : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// -----

// f32 without bias or activation: the matmul alone.
// CHECK-LABEL: func.func @linear_no_bias
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NOT: linalg.generic
// CHECK: return %[[MM]]
func.func @linear_no_bias(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>) -> tensor<8x32xf32> {
  %0 = hypatia.linear %x, %w : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// Several batch dimensions: collapsed to [M, K] for one GEMM, expanded after.
// CHECK-LABEL: func.func @batch_dims
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x64xf32>
// CHECK: %[[X2D:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x?x64xf32> into tensor<?x64xf32>
// CHECK: linalg.matmul {{.*}} ins(%[[X2D]],
// CHECK: %[[EPI:.*]] = linalg.generic
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<2x?x64xf32>
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[EPI]] {{\[\[}}0, 1], [2]] output_shape [2, %[[T]], 32] : tensor<?x32xf32> into tensor<2x?x32xf32>
// CHECK: return %[[Y]]
func.func @batch_dims(%x: tensor<2x?x64xf32>, %w: tensor<32x64xf32>, %b: tensor<32xf32>) -> tensor<2x?x32xf32> {
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<2x?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<2x?x32xf32>
  return %0 : tensor<2x?x32xf32>
}

// -----

// Two dynamic batch dimensions: the result shape is restored by tensor.reshape
// (LLVM 22 cannot lower an expand_shape with two dynamic sizes in one group).
// CHECK-LABEL: func.func @two_dynamic_batch_dims
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>
// CHECK: %[[X2D:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<?x?x64xf32> into tensor<?x64xf32>
// CHECK: %[[EPI:.*]] = linalg.generic
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %[[D0]], %[[D1]], %{{.*}} : tensor<3xindex>
// CHECK: %[[Y:.*]] = tensor.reshape %[[EPI]](%[[SHAPE]]) : (tensor<?x32xf32>, tensor<3xindex>) -> tensor<?x?x32xf32>
// CHECK: return %[[Y]]
func.func @two_dynamic_batch_dims(%x: tensor<?x?x64xf32>, %w: tensor<32x64xf32>, %b: tensor<32xf32>) -> tensor<?x?x32xf32> {
  %0 = hypatia.linear %x, %w, %b : (tensor<?x?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}

// -----

// The fused activations in the epilogue, after the bias.
// CHECK-LABEL: func.func @fused_relu
// CHECK: linalg.generic
// CHECK:   %[[V:.*]] = arith.addf
// CHECK:   %[[R:.*]] = arith.maximumf %[[V]], %{{.*}} : f32
// CHECK:   linalg.yield %[[R]]
// With compute-f32-in-f64, f32 layers accumulate and evaluate in f64 and
// round once; f16/bf16 layers still compute in f32.
// F64-LABEL: func.func @fused_relu
// F64: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f64) outs(%{{.*}} : tensor<8x32xf64>)
// F64: %[[MM:.*]] = linalg.matmul {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x64xf32>, tensor<32x64xf32>) outs(%[[ACC]] : tensor<8x32xf64>)
// F64: linalg.generic {{.*}} ins(%[[MM]], %{{.*}} : tensor<8x32xf64>, tensor<32xf32>) outs(%{{.*}} : tensor<8x32xf32>)
// F64:   %[[WIDE:.*]] = arith.extf %{{.*}} : f32 to f64
// F64:   %[[SUM:.*]] = arith.addf %{{.*}}, %[[WIDE]] : f64
// F64:   %[[R:.*]] = arith.maximumf %[[SUM]], %{{.*}} : f64
// F64:   arith.truncf %[[R]] : f64 to f32
// F64-LABEL: func.func @bf16
// F64: linalg.matmul {{.*}} outs(%{{.*}} : tensor<8x32xf32>)
// F64-LABEL: func.func @activations
// F64: arith.extf %{{.*}} : f16 to f32
func.func @fused_relu(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>, %b: tensor<32xf32>) -> tensor<8x32xf32> {
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// CHECK-LABEL: func.func @fused_gelu_erf
// CHECK: linalg.generic
// CHECK:   math.erf
// CHECK-NOT: math.tanh
// CHECK-LABEL: func.func @fused_gelu_tanh
// CHECK: linalg.generic
// CHECK:   arith.constant 4.471500e-02 : f32
// CHECK:   math.tanh
// CHECK-LABEL: func.func @fused_silu
// CHECK: linalg.generic
// CHECK:   %[[NEG:.*]] = arith.negf
// CHECK:   %[[E:.*]] = math.exp %[[NEG]]
// CHECK:   %[[D:.*]] = arith.addf %{{.*}}, %[[E]]
// CHECK:   arith.divf %{{.*}}, %[[D]]
func.func @fused_gelu_erf(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>) -> tensor<8x32xf32> {
  %0 = hypatia.fused_linear_gelu %x, %w : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}
func.func @fused_gelu_tanh(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>) -> tensor<8x32xf32> {
  %0 = hypatia.fused_linear_gelu %x, %w {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}
func.func @fused_silu(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>) -> tensor<8x32xf32> {
  %0 = hypatia.fused_linear_silu %x, %w : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// bf16: the matmul accumulates in f32; the epilogue widens the bias and
// rounds the result once.
// CHECK-LABEL: func.func @bf16
// CHECK: %[[MM:.*]] = linalg.matmul {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x64xbf16>, tensor<32x64xbf16>) outs(%{{.*}} : tensor<8x32xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[MM]], %{{.*}} : tensor<8x32xf32>, tensor<32xbf16>) outs(%{{.*}} : tensor<8x32xbf16>)
// CHECK: ^bb0(%[[ACC:.*]]: f32, %[[BIAS:.*]]: bf16, %{{.*}}: bf16):
// CHECK:   %[[WIDE:.*]] = arith.extf %[[BIAS]] : bf16 to f32
// CHECK:   %[[SUM:.*]] = arith.addf %[[ACC]], %[[WIDE]] : f32
// CHECK:   %[[R:.*]] = arith.maximumf %[[SUM]]
// CHECK:   %[[NARROW:.*]] = arith.truncf %[[R]] : f32 to bf16
// CHECK:   linalg.yield %[[NARROW]] : bf16
func.func @bf16(%x: tensor<8x64xbf16>, %w: tensor<32x64xbf16>, %b: tensor<32xbf16>) -> tensor<8x32xbf16> {
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<8x64xbf16>, tensor<32x64xbf16>, tensor<32xbf16>) -> tensor<8x32xbf16>
  return %0 : tensor<8x32xbf16>
}

// -----

// Elementwise activations: one generic each, evaluated in f32 for f16 inputs.
// CHECK-LABEL: func.func @activations
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x16xf16>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]] : tensor<2x?x16xf16>)
// CHECK:   arith.extf %{{.*}} : f16 to f32
// CHECK:   arith.maximumf
// CHECK:   arith.truncf %{{.*}} : f32 to f16
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[R]] : tensor<2x?x16xf16>)
// CHECK:   math.erf
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<2x?x16xf16>)
// CHECK:   math.exp
// CHECK: return %[[S]]
func.func @activations(%x: tensor<2x?x16xf16>) -> tensor<2x?x16xf16> {
  %0 = hypatia.relu %x : tensor<2x?x16xf16>
  %1 = hypatia.gelu %0 : tensor<2x?x16xf16>
  %2 = hypatia.dropout %1 {probability = 0.25 : f64} : tensor<2x?x16xf16>
  %3 = hypatia.silu %2 : tensor<2x?x16xf16>
  return %3 : tensor<2x?x16xf16>
}

// -----

// Dropout is the identity at inference.
// CHECK-LABEL: func.func @dropout
// CHECK-SAME: (%[[X:.*]]: tensor<8x16xf32>)
// CHECK-NEXT: return %[[X]]
func.func @dropout(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = hypatia.dropout %x {probability = 0.5 : f64} : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// fused_mlp becomes its chain of layers, each layer's activation in its
// epilogue, each layer's output feeding the next matmul.
// CHECK-LABEL: func.func @fused_mlp
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W1:.*]]: tensor<32x64xf32>, %[[W2:.*]]: tensor<10x32xf32>, %[[B1:.*]]: tensor<32xf32>, %[[B2:.*]]: tensor<10xf32>)
// CHECK: %[[MM1:.*]] = linalg.matmul {{.*}} ins(%[[X]], %[[W1]] :
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%[[MM1]], %[[B1]] :
// CHECK:   arith.maximumf
// CHECK: %[[MM2:.*]] = linalg.matmul {{.*}} ins(%[[H]], %[[W2]] :
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[MM2]], %[[B2]] :
// CHECK-NOT: arith.maximumf
// CHECK: return %[[Y]]
func.func @fused_mlp(%x: tensor<?x64xf32>, %w1: tensor<32x64xf32>, %w2: tensor<10x32xf32>, %b1: tensor<32xf32>, %b2: tensor<10xf32>) -> tensor<?x10xf32> {
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) biases(%b1, %b2) activations [relu, none] : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<10x32xf32>, tensor<32xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// -----

// Ops of other dialects are left alone.
// CHECK-LABEL: func.func @foreign_ops
// CHECK: arith.addf
// CHECK: linalg.matmul
func.func @foreign_ops(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>) -> tensor<8x32xf32> {
  %s = arith.addf %x, %x : tensor<8x64xf32>
  %0 = hypatia.linear %s, %w : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// The product: one generic, bf16 multiplied in f32 and rounded once.
// CHECK-LABEL: func.func @mul
// CHECK-SAME: (%[[A:.*]]: tensor<4x?x8xbf16>, %[[B:.*]]: tensor<4x?x8xbf16>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[B]] : tensor<4x?x8xbf16>, tensor<4x?x8xbf16>)
// CHECK:   %[[EA:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK:   %[[EB:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK:   %[[M:.*]] = arith.mulf %[[EA]], %[[EB]] : f32
// CHECK:   arith.truncf %[[M]] : f32 to bf16
// CHECK: return %[[P]]
func.func @mul(%a: tensor<4x?x8xbf16>, %b: tensor<4x?x8xbf16>) -> tensor<4x?x8xbf16> {
  %0 = hypatia.mul %a, %b : tensor<4x?x8xbf16>
  return %0 : tensor<4x?x8xbf16>
}

// -----

// The sum: one generic, bf16 added in f32 and rounded once; f32 is added in
// f64 in the reference mode.
// CHECK-LABEL: func.func @add
// CHECK-SAME: (%[[A:.*]]: tensor<?x8xbf16>, %[[B:.*]]: tensor<?x8xbf16>)
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[B]] : tensor<?x8xbf16>, tensor<?x8xbf16>)
// CHECK:   %[[EA:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK:   %[[EB:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK:   %[[T:.*]] = arith.addf %[[EA]], %[[EB]] : f32
// CHECK:   arith.truncf %[[T]] : f32 to bf16
// CHECK: return %[[S]]
func.func @add(%a: tensor<?x8xbf16>, %b: tensor<?x8xbf16>) -> tensor<?x8xbf16> {
  %0 = hypatia.add %a, %b : tensor<?x8xbf16>
  return %0 : tensor<?x8xbf16>
}

// CHECK-LABEL: func.func @add_f32
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// F64-LABEL: func.func @add_f32
// F64: arith.extf %{{.*}} : f32 to f64
// F64: arith.addf %{{.*}}, %{{.*}} : f64
// F64: arith.truncf %{{.*}} : f64 to f32
func.func @add_f32(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = hypatia.add %a, %b : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A conversion rounds once: f32 to bf16 directly (in the reference mode
// through f64, which holds every f32 exactly); bf16 to f16 through f32.
// CHECK-LABEL: func.func @convert
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: bf16):
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[IN]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[T]] : bf16
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[IN2:.*]]: bf16, %{{.*}}: f16):
// CHECK-NEXT: %[[E:.*]] = arith.extf %[[IN2]] : bf16 to f32
// CHECK-NEXT: %[[T2:.*]] = arith.truncf %[[E]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T2]] : f16
// F64-LABEL: func.func @convert
// F64: %[[W:.*]] = arith.extf %{{.*}} : f32 to f64
// F64-NEXT: arith.truncf %[[W]] : f64 to bf16
func.func @convert(%x: tensor<?x16xf32>) -> tensor<?x16xf16> {
  %0 = hypatia.convert %x : tensor<?x16xf32> to tensor<?x16xbf16>
  %1 = hypatia.convert %0 : tensor<?x16xbf16> to tensor<?x16xf16>
  return %1 : tensor<?x16xf16>
}

// -----

// A weight gradient dy^T @ x: one matmul whose maps read dy transposed, in
// place; no copy of either operand.
// CHECK-DAG: #[[DYT:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func.func @weight_grad
// CHECK: linalg.fill
// CHECK: linalg.matmul indexing_maps = [#[[DYT]], #[[X]], #{{.*}}] ins(%arg0, %arg1 : tensor<?x24xf32>, tensor<?x40xf32>) outs(%{{.*}} : tensor<24x40xf32>)
// CHECK-NEXT: return
// F64-LABEL: func.func @weight_grad
// F64: linalg.matmul {{.*}} -> tensor<24x40xf64>
// F64: arith.truncf %{{.*}} : f64 to f32
func.func @weight_grad(%dy: tensor<?x24xf32>, %x: tensor<?x40xf32>) -> tensor<24x40xf32> {
  %dw = hypatia.matmul %dy, %x {transpose_lhs} : tensor<?x24xf32>, tensor<?x40xf32> -> tensor<24x40xf32>
  return %dw : tensor<24x40xf32>
}

// -----

// A bias gradient: the batch dimensions collapsed, a reduction over rows in
// f32 with the columns as the parallel (outer) dimension, rounded once.
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[COLUMN:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @bias_grad
// CHECK: tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<?x3x33xbf16> into tensor<?x33xbf16>
// CHECK: linalg.generic {indexing_maps = [#[[ROWS]], #[[COLUMN]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.addf
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @bias_grad(%dy: tensor<?x3x33xbf16>) -> tensor<33xbf16> {
  %db = hypatia.sum_rows %dy : tensor<?x3x33xbf16> -> tensor<33xbf16>
  return %db : tensor<33xbf16>
}

// -----

// An activation gradient: one elementwise generic of the two operands.
// CHECK-LABEL: func.func @relu_grad
// CHECK: linalg.generic
// CHECK: arith.cmpf ole, %{{.*}}, %{{.*}} : f32
// CHECK: arith.select
func.func @relu_grad(%g: tensor<?x64xf32>, %x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = hypatia.activation_grad %g, %x {activation = #hypatia.activation<relu>} : tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// A gated_linear: the gate layer with its activation and the up layer, each
// its own matmul rounded to the element type, then their product.
// CHECK-LABEL: func.func @gated_linear
// CHECK: %[[G:.*]] = linalg.matmul {{.*}} ins(%{{.*}}, %arg1 :
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[G]] :
// CHECK:   math.exp
// CHECK: %[[UP:.*]] = linalg.matmul {{.*}} ins(%{{.*}}, %arg2 :
// CHECK: %[[U:.*]] = linalg.generic {{.*}} ins(%[[UP]] : tensor<?x32xf32>) outs(%{{.*}} : tensor<?x32xbf16>)
// CHECK: linalg.generic {{.*}} ins(%[[A]], %[[U]] : tensor<?x32xbf16>, tensor<?x32xbf16>)
// CHECK:   arith.mulf
// CHECK:   arith.truncf {{.*}} : f32 to bf16
func.func @gated_linear(%x: tensor<?x64xbf16>, %wg: tensor<32x64xbf16>, %wu: tensor<32x64xbf16>) -> tensor<?x32xbf16> {
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<?x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>) -> tensor<?x32xbf16>
  return %h : tensor<?x32xbf16>
}
