// Linear layers on buffers become runtime GEMM calls with fused epilogues.
// The input is what hypatia-to-linalg and bufferization make of hypatia ops.
// RUN: hypatia-opt %s --hypatia-to-linalg --canonicalize \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --buffer-deallocation-pipeline --convert-bufferization-to-memref --canonicalize \
// RUN:   --linalg-to-cublas --split-input-file | FileCheck %s
// RUN: hypatia-opt %s --hypatia-to-linalg --canonicalize \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   --buffer-deallocation-pipeline --convert-bufferization-to-memref --canonicalize \
// RUN:   --linalg-to-cublas=allow-tf32 --split-input-file | FileCheck %s --check-prefix=TF32

// ReLU and bias in cuBLASLt's epilogue: one call, no matmul, no accumulator.
// CHECK-LABEL: func.func @relu_bias
// CHECK-SAME: (%[[X:.*]]: memref<?x64xbf16>, %[[W:.*]]: memref<32x64xbf16>, %[[B:.*]]: memref<32xbf16>)
// CHECK-NOT: linalg.
// CHECK-NOT: xf32>
// CHECK: %[[Y:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?x32xbf16>
// CHECK-DAG: %[[XC:.*]] = memref.cast %[[X]] : memref<?x64xbf16> to memref<?x?xbf16>
// CHECK-DAG: %[[WC:.*]] = memref.cast %[[W]] : memref<32x64xbf16> to memref<?x?xbf16>
// CHECK-DAG: %[[BC:.*]] = memref.cast %[[B]] : memref<32xbf16> to memref<?xbf16>
// CHECK-DAG: %[[YC:.*]] = memref.cast %[[Y]] : memref<?x32xbf16> to memref<?x?xbf16>
// CHECK-DAG: %[[RELU:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[NO_TF32:.*]] = arith.constant 0 : i32
// CHECK: call @hypatia_linear_bf16(%[[XC]], %[[WC]], %[[BC]], %[[YC]], %[[RELU]], %[[NO_TF32]])
// CHECK-NOT: linalg.
// CHECK: return %[[Y]]
// CHECK: func.func private @hypatia_linear_bf16(memref<?x?xbf16>, memref<?x?xbf16>, memref<?xbf16>, memref<?x?xbf16>, i32, i32) attributes {llvm.emit_c_interface}
func.func @relu_bias(%x: tensor<?x64xbf16>, %w: tensor<32x64xbf16>, %b: tensor<32xbf16>) -> tensor<?x32xbf16> {
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<?x64xbf16>, tensor<32x64xbf16>, tensor<32xbf16>) -> tensor<?x32xbf16>
  return %0 : tensor<?x32xbf16>
}

// -----

// tanh-GELU without bias: the _nobias entry point, activation code 2.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: %[[GELU:.*]] = arith.constant 2 : i32
// CHECK: call @hypatia_linear_f16_nobias(%{{.*}}, %{{.*}}, %{{.*}}, %[[GELU]], %{{.*}})
// CHECK-NOT: linalg.
func.func @gelu_tanh(%x: tensor<8x64xf16>, %w: tensor<32x64xf16>) -> tensor<8x32xf16> {
  %0 = hypatia.fused_linear_gelu %x, %w {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<8x64xf16>, tensor<32x64xf16>) -> tensor<8x32xf16>
  return %0 : tensor<8x32xf16>
}

// -----

