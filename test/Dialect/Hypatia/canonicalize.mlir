// RUN: hypatia-opt %s --canonicalize --split-input-file | FileCheck %s

// Dropout is the identity at inference.
// CHECK-LABEL: func.func @dropout
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
// CHECK-NEXT: return %[[X]]
func.func @dropout(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = hypatia.dropout %x {probability = 2.500000e-01 : f64} : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A ReLU of a ReLU's result, standalone or fused into a layer, is that result.
// CHECK-LABEL: func.func @relu_of_relu
// CHECK-NEXT: %[[R:.*]] = hypatia.relu
// CHECK-NEXT: %[[L:.*]] = hypatia.fused_linear_relu %[[R]]
// CHECK-NEXT: return %[[R]], %[[L]]
func.func @relu_of_relu(%x: tensor<4x8xf32>, %w: tensor<16x8xf32>) -> (tensor<4x8xf32>, tensor<4x16xf32>) {
  %0 = hypatia.relu %x : tensor<4x8xf32>
  %1 = hypatia.relu %0 : tensor<4x8xf32>
  %2 = hypatia.fused_linear_relu %1, %w : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %3 = hypatia.relu %2 : tensor<4x16xf32>
  return %1, %3 : tensor<4x8xf32>, tensor<4x16xf32>
}

// -----

// Other activations of a ReLU are kept.
// CHECK-LABEL: func.func @silu_of_relu
// CHECK: hypatia.relu
// CHECK: hypatia.silu
func.func @silu_of_relu(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = hypatia.relu %x : tensor<4x8xf32>
  %1 = hypatia.silu %0 : tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// A conversion to the input's own type is the input.
// CHECK-LABEL: func.func @convert_to_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xbf16>)
// CHECK-NEXT: return %[[X]]
func.func @convert_to_same_type(%x: tensor<?x8xbf16>) -> tensor<?x8xbf16> {
  %0 = hypatia.convert %x : tensor<?x8xbf16> to tensor<?x8xbf16>
  return %0 : tensor<?x8xbf16>
}
