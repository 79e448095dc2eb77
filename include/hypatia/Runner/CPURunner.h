//===- CPURunner.h - Run hypatia functions on the host CPU ------*- C++ -*-===//
//
// Compiles one function of a module through the CPU pipeline and LLVM's JIT
// and calls it on host tensors. This is the reference path that hypatia-run,
// the tests and the C API use.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_RUNNER_CPURUNNER_H
#define HYPATIA_RUNNER_CPURUNNER_H

#include "hypatia/Compiler/ModelSignature.h"
#include "hypatia/Support/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace hypatia {

/// The concrete shapes of `inputs` once their dynamic dimensions are given:
/// either one size for every dynamic dimension, or one size per dynamic
/// dimension in argument order.
llvm::Expected<llvm::SmallVector<llvm::SmallVector<int64_t>>>
resolveInputShapes(llvm::ArrayRef<mlir::RankedTensorType> inputs,
                   llvm::ArrayRef<int64_t> dynamicSizes);

/// A function compiled for the host CPU.
class CPUFunction {
public:
  /// Compiles function `name` of `module` (which is left untouched).
  /// Diagnostics from the lowering go to the context's handler.
  static llvm::Expected<std::unique_ptr<CPUFunction>>
  compile(mlir::ModuleOp module, llvm::StringRef name);
  ~CPUFunction();

  const TensorSignature &getSignature() const { return signature; }

  /// Calls the function. The inputs must match the signature (checked); they
  /// are only read. Returns the results as freshly owned host tensors.
  llvm::Expected<llvm::SmallVector<HostTensor>>
  run(llvm::ArrayRef<const HostTensor *> inputs);

private:
  CPUFunction(std::unique_ptr<mlir::ExecutionEngine> engine, std::string name,
              TensorSignature signature);

  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::string name;
  TensorSignature signature;
};

} // namespace hypatia

#endif // HYPATIA_RUNNER_CPURUNNER_H
