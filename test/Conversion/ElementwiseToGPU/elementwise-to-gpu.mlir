// RUN: hypatia-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(hypatia-elementwise-to-gpu))' | FileCheck %s

#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// An elementwise op on a 3-D bf16 buffer: flattened, 8 lanes (16 bytes) per
// thread where every buffer is 16-byte aligned, the rest one element each.
// CHECK-LABEL: func.func @silu_bf16
// CHECK-SAME: (%[[IN:.*]]: memref<4x?x24xbf16>, %[[OUT:.*]]: memref<4x?x24xbf16>)
// CHECK-DAG: %[[FIN:.*]] = memref.collapse_shape %[[IN]] {{\[\[}}0, 1, 2]]
// CHECK-DAG: %[[FOUT:.*]] = memref.collapse_shape %[[OUT]] {{\[\[}}0, 1, 2]]
// CHECK: memref.extract_aligned_pointer_as_index %[[FIN]]
// CHECK: memref.extract_aligned_pointer_as_index %[[FOUT]]
// CHECK: %[[VECS:.*]] = arith.select %{{.*}}, %{{.*}}, %c0
// CHECK: %[[BLOCKS:.*]] = arith.ceildivui
// CHECK: scf.if
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c256
// CHECK: vector.load %[[FIN]][%{{.*}}] {alignment = 16 : i64} : memref<?xbf16>, vector<8xbf16>
// CHECK-COUNT-8: arith.negf
// CHECK: vector.from_elements {{.*}} : vector<8xbf16>
// CHECK: vector.store %{{.*}}, %[[FOUT]][%{{.*}}] {alignment = 16 : i64}
// CHECK: memref.load %[[FIN]]
// CHECK: arith.negf
// CHECK: memref.store %{{.*}}, %[[FOUT]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
func.func @silu_bf16(%in: memref<4x?x24xbf16>, %out: memref<4x?x24xbf16>) {
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%in : memref<4x?x24xbf16>) outs(%out : memref<4x?x24xbf16>) {
  ^bb0(%a: bf16, %b: bf16):
    %x = arith.extf %a : bf16 to f32
    %n = arith.negf %x : f32
    %e = math.exp %n : f32
    %one = arith.constant 1.0 : f32
    %d = arith.addf %e, %one : f32
    %s = arith.divf %x, %d : f32
    %r = arith.truncf %s : f32 to bf16
    linalg.yield %r : bf16
  }
  return
}

// -----

// Broadcasts are left to the generic loop mapping.
// CHECK-LABEL: func.func @broadcast
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @broadcast(%in: memref<8xf32>, %out: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%in : memref<8xf32>) outs(%out : memref<4x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return
}

// -----

#map = affine_map<(d0, d1) -> (d0, d1)>
// A conversion: 16 bytes of the widest operand per thread (4 f32 read, 4
// bf16 written), each buffer aligned to its own vectors.
// CHECK-LABEL: func.func @f32_to_bf16
// CHECK: arith.constant 16 : index
// CHECK: arith.constant 8 : index
// CHECK: gpu.launch
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<6144xf32>, vector<4xf32>
// CHECK-COUNT-4: arith.truncf
// CHECK: vector.store %{{.*}} {alignment = 8 : i64} : memref<6144xbf16>, vector<4xbf16>
func.func @f32_to_bf16(%in: memref<96x64xf32>, %out: memref<96x64xbf16>) {
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%in : memref<96x64xf32>) outs(%out : memref<96x64xbf16>) {
  ^bb0(%a: f32, %b: bf16):
    %r = arith.truncf %a : f32 to bf16
    linalg.yield %r : bf16
  }
  return
}

// -----

#map = affine_map<(d0, d1) -> (d0, d1)>
// The two halves of a gated_linear's [M, 192] product (column blocks: rows
// 192 elements apart) and a dense result: the halves are read by row and
// column, 8 lanes at a time where the row length and distance of each hold
// whole 16-byte vectors and every buffer is aligned, the dense result as a
// flat vector.
// CHECK-LABEL: func.func @gate_halves
// CHECK-SAME: (%[[H:.*]]: memref<?x192xbf16>, %[[OUT:.*]]: memref<?x96xbf16>)
// CHECK-DAG: %[[G:.*]] = memref.subview %[[H]][0, 0]
// CHECK-DAG: %[[U:.*]] = memref.subview %[[H]][0, 96]
// CHECK-DAG: %[[FOUT:.*]] = memref.collapse_shape %[[OUT]] {{\[\[}}0, 1]]
// CHECK: memref.extract_strided_metadata %[[G]]
// CHECK: %{{.*}}, %{{.*}}, %[[GSIZES:.*]]:2, %[[GSTRIDES:.*]]:2 = memref.extract_strided_metadata %[[G]]
// CHECK: arith.muli %[[GSIZES]]#1, %c2
// CHECK: arith.muli %[[GSTRIDES]]#0, %c2
// CHECK: gpu.launch
// CHECK: %[[ROW:.*]] = arith.divui %[[START:.*]], %{{.*}}
// CHECK: %[[COL:.*]] = arith.remui %[[START]], %{{.*}}
// CHECK: vector.load %[[G]][%[[ROW]], %[[COL]]] {alignment = 16 : i64} : memref<?x96xbf16, strided<[192, 1]>>, vector<8xbf16>
// CHECK: vector.load %[[U]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<?x96xbf16, strided<[192, 1], offset: 96>>, vector<8xbf16>
// CHECK: vector.store %{{.*}}, %[[FOUT]][%[[START]]] {alignment = 16 : i64}
// CHECK: memref.load %[[G]][%{{.*}}, %{{.*}}]
// CHECK: memref.load %[[U]][%{{.*}}, %{{.*}}]
// CHECK: memref.store %{{.*}}, %[[FOUT]][%{{.*}}]
// CHECK-NOT: linalg.generic
func.func @gate_halves(%h: memref<?x192xbf16>, %out: memref<?x96xbf16>) {
  %c0 = arith.constant 0 : index
  %m = memref.dim %h, %c0 : memref<?x192xbf16>
  %g = memref.subview %h[0, 0] [%m, 96] [1, 1] : memref<?x192xbf16> to memref<?x96xbf16, strided<[192, 1]>>
  %u = memref.subview %h[0, 96] [%m, 96] [1, 1] : memref<?x192xbf16> to memref<?x96xbf16, strided<[192, 1], offset: 96>>
  linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%g, %u : memref<?x96xbf16, strided<[192, 1]>>, memref<?x96xbf16, strided<[192, 1], offset: 96>>) outs(%out : memref<?x96xbf16>) {
  ^bb0(%a: bf16, %b: bf16, %c: bf16):
    %x = arith.extf %a : bf16 to f32
    %y = arith.extf %b : bf16 to f32
    %p = arith.mulf %x, %y : f32
    %r = arith.truncf %p : f32 to bf16
    linalg.yield %r : bf16
  }
  return
}

// -----

#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// Views with strides other than a matrix's row distance are left to the
// generic loop mapping.
// CHECK-LABEL: func.func @strided_3d
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @strided_3d(%in: memref<4x8x16xf32, strided<[256, 32, 1]>>, %out: memref<4x8x16xf32>) {
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%in : memref<4x8x16xf32, strided<[256, 32, 1]>>) outs(%out : memref<4x8x16xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return
}
