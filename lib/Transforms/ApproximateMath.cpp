//===- ApproximateMath.cpp - erf and tanh as polynomials --------*- C++ -*-===//

#include "hypatia/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace hypatia {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "hypatia/Transforms/Passes.h.inc"
} // namespace hypatia

using namespace mlir;

namespace {
struct ApproximateMathPass
    : public hypatia::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // The approximations are for f32 operands only; f64 stays with libm.
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      return name == math::ErfOp::getOperationName() ||
             name == math::TanhOp::getOperationName() ||
             name == math::ExpOp::getOperationName();
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
