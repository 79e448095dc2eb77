//===- BatchDims.cpp - A linear layer's batch dimensions as one -----------===//

#include "hypatia/Conversion/BatchDims.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"

using namespace mlir;
using namespace hypatia;

CollapsedInput hypatia::collapseBatchDims(OpBuilder &b, Location loc,
                                          Value input) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  CollapsedInput collapsed{input, {}};
  if (rank <= 2)
    return collapsed;
  ReassociationIndices batchDims;
  for (int64_t i = 0; i < rank - 1; ++i)
    batchDims.push_back(i);
  collapsed.reassociation = {batchDims, {rank - 1}};
  collapsed.matrix =
      tensor::CollapseShapeOp::create(b, loc, input, collapsed.reassociation);
  return collapsed;
}

Value hypatia::expandBatchDims(OpBuilder &b, Location loc, Value result,
                               Value input, const CollapsedInput &collapsed,
                               RankedTensorType resultType) {
  if (collapsed.reassociation.empty())
    return result;
  SmallVector<OpFoldResult> outputShape = tensor::getMixedSizes(b, loc, input);
  outputShape.back() = b.getIndexAttr(resultType.getShape().back());
  if (cast<RankedTensorType>(input.getType()).getNumDynamicDims() <= 1)
    return tensor::ExpandShapeOp::create(b, loc, resultType, result,
                                         collapsed.reassociation, outputShape);
  // LLVM 22's expand-strided-metadata crashes on a memref.expand_shape with
  // two dynamic sizes in one group, so such shapes are restored by a reshape
  // to an explicit shape instead.
  SmallVector<Value> shapeValues;
  for (OpFoldResult size : outputShape)
    shapeValues.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  Value shape = tensor::FromElementsOp::create(b, loc, shapeValues);
  return tensor::ReshapeOp::create(b, loc, resultType, result, shape);
}
