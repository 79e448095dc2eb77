//===- ScalarActivations.h - Activations in linalg bodies -------*- C++ -*-===//
//
// The scalar arithmetic of Hypatia's activations in linalg bodies, for every
// path (the CPU reference and the CUDA path's elementwise kernels alike), so
// that an activation means the same thing everywhere.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_CONVERSION_SCALARACTIVATIONS_H
#define HYPATIA_CONVERSION_SCALARACTIVATIONS_H

#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"

#include "mlir/IR/Builders.h"

namespace hypatia {

/// The type matrix products accumulate in and epilogues and activations are
/// evaluated in, for tensors of `elementType`: f32 for f16/bf16 (as PyTorch
/// and cuBLAS do), f32 or f64 for f32.
mlir::Type getComputeType(mlir::Type elementType, bool computeF32InF64);

/// Widens a scalar to `type` (a no-op if it has it).
mlir::Value extendTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                     mlir::Type type);
/// Rounds a scalar to `type` (a no-op if it has it).
mlir::Value truncateTo(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value value, mlir::Type type);

/// Applies `activation` to a scalar of a float type.
mlir::Value buildActivation(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value v, Activation activation);

/// `grad * activation'(x)` for scalars of one float type, as PyTorch's
/// backward ops compute it (see hypatia.activation_grad).
mlir::Value buildActivationGrad(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value grad, mlir::Value x,
                                Activation activation);

} // namespace hypatia

#endif // HYPATIA_CONVERSION_SCALARACTIVATIONS_H
