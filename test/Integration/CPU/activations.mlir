// Elementwise activations on the CPU against a float64 NumPy reference: on
// random inputs in [-1, 1), and on a wide range [-30, 30] where exp overflows
// inside silu and erf/tanh saturate inside gelu.
// RUN: rm -rf %t && mkdir -p %t/wide
// RUN: hypatia-run %s -e relu --seed %seed --dynamic-sizes 9 --output-dir %t/relu
// RUN: %reference %t/relu 'relu(arg0)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e gelu --seed %seed --dynamic-sizes 9 --output-dir %t/gelu
// RUN: %reference %t/gelu 'gelu(arg0)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e gelu_tanh --seed %seed --dynamic-sizes 9 --output-dir %t/gelu_tanh
// RUN: %reference %t/gelu_tanh 'gelu(arg0, approximate="tanh")' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e silu --seed %seed --dynamic-sizes 9 --output-dir %t/silu
// RUN: %reference %t/silu 'silu(arg0)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e dropout --seed %seed --dynamic-sizes 9 --output-dir %t/dropout
// RUN: %reference %t/dropout 'arg0' --rtol 0 | FileCheck %s
//
// RUN: %python -c "import numpy as np; np.save('%t/wide.npy', np.random.default_rng(%seed).uniform(-30, 30, (64, 7, 33)).astype(np.float32))"
// RUN: hypatia-run %s -e silu --inputs %t/wide.npy --output-dir %t/wide/silu
// RUN: %reference %t/wide/silu 'silu(arg0)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e gelu --inputs %t/wide.npy --output-dir %t/wide/gelu
// RUN: %reference %t/wide/gelu 'gelu(arg0)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e gelu_tanh --inputs %t/wide.npy --output-dir %t/wide/gelu_tanh
// RUN: %reference %t/wide/gelu_tanh 'gelu(arg0, approximate="tanh")' --rtol 1e-6 | FileCheck %s

// CHECK: result 0: relative error {{.*}} ok
// CHECK-NEXT: PASS

func.func @relu(%x: tensor<?x7x33xf32>) -> tensor<?x7x33xf32> {
  %0 = hypatia.relu %x : tensor<?x7x33xf32>
  return %0 : tensor<?x7x33xf32>
}

func.func @gelu(%x: tensor<?x7x33xf32>) -> tensor<?x7x33xf32> {
  %0 = hypatia.gelu %x : tensor<?x7x33xf32>
  return %0 : tensor<?x7x33xf32>
}

func.func @gelu_tanh(%x: tensor<?x7x33xf32>) -> tensor<?x7x33xf32> {
  %0 = hypatia.gelu %x {approximate = #hypatia.gelu_approximation<tanh>} : tensor<?x7x33xf32>
  return %0 : tensor<?x7x33xf32>
}

func.func @silu(%x: tensor<?x7x33xf32>) -> tensor<?x7x33xf32> {
  %0 = hypatia.silu %x : tensor<?x7x33xf32>
  return %0 : tensor<?x7x33xf32>
}

func.func @dropout(%x: tensor<?x7x33xf32>) -> tensor<?x7x33xf32> {
  %0 = hypatia.dropout %x {probability = 0.3 : f64} : tensor<?x7x33xf32>
  return %0 : tensor<?x7x33xf32>
}
