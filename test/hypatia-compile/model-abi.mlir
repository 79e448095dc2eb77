// The C ABI description hypatia-compile puts into a model (Model.h): shapes
// with -1 at dynamic sizes, and for each dynamic result size the input size
// it equals, traced through the hypatia ops.
// RUN: hypatia-compile %s --emit=llvm -o - | FileCheck %s
// RUN: hypatia-compile %s -o %t.so && nm -D --defined-only %t.so | FileCheck %s --check-prefix=SYMBOLS
// RUN: hypatia-compile %s --emit=llvm -o - | FileCheck %s --check-prefix=INLINE

// CHECK-DAG: %hypatia_tensor_type = type { i32, i32, ptr, ptr, ptr }
// CHECK-DAG: %hypatia_function = type { ptr, i32, i32, ptr, ptr, ptr }
// CHECK-DAG: %hypatia_model = type { i32, i32, i32, ptr }

// @two_batch_dims: input [2, ?, ?, 64] (bf16 = dtype 2); its result
// [2, ?, ?, 32] takes dims 1 and 2 from input 0.
// CHECK-DAG: @[[IN_SHAPE:hypatia_shape[.0-9]*]] = private constant [4 x i64] [i64 2, i64 -1, i64 -1, i64 64]
// CHECK-DAG: @[[OUT_SHAPE:hypatia_shape[.0-9]*]] = private constant [4 x i64] [i64 2, i64 -1, i64 -1, i64 32]
// CHECK-DAG: @[[SRC_INPUT:hypatia_size_input[.0-9]*]] = private constant [4 x i32] [i32 -1, i32 0, i32 0, i32 -1]
// CHECK-DAG: @[[SRC_DIM:hypatia_size_dim[.0-9]*]] = private constant [4 x i32] [i32 -1, i32 1, i32 2, i32 -1]
// CHECK-DAG: %hypatia_tensor_type { i32 2, i32 4, ptr @[[OUT_SHAPE]], ptr @[[SRC_INPUT]], ptr @[[SRC_DIM]] }
// CHECK-DAG: %hypatia_tensor_type { i32 2, i32 4, ptr @[[IN_SHAPE]], ptr null, ptr null }

// Two functions, ABI version 1, target cpu (0).
// CHECK-DAG: @hypatia_functions = private constant [2 x %hypatia_function] [%hypatia_function { ptr @{{.*}}, i32 5, i32 1, ptr @{{.*}}, ptr @{{.*}}, ptr @hypatia_call_mlp }, %hypatia_function { ptr @{{.*}}, i32 3, i32 1, ptr @{{.*}}, ptr @{{.*}}, ptr @hypatia_call_two_batch_dims }]
// CHECK-DAG: @hypatia_model = private constant %hypatia_model { i32 1, i32 0, i32 2, ptr @hypatia_functions }

// The call checks and packs through hypatiaModelInvoke; the packed entry
// unpacks an array of descriptor pointers into the C interface's arguments
// (inputs, then the caller's result buffers). The functions' code has
// Hypatia's own names (hypatia_impl_N), never the user's.
// CHECK-LABEL: define i32 @hypatia_call_mlp(ptr %0, ptr %1, ptr %2)
// CHECK: call i32 @hypatiaModelInvoke(ptr @hypatia_functions, ptr @hypatia_entry_hypatia_impl_0, ptr %0, ptr %1, ptr %2)
// CHECK-LABEL: define internal void @hypatia_entry_hypatia_impl_0(ptr %0)
// CHECK-COUNT-6: load ptr
// CHECK: call void @_mlir_ciface_hypatia_impl_0(ptr %{{.*}}, ptr %{{.*}}, ptr %{{.*}}, ptr %{{.*}}, ptr %{{.*}}, ptr %{{.*}})
// CHECK-LABEL: define ptr @hypatia_get_model()
// CHECK: ret ptr @hypatia_model

// A function's code and the C interface that unpacks its descriptors are
// internal and always inlined into the entry point (no call with an argument
// per descriptor field is left for the code generator).
// INLINE: define internal void @hypatia_impl_0({{.*}}) #[[INLINE:[0-9]+]]
// INLINE: define internal void @_mlir_ciface_hypatia_impl_0({{.*}}) #[[INLINE]]
// INLINE: attributes #[[INLINE]] = { alwaysinline }

// SYMBOLS-DAG: T hypatia_call_mlp
// SYMBOLS-DAG: T hypatia_call_two_batch_dims
// SYMBOLS-DAG: T hypatia_get_model
// SYMBOLS-DAG: T hypatia_model_last_error
// SYMBOLS-NOT: hypatiaModelInvoke

func.func @mlp(%x: tensor<?x16xf32>, %w1: tensor<32x16xf32>, %b1: tensor<32xf32>,
               %w2: tensor<8x32xf32>, %b2: tensor<8xf32>) -> tensor<?x8xf32> {
  %h = hypatia.fused_linear_relu %x, %w1, %b1
      : (tensor<?x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  %y = hypatia.linear %h, %w2, %b2
      : (tensor<?x32xf32>, tensor<8x32xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

func.func @two_batch_dims(%x: tensor<2x?x?x64xbf16>, %w: tensor<32x64xbf16>,
                          %b: tensor<32xbf16>) -> tensor<2x?x?x32xbf16> {
  %h = hypatia.linear %x, %w, %b
      : (tensor<2x?x?x64xbf16>, tensor<32x64xbf16>, tensor<32xbf16>) -> tensor<2x?x?x32xbf16>
  %y = hypatia.silu %h : tensor<2x?x?x32xbf16>
  return %y : tensor<2x?x?x32xbf16>
}

// Private functions are not part of the ABI.
// CHECK-NOT: hypatia_call_helper
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
