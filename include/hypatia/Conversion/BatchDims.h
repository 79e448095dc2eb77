//===- BatchDims.h - A linear layer's batch dimensions as one ---*- C++ -*-===//
//
// A linear layer multiplies `[batch..., K]` by `[N, K]^T`: every lowering
// sees the input as the matrix `[M, K]` (the batch dimensions collapsed) and
// restores the batch dimensions on the `[M, N]` result.
//
//===----------------------------------------------------------------------===//

#ifndef HYPATIA_CONVERSION_BATCHDIMS_H
#define HYPATIA_CONVERSION_BATCHDIMS_H

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Builders.h"

namespace hypatia {

/// `input` ([batch..., K]) as [M, K], with the reassociation that collapsed
/// it (empty when `input` is already 2-D).
struct CollapsedInput {
  mlir::Value matrix;
  llvm::SmallVector<mlir::ReassociationIndices> reassociation;
};
CollapsedInput collapseBatchDims(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value input);

/// The [M, N] `result` of a layer on `input`, reshaped to `resultType`
/// ([batch..., N]).
mlir::Value expandBatchDims(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value result, mlir::Value input,
                            const CollapsedInput &collapsed,
                            mlir::RankedTensorType resultType);

} // namespace hypatia

#endif // HYPATIA_CONVERSION_BATCHDIMS_H
