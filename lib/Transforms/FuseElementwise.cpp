//===- FuseElementwise.cpp - Bounded fusion of elementwise generics -------===//

#include "hypatia/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace hypatia {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "hypatia/Transforms/Passes.h.inc"
} // namespace hypatia

using namespace mlir;

/// The operations of `op`'s body (a linalg.generic's), its yield included.
static int64_t getBodySize(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic
             ? static_cast<int64_t>(generic.getBody()->getOperations().size())
             : 0;
}

namespace {
struct FuseElementwisePass
    : public hypatia::impl::FuseElementwiseBase<FuseElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    if (maxBodyOps < 1) {
      getOperation()->emitError()
          << "hypatia-fuse-elementwise: max-body-ops must be positive";
      return signalPassFailure();
    }
    int64_t limit = maxBodyOps;
    // A producer with one use (fusing it removes it, nothing is computed
    // twice) whose body and its consumer's fit the bound together.
    linalg::ControlFusionFn control = [limit](OpOperand *operand) {
      Operation *producer = operand->get().getDefiningOp();
      return producer && producer->hasOneUse() &&
             getBodySize(producer) + getBodySize(operand->getOwner()) <= limit;
    };
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
