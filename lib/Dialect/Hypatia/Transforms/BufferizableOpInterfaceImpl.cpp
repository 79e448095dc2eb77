//===- BufferizableOpInterfaceImpl.cpp - Bufferizing hypatia ops ----------===//

#include "hypatia/Dialect/Hypatia/Transforms/BufferizableOpInterfaceImpl.h"
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace hypatia;

namespace {

/// A destination-passing hypatia op that overwrites its init (a library call
/// or a generated kernel): on buffers it is the same op, with each tensor
/// operand replaced by its buffer and no result.
template <typename OpTy>
struct OverwritingDestinationInterface
    : public DstBufferizableOpInterfaceExternalModel<
          OverwritingDestinationInterface<OpTy>, OpTy> {
  /// The destination is only written (all of it), so its old contents need
  /// not be kept or copied.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    OperationState bufferForm(op->getLoc(), op->getName(), buffers,
                              /*types=*/TypeRange(), op->getAttrs());
    rewriter.create(bufferForm);
    // The result is the init's buffer.
    auto destination = cast<DestinationStyleOpInterface>(op);
    replaceOpWithBufferizedValues(
        rewriter, op,
        buffers[destination.getDpsInitOperand(0)->getOperandNumber()]);
    return success();
  }
};

} // namespace

void hypatia::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, HypatiaDialect *) {
    LibraryLinearOp::attachInterface<
        OverwritingDestinationInterface<LibraryLinearOp>>(*context);
    MLPKernelOp::attachInterface<OverwritingDestinationInterface<MLPKernelOp>>(
        *context);
  });
}
