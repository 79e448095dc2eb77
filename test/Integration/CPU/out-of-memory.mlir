// A host allocation of the generated code that fails ends the call with a
// clear error and a non-zero exit, not a write through a null pointer: here
// the hidden layer of 8192 rows x 262144 features cannot be allocated under
// a 3 GB address-space limit.
// RUN: (ulimit -v 3000000; not hypatia-run %s -e mlp --dynamic-sizes 8192 --output-dir %t) 2>&1 | FileCheck %s
// CHECK: hypatia-run: error: mlp: cannot allocate {{[0-9]+}} bytes of host memory
// CHECK-NOT: Segmentation
func.func @mlp(%x: tensor<?x16xf32>, %w1: tensor<262144x16xf32>, %w2: tensor<4x262144xf32>) -> tensor<?x4xf32> {
  %h = hypatia.linear %x, %w1 : (tensor<?x16xf32>, tensor<262144x16xf32>) -> tensor<?x262144xf32>
  %a = hypatia.relu %h : tensor<?x262144xf32>
  %y = hypatia.linear %a, %w2 : (tensor<?x262144xf32>, tensor<4x262144xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
