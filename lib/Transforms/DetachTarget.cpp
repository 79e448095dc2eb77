//===- DetachTarget.cpp - Remove the module's #hypatia.target ---*- C++ -*-===//

#include "hypatia/Transforms/Passes.h"

#include "hypatia/Dialect/Hypatia/IR/Target.h"

#include "mlir/IR/BuiltinOps.h"

namespace hypatia {
#define GEN_PASS_DEF_DETACHTARGET
#include "hypatia/Transforms/Passes.h.inc"
} // namespace hypatia

using namespace mlir;

namespace {
struct DetachTargetPass
    : public hypatia::impl::DetachTargetBase<DetachTargetPass> {
  void runOnOperation() override {
    getOperation()->removeAttr(hypatia::kTargetAttrName);
  }
};
} // namespace
