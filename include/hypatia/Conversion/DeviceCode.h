//===- DeviceCode.h - gpu.modules compiled for a chip ----------*- C++ -*-===//
//
// One place that turns a gpu.module in the NVVM dialect into PTX or a cubin
// for a chip, with the CUDA toolkit Hypatia was built with: the fatbin pass
// (a cubin per chip, PTX of the newest) and `hypatia-compile --emit=ptx`.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_CONVERSION_DEVICECODE_H
#define HYPATIA_CONVERSION_DEVICECODE_H

#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace hypatia {

/// `module` (in the NVVM dialect) compiled for `chip` (`sm_90`, ...): PTX
/// text for gpu::CompilationTarget::Assembly, an ELF cubin for Binary.
/// Errors (no toolkit, a failed compile) are emitted on the module.
mlir::FailureOr<llvm::SmallVector<char, 0>>
compileDeviceCode(mlir::gpu::GPUModuleOp module, llvm::StringRef chip,
                  mlir::gpu::CompilationTarget format);

} // namespace hypatia

#endif // HYPATIA_CONVERSION_DEVICECODE_H
