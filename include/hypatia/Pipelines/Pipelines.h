//===- Pipelines.h - Hypatia's named pass pipelines -------------*- C++ -*-===//

#ifndef HYPATIA_PIPELINES_PIPELINES_H
#define HYPATIA_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace hypatia {

/// hypatia (tensors) -> linalg -> buffers -> loops -> LLVM dialect, for the
/// host CPU. Functions keep tensor-typed results as memref results allocated
/// by the callee (with malloc); callers own and free them.
void buildCPUPipeline(mlir::OpPassManager &pm);

/// hypatia (tensors) -> LLVM dialect for NVIDIA GPUs (sm_90): linear layers as
/// calls of Hypatia's runtime (cuBLASLt), the remaining elementwise ops as
/// NVVM kernels in an embedded fatbin, buffers on the GPU. Tensor results
/// become output buffers the caller passes after the inputs.
void buildCUDAPipeline(mlir::OpPassManager &pm);

/// Registers `hypatia-cpu-pipeline` and `hypatia-cuda-pipeline`.
void registerPipelines();

} // namespace hypatia

#endif // HYPATIA_PIPELINES_PIPELINES_H
