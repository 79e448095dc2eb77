// Gated MLPs and a residual connection on the CPU (the reference path)
// against float64 NumPy on fresh random inputs: the elementwise product,
// LLaMA's down(silu(gate(x)) * up(x)) on a 3-D input, timm's GluMlp with its
// projection chunked into row slices, and x + mlp(x). The activation and the
// product form one loop nest; each still rounds to f32, as the ops do one by
// one. hypatia.gated_linear (what --fuse-mlp makes of the first three) takes
// both projections in one oneDNN call where the weights are one block of
// memory (rows of one tensor: gated_linear_packed, and gated_linear_glu in
// GluMlp's up-then-gate order), else in one call per half of its [M, 2N]
// product (gated_linear).
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run %s -e mul --seed %seed --dynamic-sizes 37 --output-dir %t/mul
// RUN: %reference %t/mul 'arg0 * arg1' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e gated --seed %seed --dynamic-sizes 37 --output-dir %t/gated
// RUN: %reference %t/gated 'linear(silu(linear(arg0, arg1)) * linear(arg0, arg2), arg3)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e glu --seed %seed --dynamic-sizes 37 --output-dir %t/glu
// RUN: %reference %t/glu 'linear(linear(arg0, arg1[:80], arg2[:80]) * gelu(linear(arg0, arg1[80:], arg2[80:])), arg3, arg4)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e gated_linear --seed %seed --dynamic-sizes 37 --output-dir %t/gated_linear
// RUN: %reference %t/gated_linear 'linear(silu(linear(arg0, arg1)) * linear(arg0, arg2), arg3)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e gated_linear --reference --seed %seed --dynamic-sizes 37 --output-dir %t/gated_linear_reference
// RUN: %reference %t/gated_linear_reference 'linear(silu(linear(arg0, arg1)) * linear(arg0, arg2), arg3)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e gated_linear_packed --seed %seed --dynamic-sizes 37 --output-dir %t/packed
// RUN: %reference %t/packed 'gelu_tanh(linear(arg0, arg1[:80], arg2[:80])) * linear(arg0, arg1[80:], arg2[80:])' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e gated_linear_glu --seed %seed --dynamic-sizes 37 --output-dir %t/gated_glu
// RUN: %reference %t/gated_glu 'linear(linear(arg0, arg1[:80], arg2[:80]) * gelu(linear(arg0, arg1[80:], arg2[80:])), arg3, arg4)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e residual --seed %seed --dynamic-sizes 37 --output-dir %t/residual
// RUN: %reference %t/residual 'linear(gelu(linear(arg0, arg1, arg2)), arg3, arg4) + arg0' --rtol 1e-6 | FileCheck %s
// CHECK: PASS

func.func @mul(%a: tensor<?x7x33xf32>, %b: tensor<?x7x33xf32>) -> tensor<?x7x33xf32> {
  %y = hypatia.mul %a, %b : tensor<?x7x33xf32>
  return %y : tensor<?x7x33xf32>
}

// LLaMA-style: down(silu(gate(x)) * up(x)), no biases, 3-D input.
func.func @gated(%x: tensor<2x?x96xf32>, %wg: tensor<80x96xf32>, %wu: tensor<80x96xf32>, %wd: tensor<48x80xf32>) -> tensor<2x?x48xf32> {
  %g = hypatia.linear %x, %wg : (tensor<2x?x96xf32>, tensor<80x96xf32>) -> tensor<2x?x80xf32>
  %a = hypatia.silu %g : tensor<2x?x80xf32>
  %u = hypatia.linear %x, %wu : (tensor<2x?x96xf32>, tensor<80x96xf32>) -> tensor<2x?x80xf32>
  %h = hypatia.mul %a, %u : tensor<2x?x80xf32>
  %y = hypatia.linear %h, %wd : (tensor<2x?x80xf32>, tensor<48x80xf32>) -> tensor<2x?x48xf32>
  return %y : tensor<2x?x48xf32>
}

// timm GluMlp: one projection of 2 x 80 rows, chunked; the second half is
// the gate (erf-GELU). The halves are row slices of the weight and bias.
func.func @glu(%x: tensor<?x96xf32>, %w1: tensor<160x96xf32>, %b1: tensor<160xf32>, %w2: tensor<48x80xf32>, %b2: tensor<48xf32>) -> tensor<?x48xf32> {
  %w1a = tensor.extract_slice %w1[0, 0] [80, 96] [1, 1] : tensor<160x96xf32> to tensor<80x96xf32>
  %w1b = tensor.extract_slice %w1[80, 0] [80, 96] [1, 1] : tensor<160x96xf32> to tensor<80x96xf32>
  %b1a = tensor.extract_slice %b1[0] [80] [1] : tensor<160xf32> to tensor<80xf32>
  %b1b = tensor.extract_slice %b1[80] [80] [1] : tensor<160xf32> to tensor<80xf32>
  %x1 = hypatia.linear %x, %w1a, %b1a : (tensor<?x96xf32>, tensor<80x96xf32>, tensor<80xf32>) -> tensor<?x80xf32>
  %x2 = hypatia.linear %x, %w1b, %b1b : (tensor<?x96xf32>, tensor<80x96xf32>, tensor<80xf32>) -> tensor<?x80xf32>
  %g = hypatia.gelu %x2 : tensor<?x80xf32>
  %h = hypatia.mul %x1, %g : tensor<?x80xf32>
  %y = hypatia.linear %h, %w2, %b2 : (tensor<?x80xf32>, tensor<48x80xf32>, tensor<48xf32>) -> tensor<?x48xf32>
  return %y : tensor<?x48xf32>
}

