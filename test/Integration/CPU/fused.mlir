// Fused linear layers and fused MLPs on the CPU against a float64 reference
// that computes the unfused chain.
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run %s -e linear_relu --seed %seed --dynamic-sizes 21 --output-dir %t/relu
// RUN: %reference %t/relu 'relu(linear(arg0, arg1, arg2))' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e linear_gelu --seed %seed --dynamic-sizes 21 --output-dir %t/gelu
// RUN: %reference %t/gelu 'gelu(linear(arg0, arg1, arg2))' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e linear_gelu_tanh --seed %seed --dynamic-sizes 21 --output-dir %t/gelu_tanh
// RUN: %reference %t/gelu_tanh 'gelu_tanh(linear(arg0, arg1))' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e linear_silu --seed %seed --dynamic-sizes 21 --output-dir %t/silu
// RUN: %reference %t/silu 'silu(linear(arg0, arg1, arg2))' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e mlp3 --seed %seed --dynamic-sizes 4,6 --output-dir %t/mlp3
// RUN: %reference %t/mlp3 'mlp(arg0, [(arg1, arg4, "relu"), (arg2, arg5, "gelu_tanh"), (arg3, arg6, "none")])' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e mlp_no_bias --seed %seed --dynamic-sizes 50 --output-dir %t/nobias
// RUN: %reference %t/nobias 'mlp(arg0, [(arg1, None, "silu"), (arg2, None, "gelu_erf")])' --rtol 1e-6 | FileCheck %s
// One row: matrix-vector products (sgemv) instead of sgemm.
// RUN: hypatia-run %s -e linear_relu --seed %seed --dynamic-sizes 1 --output-dir %t/relu_1
// RUN: %reference %t/relu_1 'relu(linear(arg0, arg1, arg2))' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e mlp_no_bias --seed %seed --dynamic-sizes 1 --output-dir %t/nobias_1
// RUN: %reference %t/nobias_1 'mlp(arg0, [(arg1, None, "silu"), (arg2, None, "gelu_erf")])' --rtol 1e-6 | FileCheck %s

// CHECK: result 0: relative error {{.*}} ok
// CHECK-NEXT: PASS

func.func @linear_relu(%x: tensor<?x130xf32>, %w: tensor<66x130xf32>, %b: tensor<66xf32>) -> tensor<?x66xf32> {
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<?x130xf32>, tensor<66x130xf32>, tensor<66xf32>) -> tensor<?x66xf32>
  return %0 : tensor<?x66xf32>
}

func.func @linear_gelu(%x: tensor<?x130xf32>, %w: tensor<66x130xf32>, %b: tensor<66xf32>) -> tensor<?x66xf32> {
  %0 = hypatia.fused_linear_gelu %x, %w, %b : (tensor<?x130xf32>, tensor<66x130xf32>, tensor<66xf32>) -> tensor<?x66xf32>
  return %0 : tensor<?x66xf32>
}

func.func @linear_gelu_tanh(%x: tensor<?x130xf32>, %w: tensor<66x130xf32>) -> tensor<?x66xf32> {
  %0 = hypatia.fused_linear_gelu %x, %w {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<?x130xf32>, tensor<66x130xf32>) -> tensor<?x66xf32>
  return %0 : tensor<?x66xf32>
}

func.func @linear_silu(%x: tensor<?x130xf32>, %w: tensor<66x130xf32>, %b: tensor<66xf32>) -> tensor<?x66xf32> {
  %0 = hypatia.fused_linear_silu %x, %w, %b : (tensor<?x130xf32>, tensor<66x130xf32>, tensor<66xf32>) -> tensor<?x66xf32>
  return %0 : tensor<?x66xf32>
}

// Three layers over two batch dimensions, both dynamic.
func.func @mlp3(%x: tensor<?x?x48xf32>, %w1: tensor<80x48xf32>, %w2: tensor<40x80xf32>, %w3: tensor<10x40xf32>,
                %b1: tensor<80xf32>, %b2: tensor<40xf32>, %b3: tensor<10xf32>) -> tensor<?x?x10xf32> {
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2, %w3) biases(%b1, %b2, %b3) activations [relu, gelu_tanh, none]
      : (tensor<?x?x48xf32>, tensor<80x48xf32>, tensor<40x80xf32>, tensor<10x40xf32>, tensor<80xf32>, tensor<40xf32>, tensor<10xf32>) -> tensor<?x?x10xf32>
  return %0 : tensor<?x?x10xf32>
}

func.func @mlp_no_bias(%x: tensor<?x64xf32>, %w1: tensor<64x64xf32>, %w2: tensor<32x64xf32>) -> tensor<?x32xf32> {
  %0 = hypatia.fused_mlp %x, weights(%w1, %w2) activations [silu, gelu_erf]
      : (tensor<?x64xf32>, tensor<64x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}
