//===- CUDAPipeline.cpp - hypatia to LLVM for NVIDIA GPUs -------*- C++ -*-===//
//
// Linear layers become cuBLASLt calls with fused epilogues; the elementwise
// ops left over become kernels (parallel loops -> gpu.launch -> NVVM -> one
// fatbin with a cubin for each chip of the module's #hypatia.target and PTX);
// buffers live on the GPU; host code goes to LLVM calling Hypatia's runtime
// (mgpu* and hypatia_linear_*), which runs everything on the caller's
// stream. Results are written into buffers the caller passes after the
// inputs.
//
//===----------------------------------------------------------------------===//

#include "PipelineSteps.h"
#include "hypatia/Conversion/Passes.h"
#include "hypatia/Pipelines/Pipelines.h"
#include "hypatia/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void hypatia::buildCUDAPipeline(OpPassManager &pm,
                                const CUDAPipelineOptions &options) {
  // The target first: every later pass reads it.
  AttachTargetOptions target;
  target.kind = "cuda";
  pm.addPass(createAttachTarget(target));

  // Linear layers become library calls while they are still whole, on
  // tensors; what is left is elementwise and goes through linalg.
  HypatiaToLibraryCallsOptions libraryOptions;
  libraryOptions.allowTF32 = options.allowTF32;
  pm.addNestedPass<func::FuncOp>(createHypatiaToLibraryCalls(libraryOptions));
  pm.addPass(createHypatiaToLinalg());
  pm.addPass(createCanonicalizerPass());
  // Chains of elementwise ops (the activation and product of a gated MLP)
  // become one generic, hence one kernel and one pass over memory.
  pm.addPass(createFuseElementwise());
  pm.addNestedPass<func::FuncOp>(createDistinctResults());
  pipeline::addBufferization(pm);
  // expand_shape(collapse_shape(buffer)) folds to the buffer: a layer's N-D
  // result is then its own allocation, which becomes the caller's output.
  pm.addPass(createCanonicalizerPass());
  pipeline::addResultsToOutParams(pm);
  pipeline::addDeallocation(pm);
  pm.addPass(createCanonicalizerPass());

  // Library calls to the runtime (cuBLASLt); buffers to the GPU.
  pm.addPass(createLowerLibraryCalls());
  pm.addPass(createHostBuffersToDevice());

  // Each fused MLP the target's kernel computes: one generated tensor-core
  // kernel.
  pm.addNestedPass<func::FuncOp>(createMLPKernelToGPU());
  // Its shared-memory matrix loads (nvgpu.ldmatrix) to NVVM.
  pm.addPass(createConvertNVGPUToNVVMPass());

  // Elementwise ops to bandwidth-bound kernels (16-byte vectors per thread);
  // anything else left: rows to blocks, up to 256 columns per block to
  // threads.
  pm.addNestedPass<func::FuncOp>(createElementwiseToGPU());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass(/*tileSizes=*/{1, 256}));
  // Constant steps and bounds, which the mapping to a launch needs.
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  // The canonicalizer hoisted every constant out of the launch bodies (they
  // are not isolated from above); outlined as they are, the constants
  // would become kernel arguments, and the kernels would divide by
  // run-time values and compute indices in 64 bits. Sunk back, they fold.
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addPass(createReconcileUnrealizedCastsPass());
  if (options.deviceCodeOnly)
    return;
  // One fatbin per gpu.module: a cubin per chip of the target, PTX of the
  // newest.
  pm.addPass(createGpuModuleToFatbin());

  // Host code to LLVM.
  pipeline::addLoweringToControlFlow(pm);
  pipeline::addLoweringToLLVM(pm);
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createDetachTarget());
}
