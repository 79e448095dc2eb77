//===- Pipelines.h - Hypatia's named pass pipelines -------------*- C++ -*-===//

#ifndef HYPATIA_PIPELINES_PIPELINES_H
#define HYPATIA_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace hypatia {

struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> resultsAsOutParams{
      *this, "results-as-out-params",
      llvm::cl::desc("Write tensor results into buffers the caller passes "
                     "after the inputs (as the CUDA pipeline does), instead "
                     "of returning buffers the callee allocates"),
      llvm::cl::init(false)};
  Option<bool> reference{
      *this, "reference",
      llvm::cl::desc("The float64-accurate reference: every layer a loop nest "
                     "whose f32 products accumulate in f64, no BLAS (for "
                     "checking faster paths)"),
      llvm::cl::init(false)};
};

struct CUDAPipelineOptions
    : public mlir::PassPipelineOptions<CUDAPipelineOptions> {
  Option<bool> allowTF32{
      *this, "allow-tf32",
      llvm::cl::desc("Let f32 GEMMs round their inputs to TF32 on tensor "
                     "cores (about 1e-3 relative error; off as in PyTorch)"),
      llvm::cl::init(false)};
  Option<bool> deviceCodeOnly{
      *this, "device-code-only",
      llvm::cl::desc("Stop once the kernels are gpu.modules in the NVVM "
                     "dialect, before they are compiled into a fatbin and "
                     "the host code is lowered (hypatia-compile --emit=ptx)"),
      llvm::cl::init(false)};
};

/// hypatia (tensors) -> linalg -> buffers -> loops -> LLVM dialect, for the
/// host CPU. By default, functions keep tensor-typed results as memref
/// results allocated by the callee (with malloc); callers own and free them.
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options = {});

/// hypatia (tensors) -> LLVM dialect for NVIDIA GPUs (the chips of the
/// module's #hypatia.target, attached with the CUDA defaults if missing):
/// linear layers as
/// calls of Hypatia's runtime (cuBLASLt), the remaining elementwise ops as
/// NVVM kernels in an embedded fatbin, buffers on the GPU. Tensor results
/// become output buffers the caller passes after the inputs.
void buildCUDAPipeline(mlir::OpPassManager &pm,
                       const CUDAPipelineOptions &options = {});

/// Registers `hypatia-cpu-pipeline` and `hypatia-cuda-pipeline`.
void registerPipelines();

} // namespace hypatia

#endif // HYPATIA_PIPELINES_PIPELINES_H
