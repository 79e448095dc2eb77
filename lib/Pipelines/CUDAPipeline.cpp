//===- CUDAPipeline.cpp - hypatia to LLVM for NVIDIA GPUs -------*- C++ -*-===//
//
// Linear layers become cuBLASLt calls with fused epilogues; the elementwise
// ops left over become kernels (parallel loops -> gpu.launch -> NVVM -> a
// fatbin holding an sm_90 cubin and PTX); buffers live on the GPU; host code
// goes to LLVM calling Hypatia's runtime (mgpu* and hypatia_linear_*), which
// runs everything on the caller's stream. Results are written into buffers
// the caller passes after the inputs.
//
//===----------------------------------------------------------------------===//

#include "PipelineSteps.h"
#include "hypatia/Conversion/Passes.h"
#include "hypatia/Pipelines/Pipelines.h"

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
  pm.addPass(createHypatiaToLinalg());
  pm.addPass(createCanonicalizerPass());
  pipeline::addBufferization(pm);
  pipeline::addResultsToOutParams(pm);
  pipeline::addDeallocation(pm);
  pm.addPass(createCanonicalizerPass());

  // GEMMs and their epilogues to cuBLASLt; buffers to the GPU.
  LinalgToCublasOptions cublasOptions;
  cublasOptions.allowTF32 = options.allowTF32;
  pm.addPass(createLinalgToCublas(cublasOptions));
  pm.addPass(createHostBuffersToDevice());

  // What is left (elementwise ops) to kernels: rows to blocks, up to 256
  // columns per block to threads.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass(/*tileSizes=*/{1, 256}));
  // Constant steps and bounds, which the mapping to a launch needs.
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = "sm_90";
  target.features = "+ptx80";
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "fatbin"; // sm_90 cubin, and PTX as a fallback
#ifdef HYPATIA_CUDA_TOOLKIT_DIR
  binary.toolkitPath = HYPATIA_CUDA_TOOLKIT_DIR;
#endif
  pm.addPass(createGpuModuleToBinaryPass(binary));

  // Host code to LLVM.
  pipeline::addLoweringToControlFlow(pm);
  pipeline::addLoweringToLLVM(pm);
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}
