// Every op round-trips through its custom form and through the generic form.
// RUN: hypatia-opt %s | hypatia-opt | FileCheck %s
// RUN: hypatia-opt %s --mlir-print-op-generic | hypatia-opt | FileCheck %s
// RUN: hypatia-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W:.*]]: tensor<2048x784xf32>, %[[B:.*]]: tensor<2048xf32>)
// CHECK: hypatia.linear %[[X]], %[[W]], %[[B]] : (tensor<?x784xf32>, tensor<2048x784xf32>, tensor<2048xf32>) -> tensor<?x2048xf32>
// CHECK: hypatia.linear %[[X]], %[[W]] : (tensor<?x784xf32>, tensor<2048x784xf32>) -> tensor<?x2048xf32>
// GENERIC-LABEL: sym_name = "linear"
// GENERIC: "hypatia.linear"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?x784xf32>, tensor<2048x784xf32>, tensor<2048xf32>) -> tensor<?x2048xf32>
func.func @linear(%x: tensor<?x784xf32>, %w: tensor<2048x784xf32>, %b: tensor<2048xf32>) -> (tensor<?x2048xf32>, tensor<?x2048xf32>) {
  %0 = hypatia.linear %x, %w, %b : (tensor<?x784xf32>, tensor<2048x784xf32>, tensor<2048xf32>) -> tensor<?x2048xf32>
  %1 = hypatia.linear %x, %w : (tensor<?x784xf32>, tensor<2048x784xf32>) -> tensor<?x2048xf32>
  return %0, %1 : tensor<?x2048xf32>, tensor<?x2048xf32>
}

// Several batch dimensions, some dynamic; every element type.
// CHECK-LABEL: func.func @batch_dims
// CHECK: hypatia.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x?x64xbf16>, tensor<32x64xbf16>, tensor<32xbf16>) -> tensor<4x?x32xbf16>
// CHECK: hypatia.linear %{{.*}}, %{{.*}} : (tensor<?x?x64xf16>, tensor<32x64xf16>) -> tensor<?x?x32xf16>
func.func @batch_dims(%x: tensor<4x?x64xbf16>, %w: tensor<32x64xbf16>, %b: tensor<32xbf16>,
                      %y: tensor<?x?x64xf16>, %v: tensor<32x64xf16>) -> (tensor<4x?x32xbf16>, tensor<?x?x32xf16>) {
  %0 = hypatia.linear %x, %w, %b : (tensor<4x?x64xbf16>, tensor<32x64xbf16>, tensor<32xbf16>) -> tensor<4x?x32xbf16>
  %1 = hypatia.linear %y, %v : (tensor<?x?x64xf16>, tensor<32x64xf16>) -> tensor<?x?x32xf16>
  return %0, %1 : tensor<4x?x32xbf16>, tensor<?x?x32xf16>
}

