//===- Passes.h - Hypatia conversion passes ---------------------*- C++ -*-===//

#ifndef HYPATIA_CONVERSION_PASSES_H
#define HYPATIA_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace hypatia {

/// Discardable attributes of the linalg.generic that hypatia-to-linalg emits
/// as a linear layer's epilogue: the activation it applies, and whether it
/// adds a bias (its second input). --linalg-to-cublas reads them.
inline constexpr llvm::StringLiteral kEpilogueActivationAttrName =
    "hypatia.epilogue_activation";
inline constexpr llvm::StringLiteral kEpilogueHasBiasAttrName =
    "hypatia.epilogue_bias";

#define GEN_PASS_DECL
#include "hypatia/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "hypatia/Conversion/Passes.h.inc"

} // namespace hypatia

#endif // HYPATIA_CONVERSION_PASSES_H
