//===- BufferizableOpInterfaceImpl.cpp - Bufferizing hypatia ops ----------===//

#include "hypatia/Dialect/Hypatia/Transforms/BufferizableOpInterfaceImpl.h"
#include "hypatia/Dialect/Hypatia/IR/HypatiaOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace hypatia;

namespace {

struct LibraryLinearOpInterface
    : public DstBufferizableOpInterfaceExternalModel<LibraryLinearOpInterface,
                                                     LibraryLinearOp> {
  /// The destination is only written (the GEMM overwrites all of it), so its
  /// old contents need not be kept or copied.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto linear = cast<LibraryLinearOp>(op);
    auto buffer = [&](Value value) -> FailureOr<Value> {
      if (!value)
        return Value();
      return getBuffer(rewriter, value, options, state);
    };
    FailureOr<Value> input = buffer(linear.getInput());
    FailureOr<Value> weight = buffer(linear.getWeight());
    FailureOr<Value> bias = buffer(linear.getBias());
    FailureOr<Value> init = buffer(linear.getInit());
    if (failed(input) || failed(weight) || failed(bias) || failed(init))
      return failure();
    rewriter.setInsertionPoint(op);
    LibraryLinearOp::create(rewriter, op->getLoc(), TypeRange(), *input,
                            *weight, *bias, *init, linear.getEpilogueAttr(),
                            linear.getAllowTf32Attr());
    replaceOpWithBufferizedValues(rewriter, op, *init);
    return success();
  }
};

} // namespace

void hypatia::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, HypatiaDialect *) {
    LibraryLinearOp::attachInterface<LibraryLinearOpInterface>(*context);
  });
}
