// Every op and epilogue on the GPU in bf16 (f32 accumulation: relative error <= 1e-2), through
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
// torch.autocast's form: f32 operands converted to bf16 (the reference takes
// the f32 inputs unrounded).
// RUN: hypatia-run --target=cuda %s -e autocast --seed %seed --dynamic-sizes 2,9 --output-dir %t/autocast
// RUN: %reference %t/autocast 'linear(gelu(linear(arg0, arg1, arg2)), arg3)' --rtol 1e-2 | FileCheck %s
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

func.func @linear(%x: tensor<?x96xbf16>, %w: tensor<80x96xbf16>, %b: tensor<80xbf16>) -> tensor<?x80xbf16> {
  %y = hypatia.linear %x, %w, %b : (tensor<?x96xbf16>, tensor<80x96xbf16>, tensor<80xbf16>) -> tensor<?x80xbf16>
  return %y : tensor<?x80xbf16>
}

func.func @linear_nobias(%x: tensor<?x96xbf16>, %w: tensor<80x96xbf16>) -> tensor<?x80xbf16> {
  %y = hypatia.linear %x, %w : (tensor<?x96xbf16>, tensor<80x96xbf16>) -> tensor<?x80xbf16>
  return %y : tensor<?x80xbf16>
}

func.func @linear_relu(%x: tensor<?x96xbf16>, %w: tensor<80x96xbf16>, %b: tensor<80xbf16>) -> tensor<?x80xbf16> {
  %y = hypatia.fused_linear_relu %x, %w, %b : (tensor<?x96xbf16>, tensor<80x96xbf16>, tensor<80xbf16>) -> tensor<?x80xbf16>
  return %y : tensor<?x80xbf16>
}

func.func @linear_relu_nobias(%x: tensor<?x96xbf16>, %w: tensor<80x96xbf16>) -> tensor<?x80xbf16> {
  %y = hypatia.fused_linear_relu %x, %w : (tensor<?x96xbf16>, tensor<80x96xbf16>) -> tensor<?x80xbf16>
  return %y : tensor<?x80xbf16>
}

func.func @linear_gelu(%x: tensor<?x96xbf16>, %w: tensor<80x96xbf16>, %b: tensor<80xbf16>) -> tensor<?x80xbf16> {
  %y = hypatia.fused_linear_gelu %x, %w, %b : (tensor<?x96xbf16>, tensor<80x96xbf16>, tensor<80xbf16>) -> tensor<?x80xbf16>
  return %y : tensor<?x80xbf16>
}

func.func @linear_gelu_tanh(%x: tensor<?x96xbf16>, %w: tensor<80x96xbf16>, %b: tensor<80xbf16>) -> tensor<?x80xbf16> {
  %y = hypatia.fused_linear_gelu %x, %w, %b {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<?x96xbf16>, tensor<80x96xbf16>, tensor<80xbf16>) -> tensor<?x80xbf16>
  return %y : tensor<?x80xbf16>
}

func.func @linear_silu(%x: tensor<?x96xbf16>, %w: tensor<80x96xbf16>, %b: tensor<80xbf16>) -> tensor<?x80xbf16> {
  %y = hypatia.fused_linear_silu %x, %w, %b : (tensor<?x96xbf16>, tensor<80x96xbf16>, tensor<80xbf16>) -> tensor<?x80xbf16>
  return %y : tensor<?x80xbf16>
}

// Activations on a value no GEMM produced: NVVM kernels (batch dims 2: the
// kernels see a rank-3 buffer).
func.func @relu(%x: tensor<3x?x5xbf16>) -> tensor<3x?x5xbf16> {
  %y = hypatia.relu %x : tensor<3x?x5xbf16>
  return %y : tensor<3x?x5xbf16>
}

func.func @gelu(%x: tensor<3x?x5xbf16>) -> tensor<3x?x5xbf16> {
  %y = hypatia.gelu %x : tensor<3x?x5xbf16>
  return %y : tensor<3x?x5xbf16>
}

