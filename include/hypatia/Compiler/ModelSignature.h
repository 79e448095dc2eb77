//===- ModelSignature.h - What compiled functions take and return -*- C++
//-*-===//
//
// The tensors a public function of a hypatia module takes and returns, and,
// for a compiled model's C ABI (Model.h), which input size each dynamic size
// of a result equals, so that callers can allocate results for any batch.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_COMPILER_MODELSIGNATURE_H
#define HYPATIA_COMPILER_MODELSIGNATURE_H

#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"
#include "hypatia/Support/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include <vector>

#include <optional>

namespace hypatia {

/// The tensor types a runnable function takes and returns.
struct TensorSignature {
  llvm::SmallVector<mlir::RankedTensorType> inputs;
  llvm::SmallVector<mlir::RankedTensorType> results;
};

/// Reads `func`'s signature. Emits an error at the function's location and
/// fails if an argument or result is not a ranked f32/f16/bf16 tensor.
mlir::FailureOr<TensorSignature> getTensorSignature(mlir::func::FuncOp func);

/// The concrete shapes of `inputs` once their dynamic dimensions are given:
/// either one size for every dynamic dimension, or one size per dynamic
/// dimension in argument order.
llvm::Expected<llvm::SmallVector<llvm::SmallVector<int64_t>>>
resolveInputShapes(llvm::ArrayRef<mlir::RankedTensorType> inputs,
                   llvm::ArrayRef<int64_t> dynamicSizes);

/// Where a dynamic size of a result comes from: dimension `dim` of input
/// `input`.
struct SizeSource {
  unsigned input;
  unsigned dim;
};

/// A public function as a compiled model exports it.
struct FunctionABI {
  /// The name callers look the function up by.
  std::string name;
  /// The name of its code in the compiled object: one of Hypatia's own
  /// (hypatia_impl_N) once compileToLLVMIR renamed it, so that no user
  /// function can take a C library symbol's name (@expf, @malloc).
  std::string symbol;
  TensorSignature signature;
  /// Per result, per dimension: the source of each dynamic size (none at
  /// static dimensions).
  llvm::SmallVector<llvm::SmallVector<std::optional<SizeSource>>> resultSizes;
};

/// The public functions of `module`, in order. Emits an error (with the
/// function's or the result's location) and fails for a signature the C ABI
/// cannot express: non-tensor or unsupported element types, ranks above 16,
/// or a dynamic result size that is not an input's size.
mlir::FailureOr<std::vector<FunctionABI>>
analyzeModelABI(mlir::ModuleOp module);

} // namespace hypatia

#endif // HYPATIA_COMPILER_MODELSIGNATURE_H
