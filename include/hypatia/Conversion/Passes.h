//===- Passes.h - Hypatia conversion passes ---------------------*- C++ -*-===//

#ifndef HYPATIA_CONVERSION_PASSES_H
#define HYPATIA_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace hypatia {

#define GEN_PASS_DECL
#include "hypatia/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "hypatia/Conversion/Passes.h.inc"

} // namespace hypatia

#endif // HYPATIA_CONVERSION_PASSES_H
