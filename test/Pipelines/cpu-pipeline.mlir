// The CPU pipeline lowers every hypatia op down to the LLVM dialect; erf and
// tanh become libm calls, allocations calls of the model ABI's checked
// allocator (_mlir_memref_to_llvm_alloc), and no other dialect remains.
// RUN: hypatia-opt %s --hypatia-cpu-pipeline | FileCheck %s
// RUN: hypatia-opt %s --hypatia-cpu-pipeline | FileCheck %s --check-prefix=ONLY-LLVM

// CHECK-DAG: llvm.func @erff(f32) -> f32
// CHECK-DAG: llvm.func @tanhf(f32) -> f32
// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_alloc
// CHECK-LABEL: llvm.func @mlp
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
// CHECK-NOT: @malloc
// CHECK: llvm.fmul
// CHECK: llvm.return
// ONLY-LLVM-NOT: {{hypatia|linalg|tensor|memref|bufferization|arith|math|scf|cf|affine|func}}.
func.func @mlp(%x: tensor<?x16xbf16>, %w1: tensor<32x16xbf16>, %b1: tensor<32xbf16>,
               %w2: tensor<8x32xbf16>, %w3: tensor<8x8xbf16>) -> tensor<?x8xbf16> {
  %0 = hypatia.fused_linear_gelu %x, %w1, %b1 : (tensor<?x16xbf16>, tensor<32x16xbf16>, tensor<32xbf16>) -> tensor<?x32xbf16>
  %1 = hypatia.gelu %0 {approximate = #hypatia.gelu_approximation<tanh>} : tensor<?x32xbf16>
  %2 = hypatia.fused_mlp %1, weights(%w2, %w3) activations [silu, relu] : (tensor<?x32xbf16>, tensor<8x32xbf16>, tensor<8x8xbf16>) -> tensor<?x8xbf16>
  return %2 : tensor<?x8xbf16>
}