// CHECK-LABEL: func.func @activations
// CHECK: hypatia.relu %{{.*}} : tensor<?x16xf32>
// CHECK: hypatia.gelu %{{.*}} : tensor<?x16xf32>
// CHECK: hypatia.gelu %{{.*}} {approximate = #hypatia.gelu_approximation<tanh>} : tensor<?x16xf32>
// CHECK: hypatia.silu %{{.*}} : tensor<?x16xf32>
// CHECK: hypatia.dropout %{{.*}} {probability = 1.000000e-01 : f64} : tensor<?x16xf32>
// GENERIC-LABEL: sym_name = "activations"
// GENERIC: "hypatia.relu"(%{{.*}}) : (tensor<?x16xf32>) -> tensor<?x16xf32>
// GENERIC: "hypatia.gelu"(%{{.*}}) <{approximate = #hypatia.gelu_approximation<none>}>
// GENERIC: "hypatia.gelu"(%{{.*}}) <{approximate = #hypatia.gelu_approximation<tanh>}>
// GENERIC: "hypatia.silu"
// GENERIC: "hypatia.dropout"(%{{.*}}) <{probability = 1.000000e-01 : f64}>
func.func @activations(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %0 = hypatia.relu %x : tensor<?x16xf32>
  %1 = hypatia.gelu %0 : tensor<?x16xf32>
  %2 = hypatia.gelu %1 {approximate = #hypatia.gelu_approximation<tanh>} : tensor<?x16xf32>
  %3 = hypatia.silu %2 : tensor<?x16xf32>
  %4 = hypatia.dropout %3 {probability = 0.1 : f64} : tensor<?x16xf32>
  return %4 : tensor<?x16xf32>
}

// CHECK-LABEL: func.func @fused_linear
// CHECK: hypatia.fused_linear_relu %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x32xf32>
// CHECK: hypatia.fused_linear_gelu %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x32xf32>
// CHECK: hypatia.fused_linear_gelu %{{.*}}, %{{.*}} {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
// CHECK: hypatia.fused_linear_silu %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
func.func @fused_linear(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>, %b: tensor<32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  %1 = hypatia.fused_linear_gelu %x, %w, %b : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  %2 = hypatia.fused_linear_gelu %x, %w {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %3 = hypatia.fused_linear_silu %x, %w : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  return %0, %1, %2, %3 : tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>
}

// CHECK-LABEL: func.func @fused_mlp
// CHECK: hypatia.fused_mlp %{{.*}}, weights(%{{.*}}, %{{.*}}) biases(%{{.*}}, %{{.*}}) activations [relu, none] : (tensor<?x784xf32>, tensor<256x784xf32>, tensor<10x256xf32>, tensor<256xf32>, tensor<10xf32>) -> tensor<?x10xf32>
// CHECK: hypatia.fused_mlp %{{.*}}, weights(%{{.*}}, %{{.*}}, %{{.*}}) activations [gelu_erf, silu, gelu_tanh] : (tensor<?x784xf32>, tensor<256x784xf32>, tensor<256x256xf32>, tensor<10x256xf32>) -> tensor<?x10xf32>
// GENERIC-LABEL: sym_name = "fused_mlp"
// GENERIC: "hypatia.fused_mlp"({{.*}}) <{activations = [#hypatia.activation<relu>, #hypatia.activation<none>], operandSegmentSizes = array<i32: 1, 2, 2>}>
func.func @fused_mlp(%x: tensor<?x784xf32>, %w1: tensor<256x784xf32>, %b1: tensor<256xf32>,
                     %w2: tensor<10x256xf32>, %b2: tensor<10xf32>, %w3: tensor<256x256xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>) {
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) biases(%b1, %b2) activations [relu, none]
      : (tensor<?x784xf32>, tensor<256x784xf32>, tensor<10x256xf32>, tensor<256xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %1 = hypatia.fused_mlp %x, weights(%w1, %w3, %w2) activations [gelu_erf, silu, gelu_tanh]
      : (tensor<?x784xf32>, tensor<256x784xf32>, tensor<256x256xf32>, tensor<10x256xf32>) -> tensor<?x10xf32>
  return %0, %1 : tensor<?x10xf32>, tensor<?x10xf32>
}

// The generic form parses as input too.
// CHECK-LABEL: func.func @generic_input
// CHECK: hypatia.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<8x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<8x2xf32>
// CHECK: hypatia.fused_mlp %{{.*}}, weights(%{{.*}}, %{{.*}}) activations [silu, none]
func.func @generic_input(%x: tensor<8x4xf32>, %w: tensor<2x4xf32>, %b: tensor<2xf32>, %w2: tensor<4x2xf32>) -> (tensor<8x2xf32>, tensor<8x4xf32>) {
  %0 = "hypatia.linear"(%x, %w, %b) : (tensor<8x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<8x2xf32>
  %1 = "hypatia.fused_mlp"(%x, %w, %w2) <{activations = [#hypatia.activation<silu>, #hypatia.activation<none>], operandSegmentSizes = array<i32: 1, 2, 0>}> : (tensor<8x4xf32>, tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<8x4xf32>
  return %0, %1 : tensor<8x2xf32>, tensor<8x4xf32>
}

// CHECK-LABEL: func.func @mul
// CHECK: hypatia.mul %{{.*}}, %{{.*}} : tensor<2x?x16xbf16>
// GENERIC-LABEL: sym_name = "mul"
// GENERIC: "hypatia.mul"(%{{.*}}, %{{.*}}) : (tensor<2x?x16xbf16>, tensor<2x?x16xbf16>) -> tensor<2x?x16xbf16>
func.func @mul(%a: tensor<2x?x16xbf16>, %b: tensor<2x?x16xbf16>) -> tensor<2x?x16xbf16> {
  %0 = hypatia.mul %a, %b : tensor<2x?x16xbf16>
  return %0 : tensor<2x?x16xbf16>
}

// CHECK-LABEL: func.func @add
// CHECK: hypatia.add %{{.*}}, %{{.*}} : tensor<2x?x16xf16>
// GENERIC-LABEL: sym_name = "add"
// GENERIC: "hypatia.add"(%{{.*}}, %{{.*}}) : (tensor<2x?x16xf16>, tensor<2x?x16xf16>) -> tensor<2x?x16xf16>
func.func @add(%a: tensor<2x?x16xf16>, %b: tensor<2x?x16xf16>) -> tensor<2x?x16xf16> {
  %0 = hypatia.add %a, %b : tensor<2x?x16xf16>
  return %0 : tensor<2x?x16xf16>
}

// CHECK-LABEL: func.func @convert
// CHECK: hypatia.convert %{{.*}} : tensor<?x16xf32> to tensor<?x16xbf16>
// CHECK: hypatia.convert %{{.*}} : tensor<?x16xbf16> to tensor<?x16xf16>
// GENERIC-LABEL: sym_name = "convert"
// GENERIC: "hypatia.convert"(%{{.*}}) : (tensor<?x16xf32>) -> tensor<?x16xbf16>
func.func @convert(%x: tensor<?x16xf32>) -> tensor<?x16xf16> {
  %0 = hypatia.convert %x : tensor<?x16xf32> to tensor<?x16xbf16>
  %1 = hypatia.convert %0 : tensor<?x16xbf16> to tensor<?x16xf16>
  return %1 : tensor<?x16xf16>
}

// CHECK-LABEL: func.func @mlp_kernel
// CHECK: hypatia.mlp_kernel %{{.*}}, weights(%{{.*}}, %{{.*}}) biases(%{{.*}}, %{{.*}}) into %{{.*}} activations [relu, none] : tensor<?x64xbf16>, weights(tensor<64x64xbf16>, tensor<16x64xbf16>) biases(tensor<64xbf16>, tensor<16xbf16>) into tensor<?x16xbf16> -> tensor<?x16xbf16>
// CHECK: hypatia.mlp_kernel %{{.*}}, weights(%{{.*}}, %{{.*}}) into %{{.*}} activations [silu, gelu_erf] : memref<?x64xf16>, weights(memref<32x64xf16>, memref<16x32xf16>) into memref<?x16xf16>{{$}}
// GENERIC-LABEL: sym_name = "mlp_kernel"
// GENERIC: "hypatia.mlp_kernel"
func.func @mlp_kernel(%x: tensor<?x64xbf16>, %w1: tensor<64x64xbf16>, %w2: tensor<16x64xbf16>, %b1: tensor<64xbf16>, %b2: tensor<16xbf16>, %init: tensor<?x16xbf16>,
                      %xb: memref<?x64xf16>, %v1: memref<32x64xf16>, %v2: memref<16x32xf16>, %yb: memref<?x16xf16>) -> tensor<?x16xbf16> {
  %y = hypatia.mlp_kernel %x, weights(%w1, %w2) biases(%b1, %b2) into %init activations [relu, none]
      : tensor<?x64xbf16>, weights(tensor<64x64xbf16>, tensor<16x64xbf16>) biases(tensor<64xbf16>, tensor<16xbf16>) into tensor<?x16xbf16> -> tensor<?x16xbf16>
  hypatia.mlp_kernel %xb, weights(%v1, %v2) into %yb activations [silu, gelu_erf]
      : memref<?x64xf16>, weights(memref<32x64xf16>, memref<16x32xf16>) into memref<?x16xf16>
  return %y : tensor<?x16xbf16>
}

// CHECK-LABEL: func.func @gradients
// CHECK: hypatia.matmul %{{.*}}, %{{.*}} : tensor<?x256xf32>, tensor<256x512xf32> -> tensor<?x512xf32>
// CHECK: hypatia.matmul %{{.*}}, %{{.*}} {transpose_lhs} : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
// CHECK: hypatia.activation_grad %{{.*}}, %{{.*}} {activation = #hypatia.activation<gelu_erf>} : tensor<?x256xf32>
// CHECK: hypatia.sum_rows %{{.*}} : tensor<?x256xf32> -> tensor<256xf32>
// GENERIC-LABEL: sym_name = "gradients"
// GENERIC: "hypatia.matmul"
// GENERIC: "hypatia.activation_grad"
// GENERIC: "hypatia.sum_rows"
func.func @gradients(%dy: tensor<?x256xf32>, %w: tensor<256x512xf32>, %x: tensor<?x512xf32>, %h: tensor<?x256xf32>)
    -> (tensor<?x512xf32>, tensor<256x512xf32>, tensor<?x256xf32>, tensor<256xf32>) {
  %dx = hypatia.matmul %dy, %w : tensor<?x256xf32>, tensor<256x512xf32> -> tensor<?x512xf32>
  %dw = hypatia.matmul %dy, %x {transpose_lhs} : tensor<?x256xf32>, tensor<?x512xf32> -> tensor<256x512xf32>
  %dh = hypatia.activation_grad %dy, %h {activation = #hypatia.activation<gelu_erf>} : tensor<?x256xf32>
  %db = hypatia.sum_rows %dh : tensor<?x256xf32> -> tensor<256xf32>
  return %dx, %dw, %dh, %db : tensor<?x512xf32>, tensor<256x512xf32>, tensor<?x256xf32>, tensor<256xf32>
}

// CHECK-LABEL: func.func @gated
// CHECK: hypatia.gated_linear %{{.*}}, %{{.*}}, %{{.*}} {activation = #hypatia.activation<silu>} : (tensor<2x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>) -> tensor<2x?x96xbf16>
// CHECK: hypatia.gated_linear %{{.*}}, %{{.*}}, %{{.*}} biases(%{{.*}}, %{{.*}}) {activation = #hypatia.activation<gelu_erf>}
// CHECK: hypatia.library_linear %{{.*}}, %{{.*}}, %{{.*}} then %{{.*}}, %{{.*}} into %{{.*}} {epilogue = #hypatia.activation<none>} : memref<?x64xf32>, memref<96x64xf32>, memref<96xf32> then memref<96x64xf32>, memref<96xf32> into memref<?x192xf32>
// GENERIC-LABEL: sym_name = "gated"
// GENERIC: "hypatia.gated_linear"(%{{.*}}, %{{.*}}, %{{.*}}) <{activation = #hypatia.activation<silu>}>
// GENERIC: "hypatia.library_linear"({{.*}}) <{epilogue = #hypatia.activation<none>, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>}>
func.func @gated(%x: tensor<2x?x64xbf16>, %wg: tensor<96x64xbf16>, %wu: tensor<96x64xbf16>,
                 %x2: tensor<?x64xf32>, %wg2: tensor<96x64xf32>, %wu2: tensor<96x64xf32>, %bg: tensor<96xf32>, %bu: tensor<96xf32>,
                 %xb: memref<?x64xf32>, %wb: memref<96x64xf32>, %bb: memref<96xf32>, %yb: memref<?x192xf32>)
    -> (tensor<2x?x96xbf16>, tensor<?x96xf32>) {
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<2x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>) -> tensor<2x?x96xbf16>
  %h2 = hypatia.gated_linear %x2, %wg2, %wu2 biases(%bg, %bu) {activation = #hypatia.activation<gelu_erf>} : (tensor<?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<96xf32>, tensor<96xf32>) -> tensor<?x96xf32>
  hypatia.library_linear %xb, %wb, %bb then %wb, %bb into %yb {epilogue = #hypatia.activation<none>} : memref<?x64xf32>, memref<96x64xf32>, memref<96xf32> then memref<96x64xf32>, memref<96xf32> into memref<?x192xf32>
  return %h, %h2 : tensor<2x?x96xbf16>, tensor<?x96xf32>
}
