// A syntax error points at the offending token.
// RUN: not hypatia-opt %s 2>&1 | FileCheck %s

// CHECK: parse-error.mlir:[[@LINE+2]]:23: error: expected ':'
func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = hypatia.relu %x tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