func.func @gelu_tanh(%x: tensor<3x?x5xbf16>) -> tensor<3x?x5xbf16> {
  %y = hypatia.gelu %x {approximate = #hypatia.gelu_approximation<tanh>} : tensor<3x?x5xbf16>
  return %y : tensor<3x?x5xbf16>
}

func.func @silu(%x: tensor<3x?x5xbf16>) -> tensor<3x?x5xbf16> {
  %y = hypatia.silu %x : tensor<3x?x5xbf16>
  return %y : tensor<3x?x5xbf16>
}

func.func @dropout(%x: tensor<3x?x5xbf16>) -> tensor<3x?x5xbf16> {
  %y = hypatia.dropout %x {probability = 0.5 : f64} : tensor<3x?x5xbf16>
  return %y : tensor<3x?x5xbf16>
}

// A fused_mlp (a chain of GEMMs on the GPU) with an activation cuBLASLt
// cannot fuse in the middle.
func.func @mlp(%x: tensor<?x96xbf16>, %w1: tensor<64x96xbf16>, %b1: tensor<64xbf16>,
               %w2: tensor<48x64xbf16>, %b2: tensor<48xbf16>,
               %w3: tensor<8x48xbf16>, %b3: tensor<8xbf16>) -> tensor<?x8xbf16> {
  %y = hypatia.fused_mlp %x, weights(%w1, %w2, %w3) biases(%b1, %b2, %b3) activations [relu, gelu_erf, none]
      : (tensor<?x96xbf16>, tensor<64x96xbf16>, tensor<48x64xbf16>, tensor<8x48xbf16>,
         tensor<64xbf16>, tensor<48xbf16>, tensor<8xbf16>) -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

func.func @mul(%a: tensor<?x7x33xbf16>, %b: tensor<?x7x33xbf16>) -> tensor<?x7x33xbf16> {
  %y = hypatia.mul %a, %b : tensor<?x7x33xbf16>
  return %y : tensor<?x7x33xbf16>
}

// LLaMA-style: down(silu(gate(x)) * up(x)), no biases, 3-D input.
func.func @gated(%x: tensor<2x?x96xbf16>, %wg: tensor<80x96xbf16>, %wu: tensor<80x96xbf16>, %wd: tensor<48x80xbf16>) -> tensor<2x?x48xbf16> {
  %g = hypatia.linear %x, %wg : (tensor<2x?x96xbf16>, tensor<80x96xbf16>) -> tensor<2x?x80xbf16>
  %a = hypatia.silu %g : tensor<2x?x80xbf16>
  %u = hypatia.linear %x, %wu : (tensor<2x?x96xbf16>, tensor<80x96xbf16>) -> tensor<2x?x80xbf16>
  %h = hypatia.mul %a, %u : tensor<2x?x80xbf16>
  %y = hypatia.linear %h, %wd : (tensor<2x?x80xbf16>, tensor<48x80xbf16>) -> tensor<2x?x48xbf16>
  return %y : tensor<2x?x48xbf16>
}

// timm GluMlp: one projection of 2 x 80 rows, chunked; the second half is
// the gate (erf-GELU). The halves are row slices of the weight and bias.
func.func @glu(%x: tensor<?x96xbf16>, %w1: tensor<160x96xbf16>, %b1: tensor<160xbf16>, %w2: tensor<48x80xbf16>, %b2: tensor<48xbf16>) -> tensor<?x48xbf16> {
  %w1a = tensor.extract_slice %w1[0, 0] [80, 96] [1, 1] : tensor<160x96xbf16> to tensor<80x96xbf16>
  %w1b = tensor.extract_slice %w1[80, 0] [80, 96] [1, 1] : tensor<160x96xbf16> to tensor<80x96xbf16>
  %b1a = tensor.extract_slice %b1[0] [80] [1] : tensor<160xbf16> to tensor<80xbf16>
  %b1b = tensor.extract_slice %b1[80] [80] [1] : tensor<160xbf16> to tensor<80xbf16>
  %x1 = hypatia.linear %x, %w1a, %b1a : (tensor<?x96xbf16>, tensor<80x96xbf16>, tensor<80xbf16>) -> tensor<?x80xbf16>
  %x2 = hypatia.linear %x, %w1b, %b1b : (tensor<?x96xbf16>, tensor<80x96xbf16>, tensor<80xbf16>) -> tensor<?x80xbf16>
  %g = hypatia.gelu %x2 : tensor<?x80xbf16>
  %h = hypatia.mul %x1, %g : tensor<?x80xbf16>
  %y = hypatia.linear %h, %w2, %b2 : (tensor<?x80xbf16>, tensor<48x80xbf16>, tensor<48xbf16>) -> tensor<?x48xbf16>
  return %y : tensor<?x48xbf16>
}

func.func @autocast(%x: tensor<?x?x64xf32>, %w1: tensor<96x64xf32>, %b1: tensor<96xf32>, %w2: tensor<24x96xf32>) -> tensor<?x?x24xbf16> {
  %x16 = hypatia.convert %x : tensor<?x?x64xf32> to tensor<?x?x64xbf16>
  %w16 = hypatia.convert %w1 : tensor<96x64xf32> to tensor<96x64xbf16>
  %b16 = hypatia.convert %b1 : tensor<96xf32> to tensor<96xbf16>
  %h = hypatia.fused_linear_gelu %x16, %w16, %b16 : (tensor<?x?x64xbf16>, tensor<96x64xbf16>, tensor<96xbf16>) -> tensor<?x?x96xbf16>
  %v16 = hypatia.convert %w2 : tensor<24x96xf32> to tensor<24x96xbf16>
  %y = hypatia.linear %h, %v16 : (tensor<?x?x96xbf16>, tensor<24x96xbf16>) -> tensor<?x?x24xbf16>
  return %y : tensor<?x?x24xbf16>
}

// A residual connection (hypatia.add) after a GELU MLP on a 3-D input.
func.func @residual(%x: tensor<2x?x64xbf16>, %w1: tensor<96x64xbf16>, %b1: tensor<96xbf16>, %w2: tensor<64x96xbf16>, %b2: tensor<64xbf16>) -> tensor<2x?x64xbf16> {
  %h = hypatia.linear %x, %w1, %b1 : (tensor<2x?x64xbf16>, tensor<96x64xbf16>, tensor<96xbf16>) -> tensor<2x?x96xbf16>
  %g = hypatia.gelu %h : tensor<2x?x96xbf16>
  %y = hypatia.linear %g, %w2, %b2 : (tensor<2x?x96xbf16>, tensor<64x96xbf16>, tensor<64xbf16>) -> tensor<2x?x64xbf16>
  %r = hypatia.add %y, %x : tensor<2x?x64xbf16>
  return %r : tensor<2x?x64xbf16>
}

func.func @gated_linear(%x: tensor<2x?x96xbf16>, %wg: tensor<80x96xbf16>, %wu: tensor<80x96xbf16>, %wd: tensor<48x80xbf16>) -> tensor<2x?x48xbf16> {
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<2x?x96xbf16>, tensor<80x96xbf16>, tensor<80x96xbf16>) -> tensor<2x?x80xbf16>
  %y = hypatia.linear %h, %wd : (tensor<2x?x80xbf16>, tensor<48x80xbf16>) -> tensor<2x?x48xbf16>
  return %y : tensor<2x?x48xbf16>
}

// Gate and up packed into one weight and one bias, gate first.
func.func @gated_linear_packed(%x: tensor<?x96xbf16>, %w: tensor<166x96xbf16>, %b: tensor<166xbf16>) -> tensor<?x83xbf16> {
  %wg = tensor.extract_slice %w[0, 0] [83, 96] [1, 1] : tensor<166x96xbf16> to tensor<83x96xbf16>
  %wu = tensor.extract_slice %w[83, 0] [83, 96] [1, 1] : tensor<166x96xbf16> to tensor<83x96xbf16>
  %bg = tensor.extract_slice %b[0] [83] [1] : tensor<166xbf16> to tensor<83xbf16>
  %bu = tensor.extract_slice %b[83] [83] [1] : tensor<166xbf16> to tensor<83xbf16>
  %h = hypatia.gated_linear %x, %wg, %wu biases(%bg, %bu) {activation = #hypatia.activation<gelu_tanh>} : (tensor<?x96xbf16>, tensor<83x96xbf16>, tensor<83x96xbf16>, tensor<83xbf16>, tensor<83xbf16>) -> tensor<?x83xbf16>
  return %h : tensor<?x83xbf16>
}

// GluMlp as --fuse-mlp leaves it: the gate is the second chunk.
func.func @gated_linear_glu(%x: tensor<?x96xbf16>, %w1: tensor<160x96xbf16>, %b1: tensor<160xbf16>, %w2: tensor<48x80xbf16>, %b2: tensor<48xbf16>) -> tensor<?x48xbf16> {
  %w1a = tensor.extract_slice %w1[0, 0] [80, 96] [1, 1] : tensor<160x96xbf16> to tensor<80x96xbf16>
  %w1b = tensor.extract_slice %w1[80, 0] [80, 96] [1, 1] : tensor<160x96xbf16> to tensor<80x96xbf16>
  %b1a = tensor.extract_slice %b1[0] [80] [1] : tensor<160xbf16> to tensor<80xbf16>
  %b1b = tensor.extract_slice %b1[80] [80] [1] : tensor<160xbf16> to tensor<80xbf16>
  %h = hypatia.gated_linear %x, %w1b, %w1a biases(%b1b, %b1a) {activation = #hypatia.activation<gelu_erf>} : (tensor<?x96xbf16>, tensor<80x96xbf16>, tensor<80x96xbf16>, tensor<80xbf16>, tensor<80xbf16>) -> tensor<?x80xbf16>
  %y = hypatia.linear %h, %w2, %b2 : (tensor<?x80xbf16>, tensor<48x80xbf16>, tensor<48xbf16>) -> tensor<?x48xbf16>
  return %y : tensor<?x48xbf16>
}
