// The CPU pipeline lowers every hypatia op down to the LLVM dialect: f32 and
// bf16 linear layers (with their bias and activation) to calls of the model
// ABI's oneDNN matmuls, f16 layers and the rest to loops, where f32 erf and
// tanh become polynomial approximations (the vectorizer's) and, under
// --reference, erf a libm call and tanh LLVM's intrinsic (libm's tanhf); allocations are calls of the model ABI's
// checked allocator (_mlir_memref_to_llvm_alloc), and no other dialect
// remains.
// RUN: hypatia-opt %s --hypatia-cpu-pipeline | FileCheck %s
// RUN: hypatia-opt %s --hypatia-cpu-pipeline | FileCheck %s --check-prefix=ONLY-LLVM
// RUN: hypatia-opt %s --hypatia-cpu-pipeline=reference | FileCheck %s --check-prefix=REFERENCE

// CHECK-NOT: llvm.func @erff
// CHECK-NOT: llvm.func @tanhf
// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_alloc
// CHECK-LABEL: llvm.func @mlp
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
// CHECK-NOT: @malloc
// CHECK: llvm.call @hypatia_linear_bf16(
// CHECK: llvm.call @hypatia_linear_bf16_nobias(
// CHECK: llvm.call @hypatia_linear_bf16_nobias(
// CHECK: llvm.return
// CHECK-LABEL: llvm.func @f16_layer
// CHECK-NOT: hypatia_linear
// CHECK: llvm.fmul
// CHECK-NOT: llvm.call @erf
// CHECK: llvm.return
// REFERENCE-DAG: llvm.func @erff(f32) -> f32
// REFERENCE-LABEL: llvm.func @mlp
// REFERENCE: llvm.intr.tanh
// REFERENCE-LABEL: llvm.func @f16_layer
// REFERENCE: llvm.call @erff(
// ONLY-LLVM-NOT: {{hypatia|linalg|tensor|memref|bufferization|arith|math|scf|cf|affine|func}}.
func.func @mlp(%x: tensor<?x16xbf16>, %w1: tensor<32x16xbf16>, %b1: tensor<32xbf16>,
               %w2: tensor<8x32xbf16>, %w3: tensor<8x8xbf16>) -> tensor<?x8xbf16> {
  %0 = hypatia.fused_linear_gelu %x, %w1, %b1 : (tensor<?x16xbf16>, tensor<32x16xbf16>, tensor<32xbf16>) -> tensor<?x32xbf16>
  %1 = hypatia.gelu %0 {approximate = #hypatia.gelu_approximation<tanh>} : tensor<?x32xbf16>
  %2 = hypatia.fused_mlp %1, weights(%w2, %w3) activations [silu, relu] : (tensor<?x32xbf16>, tensor<8x32xbf16>, tensor<8x8xbf16>) -> tensor<?x8xbf16>
  return %2 : tensor<?x8xbf16>
}

func.func @f16_layer(%x: tensor<?x16xf16>, %w: tensor<8x16xf16>) -> tensor<?x8xf16> {
  %0 = hypatia.linear %x, %w : (tensor<?x16xf16>, tensor<8x16xf16>) -> tensor<?x8xf16>
  %1 = hypatia.gelu %0 : tensor<?x8xf16>
  return %1 : tensor<?x8xf16>
}
