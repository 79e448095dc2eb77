// RUN: hypatia-opt %s --host-buffers-to-device | FileCheck %s

// Buffers of values go to the GPU, stream-ordered (a token in, a wait for
// the token out); a buffer of indices (the shape a memref.reshape reads on
// the host) stays on the host.
// CHECK-LABEL: func.func @buffers
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK-NEXT: %[[A:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] (%{{.*}}) : memref<?x96xbf16>
// CHECK-NEXT: gpu.wait [%[[T1]]]
// CHECK: %[[S:.*]] = memref.alloc() : memref<3xindex>
// CHECK: memref.reshape %[[A]](%[[S]])
// CHECK: gpu.memcpy async [%{{.*}}] %arg3, %[[A]] : memref<?x96xbf16>, memref<?x96xbf16>
// CHECK: memref.dealloc %[[S]] : memref<3xindex>
// CHECK: gpu.dealloc async [%{{.*}}] %[[A]] : memref<?x96xbf16>
// CHECK-NOT: memref.alloc
func.func @buffers(%rows: index, %b: index, %t: index, %out: memref<?x96xbf16>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c96 = arith.constant 96 : index
  %a = memref.alloc(%rows) : memref<?x96xbf16>
  %shape = memref.alloc() : memref<3xindex>
  memref.store %b, %shape[%c0] : memref<3xindex>
  memref.store %t, %shape[%c1] : memref<3xindex>
  memref.store %c96, %shape[%c2] : memref<3xindex>
  %r = memref.reshape %a(%shape) : (memref<?x96xbf16>, memref<3xindex>) -> memref<?x?x96xbf16>
  %d = memref.dim %r, %c1 : memref<?x?x96xbf16>
  memref.copy %a, %out : memref<?x96xbf16> to memref<?x96xbf16>
  memref.dealloc %shape : memref<3xindex>
  memref.dealloc %a : memref<?x96xbf16>
  return %d : index
}
