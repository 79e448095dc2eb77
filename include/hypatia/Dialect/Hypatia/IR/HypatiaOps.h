//===- HypatiaOps.h - Hypatia operations ------------------------*- C++ -*-===//

#ifndef HYPATIA_DIALECT_HYPATIA_IR_HYPATIAOPS_H
#define HYPATIA_DIALECT_HYPATIA_IR_HYPATIAOPS_H

#include "hypatia/Dialect/Hypatia/IR/HypatiaDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "hypatia/Dialect/Hypatia/IR/HypatiaEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "hypatia/Dialect/Hypatia/IR/HypatiaAttrs.h.inc"

namespace hypatia {
namespace detail {
/// Checks the shapes and element types of a linear layer (see
/// LinearLayerOpInterface). Emits an error naming the mismatching dimensions.
mlir::LogicalResult verifyLinearLayer(mlir::Operation *op);
} // namespace detail

/// The activation a gelu op with the given approximation computes.
Activation getGeluActivation(GeluApproximation approximate);
} // namespace hypatia

#include "hypatia/Dialect/Hypatia/IR/HypatiaInterfaces.h.inc"

#define GET_OP_CLASSES
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h.inc"

#endif // HYPATIA_DIALECT_HYPATIA_IR_HYPATIAOPS_H
