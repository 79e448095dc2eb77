// RUN: hypatia-opt %s --hypatia-distinct-results | FileCheck %s

// A value returned twice and an argument returned as it is are copied at
// the return; the first occurrence of a computed value is not.
// CHECK-LABEL: func.func @repeated
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK: %[[R:.*]] = hypatia.relu %[[X]]
// CHECK: %[[COPY:.*]] = bufferization.alloc_tensor() copy(%[[R]])
// CHECK: %[[ARG:.*]] = bufferization.alloc_tensor() copy(%[[X]])
// CHECK: return %[[R]], %[[COPY]], %[[ARG]]
func.func @repeated(%x: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>) {
  %r = hypatia.relu %x : tensor<?x3xf32>
  return %r, %r, %x : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>
}

// Distinct values are left alone.
// CHECK-LABEL: func.func @distinct
// CHECK-NOT: alloc_tensor
// CHECK: return
func.func @distinct(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = hypatia.relu %x : tensor<4xf32>
  return %r : tensor<4xf32>
}
