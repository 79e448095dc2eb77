// Every op and epilogue on the GPU in f16 (f32 accumulation: relative error <= 1e-2), through
// hypatia-run --target=cuda (the CUDA pipeline, a shared object with the model
// ABI, results poisoned with NaN before the call), against float64 NumPy on
// fresh random inputs (a new seed per lit run).
// REQUIRES: cuda
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run --target=cuda %s -e linear --seed %seed --dynamic-sizes 37 --output-dir %t/linear
// RUN: %reference %t/linear 'linear(arg0, arg1, arg2)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e linear_nobias --seed %seed --dynamic-sizes 37 --output-dir %t/linear_nobias
// RUN: %reference %t/linear_nobias 'linear(arg0, arg1)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e linear_relu --seed %seed --dynamic-sizes 37 --output-dir %t/linear_relu
// RUN: %reference %t/linear_relu 'relu(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e linear_relu_nobias --seed %seed --dynamic-sizes 37 --output-dir %t/linear_relu_nobias
// RUN: %reference %t/linear_relu_nobias 'relu(linear(arg0, arg1))' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e linear_gelu --seed %seed --dynamic-sizes 37 --output-dir %t/linear_gelu
// RUN: %reference %t/linear_gelu 'gelu(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e linear_gelu_tanh --seed %seed --dynamic-sizes 37 --output-dir %t/linear_gelu_tanh
// RUN: %reference %t/linear_gelu_tanh 'gelu_tanh(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e linear_silu --seed %seed --dynamic-sizes 37 --output-dir %t/linear_silu
// RUN: %reference %t/linear_silu 'silu(linear(arg0, arg1, arg2))' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e relu --seed %seed --dynamic-sizes 37 --output-dir %t/relu
// RUN: %reference %t/relu 'relu(arg0)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e gelu --seed %seed --dynamic-sizes 37 --output-dir %t/gelu
// RUN: %reference %t/gelu 'gelu(arg0)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e gelu_tanh --seed %seed --dynamic-sizes 37 --output-dir %t/gelu_tanh
// RUN: %reference %t/gelu_tanh 'gelu_tanh(arg0)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e silu --seed %seed --dynamic-sizes 37 --output-dir %t/silu
// RUN: %reference %t/silu 'silu(arg0)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e dropout --seed %seed --dynamic-sizes 37 --output-dir %t/dropout
// RUN: %reference %t/dropout 'arg0' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e mlp --seed %seed --dynamic-sizes 37 --output-dir %t/mlp
// RUN: %reference %t/mlp 'linear(gelu(linear(relu(linear(arg0, arg1, arg2)), arg3, arg4)), arg5, arg6)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e mul --seed %seed --dynamic-sizes 37 --output-dir %t/mul
// RUN: %reference %t/mul 'arg0 * arg1' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e gated --seed %seed --dynamic-sizes 37 --output-dir %t/gated
// RUN: %reference %t/gated 'linear(silu(linear(arg0, arg1)) * linear(arg0, arg2), arg3)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e glu --seed %seed --dynamic-sizes 37 --output-dir %t/glu
// RUN: %reference %t/glu 'linear(linear(arg0, arg1[:80], arg2[:80]) * gelu(linear(arg0, arg1[80:], arg2[80:])), arg3, arg4)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e residual --seed %seed --dynamic-sizes 37 --output-dir %t/residual
// RUN: %reference %t/residual 'linear(gelu(linear(arg0, arg1, arg2)), arg3, arg4) + arg0' --rtol 1e-2 | FileCheck %s
// hypatia.gated_linear: gate and up in one call into [M, 2N] (two GEMMs for
// separate weights, one or two, as measured, for rows of one tensor in
// either order), then one kernel over the two column blocks (width 80); a
// width whose rows hold no whole vectors (83) as two layers in two buffers.
// RUN: hypatia-run --target=cuda %s -e gated_linear --seed %seed --dynamic-sizes 37 --output-dir %t/gated_linear
// RUN: %reference %t/gated_linear 'linear(silu(linear(arg0, arg1)) * linear(arg0, arg2), arg3)' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e gated_linear_packed --seed %seed --dynamic-sizes 37 --output-dir %t/packed
// RUN: %reference %t/packed 'gelu_tanh(linear(arg0, arg1[:83], arg2[:83])) * linear(arg0, arg1[83:], arg2[83:])' --rtol 1e-2 | FileCheck %s
// RUN: hypatia-run --target=cuda %s -e gated_linear_glu --seed %seed --dynamic-sizes 37 --output-dir %t/gated_glu
// RUN: %reference %t/gated_glu 'linear(linear(arg0, arg1[:80], arg2[:80]) * gelu(linear(arg0, arg1[80:], arg2[80:])), arg3, arg4)' --rtol 1e-2 | FileCheck %s
// CHECK: PASS

