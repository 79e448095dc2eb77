//===- DistinctResults.cpp - One buffer per returned tensor -----*- C++ -*-===//
//
// Works around llvm/llvm-project#219492 (LLVM 22's
// buffer-results-to-out-params crashes when two results, or a result and an
// argument, are the same buffer; fixed upstream after LLVM 22): each
// repeated or argument result is copied at the return.
//
//===----------------------------------------------------------------------===//

#include "hypatia/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"

namespace hypatia {
#define GEN_PASS_DEF_DISTINCTRESULTS
#include "hypatia/Transforms/Passes.h.inc"
} // namespace hypatia

using namespace mlir;

namespace {
struct DistinctResultsPass
    : public hypatia::impl::DistinctResultsBase<DistinctResultsPass> {
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      llvm::DenseSet<Value> seen;
      OpBuilder builder(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value value = operand.get();
        auto type = dyn_cast<RankedTensorType>(value.getType());
        bool inserted = seen.insert(value).second;
        if (!type || (inserted && !isa<BlockArgument>(value)))
          continue;
        // The copy's sizes are those of the value copied.
        operand.set(bufferization::AllocTensorOp::create(
            builder, ret.getLoc(), type, /*dynamicSizes=*/ValueRange(), value));
      }
    });
  }
};
} // namespace
