//===- Passes.h - Hypatia transformation passes -----------------*- C++ -*-===//

#ifndef HYPATIA_TRANSFORMS_PASSES_H
#define HYPATIA_TRANSFORMS_PASSES_H

#include "hypatia/Dialect/Hypatia/IR/HypatiaDialect.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace hypatia {

#define GEN_PASS_DECL
#include "hypatia/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "hypatia/Transforms/Passes.h.inc"

} // namespace hypatia

#endif // HYPATIA_TRANSFORMS_PASSES_H