func.func @linear(%x: tensor<?x96xf16>, %w: tensor<80x96xf16>, %b: tensor<80xf16>) -> tensor<?x80xf16> {
  %y = hypatia.linear %x, %w, %b : (tensor<?x96xf16>, tensor<80x96xf16>, tensor<80xf16>) -> tensor<?x80xf16>
  return %y : tensor<?x80xf16>
}

func.func @linear_nobias(%x: tensor<?x96xf16>, %w: tensor<80x96xf16>) -> tensor<?x80xf16> {
  %y = hypatia.linear %x, %w : (tensor<?x96xf16>, tensor<80x96xf16>) -> tensor<?x80xf16>
  return %y : tensor<?x80xf16>
}

func.func @linear_relu(%x: tensor<?x96xf16>, %w: tensor<80x96xf16>, %b: tensor<80xf16>) -> tensor<?x80xf16> {
  %y = hypatia.fused_linear_relu %x, %w, %b : (tensor<?x96xf16>, tensor<80x96xf16>, tensor<80xf16>) -> tensor<?x80xf16>
  return %y : tensor<?x80xf16>
}

func.func @linear_relu_nobias(%x: tensor<?x96xf16>, %w: tensor<80x96xf16>) -> tensor<?x80xf16> {
  %y = hypatia.fused_linear_relu %x, %w : (tensor<?x96xf16>, tensor<80x96xf16>) -> tensor<?x80xf16>
  return %y : tensor<?x80xf16>
}

func.func @linear_gelu(%x: tensor<?x96xf16>, %w: tensor<80x96xf16>, %b: tensor<80xf16>) -> tensor<?x80xf16> {
  %y = hypatia.fused_linear_gelu %x, %w, %b : (tensor<?x96xf16>, tensor<80x96xf16>, tensor<80xf16>) -> tensor<?x80xf16>
  return %y : tensor<?x80xf16>
}

func.func @linear_gelu_tanh(%x: tensor<?x96xf16>, %w: tensor<80x96xf16>, %b: tensor<80xf16>) -> tensor<?x80xf16> {
  %y = hypatia.fused_linear_gelu %x, %w, %b {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<?x96xf16>, tensor<80x96xf16>, tensor<80xf16>) -> tensor<?x80xf16>
  return %y : tensor<?x80xf16>
}

func.func @linear_silu(%x: tensor<?x96xf16>, %w: tensor<80x96xf16>, %b: tensor<80xf16>) -> tensor<?x80xf16> {
  %y = hypatia.fused_linear_silu %x, %w, %b : (tensor<?x96xf16>, tensor<80x96xf16>, tensor<80xf16>) -> tensor<?x80xf16>
  return %y : tensor<?x80xf16>
}

// Activations on a value no GEMM produced: NVVM kernels (batch dims 2: the
// kernels see a rank-3 buffer).
func.func @relu(%x: tensor<3x?x5xf16>) -> tensor<3x?x5xf16> {
  %y = hypatia.relu %x : tensor<3x?x5xf16>
  return %y : tensor<3x?x5xf16>
}

func.func @gelu(%x: tensor<3x?x5xf16>) -> tensor<3x?x5xf16> {
  %y = hypatia.gelu %x : tensor<3x?x5xf16>
  return %y : tensor<3x?x5xf16>
}

