// Every verifier message, each with the location it points at.
// RUN: hypatia-opt %s -split-input-file -verify-diagnostics

func.func @weight_does_not_match_input_features(%x: tensor<?x784xf32>, %w: tensor<2048x512xf32>) -> tensor<?x2048xf32> {
  // expected-error @+1 {{'hypatia.linear' op weight [2048, 512] does not match input features 784 (input [?, 784]): expected weight [2048, 784]}}
  %0 = hypatia.linear %x, %w : (tensor<?x784xf32>, tensor<2048x512xf32>) -> tensor<?x2048xf32>
  return %0 : tensor<?x2048xf32>
}

// -----

func.func @bias_does_not_match_weight(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>, %b: tensor<10xf32>) -> tensor<8x32xf32> {
  // expected-error @+1 {{'hypatia.fused_linear_relu' op bias [10] does not match weight [32, 64]: expected bias [32]}}
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<10xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @bias_rank(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>, %b: tensor<1x32xf32>) -> tensor<8x32xf32> {
  // expected-error @+1 {{bias [1, 32] does not match weight [32, 64]: expected bias [32]}}
  %0 = hypatia.linear %x, %w, %b : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<1x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @input_without_batch_dimension(%x: tensor<64xf32>, %w: tensor<32x64xf32>) -> tensor<32xf32> {
  // expected-error @+1 {{'hypatia.linear' op input must have rank >= 2 ([batch..., in_features]), got [64]}}
  %0 = hypatia.linear %x, %w : (tensor<64xf32>, tensor<32x64xf32>) -> tensor<32xf32>
  return %0 : tensor<32xf32>
}

// -----

func.func @dynamic_input_features(%x: tensor<8x?xf32>, %w: tensor<32x64xf32>) -> tensor<8x32xf32> {
  // expected-error @+1 {{input features (the last dimension) must be static, got input [8, ?]}}
  %0 = hypatia.linear %x, %w : (tensor<8x?xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @dynamic_weight(%x: tensor<8x64xf32>, %w: tensor<?x64xf32>) -> tensor<8x?xf32> {
  // expected-error @+1 {{weight must be a static [out_features, in_features] matrix, got [?, 64]}}
  %0 = hypatia.linear %x, %w : (tensor<8x64xf32>, tensor<?x64xf32>) -> tensor<8x?xf32>
  return %0 : tensor<8x?xf32>
}

// -----

func.func @weight_rank(%x: tensor<8x64xf32>, %w: tensor<2x32x64xf32>) -> tensor<8x32xf32> {
  // expected-error @+1 {{weight must be a static [out_features, in_features] matrix, got [2, 32, 64]}}
  %0 = hypatia.linear %x, %w : (tensor<8x64xf32>, tensor<2x32x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @weight_element_type(%x: tensor<8x64xf32>, %w: tensor<32x64xf16>) -> tensor<8x32xf32> {
  // expected-error @+1 {{'hypatia.fused_linear_silu' op element types differ: input 'f32', weight 'f16'}}
  %0 = hypatia.fused_linear_silu %x, %w : (tensor<8x64xf32>, tensor<32x64xf16>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @bias_element_type(%x: tensor<8x64xbf16>, %w: tensor<32x64xbf16>, %b: tensor<32xf32>) -> tensor<8x32xbf16> {
  // expected-error @+1 {{element types differ: input 'bf16', bias 'f32'}}
  %0 = hypatia.fused_linear_gelu %x, %w, %b : (tensor<8x64xbf16>, tensor<32x64xbf16>, tensor<32xf32>) -> tensor<8x32xbf16>
  return %0 : tensor<8x32xbf16>
}

// -----

func.func @result_shape(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'hypatia.linear' op result [?, 16] does not match [?, 32] (the input's batch dimensions [?] followed by out_features 32)}}
  %0 = hypatia.linear %x, %w : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}

// -----

func.func @result_batch_dimensions(%x: tensor<2x?x64xf32>, %w: tensor<32x64xf32>) -> tensor<2x5x32xf32> {
  // expected-error @+1 {{result [2, 5, 32] does not match [2, ?, 32] (the input's batch dimensions [2, ?] followed by out_features 32)}}
  %0 = hypatia.linear %x, %w : (tensor<2x?x64xf32>, tensor<32x64xf32>) -> tensor<2x5x32xf32>
  return %0 : tensor<2x5x32xf32>
}

// -----

func.func @result_element_type(%x: tensor<8x64xf16>, %w: tensor<32x64xf16>) -> tensor<8x32xf32> {
  // expected-error @+1 {{result element type 'f32' differs from input element type 'f16'}}
  %0 = hypatia.linear %x, %w : (tensor<8x64xf16>, tensor<32x64xf16>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @unsupported_element_type(%x: tensor<8x64xf64>, %w: tensor<32x64xf64>) -> tensor<8x32xf64> {
  // expected-error @+1 {{'hypatia.linear' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<8x64xf64>'}}
  %0 = hypatia.linear %x, %w : (tensor<8x64xf64>, tensor<32x64xf64>) -> tensor<8x32xf64>
  return %0 : tensor<8x32xf64>
}

// -----

func.func @activation_type_mismatch(%x: tensor<8x64xf32>) -> tensor<8x64xf16> {
  // expected-error @+1 {{'hypatia.relu' op requires the same type for all operands and results}}
  %0 = "hypatia.relu"(%x) : (tensor<8x64xf32>) -> tensor<8x64xf16>
  return %0 : tensor<8x64xf16>
}

// -----

func.func @dropout_probability(%x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'hypatia.dropout' op attribute 'probability' failed to satisfy constraint: 64-bit float attribute whose value is a probability in [0, 1)}}
  %0 = hypatia.dropout %x {probability = 1.5 : f64} : tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}

// -----

func.func @mlp_single_layer(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>) -> tensor<8x32xf32> {
  // expected-error @+1 {{'hypatia.fused_mlp' op needs at least two layers, got 1; use hypatia.linear or a fused_linear_* op for a single layer}}
  %0 = hypatia.fused_mlp %x, weights(%w) activations [relu] : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @mlp_bias_count(%x: tensor<8x64xf32>, %w1: tensor<32x64xf32>, %w2: tensor<4x32xf32>, %b1: tensor<32xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'hypatia.fused_mlp' op has 1 biases for 2 layers: give one bias per layer or none}}
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) biases(%b1) activations [relu, none] : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<4x32xf32>, tensor<32xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @mlp_activation_count(%x: tensor<8x64xf32>, %w1: tensor<32x64xf32>, %w2: tensor<4x32xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'hypatia.fused_mlp' op has 3 activations for 2 layers}}
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) activations [relu, relu, none] : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<4x32xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @mlp_broken_chain(%x: tensor<?x64xf32>, %w1: tensor<32x64xf32>, %w2: tensor<4x16xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'hypatia.fused_mlp' op layer 1: weight [4, 16] does not match input features 32 (input [?, 32]): expected weight [4, 32]}}
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) activations [relu, none] : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<4x16xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @mlp_layer_bias(%x: tensor<8x64xf32>, %w1: tensor<32x64xf32>, %w2: tensor<4x32xf32>, %b1: tensor<32xf32>, %b2: tensor<32xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'hypatia.fused_mlp' op layer 1: bias [32] does not match weight [4, 32]: expected bias [4]}}
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) biases(%b1, %b2) activations [relu, none] : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<4x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @mlp_result(%x: tensor<8x64xf32>, %w1: tensor<32x64xf32>, %w2: tensor<4x32xf32>) -> tensor<8x32xf32> {
  // expected-error @+1 {{'hypatia.fused_mlp' op result [8, 32] does not match [8, 4] (the input's batch dimensions [8] followed by out_features 4)}}
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) activations [relu, none] : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<4x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

func.func @mlp_unknown_activation(%x: tensor<8x64xf32>, %w1: tensor<32x64xf32>, %w2: tensor<4x32xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{unknown activation 'tanh': expected none, relu, gelu_erf, gelu_tanh or silu}}
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) activations [tanh, none] : (tensor<8x64xf32>, tensor<32x64xf32>, tensor<4x32xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @unknown_op(%x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{custom op 'hypatia.sigmoid' is unknown}}
  %0 = hypatia.sigmoid %x : tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}

// -----

module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @library_silu(%x: memref<4x64xf32>, %w: memref<32x64xf32>, %y: memref<4x32xf32>) {
  // expected-error @+1 {{'hypatia.library_linear' op the GEMM library of the cuda target cannot apply silu to 'f32' in its epilogue}}
  hypatia.library_linear %x, %w into %y {epilogue = #hypatia.activation<silu>} : memref<4x64xf32>, memref<32x64xf32> into memref<4x32xf32>
  return
}
}

// -----

func.func @library_shapes(%x: memref<4x64xf32>, %w: memref<32x48xf32>, %y: memref<4x32xf32>) {
  // expected-error @+1 {{'hypatia.library_linear' op shapes do not form a linear layer: input [4, 64], weight [32, 48], init [4, 32]}}
  hypatia.library_linear %x, %w into %y {epilogue = #hypatia.activation<none>} : memref<4x64xf32>, memref<32x48xf32> into memref<4x32xf32>
  return
}

// -----

func.func @library_mixed(%x: tensor<4x64xf32>, %w: memref<32x64xf32>, %y: memref<4x32xf32>) {
  // expected-error @+1 {{'hypatia.library_linear' op operands must be all tensors or all buffers}}
  hypatia.library_linear %x, %w into %y {epilogue = #hypatia.activation<none>} : tensor<4x64xf32>, memref<32x64xf32> into memref<4x32xf32>
  return
}

// -----

func.func @mul_of_different_types(%a: tensor<8x16xf32>, %b: tensor<8x32xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'hypatia.mul' op requires the same type for all operands and results}}
  %0 = "hypatia.mul"(%a, %b) : (tensor<8x16xf32>, tensor<8x32xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @add_of_different_types(%a: tensor<8x16xf32>, %b: tensor<8x16xbf16>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'hypatia.add' op requires the same type for all operands and results}}
  %0 = "hypatia.add"(%a, %b) : (tensor<8x16xf32>, tensor<8x16xbf16>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @convert_of_another_shape(%x: tensor<8x16xf32>) -> tensor<8x32xbf16> {
  // expected-error @+1 {{'hypatia.convert' op requires the same shape for all operands and results}}
  %0 = "hypatia.convert"(%x) : (tensor<8x16xf32>) -> tensor<8x32xbf16>
  return %0 : tensor<8x32xbf16>
}

// -----

func.func @convert_to_an_integer(%x: tensor<8x16xf32>) -> tensor<8x16xi8> {
  // expected-error @+1 {{'hypatia.convert' op result #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = "hypatia.convert"(%x) : (tensor<8x16xf32>) -> tensor<8x16xi8>
  return %0 : tensor<8x16xi8>
}

// -----

func.func @mlp_kernel_f32(%x: tensor<?x64xf32>, %w1: tensor<64x64xf32>, %w2: tensor<16x64xf32>, %init: tensor<?x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'hypatia.mlp_kernel' op the cuda target's fused_mlp kernel does not compute 'f32' layers of widths [64, 64, 16]}}
  %y = hypatia.mlp_kernel %x, weights(%w1, %w2) into %init activations [relu, none]
      : tensor<?x64xf32>, weights(tensor<64x64xf32>, tensor<16x64xf32>) into tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Widths are padded to multiples of 16 in the kernel: 130 needs 144, more
// than the target's fused_mlp_max_width (128).
func.func @mlp_kernel_too_wide(%x: tensor<?x64xbf16>, %w1: tensor<130x64xbf16>, %w2: tensor<16x130xbf16>, %init: tensor<?x16xbf16>) -> tensor<?x16xbf16> {
  // expected-error @+1 {{'hypatia.mlp_kernel' op the cuda target's fused_mlp kernel does not compute 'bf16' layers of widths [64, 130, 16]}}
  %y = hypatia.mlp_kernel %x, weights(%w1, %w2) into %init activations [relu, none]
      : tensor<?x64xbf16>, weights(tensor<130x64xbf16>, tensor<16x130xbf16>) into tensor<?x16xbf16> -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// -----

func.func @mlp_kernel_mixed_form(%x: tensor<?x64xbf16>, %w1: tensor<64x64xbf16>, %w2: tensor<16x64xbf16>, %init: memref<?x16xbf16>) {
  // expected-error @+1 {{'hypatia.mlp_kernel' op operands must be all tensors or all buffers}}
  hypatia.mlp_kernel %x, weights(%w1, %w2) into %init activations [relu, none]
      : tensor<?x64xbf16>, weights(tensor<64x64xbf16>, tensor<16x64xbf16>) into memref<?x16xbf16>
  return
}

// -----

func.func @matmul_inner_sizes_differ(%a: tensor<?x256xf32>, %b: tensor<512x256xf32>) -> tensor<?x256xf32> {
  // expected-error @+1 {{'hypatia.matmul' op shapes do not multiply: op(lhs) [?, 256] @ op(rhs) [512, 256] -> [?, 256]}}
  %0 = hypatia.matmul %a, %b : tensor<?x256xf32>, tensor<512x256xf32> -> tensor<?x256xf32>
  return %0 : tensor<?x256xf32>
}

// -----

func.func @matmul_not_matrices(%a: tensor<2x?x256xf32>, %b: tensor<256x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'hypatia.matmul' op expects matrices (rank 2), got [2, ?, 256], [256, 64] -> [?, 64]}}
  %0 = hypatia.matmul %a, %b : tensor<2x?x256xf32>, tensor<256x64xf32> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

func.func @matmul_mixed_types(%a: tensor<?x256xbf16>, %b: tensor<256x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'hypatia.matmul' op operands and result must have one element type}}
  %0 = hypatia.matmul %a, %b : tensor<?x256xbf16>, tensor<256x64xf32> -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

func.func @sum_rows_of_a_vector(%a: tensor<64xf32>) -> tensor<64xf32> {
  // expected-error @+1 {{'hypatia.sum_rows' op expects [batch..., N] -> [N], got [64] -> [64]}}
  %0 = hypatia.sum_rows %a : tensor<64xf32> -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

func.func @sum_rows_wrong_width(%a: tensor<?x64xf32>) -> tensor<32xf32> {
  // expected-error @+1 {{'hypatia.sum_rows' op result [32] is not the last dimension of the input [?, 64]}}
  %0 = hypatia.sum_rows %a : tensor<?x64xf32> -> tensor<32xf32>
  return %0 : tensor<32xf32>
}

// -----

func.func @activation_grad_types_differ(%g: tensor<?x64xf32>, %x: tensor<?x64xbf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'hypatia.activation_grad' op requires the same type for all operands and results}}
  %0 = "hypatia.activation_grad"(%g, %x) {activation = #hypatia.activation<relu>} : (tensor<?x64xf32>, tensor<?x64xbf16>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

func.func @gated_one_bias(%x: tensor<4x64xf32>, %wg: tensor<32x64xf32>, %wu: tensor<32x64xf32>, %b: tensor<32xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{'hypatia.gated_linear' op has 1 biases: give the gate's and the up projection's, or none}}
  %h = hypatia.gated_linear %x, %wg, %wu biases(%b) {activation = #hypatia.activation<silu>} : (tensor<4x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %h : tensor<4x32xf32>
}

// -----

func.func @gated_no_activation(%x: tensor<4x64xf32>, %wg: tensor<32x64xf32>, %wu: tensor<32x64xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{'hypatia.gated_linear' op needs an activation on the gate (relu, gelu_erf, gelu_tanh or silu)}}
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<none>} : (tensor<4x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<4x32xf32>
  return %h : tensor<4x32xf32>
}

// -----

func.func @gated_widths(%x: tensor<4x64xf32>, %wg: tensor<32x64xf32>, %wu: tensor<48x64xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{'hypatia.gated_linear' op gate weight [32, 64] and up weight [48, 64] differ: the product needs equal widths}}
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<4x64xf32>, tensor<32x64xf32>, tensor<48x64xf32>) -> tensor<4x32xf32>
  return %h : tensor<4x32xf32>
}

// -----

func.func @gated_up_features(%x: tensor<4x64xf32>, %wg: tensor<32x64xf32>, %wu: tensor<32x48xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{'hypatia.gated_linear' op up: weight [32, 48] does not match input features 64 (input [4, 64]): expected weight [32, 64]}}
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<4x64xf32>, tensor<32x64xf32>, tensor<32x48xf32>) -> tensor<4x32xf32>
  return %h : tensor<4x32xf32>
}

