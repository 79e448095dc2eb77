//===- Pipelines.h - Hypatia's named pass pipelines -------------*- C++ -*-===//

#ifndef HYPATIA_PIPELINES_PIPELINES_H
#define HYPATIA_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace hypatia {

/// hypatia (tensors) -> linalg -> buffers -> loops -> LLVM dialect, for the
/// host CPU. Functions keep tensor-typed results as memref results allocated
/// by the callee (with malloc); callers own and free them.
void buildCPUPipeline(mlir::OpPassManager &pm);

/// Registers `hypatia-cpu-pipeline` for hypatia-opt and pipeline strings.
void registerPipelines();

} // namespace hypatia

#endif // HYPATIA_PIPELINES_PIPELINES_H