func.func @gelu_tanh(%x: tensor<3x?x5xf16>) -> tensor<3x?x5xf16> {
  %y = hypatia.gelu %x {approximate = #hypatia.gelu_approximation<tanh>} : tensor<3x?x5xf16>
  return %y : tensor<3x?x5xf16>
}

func.func @silu(%x: tensor<3x?x5xf16>) -> tensor<3x?x5xf16> {
  %y = hypatia.silu %x : tensor<3x?x5xf16>
  return %y : tensor<3x?x5xf16>
}

func.func @dropout(%x: tensor<3x?x5xf16>) -> tensor<3x?x5xf16> {
  %y = hypatia.dropout %x {probability = 0.5 : f64} : tensor<3x?x5xf16>
  return %y : tensor<3x?x5xf16>
}

// A fused_mlp (a chain of GEMMs on the GPU) with an activation cuBLASLt
// cannot fuse in the middle.
func.func @mlp(%x: tensor<?x96xf16>, %w1: tensor<64x96xf16>, %b1: tensor<64xf16>,
               %w2: tensor<48x64xf16>, %b2: tensor<48xf16>,
               %w3: tensor<8x48xf16>, %b3: tensor<8xf16>) -> tensor<?x8xf16> {
  %y = hypatia.fused_mlp %x, weights(%w1, %w2, %w3) biases(%b1, %b2, %b3) activations [relu, gelu_erf, none]
      : (tensor<?x96xf16>, tensor<64x96xf16>, tensor<48x64xf16>, tensor<8x48xf16>,
         tensor<64xf16>, tensor<48xf16>, tensor<8xf16>) -> tensor<?x8xf16>
  return %y : tensor<?x8xf16>
}

func.func @mul(%a: tensor<?x7x33xf16>, %b: tensor<?x7x33xf16>) -> tensor<?x7x33xf16> {
  %y = hypatia.mul %a, %b : tensor<?x7x33xf16>
  return %y : tensor<?x7x33xf16>
}

// LLaMA-style: down(silu(gate(x)) * up(x)), no biases, 3-D input.
func.func @gated(%x: tensor<2x?x96xf16>, %wg: tensor<80x96xf16>, %wu: tensor<80x96xf16>, %wd: tensor<48x80xf16>) -> tensor<2x?x48xf16> {
  %g = hypatia.linear %x, %wg : (tensor<2x?x96xf16>, tensor<80x96xf16>) -> tensor<2x?x80xf16>
  %a = hypatia.silu %g : tensor<2x?x80xf16>
  %u = hypatia.linear %x, %wu : (tensor<2x?x96xf16>, tensor<80x96xf16>) -> tensor<2x?x80xf16>
  %h = hypatia.mul %a, %u : tensor<2x?x80xf16>
  %y = hypatia.linear %h, %wd : (tensor<2x?x80xf16>, tensor<48x80xf16>) -> tensor<2x?x48xf16>
  return %y : tensor<2x?x48xf16>
}

// timm GluMlp: one projection of 2 x 80 rows, chunked; the second half is
// the gate (erf-GELU). The halves are row slices of the weight and bias.
func.func @glu(%x: tensor<?x96xf16>, %w1: tensor<160x96xf16>, %b1: tensor<160xf16>, %w2: tensor<48x80xf16>, %b2: tensor<48xf16>) -> tensor<?x48xf16> {
  %w1a = tensor.extract_slice %w1[0, 0] [80, 96] [1, 1] : tensor<160x96xf16> to tensor<80x96xf16>
  %w1b = tensor.extract_slice %w1[80, 0] [80, 96] [1, 1] : tensor<160x96xf16> to tensor<80x96xf16>
  %b1a = tensor.extract_slice %b1[0] [80] [1] : tensor<160xf16> to tensor<80xf16>
  %b1b = tensor.extract_slice %b1[80] [80] [1] : tensor<160xf16> to tensor<80xf16>
  %x1 = hypatia.linear %x, %w1a, %b1a : (tensor<?x96xf16>, tensor<80x96xf16>, tensor<80xf16>) -> tensor<?x80xf16>
  %x2 = hypatia.linear %x, %w1b, %b1b : (tensor<?x96xf16>, tensor<80x96xf16>, tensor<80xf16>) -> tensor<?x80xf16>
  %g = hypatia.gelu %x2 : tensor<?x80xf16>
  %h = hypatia.mul %x1, %g : tensor<?x80xf16>
  %y = hypatia.linear %h, %w2, %b2 : (tensor<?x80xf16>, tensor<48x80xf16>, tensor<48xf16>) -> tensor<?x48xf16>
  return %y : tensor<?x48xf16>
}

// A residual connection (hypatia.add) after a GELU MLP on a 3-D input.
func.func @residual(%x: tensor<2x?x64xf16>, %w1: tensor<96x64xf16>, %b1: tensor<96xf16>, %w2: tensor<64x96xf16>, %b2: tensor<64xf16>) -> tensor<2x?x64xf16> {
  %h = hypatia.linear %x, %w1, %b1 : (tensor<2x?x64xf16>, tensor<96x64xf16>, tensor<96xf16>) -> tensor<2x?x96xf16>
  %g = hypatia.gelu %h : tensor<2x?x96xf16>
  %y = hypatia.linear %g, %w2, %b2 : (tensor<2x?x96xf16>, tensor<64x96xf16>, tensor<64xf16>) -> tensor<2x?x64xf16>
  %r = hypatia.add %y, %x : tensor<2x?x64xf16>
  return %r : tensor<2x?x64xf16>
}

func.func @gated_linear(%x: tensor<2x?x96xf16>, %wg: tensor<80x96xf16>, %wu: tensor<80x96xf16>, %wd: tensor<48x80xf16>) -> tensor<2x?x48xf16> {
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<2x?x96xf16>, tensor<80x96xf16>, tensor<80x96xf16>) -> tensor<2x?x80xf16>
  %y = hypatia.linear %h, %wd : (tensor<2x?x80xf16>, tensor<48x80xf16>) -> tensor<2x?x48xf16>
  return %y : tensor<2x?x48xf16>
}