// -----

func.func @gated_result(%x: tensor<4x64xf32>, %wg: tensor<32x64xf32>, %wu: tensor<32x64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'hypatia.gated_linear' op result [4, 64] does not match [4, 32] (the input's batch dimensions [4] followed by out_features 32)}}
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<4x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<4x64xf32>
  return %h : tensor<4x64xf32>
}

// -----

func.func @library_second_weight_shape(%x: memref<4x64xf32>, %w: memref<32x64xf32>, %w2: memref<16x64xf32>, %y: memref<4x64xf32>) {
  // expected-error @+1 {{'hypatia.library_linear' op expects second_weight of the weight's shape, with second_bias exactly when there is a bias (of the bias's shape), and neither operand transposed}}
  hypatia.library_linear %x, %w then %w2 into %y {epilogue = #hypatia.activation<none>} : memref<4x64xf32>, memref<32x64xf32> then memref<16x64xf32> into memref<4x64xf32>
  return
}

// -----

func.func @library_second_bias_alone(%x: memref<4x64xf32>, %w: memref<32x64xf32>, %w2: memref<32x64xf32>, %b: memref<32xf32>, %y: memref<4x64xf32>) {
  // expected-error @+1 {{'hypatia.library_linear' op expects second_weight of the weight's shape, with second_bias exactly when there is a bias (of the bias's shape), and neither operand transposed}}
  hypatia.library_linear %x, %w then %w2, %b into %y {epilogue = #hypatia.activation<none>} : memref<4x64xf32>, memref<32x64xf32> then memref<32x64xf32>, memref<32xf32> into memref<4x64xf32>
  return
}

// -----

func.func @library_second_init(%x: memref<4x64xf32>, %w: memref<32x64xf32>, %w2: memref<32x64xf32>, %y: memref<4x32xf32>) {
  // expected-error @+1 {{'hypatia.library_linear' op shapes do not form a linear layer: input [4, 64], weight [32, 64], init [4, 32]}}
  hypatia.library_linear %x, %w then %w2 into %y {epilogue = #hypatia.activation<none>} : memref<4x64xf32>, memref<32x64xf32> then memref<32x64xf32> into memref<4x32xf32>
  return
}
