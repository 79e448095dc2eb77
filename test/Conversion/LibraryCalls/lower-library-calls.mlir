// RUN: hypatia-opt %s --hypatia-lower-library-calls --split-input-file --verify-diagnostics | FileCheck %s

// A library call on buffers becomes a call of the runtime with the
// activation's vocabulary code (relu: 1), the TF32 flag and the layout bits
// (input transposed: 1, weight transposed: 2); the runtime
// function is declared once, with a C interface, on buffers of any strides
// and offset (the runtime checks that rows are contiguous).
// CHECK-LABEL: func.func @calls
// CHECK-SAME: (%[[X:.*]]: memref<?x64xbf16>, %[[W:.*]]: memref<32x64xbf16>, %[[B:.*]]: memref<32xbf16>, %[[Y:.*]]: memref<?x32xbf16>, %[[Z:.*]]: memref<?x32xf32>
// CHECK-DAG: %[[X2:.*]] = memref.cast %[[X]] : memref<?x64xbf16> to memref<?x?xbf16, strided<[?, ?], offset: ?>>
// CHECK-DAG: %[[W2:.*]] = memref.cast %[[W]] : memref<32x64xbf16> to memref<?x?xbf16, strided<[?, ?], offset: ?>>
// CHECK-DAG: %[[B2:.*]] = memref.cast %[[B]] : memref<32xbf16> to memref<?xbf16, strided<[?], offset: ?>>
// CHECK-DAG: %[[Y2:.*]] = memref.cast %[[Y]] : memref<?x32xbf16> to memref<?x?xbf16, strided<[?, ?], offset: ?>>
// CHECK-DAG: %[[RELU:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[NO:.*]] = arith.constant 0 : i32
// CHECK: call @hypatia_linear_bf16(%[[X2]], %[[W2]], %[[B2]], %[[Y2]], %[[RELU]], %[[NO]], %{{.*}})
// CHECK: %[[YES:.*]] = arith.constant 1 : i32
// CHECK: call @hypatia_linear_f32_nobias(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[YES]], %{{.*}})
// CHECK: %[[BOTH:.*]] = arith.constant 3 : i32
// CHECK: call @hypatia_linear_f32_nobias(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[BOTH]])
// CHECK: func.func private @hypatia_linear_bf16(memref<?x?xbf16, strided<[?, ?], offset: ?>>, memref<?x?xbf16, strided<[?, ?], offset: ?>>, memref<?xbf16, strided<[?], offset: ?>>, memref<?x?xbf16, strided<[?, ?], offset: ?>>, i32, i32, i32) attributes {llvm.emit_c_interface}
// CHECK: func.func private @hypatia_linear_f32_nobias(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i32, i32, i32) attributes {llvm.emit_c_interface}
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @calls(%x: memref<?x64xbf16>, %w: memref<32x64xbf16>, %b: memref<32xbf16>, %y: memref<?x32xbf16>,
                 %z: memref<?x32xf32>, %xf: memref<?x64xf32>, %wf: memref<32x64xf32>,
                 %xt: memref<64x?xf32>, %wt: memref<64x32xf32>) {
  hypatia.library_linear %x, %w, %b into %y {epilogue = #hypatia.activation<relu>} : memref<?x64xbf16>, memref<32x64xbf16>, memref<32xbf16> into memref<?x32xbf16>
  hypatia.library_linear %xf, %wf into %z {allow_tf32, epilogue = #hypatia.activation<none>} : memref<?x64xf32>, memref<32x64xf32> into memref<?x32xf32>
  hypatia.library_linear %xt, %wt into %z {epilogue = #hypatia.activation<none>, input_transposed, weight_transposed} : memref<64x?xf32>, memref<64x32xf32> into memref<?x32xf32>
  return
}
}

// -----

module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @on_tensors(%x: tensor<4x64xf32>, %w: tensor<32x64xf32>, %y: tensor<4x32xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{is still on tensors: run it after bufferization}}
  %0 = hypatia.library_linear %x, %w into %y {epilogue = #hypatia.activation<none>} : tensor<4x64xf32>, tensor<32x64xf32> into tensor<4x32xf32> -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}
}

// -----

// A weight that is rows of a larger one (half of a chunked layer) is passed
// as a view: its offset travels in the descriptor.
// CHECK-LABEL: func.func @row_slice
// CHECK: %[[HALF:.*]] = memref.subview %{{.*}}[32, 0] [32, 64] [1, 1]
// CHECK: %[[CAST:.*]] = memref.cast %[[HALF]] : memref<32x64xf32, strided<[64, 1], offset: 2048>> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @hypatia_linear_f32_nobias(%{{.*}}, %[[CAST]], %{{.*}}
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @row_slice(%x: memref<4x64xf32>, %w: memref<64x64xf32>, %y: memref<4x32xf32>) {
  %half = memref.subview %w[32, 0] [32, 64] [1, 1] : memref<64x64xf32> to memref<32x64xf32, strided<[64, 1], offset: 2048>>
  hypatia.library_linear %x, %half into %y {epilogue = #hypatia.activation<none>} : memref<4x64xf32>, memref<32x64xf32, strided<[64, 1], offset: 2048>> into memref<4x32xf32>
  return
}
}

// -----

module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @column_slice(%x: memref<4x32xf32>, %w: memref<32x64xf32>, %y: memref<4x32xf32>) {
  %columns = memref.subview %w[0, 0] [32, 32] [1, 2] : memref<32x64xf32> to memref<32x32xf32, strided<[64, 2]>>
  // expected-error @+1 {{operand of type 'memref<32x32xf32, strided<[64, 2]>>' does not have contiguous rows}}
  hypatia.library_linear %x, %columns into %y {epilogue = #hypatia.activation<none>} : memref<4x32xf32>, memref<32x32xf32, strided<[64, 2]>> into memref<4x32xf32>
  return
}
}

// -----

// A weight in two row blocks (a gated_linear's gate and up): the pair
// function, with the second weight after the first and the biases after the
// weights.
// CHECK-LABEL: func.func @pair
// CHECK: call @hypatia_linear_pair_bf16(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (memref<?x?xbf16, strided<[?, ?], offset: ?>>, memref<?x?xbf16, strided<[?, ?], offset: ?>>, memref<?x?xbf16, strided<[?, ?], offset: ?>>, memref<?xbf16, strided<[?], offset: ?>>, memref<?xbf16, strided<[?], offset: ?>>, memref<?x?xbf16, strided<[?, ?], offset: ?>>, i32, i32, i32) -> ()
// CHECK: call @hypatia_linear_pair_f32_nobias(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: func.func private @hypatia_linear_pair_bf16(
// CHECK: func.func private @hypatia_linear_pair_f32_nobias(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i32, i32, i32) attributes {llvm.emit_c_interface}
module attributes {hypatia.target = #hypatia.target<cuda>} {
func.func @pair(%x: memref<?x64xbf16>, %wg: memref<32x64xbf16>, %wu: memref<32x64xbf16>, %bg: memref<32xbf16>, %bu: memref<32xbf16>, %y: memref<?x64xbf16>,
                %xf: memref<?x64xf32>, %wf: memref<128x64xf32>, %yf: memref<?x128xf32>) {
  hypatia.library_linear %x, %wg, %bg then %wu, %bu into %y {epilogue = #hypatia.activation<none>} : memref<?x64xbf16>, memref<32x64xbf16>, memref<32xbf16> then memref<32x64xbf16>, memref<32xbf16> into memref<?x64xbf16>
  %w0 = memref.subview %wf[0, 0] [64, 64] [1, 1] : memref<128x64xf32> to memref<64x64xf32, strided<[64, 1]>>
  %w1 = memref.subview %wf[64, 0] [64, 64] [1, 1] : memref<128x64xf32> to memref<64x64xf32, strided<[64, 1], offset: 4096>>
  hypatia.library_linear %xf, %w0 then %w1 into %yf {epilogue = #hypatia.activation<none>} : memref<?x64xf32>, memref<64x64xf32, strided<[64, 1]>> then memref<64x64xf32, strided<[64, 1], offset: 4096>> into memref<?x128xf32>
  return
}
}