// Gate and up packed into one weight and one bias, gate first.
func.func @gated_linear_packed(%x: tensor<?x96xf16>, %w: tensor<166x96xf16>, %b: tensor<166xf16>) -> tensor<?x83xf16> {
  %wg = tensor.extract_slice %w[0, 0] [83, 96] [1, 1] : tensor<166x96xf16> to tensor<83x96xf16>
  %wu = tensor.extract_slice %w[83, 0] [83, 96] [1, 1] : tensor<166x96xf16> to tensor<83x96xf16>
  %bg = tensor.extract_slice %b[0] [83] [1] : tensor<166xf16> to tensor<83xf16>
  %bu = tensor.extract_slice %b[83] [83] [1] : tensor<166xf16> to tensor<83xf16>
  %h = hypatia.gated_linear %x, %wg, %wu biases(%bg, %bu) {activation = #hypatia.activation<gelu_tanh>} : (tensor<?x96xf16>, tensor<83x96xf16>, tensor<83x96xf16>, tensor<83xf16>, tensor<83xf16>) -> tensor<?x83xf16>
  return %h : tensor<?x83xf16>
}

// GluMlp as --fuse-mlp leaves it: the gate is the second chunk.
func.func @gated_linear_glu(%x: tensor<?x96xf16>, %w1: tensor<160x96xf16>, %b1: tensor<160xf16>, %w2: tensor<48x80xf16>, %b2: tensor<48xf16>) -> tensor<?x48xf16> {
  %w1a = tensor.extract_slice %w1[0, 0] [80, 96] [1, 1] : tensor<160x96xf16> to tensor<80x96xf16>
  %w1b = tensor.extract_slice %w1[80, 0] [80, 96] [1, 1] : tensor<160x96xf16> to tensor<80x96xf16>
  %b1a = tensor.extract_slice %b1[0] [80] [1] : tensor<160xf16> to tensor<80xf16>
  %b1b = tensor.extract_slice %b1[80] [80] [1] : tensor<160xf16> to tensor<80xf16>
  %h = hypatia.gated_linear %x, %w1b, %w1a biases(%b1b, %b1a) {activation = #hypatia.activation<gelu_erf>} : (tensor<?x96xf16>, tensor<80x96xf16>, tensor<80x96xf16>, tensor<80xf16>, tensor<80xf16>) -> tensor<?x80xf16>
  %y = hypatia.linear %h, %w2, %b2 : (tensor<?x80xf16>, tensor<48x80xf16>, tensor<48xf16>) -> tensor<?x48xf16>
  return %y : tensor<?x48xf16>
}