// f32 tanh-GELU is not fused: cuBLASLt's approximation would exceed the f32
// error bound. GEMM into a temporary, then the exact activation.
// CHECK-LABEL: func.func @gelu_tanh_f32
// CHECK: call @hypatia_linear_f32_nobias(
// CHECK: linalg.generic
// CHECK:   math.tanh
func.func @gelu_tanh_f32(%x: tensor<8x64xf32>, %w: tensor<32x64xf32>) -> tensor<8x32xf32> {
  %0 = hypatia.fused_linear_gelu %x, %w {approximate = #hypatia.gelu_approximation<tanh>} : (tensor<8x64xf32>, tensor<32x64xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// cuBLASLt cannot apply SiLU: GEMM and bias into a temporary of the element
// type, then the activation elementwise into the result.
// CHECK-LABEL: func.func @silu
// CHECK: %[[Y:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?x16xbf16>
// CHECK: %[[T:.*]] = memref.alloc(%{{.*}}) : memref<?x16xbf16>
// CHECK: %[[TC:.*]] = memref.cast %[[T]]
// CHECK: %[[NONE:.*]] = arith.constant 0 : i32
// CHECK: call @hypatia_linear_bf16(%{{.*}}, %{{.*}}, %{{.*}}, %[[TC]], %[[NONE]], %{{.*}})
// CHECK: linalg.generic {{.*}} ins(%[[T]] : memref<?x16xbf16>) outs(%[[Y]] : memref<?x16xbf16>)
// CHECK:   arith.extf %{{.*}} : bf16 to f32
// CHECK:   math.exp
// CHECK:   arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.dealloc %[[T]]
// CHECK-NOT: linalg.matmul
func.func @silu(%x: tensor<?x32xbf16>, %w: tensor<16x32xbf16>, %b: tensor<16xbf16>) -> tensor<?x16xbf16> {
  %0 = hypatia.fused_linear_silu %x, %w, %b : (tensor<?x32xbf16>, tensor<16x32xbf16>, tensor<16xbf16>) -> tensor<?x16xbf16>
  return %0 : tensor<?x16xbf16>
}

// -----

// A plain f32 layer (no epilogue): the call writes the result directly.
// With allow-tf32, the call's last operand lets cuBLASLt use TF32.
// CHECK-LABEL: func.func @plain_f32
// CHECK: %[[Y:.*]] = memref.alloc() {{.*}} : memref<4x8xf32>
// CHECK: %[[NONE:.*]] = arith.constant 0 : i32
// CHECK: %[[NO_TF32:.*]] = arith.constant 0 : i32
// CHECK: call @hypatia_linear_f32_nobias(%{{.*}}, %{{.*}}, %{{.*}}, %[[NONE]], %[[NO_TF32]])
// TF32-LABEL: func.func @plain_f32
// TF32-DAG: %[[NONE:.*]] = arith.constant 0 : i32
// TF32-DAG: %[[ALLOW:.*]] = arith.constant 1 : i32
// TF32: call @hypatia_linear_f32_nobias(%{{.*}}, %{{.*}}, %{{.*}}, %[[NONE]], %[[ALLOW]])
// CHECK-NOT: linalg.
// CHECK: return %[[Y]]
func.func @plain_f32(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>) -> tensor<4x8xf32> {
  %0 = hypatia.linear %x, %w : (tensor<4x16xf32>, tensor<8x16xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Several batch dimensions: the GEMM reads the collapsed input.
// CHECK-LABEL: func.func @batch_dims
// CHECK: %[[X2D:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : memref<2x?x64xf32> into memref<?x64xf32>
// CHECK: %[[XC:.*]] = memref.cast %[[X2D]]
// CHECK: call @hypatia_linear_f32(%[[XC]],
// CHECK: memref.expand_shape
func.func @batch_dims(%x: tensor<2x?x64xf32>, %w: tensor<32x64xf32>, %b: tensor<32xf32>) -> tensor<2x?x32xf32> {
  %0 = hypatia.fused_linear_relu %x, %w, %b : (tensor<2x?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<2x?x32xf32>
  return %0 : tensor<2x?x32xf32>
}

// -----

// A matmul of another form (not transposed-B) is left alone.
// CHECK-LABEL: func.func @other_matmul
// CHECK: linalg.matmul ins
// CHECK-NOT: call @hypatia_linear
func.func @other_matmul(%a: memref<4x8xf32>, %b: memref<8x2xf32>, %c: memref<4x2xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x2xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x2xf32>) outs(%c : memref<4x2xf32>)
  return
}
