//===- PipelineSteps.cpp - Steps shared by Hypatia's pipelines --*- C++ -*-===//

#include "PipelineSteps.h"

#include "hypatia/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void hypatia::pipeline::addBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions options;
  options.bufferizeFunctionBoundaries = true;
  options.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(options));
}

void hypatia::pipeline::addResultsToOutParams(OpPassManager &pm) {
  bufferization::BufferResultsToOutParamsPassOptions options;
  options.hoistStaticAllocs = true;
  options.hoistDynamicAllocs = true;
  options.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(options));
}

void hypatia::pipeline::addDeallocation(OpPassManager &pm) {
  // Upstream's buffer-deallocation-pipeline (LLVM 22), with the deallocations
  // whose aliasing is known resolved in linear time before its pairwise
  // simplification (see --hypatia-resolve-deallocations).
  memref::ExpandReallocPassOptions expandOptions;
  expandOptions.emitDeallocs = false;
  pm.addPass(memref::createExpandReallocPass(expandOptions));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createResolveDeallocations());
  pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void hypatia::pipeline::addLoweringToControlFlow(OpPassManager &pm) {
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
}

void hypatia::pipeline::addLoweringToLLVM(OpPassManager &pm) {
  // Allocations call _mlir_memref_to_llvm_alloc/free, which the model ABI
  // defines: a failed allocation ends the call with an out-of-memory status
  // instead of a write through a null pointer.
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createSeparateEntryBlock());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
}
