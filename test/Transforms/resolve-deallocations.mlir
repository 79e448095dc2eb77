// RUN: hypatia-opt %s --hypatia-resolve-deallocations --split-input-file --allow-unregistered-dialect | FileCheck %s

// Distinct allocations never alias: the one not retained is freed, the
// retained one's ownership is its condition, the argument (condition false)
// is neither freed nor owned.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[ARG:.*]]: memref<4xf32>)
// CHECK: %[[A:.*]] = memref.alloc()
// CHECK: %[[B:.*]] = memref.alloc()
// CHECK-NOT: bufferization.dealloc
// CHECK: memref.dealloc %[[A]] : memref<4xf32>
// CHECK-NOT: memref.dealloc
// CHECK: return %[[B]], %true
func.func @chain(%arg: memref<4xf32>) -> (memref<4xf32>, i1) {
  %true = arith.constant true
  %false = arith.constant false
  %a = memref.alloc() : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  "test.use"(%arg, %a, %b) : (memref<4xf32>, memref<4xf32>, memref<4xf32>) -> ()
  %arg_base, %o0, %s0, %t0 = memref.extract_strided_metadata %arg : memref<4xf32> -> memref<f32>, index, index, index
  %a_base, %o1, %s1, %t1 = memref.extract_strided_metadata %a : memref<4xf32> -> memref<f32>, index, index, index
  %b_base, %o2, %s2, %t2 = memref.extract_strided_metadata %b : memref<4xf32> -> memref<f32>, index, index, index
  %owned = bufferization.dealloc (%arg_base, %a_base, %b_base : memref<f32>, memref<f32>, memref<f32>) if (%false, %true, %true) retain (%b : memref<4xf32>)
  return %b, %owned : memref<4xf32>, i1
}

// -----

// A condition known only at run time frees under it; a retained function
// argument aliases none of the function's allocations (false).
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[ARG:.*]]: memref<4xf32>, %[[OWN:.*]]: i1)
// CHECK: %[[A:.*]] = memref.alloc()
// CHECK: scf.if %[[OWN]] {
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK: return %false
func.func @dynamic(%arg: memref<4xf32>, %own: i1) -> i1 {
  %a = memref.alloc() : memref<4xf32>
  "test.use"(%a) : (memref<4xf32>) -> ()
  %r = bufferization.dealloc (%a : memref<4xf32>) if (%own) retain (%arg : memref<4xf32>)
  return %r : i1
}

// -----

// What may alias is left to upstream's simplification: a view, an
// allocation listed twice, an argument that may be freed.
// CHECK-LABEL: func.func @unknown
// CHECK-COUNT-3: bufferization.dealloc
func.func @unknown(%arg: memref<4xf32>, %own: i1) {
  %true = arith.constant true
  %a = memref.alloc() : memref<8xf32>
  %view = memref.subview %a[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  bufferization.dealloc (%view : memref<4xf32, strided<[1]>>) if (%true)
  %b = memref.alloc() : memref<4xf32>
  bufferization.dealloc (%b, %b : memref<4xf32>, memref<4xf32>) if (%true, %own)
  bufferization.dealloc (%arg : memref<4xf32>) if (%own)
  return
}
