// The CUDA pipeline: linear layers become calls of the runtime's cuBLASLt
// entry points, the SiLU becomes a kernel in an embedded GPU binary,
// temporaries are allocated on the device, the result goes to a buffer the
// caller passes, and nothing but LLVM and the GPU binary is left.
// REQUIRES: cuda-toolkit
// RUN: hypatia-opt %s --hypatia-cuda-pipeline | FileCheck %s
// RUN: hypatia-opt %s --hypatia-cuda-pipeline | FileCheck %s --check-prefix=ONLY-LLVM

// The result is written into a buffer the caller passes last: no result.
// CHECK-LABEL: llvm.func @mlp(
// CHECK-SAME: %arg{{[0-9]+}}: i64) {
// CHECK: llvm.call @mgpuMemAlloc
// CHECK: llvm.call @hypatia_linear_bf16(
// CHECK: llvm.call @hypatia_linear_bf16_nobias(
// CHECK: gpu.launch_func @mlp_kernel::@mlp_kernel blocks in
// CHECK: llvm.call @mgpuMemFree
// The kernel, as a fatbin (an sm_90 cubin with PTX; magic 0xBA55ED50)
// embedded in the module.
// CHECK: gpu.binary @mlp_kernel {{\[}}#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, properties = {{{.*}}}, "P\EDU\BA
// The runtime is reached through its C interface (memref descriptors by
// pointer).
// CHECK-LABEL: llvm.func private @hypatia_linear_bf16(
// CHECK: llvm.call @_mlir_ciface_hypatia_linear_bf16(
// CHECK: llvm.func @_mlir_ciface_hypatia_linear_bf16(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i32, i32)
// ONLY-LLVM-NOT: {{hypatia|linalg|tensor|memref|bufferization|arith|math|scf|cf|affine|func}}.
func.func @mlp(%x: tensor<?x64xbf16>, %w1: tensor<32x64xbf16>, %b1: tensor<32xbf16>,
               %w2: tensor<16x32xbf16>) -> tensor<?x16xbf16> {
  %0 = hypatia.fused_linear_relu %x, %w1, %b1 : (tensor<?x64xbf16>, tensor<32x64xbf16>, tensor<32xbf16>) -> tensor<?x32xbf16>
  %1 = hypatia.fused_linear_silu %0, %w2 : (tensor<?x32xbf16>, tensor<16x32xbf16>) -> tensor<?x16xbf16>
  return %1 : tensor<?x16xbf16>
}