func.func @gated_linear(%x: tensor<2x?x96xf32>, %wg: tensor<80x96xf32>, %wu: tensor<80x96xf32>, %wd: tensor<48x80xf32>) -> tensor<2x?x48xf32> {
  %h = hypatia.gated_linear %x, %wg, %wu {activation = #hypatia.activation<silu>} : (tensor<2x?x96xf32>, tensor<80x96xf32>, tensor<80x96xf32>) -> tensor<2x?x80xf32>
  %y = hypatia.linear %h, %wd : (tensor<2x?x80xf32>, tensor<48x80xf32>) -> tensor<2x?x48xf32>
  return %y : tensor<2x?x48xf32>
}

// Gate and up packed into one weight and one bias, gate first.
func.func @gated_linear_packed(%x: tensor<?x96xf32>, %w: tensor<160x96xf32>, %b: tensor<160xf32>) -> tensor<?x80xf32> {
  %wg = tensor.extract_slice %w[0, 0] [80, 96] [1, 1] : tensor<160x96xf32> to tensor<80x96xf32>
  %wu = tensor.extract_slice %w[80, 0] [80, 96] [1, 1] : tensor<160x96xf32> to tensor<80x96xf32>
  %bg = tensor.extract_slice %b[0] [80] [1] : tensor<160xf32> to tensor<80xf32>
  %bu = tensor.extract_slice %b[80] [80] [1] : tensor<160xf32> to tensor<80xf32>
  %h = hypatia.gated_linear %x, %wg, %wu biases(%bg, %bu) {activation = #hypatia.activation<gelu_tanh>} : (tensor<?x96xf32>, tensor<80x96xf32>, tensor<80x96xf32>, tensor<80xf32>, tensor<80xf32>) -> tensor<?x80xf32>
  return %h : tensor<?x80xf32>
}

// GluMlp as --fuse-mlp leaves it: the gate is the second chunk.
func.func @gated_linear_glu(%x: tensor<?x96xf32>, %w1: tensor<160x96xf32>, %b1: tensor<160xf32>, %w2: tensor<48x80xf32>, %b2: tensor<48xf32>) -> tensor<?x48xf32> {
  %w1a = tensor.extract_slice %w1[0, 0] [80, 96] [1, 1] : tensor<160x96xf32> to tensor<80x96xf32>
  %w1b = tensor.extract_slice %w1[80, 0] [80, 96] [1, 1] : tensor<160x96xf32> to tensor<80x96xf32>
  %b1a = tensor.extract_slice %b1[0] [80] [1] : tensor<160xf32> to tensor<80xf32>
  %b1b = tensor.extract_slice %b1[80] [80] [1] : tensor<160xf32> to tensor<80xf32>
  %h = hypatia.gated_linear %x, %w1b, %w1a biases(%b1b, %b1a) {activation = #hypatia.activation<gelu_erf>} : (tensor<?x96xf32>, tensor<80x96xf32>, tensor<80x96xf32>, tensor<80xf32>, tensor<80xf32>) -> tensor<?x80xf32>
  %y = hypatia.linear %h, %w2, %b2 : (tensor<?x80xf32>, tensor<48x80xf32>, tensor<48xf32>) -> tensor<?x48xf32>
  return %y : tensor<?x48xf32>
}

// A residual connection (hypatia.add) after a GELU MLP on a 3-D input.
func.func @residual(%x: tensor<2x?x64xf32>, %w1: tensor<96x64xf32>, %b1: tensor<96xf32>, %w2: tensor<64x96xf32>, %b2: tensor<64xf32>) -> tensor<2x?x64xf32> {
  %h = hypatia.linear %x, %w1, %b1 : (tensor<2x?x64xf32>, tensor<96x64xf32>, tensor<96xf32>) -> tensor<2x?x96xf32>
  %g = hypatia.gelu %h : tensor<2x?x96xf32>
  %y = hypatia.linear %g, %w2, %b2 : (tensor<2x?x96xf32>, tensor<64x96xf32>, tensor<64xf32>) -> tensor<2x?x64xf32>
  %r = hypatia.add %y, %x : tensor<2x?x64xf32>
  return %r : tensor<2x?x64xf32>
}
