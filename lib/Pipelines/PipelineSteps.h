//===- PipelineSteps.h - Steps shared by Hypatia's pipelines ----*- C++ -*-===//

#ifndef HYPATIA_LIB_PIPELINES_PIPELINESTEPS_H
#define HYPATIA_LIB_PIPELINES_PIPELINESTEPS_H

#include "mlir/Pass/PassManager.h"

namespace hypatia::pipeline {

/// One-shot bufferization across function boundaries, with identity layouts
/// at the boundaries (dense row-major buffers in and out).
void addBufferization(mlir::OpPassManager &pm);

/// Tensor results become buffers the caller passes after the inputs, written
/// in place: nothing is allocated for them, so a caller can capture a whole
/// forward in a CUDA graph and replay it into the same output.
void addResultsToOutParams(mlir::OpPassManager &pm);

/// Ownership-based deallocation, then bufferization ops to memref ops
/// (deallocation clones results that alias arguments).
void addDeallocation(mlir::OpPassManager &pm);

/// Memref metadata, affine and scf to plain arithmetic and control flow.
/// Strided-metadata expansion emits affine.apply: affine is lowered after.
void addLoweringToControlFlow(mlir::OpPassManager &pm);

/// Memref, func, arith, index and cf to the LLVM dialect.
void addLoweringToLLVM(mlir::OpPassManager &pm);

} // namespace hypatia::pipeline

#endif // HYPATIA_LIB_PIPELINES_PIPELINESTEPS_H
