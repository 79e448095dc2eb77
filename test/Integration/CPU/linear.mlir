// hypatia.linear on the CPU against a float64 NumPy reference, on fresh random
// inputs. Odd sizes, so that no dimension is a friendly power of two.
// RUN: rm -rf %t && mkdir -p %t
// RUN: hypatia-run %s -e linear_bias --seed %seed --dynamic-sizes 33 --output-dir %t/bias \
// RUN:   | FileCheck %s --check-prefix=BIAS-SHAPE
// RUN: %reference %t/bias 'linear(arg0, arg1, arg2)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e linear_no_bias --seed %seed --dynamic-sizes 17 --output-dir %t/nobias
// RUN: %reference %t/nobias 'linear(arg0, arg1)' --rtol 1e-6 | FileCheck %s
// RUN: hypatia-run %s -e batch_dims --seed %seed --dynamic-sizes 5 --output-dir %t/batch \
// RUN:   | FileCheck %s --check-prefix=BATCH-SHAPE
// RUN: %reference %t/batch 'linear(arg0, arg1, arg2)' --rtol 1e-6 | FileCheck %s
// An empty batch is valid and gives an empty result.
// RUN: hypatia-run %s -e linear_bias --seed %seed --dynamic-sizes 0 --output-dir %t/empty \
// RUN:   | FileCheck %s --check-prefix=EMPTY
// RUN: %reference %t/empty 'linear(arg0, arg1, arg2)' | FileCheck %s

// CHECK: result 0: relative error {{.*}} ok
// CHECK-NEXT: PASS
// BIAS-SHAPE: result 0: tensor<33x41xf32>
// BATCH-SHAPE: result 0: tensor<2x5x3x19xf32>
// EMPTY: result 0: tensor<0x41xf32>

func.func @linear_bias(%x: tensor<?x257xf32>, %w: tensor<41x257xf32>, %b: tensor<41xf32>) -> tensor<?x41xf32> {
  %0 = hypatia.linear %x, %w, %b : (tensor<?x257xf32>, tensor<41x257xf32>, tensor<41xf32>) -> tensor<?x41xf32>
  return %0 : tensor<?x41xf32>
}

func.func @linear_no_bias(%x: tensor<?x96xf32>, %w: tensor<7x96xf32>) -> tensor<?x7xf32> {
  %0 = hypatia.linear %x, %w : (tensor<?x96xf32>, tensor<7x96xf32>) -> tensor<?x7xf32>
  return %0 : tensor<?x7xf32>
}

func.func @batch_dims(%x: tensor<2x?x3x24xf32>, %w: tensor<19x24xf32>, %b: tensor<19xf32>) -> tensor<2x?x3x19xf32> {
  %0 = hypatia.linear %x, %w, %b : (tensor<2x?x3x24xf32>, tensor<19x24xf32>, tensor<19xf32>) -> tensor<2x?x3x19xf32>
  return %0 : tensor<2x?x3x19xf32>
}
