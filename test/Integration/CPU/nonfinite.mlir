// NaN propagates through relu (relu(NaN) = NaN, as torch.relu), infinities
// keep their meaning, and a NaN in a row of the input poisons that row of a
// linear layer's output and nothing else.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; x = np.random.default_rng(%seed).uniform(-1, 1, (6, 8)).astype(np.float32); x[0, 0] = np.nan; x[1, 2] = np.inf; x[2, 3] = -np.inf; x[4, 7] = np.nan; np.save('%t/x.npy', x); np.save('%t/w.npy', np.random.default_rng(%seed + 1).uniform(-1, 1, (5, 8)).astype(np.float32))"
// RUN: hypatia-run %s -e relu --inputs %t/x.npy --output-dir %t/relu --print | FileCheck %s --check-prefix=RELU
// RUN: %reference %t/relu 'relu(arg0)' --rtol 0 | FileCheck %s
// RUN: hypatia-run %s -e linear_relu --inputs %t/x.npy,%t/w.npy --output-dir %t/linear_relu
// RUN: %reference %t/linear_relu 'relu(linear(arg0, arg1))' --rtol 1e-6 | FileCheck %s

// RELU: result 0: tensor<6x8xf32>
// RELU-NEXT: {{\[\[}}nan,
// RELU: inf
// CHECK: result 0: relative error {{.*}} ok
// CHECK-NEXT: PASS

func.func @relu(%x: tensor<6x8xf32>) -> tensor<6x8xf32> {
  %0 = hypatia.relu %x : tensor<6x8xf32>
  return %0 : tensor<6x8xf32>
}

func.func @linear_relu(%x: tensor<6x8xf32>, %w: tensor<5x8xf32>) -> tensor<6x5xf32> {
  %0 = hypatia.fused_linear_relu %x, %w : (tensor<6x8xf32>, tensor<5x8xf32>) -> tensor<6x5xf32>
  return %0 : tensor<6x5xf32>
}
