//===- BufferAlignment.h - Runtime alignment of buffers ---------*- C++ -*-===//
//
// Buffers reach generated code with their elements' alignment only (a
// PyTorch view may start at any element), so kernels that move wider vectors
// are chosen at run time, on the host, by where each buffer starts.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_CONVERSION_BUFFERALIGNMENT_H
#define HYPATIA_CONVERSION_BUFFERALIGNMENT_H

#include "mlir/IR/Builders.h"

namespace hypatia {

/// Bytes each thread of a generated elementwise kernel moves per operand
/// where buffers are aligned to them (ElementwiseToGPU), and so the unit in
/// which rows of a column block must come for it to use vectors.
constexpr int64_t kElementwiseVectorBytes = 16;

/// An i1: whether the first element of the memref `buffer` (its aligned
/// pointer plus its offset) lies at an address that is a multiple of `bytes`.
mlir::Value buildIsAddressAligned(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value buffer, int64_t bytes);

} // namespace hypatia

#endif // HYPATIA_CONVERSION_BUFFERALIGNMENT_H
