// RUN: hypatia-opt %s --hypatia-to-library-calls --split-input-file | FileCheck %s
// RUN: hypatia-opt %s --hypatia-to-library-calls=allow-tf32 --split-input-file | FileCheck %s --check-prefix=TF32

// A ReLU layer is one library call with the bias and the ReLU in its
// epilogue, written into a fresh destination.
// CHECK-LABEL: func.func @relu_layer
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<32x64xf32>, %[[B:.*]]: tensor<32xf32>)
// CHECK: %[[M:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[M]]) : tensor<?x32xf32>
// CHECK: %[[Y:.*]] = hypatia.library_linear %[[X]], %[[W]], %[[B]] into %[[E]] {epilogue = #hypatia.activation<relu>}
// CHECK-NEXT: return %[[Y]]
// TF32-LABEL: func.func @relu_layer
// TF32: hypatia.library_linear {{.*}} {allow_tf32, epilogue = #hypatia.activation<relu>}
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @relu_layer(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>, %b: tensor<32xf32>) -> tensor<?x32xf32> {
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}
}

// -----

// cuBLASLt has no SiLU epilogue, and its GELU is tanh-GELU at f32 accuracy
// only for f16/bf16: the activation follows the call as its elementwise op.
// Batch dimensions are collapsed around the call. TF32 is for f32 only.
// CHECK-LABEL: func.func @unfused_epilogues
// CHECK: %[[X2:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<4x?x64xbf16> into tensor<?x64xbf16>
// CHECK: %[[G:.*]] = hypatia.library_linear %[[X2]], %{{.*}} into %{{.*}} {epilogue = #hypatia.activation<gelu_tanh>}
// CHECK: %[[G3:.*]] = tensor.expand_shape %[[G]]
// CHECK: %[[S:.*]] = hypatia.library_linear {{.*}} {epilogue = #hypatia.activation<none>}
// CHECK: %[[S3:.*]] = tensor.expand_shape %[[S]]
// CHECK: hypatia.silu %[[S3]] : tensor<4x?x16xbf16>
// TF32-LABEL: func.func @unfused_epilogues
// TF32-NOT: allow_tf32
// TF32: return
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @unfused_epilogues(%x: tensor<4x?x64xbf16>, %w1: tensor<32x64xbf16>, %w2: tensor<16x32xbf16>) -> tensor<4x?x16xbf16> {
  %0 = hypatia.fused_linear_gelu %x, %w1 {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<4x?x64xbf16>, tensor<32x64xbf16>) -> tensor<4x?x32xbf16>
  %1 = hypatia.fused_linear_silu %0, %w2 : (tensor<4x?x32xbf16>, tensor<16x32xbf16>) -> tensor<4x?x16xbf16>
  return %1 : tensor<4x?x16xbf16>
}
}

// -----

// f32 tanh-GELU is not left to cuBLASLt's approximation; an f32 fused_mlp
// (which the tensor-core kernel does not compute) is its chain of layers.
// CHECK-LABEL: func.func @mlp_chain
// CHECK: hypatia.library_linear {{.*}} {epilogue = #hypatia.activation<none>}
// CHECK-NEXT: hypatia.gelu %{{.*}} {approximate = #hypatia.gelu_approximation<tanh>} : tensor<8x32xf32>
// CHECK: hypatia.library_linear {{.*}} {epilogue = #hypatia.activation<relu>}
// CHECK-NOT: hypatia.fused_mlp
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @mlp_chain(%x: tensor<8x64xf32>, %w1: tensor<32x64xf32>, %w2: tensor<16x32xf32>) -> tensor<8x16xf32> {
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) activations [gelu_tanh, relu] : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}
}

// -----

// A bf16 fused_mlp the target's kernel computes becomes one mlp_kernel, the
// batch dimensions collapsed around it as for a layer.
// CHECK-LABEL: func.func @mlp_kernel
// CHECK-SAME: (%[[X:.*]]: tensor<4x?x64xbf16>, %[[W1:.*]]: tensor<32x64xbf16>, %[[W2:.*]]: tensor<16x32xbf16>, %[[B1:.*]]: tensor<32xbf16>, %[[B2:.*]]: tensor<16xbf16>)
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<4x?x64xbf16> into tensor<?x64xbf16>
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<4x?x16xbf16>
// CHECK: %[[E2:.*]] = tensor.collapse_shape %[[E]]
// CHECK: %[[Y:.*]] = hypatia.mlp_kernel %[[X2]], weights(%[[W1]], %[[W2]]) biases(%[[B1]], %[[B2]]) into %[[E2]] activations [silu, none]
// CHECK: %[[Y3:.*]] = tensor.expand_shape %[[Y]]
// CHECK-NOT: hypatia.library_linear
// CHECK: return %[[Y3]]
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @mlp_kernel(%x: tensor<4x?x64xbf16>, %w1: tensor<32x64xbf16>, %w2: tensor<16x32xbf16>, %b1: tensor<32xbf16>, %b2: tensor<16xbf16>) -> tensor<4x?x16xbf16> {
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) biases(%b1, %b2) activations [silu, none] : (tensor<4x?x64xbf16>, tensor<32x64xbf16>, tensor<16x32xbf16>, tensor<32xbf16>, tensor<16xbf16>) -> tensor<4x?x16xbf16>
  return %0 : tensor<4x?x16xbf16>
}
}
