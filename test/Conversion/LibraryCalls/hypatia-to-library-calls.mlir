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

// -----

// A gated_linear: both projections in one call into [M, 2N] (the gate's
// weight first), then the gate's activation on the first half times the
// second half, as elementwise ops for hypatia-to-linalg to fuse.
// CHECK-LABEL: func.func @gated
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x64xbf16>, %[[WG:.*]]: tensor<96x64xbf16>, %[[WU:.*]]: tensor<96x64xbf16>)
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]]
// CHECK: %[[E:.*]] = tensor.empty({{.*}}) : tensor<2x?x192xbf16>
// CHECK: %[[E2:.*]] = tensor.collapse_shape %[[E]]
// CHECK: %[[H:.*]] = hypatia.library_linear %[[X2]], %[[WG]] then %[[WU]] into %[[E2]] {epilogue = #hypatia.activation<none>}
// CHECK-SAME: -> tensor<?x192xbf16>
// CHECK: %[[M:.*]] = tensor.dim %[[H]], %c0
// CHECK: %[[G:.*]] = tensor.extract_slice %[[H]][0, 0] [%[[M]], 96] [1, 1]
// CHECK: %[[A:.*]] = hypatia.silu %[[G]] : tensor<?x96xbf16>
// CHECK: %[[U:.*]] = tensor.extract_slice %[[H]][0, 96] [%[[M]], 96] [1, 1]
// CHECK: %[[P:.*]] = hypatia.mul %[[A]], %[[U]] : tensor<?x96xbf16>
// CHECK: tensor.expand_shape %[[P]]
// TF32-LABEL: func.func @gated
// TF32-NOT: allow_tf32
// TF32: return
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @gated(%x: tensor<2x?x64xbf16>, %wg: tensor<96x64xbf16>, %wu: tensor<96x64xbf16>) -> tensor<2x?x96xbf16> {
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<2x?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>) -> tensor<2x?x96xbf16>
  return %h : tensor<2x?x96xbf16>
}
}

// -----

// timm's GluMlp: the up projection's rows (and bias) lie just before the
// gate's in one tensor, so they go first (one matrix for the runtime) and
// the gate is the second half. f32 may use TF32 where allowed.
// CHECK-LABEL: func.func @glu_chunks
// CHECK: %[[WA:.*]] = tensor.extract_slice %arg1[0, 0] [80, 96] [1, 1]
// CHECK: %[[WB:.*]] = tensor.extract_slice %arg1[80, 0] [80, 96] [1, 1]
// CHECK: %[[BA:.*]] = tensor.extract_slice %arg2[0] [80] [1]
// CHECK: %[[BB:.*]] = tensor.extract_slice %arg2[80] [80] [1]
// CHECK: %[[H:.*]] = hypatia.library_linear %arg0, %[[WA]], %[[BA]] then %[[WB]], %[[BB]] into
// CHECK: %[[G:.*]] = tensor.extract_slice %[[H]][0, 80] [%{{.*}}, 80] [1, 1]
// CHECK: %[[A:.*]] = hypatia.gelu %[[G]]
// CHECK: %[[U:.*]] = tensor.extract_slice %[[H]][0, 0] [%{{.*}}, 80] [1, 1]
// CHECK: hypatia.mul %[[A]], %[[U]]
// TF32-LABEL: func.func @glu_chunks
// TF32: hypatia.library_linear {{.*}} {allow_tf32, epilogue = #hypatia.activation<none>}
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @glu_chunks(%x: tensor<?x96xf32>, %w1: tensor<160x96xf32>, %b1: tensor<160xf32>) -> tensor<?x80xf32> {
  %w1a = tensor.extract_slice %w1[0, 0] [80, 96] [1, 1] : tensor<160x96xf32> to tensor<80x96xf32>
  %w1b = tensor.extract_slice %w1[80, 0] [80, 96] [1, 1] : tensor<160x96xf32> to tensor<80x96xf32>
  %b1a = tensor.extract_slice %b1[0] [80] [1] : tensor<160xf32> to tensor<80xf32>
  %b1b = tensor.extract_slice %b1[80] [80] [1] : tensor<160xf32> to tensor<80xf32>
  %h = hypatia.gated_linear %x, %w1b, %w1a biases(%b1b, %b1a) {activation = #hypatia.activation<gelu_erf>} : (tensor<?x96xf32>, tensor<80x96xf32>, tensor<80x96xf32>, tensor<80xf32>, tensor<80xf32>) -> tensor<?x80xf32>
  return %h : tensor<?x80xf32>
}
}

// -----

// A width whose rows hold no whole 16-byte vectors (83 f32): the halves of
// one [M, 2N] buffer would be read element by element, so the two layers go
// into two buffers of their own.
// CHECK-LABEL: func.func @gated_odd_width
// CHECK-NOT: then
// CHECK: %[[G:.*]] = hypatia.library_linear %arg0, %arg1 into
// CHECK: %[[A:.*]] = hypatia.silu %[[G]]
// CHECK: %[[U:.*]] = hypatia.library_linear %arg0, %arg2 into
// CHECK: hypatia.mul %[[A]], %[[U]]
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @gated_odd_width(%x: tensor<?x64xf32>, %wg: tensor<83x64xf32>, %wu: tensor<83x64xf32>) -> tensor<?x83xf32> {
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<?x64xf32>, tensor<83x64xf32>, tensor<83x64xf32>) -> tensor<?x83xf32>
  return %h : tensor<?x83xf32>
}
}
