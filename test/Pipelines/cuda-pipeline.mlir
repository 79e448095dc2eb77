// The CUDA pipeline: linear layers become calls of the runtime's cuBLASLt
// entry points, the SiLU becomes a kernel in an embedded GPU binary,
// temporaries are allocated on the device, the result goes to a buffer the
// caller passes, and nothing but LLVM and the GPU binary is left.
// REQUIRES: cuda-toolkit
// RUN: hypatia-opt %s --hypatia-cuda-pipeline | FileCheck %s
// RUN: hypatia-opt %s --hypatia-cuda-pipeline | FileCheck %s --check-prefix=ONLY-LLVM
// The chips come from the module's target:
// RUN: hypatia-opt %s --hypatia-attach-target=chips=sm_80,sm_86 --hypatia-cuda-pipeline | FileCheck %s --check-prefix=CHIPS
// A layer whose result is returned and fed to SiLU is one GEMM call after
// fusion, not two (SiLU is not in cuBLASLt's epilogues):
// RUN: hypatia-opt %s --fuse-mlp --hypatia-cuda-pipeline | FileCheck %s --check-prefix=SHARED
// Batch dimensions are views: a 3-D layer writes its result straight into the
// caller's buffer, with no copy and no temporary for it.
// RUN: hypatia-opt %s --hypatia-cuda-pipeline | FileCheck %s --check-prefix=NO-COPY
// A gated MLP: three GEMM calls and one kernel for SiLU and the product.
// RUN: hypatia-opt %s --hypatia-cuda-pipeline | FileCheck %s --check-prefix=GATED

// The result is written into a buffer the caller passes last: no result.
// CHECK-LABEL: llvm.func @mlp(
// CHECK-SAME: %arg{{[0-9]+}}: i64) {
// CHECK: llvm.call @mgpuMemAlloc
// CHECK: llvm.call @hypatia_linear_bf16(
// CHECK: llvm.call @hypatia_linear_bf16_nobias(
// Constants stay inside the kernel (sunk into the launch before outlining,
// where they fold): its arguments are the element count and the buffers, no
// block size and no float constant.
// CHECK: gpu.launch_func @mlp_kernel::@mlp_kernel blocks in ({{.*}}) threads in ({{.*}}) : i64 args(%{{[0-9]+}} : i64, %{{[0-9]+}} : !llvm.ptr, %{{[0-9]+}} : !llvm.ptr, %{{[0-9]+}} : i64, %{{[0-9]+}} : i64, %{{[0-9]+}} : i64, %{{[0-9]+}} : !llvm.ptr,
// CHECK: llvm.call @mgpuMemFree
// The kernel, as one fatbin (magic 0xBA55ED50: cubins for sm_80, sm_86,
// sm_89 and sm_90, PTX of sm_90) embedded in the module, named by its newest
// chip.
// CHECK: gpu.binary @mlp_kernel {{\[}}#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, "P\EDU\BA
// CHIPS: gpu.binary @mlp_kernel {{\[}}#gpu.object<#nvvm.target<O = 3, chip = "sm_86", features = "+ptx80">, "P\EDU\BA
// The runtime is reached through its C interface (memref descriptors by
// pointer).
// CHECK-LABEL: llvm.func private @hypatia_linear_bf16(
// CHECK: llvm.call @_mlir_ciface_hypatia_linear_bf16(
// CHECK: llvm.func @_mlir_ciface_hypatia_linear_bf16(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i32, i32, i32)
// ONLY-LLVM-NOT: {{hypatia|linalg|tensor|memref|bufferization|arith|math|scf|cf|affine|func}}.
func.func @mlp(%x: tensor<?x64xbf16>, %w1: tensor<32x64xbf16>, %b1: tensor<32xbf16>,
               %w2: tensor<16x32xbf16>) -> tensor<?x16xbf16> {
  %0 = hypatia.fused_linear_relu %x, %w1, %b1 : (tensor<?x64xbf16>, tensor<32x64xbf16>, tensor<32xbf16>) -> tensor<?x32xbf16>
  %1 = hypatia.fused_linear_silu %0, %w2 : (tensor<?x32xbf16>, tensor<16x32xbf16>) -> tensor<?x16xbf16>
  return %1 : tensor<?x16xbf16>
}

// SHARED-LABEL: llvm.func @linear_returned_and_silu(
// SHARED-COUNT-1: llvm.call @hypatia_linear_f32_nobias(
// SHARED-NOT: llvm.call @hypatia_linear_
// SHARED: gpu.launch_func
// SHARED-NOT: llvm.call @hypatia_linear_
// SHARED: llvm.return
func.func @linear_returned_and_silu(%x: tensor<4096x8xf32>, %w: tensor<4096x8xf32>) -> (tensor<4096x4096xf32>, tensor<4096x4096xf32>) {
  %h = hypatia.linear %x, %w : (tensor<4096x8xf32>, tensor<4096x8xf32>) -> tensor<4096x4096xf32>
  %s = hypatia.silu %h : tensor<4096x4096xf32>
  return %h, %s : tensor<4096x4096xf32>, tensor<4096x4096xf32>
}

// NO-COPY-LABEL: llvm.func @three_d(
// NO-COPY-NOT: mgpuMemcpy
// NO-COPY-NOT: mgpuMemAlloc
// NO-COPY: llvm.call @hypatia_linear_bf16(
// NO-COPY-NOT: mgpuMemcpy
// NO-COPY: llvm.return
func.func @three_d(%x: tensor<32x197x64xbf16>, %w: tensor<48x64xbf16>, %b: tensor<48xbf16>) -> tensor<32x197x48xbf16> {
  %y = hypatia.fused_linear_relu %x, %w, %b : (tensor<32x197x64xbf16>, tensor<48x64xbf16>, tensor<48xbf16>) -> tensor<32x197x48xbf16>
  return %y : tensor<32x197x48xbf16>
}

// GATED-LABEL: llvm.func @gated(
// GATED-COUNT-2: llvm.call @hypatia_linear_bf16_nobias(
// GATED-NOT: gpu.launch_func
// GATED: gpu.launch_func @gated_kernel::@gated_kernel
// GATED-NOT: gpu.launch_func
// GATED: llvm.call @hypatia_linear_bf16_nobias(
// GATED-NOT: gpu.launch_func
// GATED: llvm.return
func.func @gated(%x: tensor<4x?x64xbf16>, %wg: tensor<128x64xbf16>, %wu: tensor<128x64xbf16>, %wd: tensor<64x128xbf16>) -> tensor<4x?x64xbf16> {
  %g = hypatia.linear %x, %wg : (tensor<4x?x64xbf16>, tensor<128x64xbf16>) -> tensor<4x?x128xbf16>
  %a = hypatia.silu %g : tensor<4x?x128xbf16>
  %u = hypatia.linear %x, %wu : (tensor<4x?x64xbf16>, tensor<128x64xbf16>) -> tensor<4x?x128xbf16>
  %h = hypatia.mul %a, %u : tensor<4x?x128xbf16>
  %y = hypatia.linear %h, %wd : (tensor<4x?x128xbf16>, tensor<64x128xbf16>) -> tensor<4x?x64xbf16>
  return %y : tensor<4x?x64xbf16>
}
